/**
 * The web app's blend control in headless Chromium: a multi-style model served from --models shows
 * two style selects and a share slider; moving them changes the very next frames on the same worker
 * session (checked against the model run natively at that mix), and single-style models hide it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StyleMix } from '../../src/models/styles.js';
import { toLoaded } from '../../src/models/modelfile.js';
import { PRESETS, randomWeights } from '../../src/models/transformer.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { ensureBuilt } from '../../src/serve/build.js';
import { startServer, type AppServer } from '../../src/serve/server.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import { tinyMultiModel } from '../helpers/multistyle.js';
import { tempDir } from '../helpers/tmp.js';
import { meanDiffRgb } from '../helpers/web-entry.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
// Tiny frames and networks: the point is which style paints, not speed or quality.
const SIZE = '96x64';

const multi = tinyMultiModel(['candy', 'mosaic', 'wave'], { width: 8, blocks: 1 });
const singleConfig = { ...PRESETS.torch, width: 8, blocks: 1, firstKernel: 3, lastKernel: 3, head: 'tanh' as const };
const single = toLoaded({ config: singleConfig, weights: randomWeights(singleConfig, 3), info: { name: 'single', style: 'random', source: 'test', license: 'MIT', inputRange: [0, 255] } });

interface Frame {
  width: number;
  height: number;
  input: Buffer;
  output: Buffer;
  displayed: Buffer;
}

interface State {
  modelId: string;
  frameModel: string | null;
  shown: number;
  styles: string[];
  mix: Record<string, number> | null;
  modelMessage: string | null;
  modelText: string;
}

interface Hook {
  state(): State;
  frame(): Record<string, unknown> | null;
  hud(): { mix?: string; sessions: number };
  styleInfo(): unknown;
}

const dir = tempDir('stylecast-blend-e2e-');
let app: AppServer;
let browser: Browser;
let page: Page;
let reference: Stylizer;

before(async () => {
  if (skip) return;
  const models = join(dir, 'models');
  mkdirSync(models);
  writeFileSync(join(models, 'multi.onnx'), multi.onnx);
  writeFileSync(join(models, 'single.onnx'), single.onnx);
  await ensureBuilt();
  app = await startServer({ port: 0, modelsDir: models, store: { mirror: mirrorPath('.'), cacheDir: join(dir, 'cache') } });
  browser = await launchChromium({ camera: makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 30) });
  page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  reference = await Stylizer.create(multi, { shared: false });
});

after(async () => {
  await reference?.release();
  await browser?.close();
  await app?.close();
});

const open = (query: string) => page.goto(new URL(`/?test=1&backend=wasm&size=${SIZE}&${query}`, app.url).href);
const state = () => page.evaluate(() => (window as unknown as { __stylecast: Hook }).__stylecast.state());
const hud = () => page.evaluate(() => (window as unknown as { __stylecast: Hook }).__stylecast.hud());

/** Wait until `model` has shown `count` frames in all. */
async function shown(model: string, count: number): Promise<void> {
  await page
    .waitForFunction(
      ([id, n]) => {
        const s = (window as unknown as { __stylecast: Hook }).__stylecast.state();
        return s.frameModel === id && s.shown >= (n as number);
      },
      [model, count] as const,
      { timeout: 60_000, polling: 50 },
    )
    .catch(async (e) => {
      throw new Error(`'${model}' did not show ${count} frames: ${(e as Error).message.split('\n')[0]}; page state ${JSON.stringify(await state())}`);
    });
}

/**
 * A frame stylized after `change` ran: the frame in the worker at that moment may still carry the
 * old mix, but every frame sent after it carries the new one, and frames are shown in order.
 */
async function frameAfter(change: () => Promise<unknown> = async () => undefined, model = 'multi'): Promise<Frame> {
  await change();
  await shown(model, (await state()).shown + 2);
  const f = await page.evaluate(() => (window as unknown as { __stylecast: Hook }).__stylecast.frame());
  assert.ok(f, 'a frame was shown');
  const b = (k: string) => Buffer.from(f[k] as string, 'base64');
  return { width: f.width as number, height: f.height as number, input: b('input'), output: b('output'), displayed: b('displayed') };
}

/** The multi-style model's own output at `style` for the frame's input (onnxruntime-node). */
async function native(f: Frame, style: StyleMix): Promise<Uint8Array> {
  return (await reference.stylize({ width: f.width, height: f.height, channels: 4, data: new Uint8Array(f.input) }, { style })).data as Uint8Array;
}

/** The frame is `style` (within 1.5 levels of the native output) and not `other` on the same input. */
async function assertPainted(f: Frame, style: StyleMix, other: StyleMix): Promise<void> {
  assert.deepEqual([f.width, f.height], [96, 64]);
  assert.ok(f.displayed.equals(f.output), 'the canvas shows the stylized frame');
  const d = meanDiffRgb(f.output, await native(f, style));
  assert.ok(d < 1.5, `the frame is ${JSON.stringify(style)} (mean diff ${d.toFixed(3)})`);
  const o = meanDiffRgb(f.output, await native(f, other));
  assert.ok(o > 5, `and not ${JSON.stringify(other)} (mean diff ${o.toFixed(2)})`);
}

const control = async () => ({
  hidden: !(await page.isVisible('#blend')),
  a: await page.inputValue('#blend-a'),
  b: await page.inputValue('#blend-b'),
  t: await page.inputValue('#blend-t'),
  options: [await page.$$eval('#blend-a option', (os) => os.map((o) => o.textContent)), await page.$$eval('#blend-b option', (os) => os.map((o) => o.textContent))],
});

