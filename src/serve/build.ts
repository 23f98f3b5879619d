import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The app's sources (web/) and build output (web/dist), found from this file in src/ or dist/. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = join(REPO_ROOT, 'web');
export const WEB_DIST = join(WEB_ROOT, 'dist');

// The app is built on the browser entry (src/web), which bundles Node-free modules from across src/.
const SHARED_ROOT = join(REPO_ROOT, 'src');

const mtime = (p: string) => stat(p).then((s) => s.mtimeMs, () => undefined);

async function newestUnder(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestUnder(p) : ((await mtime(p)) ?? 0));
  }
  return newest;
}

/** Newest modification time of the app's inputs, or undefined when the sources are not here (an installed package). */
export async function sourcesMtime(root = WEB_ROOT): Promise<number | undefined> {
  const html = await mtime(join(root, 'index.html'));
  if (html === undefined) return undefined;
  return Math.max(html, await newestUnder(join(root, 'src')), await newestUnder(SHARED_ROOT));
}

/** True when web/dist is missing or older than any of its sources. */
export async function isStale(root = WEB_ROOT, dist = join(root, 'dist')): Promise<boolean> {
  const built = await mtime(join(dist, 'index.html'));
  const src = await sourcesMtime(root);
  if (src === undefined) {
    if (built === undefined) throw new Error(`web app is not built (${dist}) and its sources are missing`);
    return false;
  }
  return built === undefined || built < src;
}

/**
 * Build the app with Vite into a temp folder, then swap it in, so a server never sees half a build
 * and an interrupted build leaves the old one.
 */
export async function buildApp(root = WEB_ROOT, dist = join(root, 'dist')): Promise<void> {
  const { build } = await import('vite').catch(() => {
    throw new Error('building the web app needs vite (a dev dependency): run npm install');
  });
  const tmp = `${dist}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await build({
      root,
      configFile: false,
      logLevel: 'warn',
      clearScreen: false,
      publicDir: false,
      base: '/',
      build: { outDir: tmp, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
      worker: { format: 'es' },
    });
    await rm(dist, { recursive: true, force: true });
    await rename(tmp, dist);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Build when needed; returns whether a build ran. */
export async function ensureBuilt(opts: { force?: boolean; root?: string } = {}): Promise<boolean> {
  const root = opts.root ?? WEB_ROOT;
  if (!opts.force && !(await isStale(root))) return false;
  await buildApp(root);
  return true;
}
