import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetEntry } from './registry.js';

/**
 * The model store: named assets -> local directory. Looks in the cache, then in an offline mirror
 * (a directory laid out like ../shared/assets), then downloads from the public URL. Every file is
 * checked against its sha256 before use; a mismatch is an error and the file is not used.
 */
export interface StoreOptions {
  /** Offline mirror root; defaults to $STYLECAST_MIRROR. */
  readonly mirror?: string;
  /** Cache root; defaults to $STYLECAST_CACHE or ~/.cache/stylecast. */
  readonly cacheDir?: string;
  /** Injected for tests; defaults to global fetch. */
  readonly fetch?: typeof fetch;
  /** Called as files arrive during a download. */
  readonly onDownload?: (e: { name: string; file: string; done: number; total: number }) => void;
}

export function defaultStore(): StoreOptions {
  return {
    ...(process.env.STYLECAST_MIRROR ? { mirror: process.env.STYLECAST_MIRROR } : {}),
    cacheDir: process.env.STYLECAST_CACHE ?? join(homedir(), '.cache', 'stylecast'),
  };
}

export const cacheRoot = (opts: StoreOptions) => opts.cacheDir ?? defaultStore().cacheDir!;

/** One digest over all of an asset's file hashes: names its cached conversions. */
export function assetDigest(e: AssetEntry): string {
  return createHash('sha256').update(JSON.stringify(Object.entries(e.files).sort())).digest('hex');
}

/** Where a teacher converted to a stylecast model file is cached (by loadModel), keyed by its source files' digest. */
export const convertedModelPath = (e: AssetEntry, opts: StoreOptions) => join(cacheRoot(opts), 'models', `${e.name}-${assetDigest(e).slice(0, 16)}.onnx`);

/** Whether the cache can supply the asset with no mirror or network: its verified files, or its converted model file. */
export async function isCached(e: AssetEntry, opts: StoreOptions = defaultStore()): Promise<boolean> {
  const verified = (await readFile(join(cacheRoot(opts), 'assets', e.path, '.verified'), 'utf8').catch(() => '')) === assetDigest(e);
  return verified || (await exists(convertedModelPath(e, opts)));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function verifyDir(e: AssetEntry, dir: string, where: string): Promise<void> {
  for (const [file, want] of Object.entries(e.files)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, file));
    } catch {
      throw new Error(`model ${e.name}: ${where} lacks ${join(dir, file)}`);
    }
    const got = sha256(bytes);
    if (got !== want) {
      throw new Error(`model ${e.name}: checksum mismatch for ${join(dir, file)} (sha256 ${got.slice(0, 12)}..., expected ${want.slice(0, 12)}...); the file was not used`);
    }
  }
}

/** Local directory holding the verified files of an asset. */
export async function resolveAsset(e: AssetEntry, opts: StoreOptions = defaultStore()): Promise<string> {
  if (e.bundled) {
    // Resolved from this module's location, which is one level below the package root in src/ and dist/.
    const dir = fileURLToPath(new URL(`../../${e.path}`, import.meta.url));
    await verifyDir(e, dir, 'the package');
    return dir;
  }
  const digest = assetDigest(e);
  const cached = join(cacheRoot(opts), 'assets', e.path);
  const marker = join(cached, '.verified');
  if ((await readFile(marker, 'utf8').catch(() => '')) === digest) return cached;

  if (opts.mirror && (await exists(join(opts.mirror, e.path)))) {
    const dir = join(opts.mirror, e.path);
    await verifyDir(e, dir, `mirror ${opts.mirror}`);
    return dir;
  }
  if (!e.url) {
    throw new Error(
      `model ${e.name} is not cached and has no download URL in this layout; set STYLECAST_MIRROR to an offline mirror holding ${e.path} (origin: ${e.source})`,
    );
  }
  return download(e, cached, digest, opts);
}

/**
 * A teacher's style image from the offline mirror, checked against its sha256. Style images have no
 * download URL: artworks' copyrights vary, so only a mirror (or an explicit --style) supplies them.
 */
export async function resolveStyleImage(e: AssetEntry, opts: StoreOptions = defaultStore()): Promise<string> {
  if (!e.styleImage) throw new Error(`model ${e.name} names no style image; pass --style <image>`);
  if (!opts.mirror) throw new Error(`model ${e.name}: its style image ${e.styleImage.path} comes from the offline mirror; set STYLECAST_MIRROR or pass --style <image>`);
  const path = join(opts.mirror, e.styleImage.path);
  const bytes = await readFile(path).catch(() => {
    throw new Error(`model ${e.name}: mirror ${opts.mirror} lacks ${e.styleImage!.path}; pass --style <image>`);
  });
  const got = sha256(bytes);
  if (got !== e.styleImage.sha256) throw new Error(`model ${e.name}: checksum mismatch for ${path} (sha256 ${got.slice(0, 12)}..., expected ${e.styleImage.sha256.slice(0, 12)}...); the file was not used`);
  return path;
}

async function download(e: AssetEntry, target: string, digest: string, opts: StoreOptions): Promise<string> {
  const doFetch = opts.fetch ?? fetch;
  const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { recursive: true });
  try {
    const files = Object.entries(e.files);
    let done = 0;
    for (const [file, want] of files) {
      const url = `${e.url}/${file}`;
      let bytes: Uint8Array;
      try {
        const res = await doFetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        throw new Error(`model ${e.name}: cannot download ${url} (${(err as Error).message}); set STYLECAST_MIRROR to use an offline mirror`);
      }
      const got = sha256(bytes);
      if (got !== want) throw new Error(`model ${e.name}: checksum mismatch for ${url} (sha256 ${got.slice(0, 12)}..., expected ${want.slice(0, 12)}...); the file was not used`);
      await writeFile(join(tmp, file), bytes);
      opts.onDownload?.({ name: e.name, file, done: ++done, total: files.length });
    }
    await writeFile(join(tmp, '.verified'), digest);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return target;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