const hudMixLine = (text: string) => page.waitForFunction((want) => document.getElementById('hud')!.textContent!.split('\n').includes(`mix     ${want}`), text, { timeout: 5_000 });

test('a multi-style model gets the blend control; moving it repaints the next frames on the same session', { skip, timeout: 240_000 }, async () => {
  await open('model=multi');
  await shown('multi', 1);
  const names = ['candy', 'mosaic', 'wave'];
  assert.deepEqual(await control(), { hidden: false, a: 'candy', b: 'mosaic', t: '0', options: [names, names] });
  assert.deepEqual((await state()).styles, names);
  await hudMixLine('candy');
  // The session's info object: the library makes a new one each time the worker reports a loaded model.
  await page.evaluate(() => Object.assign(window, { loadedInfo: (window as unknown as { __stylecast: Hook }).__stylecast.styleInfo() }));

  const at0 = await frameAfter();
  await assertPainted(at0, 'candy', 'mosaic');
  const at100 = await frameAfter(() => page.fill('#blend-t', '100'));
  await assertPainted(at100, 'mosaic', 'candy');
  const moved = meanDiffRgb(at100.displayed, at0.displayed);
  assert.ok(moved > 5, `the canvas at 100 differs from the canvas at 0 (mean diff ${moved.toFixed(2)})`);
  await hudMixLine('mosaic');

  await assertPainted(await frameAfter(() => page.fill('#blend-t', '50')), { candy: 0.5, mosaic: 0.5 }, 'mosaic');
  await hudMixLine('candy=0.5,mosaic=0.5');
  await page.selectOption('#blend-b', 'wave');
  await assertPainted(await frameAfter(() => page.fill('#blend-t', '30')), { candy: 0.7, wave: 0.3 }, 'candy');
  await hudMixLine('candy=0.7,wave=0.3');
  // A == B: that style alone, whatever the slider says.
  await assertPainted(await frameAfter(() => page.selectOption('#blend-a', 'wave')), 'wave', { candy: 0.7, wave: 0.3 });
  await hudMixLine('wave');

  const sameInfo = await page.evaluate(() => {
    const w = window as unknown as { __stylecast: Hook; loadedInfo: unknown };
    return w.loadedInfo !== undefined && w.__stylecast.styleInfo() === w.loadedInfo;
  });
  assert.ok(sameInfo, 'no model load reached the page since the first: the worker kept its session');
  assert.equal((await hud()).sessions, 1);
  const s = await state();
  assert.equal(s.modelMessage, null);
  assert.deepEqual(s.mix, { wave: 1 });
});

test('?mix= sets the starting blend; a bad one says why and starts at the first style', { skip, timeout: 240_000 }, async () => {
  await open('model=multi&mix=wave=0.25,mosaic=0.75');
  await shown('multi', 1);
  assert.deepEqual({ ...(await control()), options: undefined }, { hidden: false, a: 'wave', b: 'mosaic', t: '75', options: undefined });
  await assertPainted(await frameAfter(), { wave: 0.25, mosaic: 0.75 }, 'mosaic');
  await hudMixLine('wave=0.25,mosaic=0.75');
  assert.equal((await state()).modelMessage, null);

  await open('model=multi&mix=scream');
  await shown('multi', 1);
  const s = await state();
  assert.equal(s.modelMessage, 'mix-failed');
  assert.equal(s.modelText, "?mix=scream not applied: unknown style 'scream'; multi's styles are candy, mosaic, wave");
  assert.deepEqual({ ...(await control()), options: undefined }, { hidden: false, a: 'candy', b: 'mosaic', t: '0', options: undefined });
  await assertPainted(await frameAfter(), 'candy', 'mosaic');
  // Moving the control answers the complaint.
  await page.fill('#blend-t', '100');
  assert.equal((await state()).modelMessage, null);
});

test('a single-style model hides the blend control; a multi-style one brings it back at its defaults', { skip, timeout: 240_000 }, async () => {
  await open('model=multi&mix=wave');
  await shown('multi', 1);
  assert.equal((await control()).a, 'wave');
  const before = (await state()).shown;
  await page.selectOption('#style', 'single');
  await shown('single', before + 1);
  assert.equal((await control()).hidden, true);
  const s = await state();
  assert.deepEqual([s.styles, s.mix, s.modelMessage], [[], null, null]);
  assert.equal((await hud()).mix, undefined);
  // The HUD text is redrawn every 250 ms: wait for a redraw without the mix line.
  await page.waitForFunction(() => {
    const text = document.getElementById('hud')!.textContent!;
    return /\nbackend /.test(text) && !/\nmix /.test(text);
  }, undefined, { timeout: 10_000 });

  await page.selectOption('#style', 'multi');
  await shown('multi', (await state()).shown + 1);
  // ?mix= was for the model the page opened with.
  assert.deepEqual({ ...(await control()), options: undefined }, { hidden: false, a: 'candy', b: 'mosaic', t: '0', options: undefined });

  await open('model=single&mix=candy');
  await shown('single', 1);
  assert.equal((await control()).hidden, true);
  const m = await state();
  assert.equal(m.modelMessage, 'mix-failed');
  assert.equal(m.modelText, "?mix=candy not applied: 'single' is a single-style model");
});
