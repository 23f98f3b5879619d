/**
 * Builds the package's browser entry (`stylecast-nst/web`): src/web bundled into dist/browser/ as minified
 * ESM, with onnxruntime-web left as a bare import for the page's bundler or import map. The types come
 * from tsc (dist/web/*.d.ts). Two levels under the package root, like src/web, so the built-in models
 * resolve as `../../models/<name>.onnx` from both.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../src/serve/build.js';

export const BROWSER_DIST = join(REPO_ROOT, 'dist', 'browser');

export interface EntrySize {
  /** The entry's own minified JavaScript (every file in dist/browser/), onnxruntime-web excluded. */
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly files: readonly string[];
}

export async function buildBrowserEntry(outDir = BROWSER_DIST): Promise<EntrySize> {
  const { build } = await import('rolldown').catch(() => {
    throw new Error('building the browser entry needs rolldown (a dev dependency): run npm install');
  });
  await rm(outDir, { recursive: true, force: true });
  // Two builds, so the worker shares no chunk with the page's entry: a bundler that re-bundles the
  // package (Vite's default 'iife' worker format cannot split chunks) gets one self-contained file.
  for (const name of ['index', 'worker']) await buildOne(build, { [name]: join(REPO_ROOT, `src/web/${name}.ts`) }, outDir);
  return entrySize(outDir);
}

async function buildOne(build: typeof import('rolldown').build, input: Record<string, string>, outDir: string): Promise<void> {
  await build({
    input,
    platform: 'browser',
    external: /^onnxruntime-web(\/|$)/,
    logLevel: 'warn',
    plugins: [
      {
        // The link names its worker by source file; in the bundle it is the 'worker' entry.
        name: 'stylecast-worker-url',
        transform(code, id) {
          if (!id.endsWith('/src/web/link.ts')) return null;
          if (!code.includes("new URL('./worker.ts', import.meta.url)")) throw new Error('link.ts no longer creates its worker from ./worker.ts');
          return code.replace("new URL('./worker.ts', import.meta.url)", "new URL('./worker.js', import.meta.url)");
        },
      },
    ],
    output: { dir: outDir, format: 'esm', minify: true, entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
  });
}

export async function entrySize(dir = BROWSER_DIST): Promise<EntrySize> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).sort();
  if (!files.includes('index.js')) throw new Error(`no browser entry in ${dir}: run npm run build:web`);
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const b = await readFile(join(dir, f));
    bytes += b.length;
    gzipBytes += gzipSync(b, { level: 9 }).length;
  }
  return { bytes, gzipBytes, files };
}

/** True when dist/browser is missing or older than a file under src/ (the entry bundles parts of it). */
export async function isBrowserEntryStale(dir = BROWSER_DIST): Promise<boolean> {
  const built = await stat(join(dir, 'index.js')).then((s) => s.mtimeMs, () => undefined);
  if (built === undefined) return true;
  const newest = async (d: string): Promise<number> => {
    let n = 0;
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      n = Math.max(n, e.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
    }
    return n;
  };
  return (await newest(join(REPO_ROOT, 'src'))) > built;
}
