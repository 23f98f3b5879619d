/**
 * The minimal Vite project in examples/vite/, with this package installed as `stylecast` (a link, as
 * `npm install ../..` would make), built by Vite and served statically: the bundler resolves
 * `stylecast-nst/web`, its worker, its built-in models and onnxruntime-web, and the live loop runs.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../../src/serve/build.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import { serveStatic, type StaticServer } from '../helpers/static.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBrowserEntry } from '../helpers/web-entry.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
const dir = tempDir('stylecast-vite-');
const project = join(dir, 'project');
let server: StaticServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  await ensureBrowserEntry();
  cpSync(join(REPO_ROOT, 'examples/vite'), project, { recursive: true, filter: (p) => !/node_modules|dist/.test(p.slice(REPO_ROOT.length)) });
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(REPO_ROOT, join(project, 'node_modules/stylecast-nst'));
  symlinkSync(join(REPO_ROOT, 'node_modules/onnxruntime-web'), join(project, 'node_modules/onnxruntime-web'));
  const { build } = await import('vite');
  await build({ root: project, configFile: join(project, 'vite.config.js'), logLevel: 'error' });
  // Served like `vite preview`: static files with the config's COOP/COEP headers.
  server = await serveStatic({ '/': join(project, 'dist/') }, { isolate: true });
  browser = await launchChromium({ camera: makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 45) });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the Vite build bundles the entry, its worker, the built-in models and onnxruntime-web', { skip }, () => {
  const assets = readdirSync(join(project, 'dist/assets'));
  assert.ok(existsSync(join(project, 'dist/index.html')));
  assert.ok(assets.some((f) => /^worker-.*\.js$/.test(f)), `a worker chunk among ${assets.join(', ')}`);
  assert.ok(assets.some((f) => /^candy_rt-.*\.onnx$/.test(f)), 'built-in models copied as assets');
  assert.ok(assets.some((f) => /^ort-wasm-simd-threaded-.*\.wasm$/.test(f)), "onnxruntime-web's WASM copied");
});

test('the built page runs the live loop from the camera', { skip, timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(server.url);
  await page.click('#start');
  // Stats lines arrive every half second once running; wait for stylized frames to be shown.
  await page.waitForFunction(() => /shown [1-9]\d*\.\d fps|shown 0\.[1-9] fps|Error/.test(document.getElementById('status')!.textContent ?? ''), null, {
    timeout: 120_000,
  });
  const status = (await page.textContent('#status'))!;
  assert.match(status, /^wasm · capture \d+\.\d fps · shown \d+\.\d fps · \d+ ms\/frame · \d+ dropped$/);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  assert.equal(isolated, true);
  await page.click('#stop');
  await page.close();
});
