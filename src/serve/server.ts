import { createReadStream } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { DEFAULT_MODEL, REGISTRY, type SpeedClass } from '../io/registry.js';
import { defaultStore, isCached, type StoreOptions } from '../io/store.js';
import { loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import { WEB_DIST } from './build.js';

export interface ServeOptions {
  /** Port; 0 picks a free one. Defaults to 8080. */
  readonly port?: number;
  /** Interface to listen on. Defaults to 127.0.0.1 (the camera needs localhost or https anyway). */
  readonly host?: string;
  /** Also offer every .onnx file in this directory, by file name (shadowing a registered name). */
  readonly modelsDir?: string;
  /** Built app; defaults to web/dist. */
  readonly distDir?: string;
  readonly store?: StoreOptions;
}

export interface ModelListing {
  readonly id: string;
  readonly title: string;
  /** 'builtin': a registered teacher (mirror or cache); 'file': from the models directory. */
  readonly kind: 'builtin' | 'file';
  readonly license?: string;
  /** Registered style models: 'real-time', 'balanced' or 'full' (the picker groups by it). */
  readonly speed?: SpeedClass;
  /** Pixels of mirrored context to run it with (the teachers': see AssetEntry.context); absent for 0. */
  readonly context?: number;
}

export interface AppServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const MODEL_ID = /^[\w.-]{1,128}$/;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.onnx': 'application/octet-stream',
};

const exists = (p: string) => access(p).then(() => true, () => false);

const SPEED_ORDER: readonly SpeedClass[] = ['real-time', 'balanced', 'full'];

/** Registered models that can be loaded without a network: bundled, in the cache or in the offline mirror. */
export async function availableTeachers(store: StoreOptions): Promise<ModelListing[]> {
  const rows = await Promise.all(
    REGISTRY.filter((e) => e.kind !== 'loss-network').map(async (e) => {
      const ok =
        e.bundled === true ||
        (await isCached(e, store)) ||
        (store.mirror !== undefined && (await exists(join(store.mirror, e.path))));
      return ok ? { id: e.name, title: e.title, kind: 'builtin' as const, license: e.license, ...(e.speed ? { speed: e.speed } : {}), ...(e.context ? { context: e.context } : {}) } : undefined;
    }),
  );
  // The default (a real-time student) first, so the app starts live; then fastest class first.
  const rank = (m: ModelListing) => (m.id === DEFAULT_MODEL ? -1 : SPEED_ORDER.indexOf(m.speed ?? 'full'));
  return rows.filter((r) => r !== undefined).sort((a, b) => rank(a) - rank(b));
}

async function fileModels(dir: string | undefined): Promise<ModelListing[]> {
  if (!dir) return [];
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read models directory ${dir} (${e.code ?? e.message})`);
  });
  return names
    .filter((n) => /\.onnx$/i.test(n) && MODEL_ID.test(n.slice(0, -5)))
    .sort()
    .map((n) => ({ id: n.slice(0, -5), title: n.slice(0, -5), kind: 'file' as const }));
}

/** The style picker's list: files from the models directory first, then registered teachers. */
export async function listAppModels(opts: ServeOptions): Promise<ModelListing[]> {
  const files = await fileModels(opts.modelsDir);
  const taken = new Set(files.map((f) => f.id));
  const teachers = (await availableTeachers(opts.store ?? defaultStore())).filter((t) => !taken.has(t.id));
  return [...files, ...teachers];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Start the app server: the built app (onnxruntime-web bundled in it), the model list and model files.
 * Every response is cross-origin isolated (COOP/COEP), which WASM threads need for SharedArrayBuffer.
 */
export async function startServer(opts: ServeOptions = {}): Promise<AppServer> {
  const dist = resolve(opts.distDir ?? WEB_DIST);
  const store = opts.store ?? defaultStore();
  if (opts.modelsDir) await fileModels(opts.modelsDir);

  // Teachers take seconds to import; keep the few most recently used in memory.
  const models = new Map<string, Promise<LoadedModel>>();
  const getModel = async (id: string): Promise<LoadedModel> => {
    const file = opts.modelsDir ? join(opts.modelsDir, `${id}.onnx`) : undefined;
    const st = file ? await stat(file).catch(() => undefined) : undefined;
    let spec: string;
    if (st?.isFile()) spec = file!;
    else if (REGISTRY.some((e) => e.name === id && e.kind !== 'loss-network')) spec = id;
    else throw new HttpError(404, `unknown style model '${id}'`);
    const key = st ? `${spec}:${st.mtimeMs}:${st.size}` : spec;
    let p = models.get(key);
    if (p) {
      models.delete(key);
    } else {
      p = loadModel(spec, store);
      p.catch(() => models.delete(key));
    }
    models.set(key, p);
    while (models.size > 4) models.delete(models.keys().next().value!);
    return p;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method} not allowed`);
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      throw new HttpError(400, 'malformed URL');
    }

    if (path === '/api/models') {
      const body = JSON.stringify({ models: await listAppModels({ ...opts, store }) });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const m = /^\/api\/models\/(.+)\.onnx$/.exec(path);
    if (m) {
      const id = m[1]!;
      if (!MODEL_ID.test(id)) throw new HttpError(400, `bad model name '${id}'`);
      let model: LoadedModel;
      try {
        model = await getModel(id);
      } catch (e) {
        if (e instanceof HttpError) throw e;
        throw new HttpError(422, (e as Error).message.split('\n')[0]!);
      }
      // The model file itself (ONNX + metadata): the browser entry decodes it and picks the fast graph.
      res.writeHead(200, { 'Content-Type': MIME['.onnx']!, 'Content-Length': model.onnx.byteLength, 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : model.onnx);
      return;
    }
    if (path.startsWith('/api/')) throw new HttpError(404, `no API route ${path}`);
    const file = resolve(dist, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (file !== dist && !file.startsWith(dist + sep)) throw new HttpError(403, 'path outside the app');
    // Hashed assets never change; index.html must be re-read so a rebuild is picked up.
    return sendFile(req, res, file, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const msg = (e as Error).message.split('\n')[0]!;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${msg}\n`);
    });
  });

  const port = opts.port ?? 8080;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(new Error(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; pick another with --port` : `cannot listen on ${host}:${port} (${e.code ?? e.message})`)),
    );
    server.listen(port, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cache: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new HttpError(404, `not found: ${req.url}`);
  res.writeHead(200, {
    'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Cache-Control': cache,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const s = createReadStream(file);
    s.on('error', fail);
    res.on('close', () => {
      s.destroy();
      ok();
    });
    s.pipe(res);
  });
}
