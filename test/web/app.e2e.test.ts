/**
 * The web app end to end in headless Chromium: a fake camera plays a clip, frames go through the
 * worker's onnxruntime-web (WASM) session and reach the canvas. The page exposes its last input and
 * output frames with ?test=1; the same model run natively on that input must agree with them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importForeign } from '../../src/import/foreign.js';
import { TEACHER_CONTEXT } from '../../src/io/registry.js';
import { loadModel } from '../../src/models/load.js';
import { toLoaded, type LoadedModel, type TransformerModel } from '../../src/models/modelfile.js';
import { PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { ladderFor, scaledSize } from '../../src/runtime/adaptive.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { ensureBuilt } from '../../src/serve/build.js';
import { startServer, type AppServer } from '../../src/serve/server.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { opaqueNet } from '../helpers/foreign.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
const TEACHER = 'candy';
const skipTeacher = skip || needsMirror('teachers/pytorch-examples/candy');

// Two small random-weight styles: one with the teachers' 9x9 end convs, one cheaper. The tanh head
// keeps random outputs mid-range; a raw head would clamp nearly every pixel to 0 and prove nothing.
function styleModel(name: string, seed: number, overrides: Partial<TransformerConfig>): TransformerModel {
  const config = { ...PRESETS.torch, width: 8, blocks: 1, head: 'tanh' as const, ...overrides };
  return toLoaded({ config, weights: randomWeights(config, seed), info: { name, style: `random ${name}`, source: 'test', license: 'MIT', inputRange: [0, 255] } });
}
// And a foreign network that is not a transformer, imported as an opaque model: its wrapper graph
// resizes frames to its fixed 128x96 input and back, in onnxruntime-web as in onnxruntime-node.
const gamma = (await importForeign(opaqueNet({ shape: [1, 96, 128] }), 'gamma.onnx', { inputRange: '0..1', threads: 1 })).model;
const MODELS = { alpha: styleModel('alpha', 1, {}), beta: styleModel('beta', 2, { firstKernel: 3, lastKernel: 3 }), gamma };

interface Frame {
  modelId: string;
  seq: number;
  scale: number;
  width: number;
  height: number;
  input: Buffer;
  output: Buffer;
  displayed: Buffer;
}

interface Hud {
  captureFps: number;
  inferenceMs: number;
  runMs: number;
  mainThreadMs: number;
  shownFps: number;
  dropped: number;
  resized: number;
  backend: string;
  shown: number;
  scale: number;
  targetFps?: number;
}

// Created here, not in before(): an after() registered inside a hook runs when that hook ends.
const dir = tempDir('stylecast-e2e-');
let app: AppServer;
let browser: Browser;
let page: Page;
let clip: string;

before(async () => {
  if (skip) return;
  clip = makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 45);
  const models = join(dir, 'models');
  mkdirSync(models);
  for (const [name, m] of Object.entries(MODELS)) writeFileSync(join(models, `${name}.onnx`), m.onnx);
  writeFileSync(join(models, 'broken.onnx'), 'this is not an onnx file');
  await ensureBuilt();
  app = await startServer({ port: 0, modelsDir: models, store: { mirror: mirrorPath('.'), cacheDir: join(dir, 'cache') } });
  browser = await launchChromium({ camera: clip });
  page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
});

after(async () => {
  await browser?.close();
  await app?.close();
});

const open = (p: Page, query: string) => p.goto(new URL(`/?test=1&backend=wasm&${query}`, app.url).href);

const state = (p: Page = page) =>
  p.evaluate(() => (window as unknown as { __stylecast: { state(): Record<string, unknown> } }).__stylecast.state()) as Promise<{
    modelId: string;
    shown: number;
    cameraMessage: string | null;
    modelMessage: string | null;
    cameraText: string;
    modelText: string;
    recoveries: number;
    crossOriginIsolated: boolean;
    downloads: { name: string; size: number; type: string }[];
  }>;

const hud = () => page.evaluate(() => (window as unknown as { __stylecast: { hud(): Hud } }).__stylecast.hud());

/** Wait until a frame stylized by `modelId` and newer than `afterSeq` has been shown. */
async function nextFrame(modelId: string, afterSeq = -1, timeout = 120_000): Promise<Frame> {
  await page.waitForFunction(
    ([id, seq]) => {
      const s = (window as unknown as { __stylecast: { state(): { frameModel: string | null; lastSeq: number } } }).__stylecast.state();
      return s.frameModel === id && s.lastSeq > (seq as number);
    },
    [modelId, afterSeq] as const,
    { timeout, polling: 200 },
  ).catch(async (e) => {
    throw new Error(`no frame from '${modelId}' after seq ${afterSeq}: ${(e as Error).message.split('\n')[0]}; page state ${JSON.stringify(await state())}`);
  });
  const f = await page.evaluate(() => (window as unknown as { __stylecast: { frame(): Record<string, unknown> | null } }).__stylecast.frame());
  assert.ok(f, 'a frame was shown');
  const b = (k: string) => Buffer.from(f[k] as string, 'base64');
  return { modelId: f.modelId as string, seq: f.seq as number, scale: f.scale as number, width: f.width as number, height: f.height as number, input: b('input'), output: b('output'), displayed: b('displayed') };
}

