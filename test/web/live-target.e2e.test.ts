/**
 * LiveStylizer with `targetFps` in headless Chromium, from a fake 640x480 camera, through the published
 * browser entry: the loop lowers the processing scale along the ladder, keeps drawing at the requested
 * size, and goes back to full size when the target is dropped. No frame rate is asserted (the machine
 * may be loaded); the target is one no CPU holds at 640x480 in WASM, so the scale must come down.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ladderFor, scaledSize } from '../../src/runtime/adaptive.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import type { StaticServer } from '../helpers/static.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBrowserEntry, openExample, serveExamplePage, type WebApi } from '../helpers/web-entry.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
const SIZE = { width: 640, height: 480 };

type Win = Window & { sc: WebApi };

const dir = tempDir('stylecast-live-target-');
let server: StaticServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  await ensureBrowserEntry();
  const clip = makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 45);
  server = await serveExamplePage();
  browser = await launchChromium({ camera: clip });
  page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await openExample(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

interface Shown {
  scale: number;
  width: number;
  height: number;
  /** Mean RGB of each quadrant, of the stylized output and of the canvas right after it was drawn. */
  output: number[];
  canvas: number[];
}

test('targetFps lowers the scale along the ladder, draws at the requested size, and setTargetFps(undefined) restores it', { skip, timeout: 400_000 }, async (t) => {
  const r = await page.evaluate(async (size) => {
    const { sc } = window as unknown as Win;
    const quadrants = (d: Uint8ClampedArray, w: number, h: number) => {
      const sums = [0, 0, 0, 0];
      const counts = [0, 0, 0, 0];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
          const i = (y * w + x) * 4;
          sums[q] += d[i]! + d[i + 1]! + d[i + 2]!;
          counts[q] += 3;
        }
      }
      return sums.map((s, q) => s / counts[q]!);
    };
    const canvas = document.createElement('canvas');
    // 120 fps: no CPU stylizes 640x480 in WASM in 8 ms, so the loop must step down.
    const live = new sc.LiveStylizer(canvas, { size, targetFps: 120, statsInterval: 100 });
    const stats: { scale: number; targetFps: number | undefined }[] = [];
    live.addEventListener('stats', (e) => stats.push({ scale: e.detail.scale, targetFps: e.detail.targetFps }));
    const shown: Shown[] = [];
    const ctx = canvas.getContext('2d')!;
    live.addEventListener('frame', (e) => {
      const { output, scale } = e.detail;
      // The canvas holds this very frame now: 'frame' fires right after it is drawn.
      const view = ctx.getImageData(0, 0, canvas.width, canvas.height);
      shown.push({ scale, width: output.width, height: output.height, output: quadrants(output.data, output.width, output.height), canvas: quadrants(view.data, view.width, view.height) });
    });
    const wait = async (done: () => boolean, ms: number, what: string) => {
      const t0 = performance.now();
      while (!done()) {
        if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; stats ${JSON.stringify(live.stats())}`);
        await new Promise((ok) => setTimeout(ok, 100));
      }
    };
    await live.setStyle('candy_rt');
    await live.start();
    // Keeps running below full size: several frames after the first step down.
    await wait(() => shown.filter((f) => f.scale < 1).length >= 4, 240_000, 'frames below full size');
    const target = live.stats();
    const errors: string[] = [];
    for (const bad of [0, -1, NaN]) {
      try {
        live.setTargetFps(bad);
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    try {
      new sc.LiveStylizer(document.createElement('canvas'), { targetFps: -15 });
    } catch (e) {
      errors.push(`${(e as Error).name}: ${(e as Error).message}`);
    }
    const before = shown.length;
    live.setTargetFps(undefined);
    await wait(() => shown.slice(before).some((f) => f.scale === 1), 120_000, 'a full-size frame');
    const sharp = live.stats();
    await live.stop();
    return { target: { scale: target.scale, targetFps: target.targetFps, shown: target.shown }, sharp: { scale: sharp.scale, targetFps: sharp.targetFps ?? null }, stats, shown, errors, canvas: [canvas.width, canvas.height] };
  }, SIZE);

  const ladder = ladderFor(SIZE);
  t.diagnostic(`scales of the frames shown: ${r.shown.map((f) => f.scale).join(' ')}`);
  assert.equal(r.target.targetFps, 120);
  assert.ok(ladder.includes(r.target.scale) && r.target.scale < 1, `scale ${r.target.scale}`);
  assert.ok(r.stats.length > 0 && r.stats.every((s) => ladder.includes(s.scale)), JSON.stringify(r.stats.map((s) => s.scale)));
  assert.deepEqual(r.canvas, [640, 480], 'the canvas stays at the requested size');
  for (const f of r.shown) {
    assert.ok(ladder.includes(f.scale), `frame at scale ${f.scale}`);
    const want = scaledSize(SIZE, f.scale);
    assert.deepEqual([f.width, f.height], [want.width, want.height], `frame at scale ${f.scale}`);
  }
  // Smaller frames fill the whole canvas (upsampled), not its top-left corner.
  const small = r.shown.filter((f) => f.scale < 1);
  for (const f of small) {
    for (let q = 0; q < 4; q++) assert.ok(Math.abs(f.output[q]! - f.canvas[q]!) < 3, `quadrant ${q}: output ${f.output[q]} vs canvas ${f.canvas[q]} at scale ${f.scale}`);
  }
  assert.deepEqual(r.errors, [
    'RangeError: targetFps must be a positive number of frames per second, got 0',
    'RangeError: targetFps must be a positive number of frames per second, got -1',
    'RangeError: targetFps must be a positive number of frames per second, got NaN',
    'RangeError: targetFps must be a positive number of frames per second, got -15',
  ]);
  // A rejected value leaves the target as it was; no target brings back full-size frames.
  assert.deepEqual(r.sharp, { scale: 1, targetFps: null });
  const last = r.shown.at(-1)!;
  assert.deepEqual([last.scale, last.width, last.height], [1, 640, 480]);
});
