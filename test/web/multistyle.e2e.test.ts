/**
 * Multi-style models in the published browser entry (headless Chromium, the example page): the
 * Stylizer's style option and setStyle match Node's pixels, and LiveStylizer.setStyle('name') /
 * setStyle({ a: w, b: w }) change the next frames on the same session (no reload, no stale frames).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import { tinyMultiModel } from '../helpers/multistyle.js';
import type { StaticServer } from '../helpers/static.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBrowserEntry, meanDiffRgb, openExample, serveExamplePage, type WebApi } from '../helpers/web-entry.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
type Win = Window & { sc: WebApi };

const model = tinyMultiModel(['candy', 'mosaic', 'wave'], { width: 8, blocks: 2 });
const dir = tempDir('stylecast-multi-web-');
let server: StaticServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  await ensureBrowserEntry();
  server = await serveExamplePage();
  browser = await launchChromium({ camera: makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 45) });
  page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await openExample(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

test('web Stylizer: the style option and setStyle select and blend, matching Node; bad styles reject', { skip, timeout: 180_000 }, async () => {
  const r = await page.evaluate(async (bytes) => {
    const { sc } = window as unknown as Win;
    const toB64 = (d: Uint8ClampedArray) => btoa(String.fromCharCode(...d));
    const m = await sc.loadModel(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
    const c = new OffscreenCanvas(24, 16).getContext('2d')!;
    const g = c.createLinearGradient(0, 0, 24, 16);
    g.addColorStop(0, '#c03020');
    g.addColorStop(1, '#20a0f0');
    c.fillStyle = g;
    c.fillRect(0, 0, 24, 16);
    const input = c.getImageData(0, 0, 24, 16);
    const s = await sc.Stylizer.create(m, { style: 'mosaic' });
    const mosaic = toB64((await s.stylize(input)).data);
    await s.setStyle({ candy: 1, wave: 1 });
    const mix = toB64((await s.stylize(input)).data);
    const errors: string[] = [];
    for (const bad of ['scream', { candy: -1 }, { candy: 0 }] as const) await s.setStyle(bad).catch((e: Error) => errors.push(e.message));
    const single = await sc.Stylizer.create(await sc.loadModel('candy_rt'));
    await single.setStyle('candy').catch((e: Error) => errors.push(e.message));
    await single.release();
    const after = toB64((await s.stylize(input)).data);
    await s.release();
    return { styles: s.styles, input: toB64(input.data), mosaic, mix, after, errors };
  }, b64(model.onnx));
  assert.deepEqual(r.styles, ['candy', 'mosaic', 'wave']);
  const input = Buffer.from(r.input, 'base64');
  const node = await Stylizer.create(model, { shared: false });
  const want = async (style: Parameters<Stylizer['setStyle']>[0]) => (await node.stylize({ width: 24, height: 16, channels: 4, data: input }, { style })).data as Uint8Array;
  assert.ok(meanDiffRgb(Buffer.from(r.mosaic, 'base64'), await want('mosaic')) < 1);
  assert.ok(meanDiffRgb(Buffer.from(r.mix, 'base64'), await want({ candy: 0.5, wave: 0.5 })) < 1);
  assert.ok(meanDiffRgb(Buffer.from(r.mix, 'base64'), await want('mosaic')) > 5, 'the mix is another image');
  assert.equal(r.after, r.mix, 'a rejected style leaves the mix as it was');
  await node.release();
  assert.deepEqual(r.errors, [
    "unknown style 'scream'; tiny-multi's styles are candy, mosaic, wave",
    "style weight of 'candy' must be a number >= 0, got -1",
    'style weights are all zero: give at least one style a positive weight',
    'candy_rt is a single-style network: it takes no style selection (drop --style)',
  ]);
});

test("LiveStylizer: setStyle('name') and setStyle({ ... }) change the next frames on the same session", { skip, timeout: 240_000 }, async () => {
  const r = await page.evaluate(async (bytes) => {
    const { sc } = window as unknown as Win;
    const m = await sc.loadModel(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
    const live = new sc.LiveStylizer(document.createElement('canvas'), { size: { width: 96, height: 64 } });
    const frames: { seq: number; input: ImageData; output: ImageData }[] = [];
    live.addEventListener('frame', (e) => frames.push(e.detail));
    const nextFrame = (after: number) =>
      new Promise<{ seq: number; input: ImageData; output: ImageData }>((ok) => {
        const poll = () => (frames.length > after ? ok(frames[after]!) : setTimeout(poll, 20));
        poll();
      });
    const info = await live.setStyle(m);
    await live.start();
    await nextFrame(0);
    // A still stylizer on the worker's backend at the same style: the reference for a shown frame.
    const ref = await sc.Stylizer.create(m);
    const check = async (style: string | Record<string, number>) => {
      const infoNow = await live.setStyle(style);
      // The frame in flight may still be the old style; the one after it must be the new one.
      const n = frames.length;
      await nextFrame(n + 1);
      const f = frames[n + 1]!;
      await ref.setStyle(style);
      const want = await ref.stylize(f.input);
      let d = 0;
      for (let i = 0; i < want.data.length; i++) if (i % 4 !== 3) d += Math.abs(want.data[i]! - f.output.data[i]!);
      return { diff: d / ((want.data.length / 4) * 3), sameInfo: infoNow === info || JSON.stringify(infoNow) === JSON.stringify(info), sessions: live.stats().sessions };
    };
    const staleBefore = live.stats().stale;
    const steps = [await check('mosaic'), await check({ candy: 0.3, wave: 0.7 }), await check('candy')];
    // The frame in flight at a change is shown (in the old mix), not discarded.
    const staleAfterMixes = live.stats().stale - staleBefore;
    const sameSession = live.styleInfo !== undefined;
    const bad = await live.setStyle({ scream: 1 }).then(() => 'no error', (e: Error) => e.message);
    // Stopped and started again: the model comes back with its mix.
    await live.setStyle('wave');
    await live.stop();
    await live.start();
    const n = frames.length;
    await nextFrame(n + 1);
    const f = frames[n + 1]!;
    await ref.setStyle('wave');
    const want = await ref.stylize(f.input);
    let d = 0;
    for (let i = 0; i < want.data.length; i++) if (i % 4 !== 3) d += Math.abs(want.data[i]! - f.output.data[i]!);
    await live.stop();
    await ref.release();
    return { info, steps, sameSession, bad, restarted: d / ((want.data.length / 4) * 3), staleAfterMixes };
  }, b64(model.onnx));
  assert.deepEqual(r.info.styles, ['candy', 'mosaic', 'wave']);
  for (const s of r.steps) {
    assert.ok(s.diff < 1, `the frame after a style change is that style (mean diff ${s.diff})`);
    assert.equal(s.sessions, 1);
  }
  assert.ok(r.sameSession);
  assert.equal(r.staleAfterMixes, 0, 'a change of style or mix discards no stylized frame');
  assert.equal(r.bad, "unknown style 'scream'; tiny-multi's styles are candy, mosaic, wave");
  assert.ok(r.restarted < 1, `after stop() and start(), the mix set before is back (${r.restarted})`);
});
