/**
 * The one module of the browser entry that imports onnxruntime-web (resolved by the page's bundler or
 * import map). Everything else talks to {@link WebSession}, the same {@link Session} that
 * ../runtime/ort.ts gives Node.
 */
import type * as Ort from 'onnxruntime-web';
import type { DType, Tensor } from '../graph/tensor.js';
import type { Feeds, Fetches, Session } from '../runtime/session.js';
import type { Backend } from './backend.js';
import type { ToWorker } from './protocol.js';
import { BackendUnavailableError } from './errors.js';

type OrtModule = typeof Ort;

/**
 * Settings read when onnxruntime-web is first loaded (set them before the first model runs).
 *
 * @example
 * import { env } from 'stylecast-nst/web';
 * env.wasmPaths = 'https://example.com/ort/'; // where ort-wasm-simd-threaded*.wasm are served
 */
export interface WebEnv {
  /** Folder (URL ending in '/') holding onnxruntime-web's .wasm files. Defaults to onnxruntime-web's own location. */
  wasmPaths?: string;
  /** Most WASM threads. Defaults to min(cores, 8) on a cross-origin isolated page, else 1 (threads need SharedArrayBuffer). */
  threads?: number;
}

export const env: WebEnv = {};

/**
 * onnxruntime-web's build for each backend, by the package's own export names: the plain WASM build is
 * the fastest on CPU; the WebGPU build runs the native WebGPU EP (the default build's older JSEP kernels
 * reject some of our convs). A page's import map must name both.
 */
const ORT_SPECIFIERS: Readonly<Record<Backend, string>> = Object.freeze({ wasm: 'onnxruntime-web/wasm', webgpu: 'onnxruntime-web/webgpu' });

/** Module URLs set by the page for a worker, which may not see the page's import map. */
export const ortUrls: Partial<Record<Backend, string>> = {};

/** The URLs the page's import map gives onnxruntime-web's builds (none under a bundler). */
export function importMappedOrt(): Partial<Record<Backend, string>> {
  const urls: Partial<Record<Backend, string>> = {};
  for (const b of Object.keys(ORT_SPECIFIERS) as Backend[]) {
    try {
      const url = import.meta.resolve?.(ORT_SPECIFIERS[b]);
      if (url && /^(https?|blob|data|file):/.test(url)) urls[b] = url;
    } catch {
      // Not mapped: a bundler resolved the literal imports below instead.
    }
  }
  return urls;
}

/** The page's onnxruntime-web settings for a worker, which sees neither its import map nor `env`. */
export function ortSettings(): Pick<Extract<ToWorker, { type: 'load' }>, 'ortUrls' | 'wasmPaths' | 'threads'> {
  const base = (globalThis as { document?: { baseURI: string } }).document?.baseURI;
  return {
    ortUrls: importMappedOrt(),
    ...(env.wasmPaths ? { wasmPaths: new URL(env.wasmPaths, base).href } : {}),
    ...(env.threads !== undefined ? { threads: env.threads } : {}),
  };
}

function wasmThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency || 1;
  return isolated ? Math.max(1, Math.min(env.threads ?? 8, cores)) : 1;
}

const modules = new Map<Backend, Promise<OrtModule>>();

// Literal specifiers, so bundlers see and resolve them.
const importBuild = (b: Backend): Promise<OrtModule> => {
  const url = ortUrls[b];
  if (url) return import(/* @vite-ignore */ url) as Promise<OrtModule>;
  return b === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
};

/**
 * In one of onnxruntime-web's WASM threads that loaded the inference worker's own file (a bundler
 * inlined onnxruntime-web into it, as Vite's default worker format does): evaluate the WASM build,
 * whose module code starts the thread. Elsewhere the thread loads that build's own file directly.
 */
export function startWasmThread(): void {
  void importBuild('wasm');
}

export function loadOrt(backend: Backend): Promise<OrtModule> {
  let m = modules.get(backend);
  if (!m) {
    m = importBuild(backend).then(
      (ort) => {
        if (env.wasmPaths) ort.env.wasm.wasmPaths = env.wasmPaths;
        // WebGPU runs the network on the GPU. Its build stays on one CPU thread so that only the WASM
        // build ever starts WASM threads, which a worker bundled as one file must start itself (startWasmThread).
        ort.env.wasm.numThreads = backend === 'wasm' ? wasmThreads() : 1;
        // Runs already happen off the page's main thread (our inference worker): onnxruntime's proxy
        // worker would only add a hop (bench/backends.ts times both).
        ort.env.wasm.proxy = false;
        return ort;
      },
      (e: Error) => {
        modules.delete(backend);
        // onnxruntime-web is an optional peer dependency (Node users never need it): say how to get it.
        throw new BackendUnavailableError(
          `cannot load onnxruntime-web's ${backend} build '${ORT_SPECIFIERS[backend]}' (${e.message}): run \`npm install onnxruntime-web\` (and, without a bundler, map '${ORT_SPECIFIERS[backend]}' in the page's import map)`,
        );
      },
    );
    modules.set(backend, m);
  }
  return m;
}

let open = 0;

/** Sessions created and not yet released in this thread (leak checks). */
export const openSessions = () => open;

/** onnxruntime-web's session as a {@link Session}, plus where it runs. Runs are serialised (one at a time). */
export interface WebSession extends Session {
  readonly backend: Backend;
  /** WASM threads (0 on WebGPU). */
  readonly threads: number;
  /** Wall time of the last successful run() in ms, waiting for earlier runs included (as its caller saw it). */
  readonly lastRunMs: number;
}

/** A host copy of an output; GPU outputs are downloaded and their GPU buffers freed. */
async function toHost(y: Ort.Tensor): Promise<Tensor> {
  try {
    const data = y.location === 'cpu' ? y.data : await y.getData();
    return { dtype: y.type as DType, dims: y.dims, data: data as Tensor['data'] };
  } finally {
    if (y.location !== 'cpu') y.dispose();
  }
}

/** A session for a style network's graph (the pixel graph of models/pixel-io.ts, which names its input and output). */
export async function createSession(onnx: Uint8Array, backend: Backend): Promise<WebSession> {
  const ort = await loadOrt(backend);
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, { executionProviders: [backend], graphOptimizationLevel: 'all' });
  } catch (e) {
    // The model file was decoded and checked before this, so a failure here is the backend's.
    throw new BackendUnavailableError(`onnxruntime-web cannot run on '${backend}' here: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  open++;
  let released = false;
  let chain: Promise<unknown> = Promise.resolve();
  const release = async () => {
    if (released) return;
    released = true;
    open--;
    await chain.catch(() => undefined);
    await session.release();
  };
  const runOnce = async (feeds: Feeds, outputs: readonly string[] | undefined): Promise<Fetches> => {
    if (released) throw new Error('session was released');
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(v.dtype, v.data as Ort.Tensor.DataType, v.dims);
    const res = outputs ? await session.run(ortFeeds, outputs as string[]) : await session.run(ortFeeds);
    const out: Fetches = {};
    for (const [k, v] of Object.entries(res)) out[k] = await toHost(v);
    return out;
  };
  const ws = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    backend,
    threads: backend === 'wasm' ? (ort.env.wasm.numThreads ?? 1) : 0,
    lastRunMs: 0,
    run: (feeds: Feeds, outputs?: readonly string[]) => {
      const t0 = performance.now();
      const p = chain.then(() => runOnce(feeds, outputs));
      chain = p.catch(() => undefined);
      return p.then((r) => {
        ws.lastRunMs = performance.now() - t0;
        return r;
      });
    },
    endProfiling: () => undefined,
    release,
  };
  return ws;
}
