/**
 * What a user installs: `npm pack` (which builds dist/ first), the tarball installed into a temporary
 * project outside the repo, then the CLI, a Node import, a page built by Vite with its default config
 * and the import-map page, all on the installed copy. Offline: the project's dependencies are links to
 * this repo's installed ones, so npm installs only the tarball itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { REPO_ROOT } from '../../src/serve/build.js';
import { launchChromium, needsBrowser } from '../helpers/browser.js';
import { serveStatic } from '../helpers/static.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const NAME = 'stylecast-nst';
const dir = tempDir('stylecast-pack-');
const project = join(dir, 'project');
const installed = join(project, 'node_modules', NAME);
// No download at install time, and no mirror: a user has neither.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', STYLECAST_CACHE: join(dir, 'cache'), STYLECAST_MIRROR: '' };
const noBrowser = needsBrowser();

interface PackEntry {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: readonly { readonly path: string }[];
}
let packed: PackEntry;
let browser: Browser | undefined;

/** `npm pack --json` after the prepare script's build output, which shares stdout. */
function parsePack(stdout: string): PackEntry {
  const start = stdout.search(/^\[$/m);
  assert.ok(start >= 0, `npm pack printed no JSON:\n${stdout.slice(-2000)}`);
  return (JSON.parse(stdout.slice(start)) as PackEntry[])[0]!;
}

/** node_modules/<dep> -> this repo's installed copy, for every top-level package but our own. */
function linkRepoDependencies(nodeModules: string): void {
  const repoModules = realpathSync(join(REPO_ROOT, 'node_modules'));
  mkdirSync(nodeModules, { recursive: true });
  for (const name of readdirSync(repoModules)) {
    if (name.startsWith('.') || name === NAME) continue;
    const names = name.startsWith('@') ? readdirSync(join(repoModules, name)).map((s) => `${name}/${s}`) : [name];
    for (const n of names) {
      mkdirSync(join(nodeModules, n, '..'), { recursive: true });
      symlinkSync(join(repoModules, n), join(nodeModules, n));
    }
  }
}

before(async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env, maxBuffer: 64 << 20 });
  packed = parsePack(stdout);
  // The project asks for what a page author adds (onnxruntime-web, vite); npm keeps those links and
  // the links that satisfy the package's own dependencies, and installs the tarball.
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newcomer', private: true, type: 'module', dependencies: { 'onnxruntime-web': '*', vite: '*' } }));
  linkRepoDependencies(join(project, 'node_modules'));
  await run('npm', ['install', '--offline', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, packed.filename)], { cwd: project, env });
  if (!noBrowser) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('the tarball holds what a user runs and nothing else', () => {
  const paths = packed.files.map((f) => f.path);
  for (const p of ['bin/stylecast.js', 'dist/index.js', 'dist/index.d.ts', 'dist/web/index.d.ts', 'dist/browser/index.js', 'dist/browser/worker.js', 'models/candy_rt.onnx', 'examples/webcam.jpg', 'LICENSE', 'README.md', 'package.json']) {
    assert.ok(paths.includes(p), `the tarball has ${p}`);
  }
  const stray = paths.filter((p) => /^(test|bench|docs|src|scripts|web|models\/ablation|models\/logs|examples\/(page|vite))\/|\.map$/.test(p));
  assert.deepEqual(stray, [], 'no tests, benches, docs, sources, source maps or training logs');
  // Pages get src/web from dist/browser; tsc's copy would only be a second, unbundled one.
  assert.deepEqual(paths.filter((p) => /^dist\/web\/.*\.js$/.test(p)), [], 'dist/web has types only');
  assert.ok(packed.entryCount < 400, `${packed.entryCount} files`);
  assert.ok(packed.size < 3.5e6, `${(packed.size / 1e6).toFixed(2)} MB`);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.equal(manifest.name, NAME);
  assert.deepEqual(manifest.bin, { stylecast: 'bin/stylecast.js' });
  assert.equal(manifest.dependencies!['onnxruntime-web'], undefined, 'onnxruntime-web is not forced on Node users');
  assert.deepEqual(manifest.peerDependenciesMeta, { 'onnxruntime-web': { optional: true } });
});

test('the installed command runs: --help, and a stylize of the example photo', async () => {
  const bin = join(project, 'node_modules/.bin/stylecast');
  const help = await run(bin, ['--help'], { cwd: project, env });
  assert.match(help.stdout, /^Usage: stylecast /m);
  assert.match(help.stdout, /stylize/);
  const out = join(project, 'webcam-styled.jpg');
  await run(bin, ['stylize', join(installed, 'examples/webcam.jpg'), '-o', out], { cwd: project, env });
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 640, 480]);
});