/** Mean absolute difference over the RGB channels of two RGBA buffers (region: x in [x0, x1)). */
function meanDiff(a: Uint8Array, b: Uint8Array, width: number, x0 = 0, x1 = width): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    const x = (i / 4) % width;
    if (x < x0 || x >= x1) continue;
    for (let k = 0; k < 3; k++) sum += Math.abs(a[i + k]! - b[i + k]!);
    n += 3;
  }
  return sum / n;
}

function spread(a: Uint8Array): number {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < a.length; i += 4) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return hi - lo;
}

/** The model's own output for the frame's input, run natively with onnxruntime-node. */
async function expected(model: LoadedModel, f: Frame, context = 0): Promise<Uint8Array> {
  const s = await Stylizer.create(model, { context });
  const out = await s.stylize({ width: f.width, height: f.height, channels: 4, data: new Uint8Array(f.input) });
  assert.equal(out.channels, 4);
  return out.data as Uint8Array;
}

async function assertMatchesModel(model: LoadedModel, f: Frame, context = 0): Promise<number> {
  assert.equal(f.input.length, f.width * f.height * 4);
  // The input is a real camera frame, not a blank canvas.
  assert.ok(spread(f.input) > 50, `camera frame has contrast (spread ${spread(f.input)})`);
  const want = await expected(model, f, context);
  assert.ok(spread(want) > 20, `the model's output is not flat (spread ${spread(want)})`);
  const mad = meanDiff(f.output, want, f.width);
  assert.ok(mad < 1.5, `browser output is within 1.5 levels of the model's own output (mean abs diff ${mad.toFixed(3)})`);
  // And it is stylized: far from the input.
  assert.ok(meanDiff(f.output, f.input, f.width) > 10);
  return mad;
}

test('stylized camera frames reach the canvas and match the model', { skip, timeout: 240_000 }, async (t) => {
  await open(page, 'model=alpha');
  const f = await nextFrame('alpha');
  assert.equal(f.width, 640);
  assert.equal(f.height, 480);
  // Split view is off: the canvas shows exactly the stylized frame.
  assert.ok(f.displayed.equals(f.output), 'canvas shows the stylized frame');
  t.diagnostic(`mean abs diff vs onnxruntime-node: ${(await assertMatchesModel(MODELS.alpha, f)).toFixed(4)}`);
  const s = await state();
  assert.equal(s.crossOriginIsolated, true);
  assert.equal(s.cameraMessage, null);
  assert.equal(s.modelMessage, null);
});

test('HUD numbers are sane', { skip, timeout: 240_000 }, async (t) => {
  const first = await nextFrame('alpha');
  await nextFrame('alpha', first.seq);
  const h = await hud();
  assert.match(h.backend, /^wasm \(\d+ threads?\)$/);
  assert.ok(h.captureFps > 0 && h.captureFps <= 65, `capture fps ${h.captureFps}`);
  assert.ok(h.inferenceMs > 0 && h.runMs > 0 && h.runMs <= h.inferenceMs, `inference ${h.inferenceMs} ms, run ${h.runMs} ms`);
  assert.ok(h.shownFps > 0 && h.shownFps <= h.captureFps + 1, `shown fps ${h.shownFps} vs capture ${h.captureFps}`);
  assert.ok(Number.isInteger(h.dropped) && h.dropped >= 0);
  assert.ok(h.shown >= 2);
  // Capture, hand-off and drawing happen on the page; the network does not.
  assert.ok(h.mainThreadMs > 0 && h.mainThreadMs < h.inferenceMs, `main thread ${h.mainThreadMs} ms per frame, worker ${h.inferenceMs} ms`);
  assert.equal(h.resized, 0, 'the fake camera delivers 640x480');
  t.diagnostic(`HUD ${JSON.stringify(h)}`);
  const text = await page.textContent('#hud');
  assert.match(text!, /capture +\d+\.\d fps\ninfer +\d+\.\d ms\nmain +\d+\.\d ms\/frame\nshown +\d+\.\d fps\ndropped \d+\nbackend wasm/);
});

test('split view shows the original left of the divider', { skip, timeout: 240_000 }, async () => {
  const before = await nextFrame('alpha');
  await page.check('#split');
  await page.fill('#split-pos', '50');
  const f = await nextFrame('alpha', before.seq);
  assert.equal(meanDiff(f.displayed, f.input, f.width, 0, 320), 0, 'left half is the camera frame');
  assert.equal(meanDiff(f.displayed, f.output, f.width, 321, 640), 0, 'right half is stylized');
  await page.uncheck('#split');
});

/** The HUD text is redrawn every 250 ms, so a loaded machine may still show the last state: wait for it. */
async function hudShows(re: RegExp): Promise<void> {
  try {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('hud')!.textContent!), re.source, { timeout: 10_000 });
  } catch {
    assert.match((await page.textContent('#hud'))!, re);
  }
}

test('the smooth / sharp control sets a target frame rate; frames come at a ladder scale, drawn full size', { skip, timeout: 240_000 }, async () => {
  const ladder = ladderFor({ width: 640, height: 480 });
  let f = await nextFrame('alpha');
  await page.selectOption('#mode', 'smooth');
  // Enough frames for the controller's first decision (2 ignored, then two windows of 8).
  for (let i = 0; i < 20; i++) f = await nextFrame('alpha', f.seq);
  const h = await hud();
  assert.equal(h.targetFps, 15);
  assert.ok(ladder.includes(h.scale), `scale ${h.scale}`);
  assert.ok(ladder.includes(f.scale), `frame scale ${f.scale}`);
  const want = scaledSize({ width: 640, height: 480 }, f.scale);
  assert.deepEqual([f.width, f.height], [want.width, want.height]);
  assert.equal(f.displayed.length, 640 * 480 * 4, 'the canvas stays 640x480');
  await hudShows(/\nscale +[\d.]+ \(smooth: 15 fps\)$/);
  await page.selectOption('#mode', 'sharp');
  // Frames queued at the smaller scale may still come first.
  for (let i = 0; i < 5 && f.scale !== 1; i++) f = await nextFrame('alpha', f.seq);
  assert.deepEqual([f.scale, f.width, f.height], [1, 640, 480]);
  const sharp = await hud();
  assert.equal(sharp.scale, 1);
  assert.equal(sharp.targetFps, undefined);
  await hudShows(/\nscale +1 \(sharp\)$/);
});

test('switching style stylizes with the new model', { skip, timeout: 240_000 }, async (t) => {
  const last = await nextFrame('alpha');
  await page.selectOption('#style', 'beta');
  const f = await nextFrame('beta', last.seq);
  assert.ok(f.displayed.equals(f.output));
  t.diagnostic(`mean abs diff vs onnxruntime-node: ${(await assertMatchesModel(MODELS.beta, f)).toFixed(4)}`);
  // Really a different style: alpha's output for the same frame differs.
  assert.ok(meanDiff(f.output, await expected(MODELS.alpha, f), f.width) > 10);
});

test('an imported opaque model runs in the browser as in Node', { skip, timeout: 240_000 }, async (t) => {
  const last = await nextFrame('beta');
  await page.selectOption('#style', 'gamma');
  const f = await nextFrame('gamma', last.seq);
  assert.deepEqual([f.width, f.height], [640, 480], 'resized in and out to the frame size');
  t.diagnostic(`mean abs diff vs onnxruntime-node: ${(await assertMatchesModel(MODELS.gamma, f)).toFixed(4)}`);
  await page.selectOption('#style', 'beta');
  await nextFrame('beta', f.seq);
});