test('Node code never imports onnxruntime-web (an optional peer only pages need)', () => {
  const nodeFiles = packed.files.map((f) => f.path).filter((p) => /^dist\/(?!browser\/).*\.js$/.test(p));
  assert.ok(nodeFiles.length > 50);
  const importing = nodeFiles.filter((p) => /(from\s*|import\(\s*)['"]onnxruntime-web/.test(readFileSync(join(installed, p), 'utf8')));
  assert.deepEqual(importing, []);
});

test('the installed library imports in Node and stylizes', async () => {
  const script = join(project, 'node-import.mjs');
  writeFileSync(
    script,
    `import { loadModel, Stylizer } from '${NAME}';
const stylizer = await Stylizer.create(await loadModel('candy_rt'));
const data = new Uint8Array(32 * 24 * 3).fill(128);
const out = await stylizer.stylize({ width: 32, height: 24, channels: 3, data });
console.log(JSON.stringify({ width: out.width, height: out.height, changed: out.data.some((v) => v !== 128) }));
`,
  );
  const { stdout } = await run(process.execPath, [script], { cwd: project, env });
  assert.deepEqual(JSON.parse(stdout), { width: 32, height: 24, changed: true });
});

test("a page built by Vite's default config stylizes with threaded WASM", { skip: noBrowser, timeout: 120_000 }, async () => {
  const root = join(project, 'vite-page');
  cpSync(join(REPO_ROOT, 'test/package/vite-page'), root, { recursive: true });
  const { build } = await import('vite');
  // configFile: false is Vite's defaults, exactly (the project has no vite.config anyway).
  await build({ root, configFile: false, logLevel: 'error' });
  // Cross-origin isolated, so onnxruntime-web starts WASM threads: the case that hung.
  const server = await serveStatic({ '/': join(root, 'dist/') }, { isolate: true });
  const page = await browser!.newPage();
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('status')!.textContent, null, { timeout: 90_000 });
    const [, backend, threads, size, diff] = /^done (\w+) (\d+) (\S+) ([\d.]+)$/.exec((await page.textContent('#status'))!) ?? [];
    assert.equal(backend, 'wasm', (await page.textContent('#status')) ?? '');
    assert.ok(Number(threads) > 1 || (await page.evaluate(() => navigator.hardwareConcurrency)) === 1, `${threads} WASM threads`);
    assert.equal(size, '96x72');
    assert.ok(Number(diff) > 10, `the output canvas differs from the input (mean ${diff} levels)`);
  } finally {
    await page.close();
    await server.close();
  }
});

test('the import-map page (examples/page) stylizes a photo from the installed package', { skip: noBrowser, timeout: 120_000 }, async () => {
  cpSync(join(REPO_ROOT, 'examples/page/index.html'), join(project, 'index.html'));
  const server = await serveStatic({ '/': `${project}/` });
  const page = await browser!.newPage();
  try {
    await page.goto(server.url);
    await page.setInputFiles('#photo', join(installed, 'examples/webcam.jpg'));
    await page.waitForFunction(() => /stylized|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 90_000 });
    assert.equal(await page.textContent('#status'), 'stylized on wasm');
    const r = await page.evaluate(async () => {
      const view = document.getElementById('view') as HTMLCanvasElement;
      const file = (document.getElementById('photo') as HTMLInputElement).files![0]!;
      const photo = new OffscreenCanvas(view.width, view.height).getContext('2d')!;
      photo.drawImage(await createImageBitmap(file), 0, 0);
      const a = photo.getImageData(0, 0, view.width, view.height).data;
      const b = view.getContext('2d')!.getImageData(0, 0, view.width, view.height).data;
      let diff = 0;
      for (let i = 0; i < a.length; i++) if (i % 4 !== 3) diff += Math.abs(a[i]! - b[i]!);
      return { width: view.width, height: view.height, diff: diff / (a.length * 0.75) };
    });
    assert.deepEqual([r.width, r.height], [640, 480]);
    assert.ok(r.diff > 10, `the canvas shows the stylized photo, not the photo (mean ${r.diff.toFixed(1)} levels)`);
  } finally {
    await page.close();
    await server.close();
  }
});

test('the project is outside the repo and its copy of the package is not a link', () => {
  assert.ok(!realpathSync(installed).startsWith(realpathSync(REPO_ROOT)));
  assert.ok(existsSync(join(installed, 'dist/browser/worker.js')));
});