test('snapshot and recording produce files', { skip, timeout: 120_000 }, async () => {
  await page.click('#snapshot');
  await page.waitForFunction(() => (window as unknown as { __stylecast: { state(): { downloads: unknown[] } } }).__stylecast.state().downloads.length >= 1);
  await page.click('#record');
  const seq = (await nextFrame('beta')).seq;
  await nextFrame('beta', seq);
  await page.click('#record');
  await page.waitForFunction(() => (window as unknown as { __stylecast: { state(): { downloads: unknown[] } } }).__stylecast.state().downloads.length >= 2);
  const [png, video] = (await state()).downloads;
  assert.match(png!.name, /^stylecast-.*\.png$/);
  assert.equal(png!.type, 'image/png');
  assert.ok(png!.size > 1000);
  assert.match(video!.name, /^stylecast-.*\.webm$/);
  assert.match(video!.type, /^video\/webm/);
  assert.ok(video!.size > 0);
});

test('a model that fails to load says so', { skip, timeout: 120_000 }, async () => {
  await page.selectOption('#style', 'broken');
  await page.waitForFunction(() => (window as unknown as { __stylecast: { state(): { modelMessage: string | null } } }).__stylecast.state().modelMessage === 'model-failed');
  const s = await state();
  assert.match(s.modelText, /^Style 'broken' failed to load: .*broken\.onnx/);
  assert.equal(await page.isVisible('#model-message'), true);
  // Picking a working style clears the message.
  await page.selectOption('#style', 'alpha');
  await nextFrame('alpha');
  assert.equal((await state()).modelMessage, null);
  assert.equal(await page.isVisible('#model-message'), false);
});

test('a lost camera is reported and recovered from', { skip, timeout: 240_000 }, async () => {
  const before = await nextFrame('alpha');
  await page.evaluate(() => (window as unknown as { __stylecast: { loseCamera(): void } }).__stylecast.loseCamera());
  const lost = await state();
  assert.equal(lost.cameraMessage, 'camera-lost');
  assert.match(lost.cameraText, /^Camera lost; waiting for it to come back/);
  await page.waitForFunction(() => (window as unknown as { __stylecast: { state(): { recoveries: number } } }).__stylecast.state().recoveries === 1, null, { timeout: 60_000 });
  assert.equal((await state()).cameraMessage, null);
  await nextFrame('alpha', before.seq);
});

test(`registered teacher '${TEACHER}' runs in the browser like natively`, { skip: skipTeacher, timeout: 300_000 }, async (t) => {
  // A smaller inference size keeps the full-size teacher quick on WASM.
  await open(page, `model=${TEACHER}&size=160x120`);
  const f = await nextFrame(TEACHER, -1, 240_000);
  assert.equal(f.width, 160);
  assert.equal(f.height, 120);
  const teacher = await loadModel(TEACHER, { mirror: mirrorPath('.'), cacheDir: join(dir, 'cache') });
  // The app runs a teacher with the context the model list gives it (no border frame), as the CLI does.
  const mad = await assertMatchesModel(teacher, f, TEACHER_CONTEXT);
  t.diagnostic(`mean abs diff vs onnxruntime-node with ${TEACHER_CONTEXT} px context: ${mad.toFixed(4)}`);
  assert.ok(meanDiff(f.output, await expected(teacher, f), f.width) > 1, 'without context the borders differ');
});

async function cameraMessageOnFreshBrowser(opts: Parameters<typeof launchChromium>[0]): Promise<{ cameraMessage: string | null; cameraText: string }> {
  const b = await launchChromium(opts);
  try {
    const p = await b.newPage();
    await open(p, 'model=alpha');
    await p.waitForFunction(
      () => (window as unknown as { __stylecast: { state(): { cameraMessage: string | null } } }).__stylecast.state().cameraMessage !== null,
      null,
      { timeout: 60_000 },
    );
    return await state(p);
  } finally {
    await b.close();
  }
}

test('denied camera permission shows its message', { skip, timeout: 120_000 }, async () => {
  // A camera exists, but without the auto-accept flag playwright dismisses the permission prompt.
  const s = await cameraMessageOnFreshBrowser({ camera: clip, autoAllow: false });
  assert.equal(s.cameraMessage, 'permission-denied');
  assert.match(s.cameraText, /^Camera permission denied/);
});

test('no camera shows its message', { skip, timeout: 120_000 }, async () => {
  const s = await cameraMessageOnFreshBrowser({ autoAllow: true });
  assert.equal(s.cameraMessage, 'no-camera');
  assert.match(s.cameraText, /^No camera found/);
});
