import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawImage } from '../../src/io/pixels.js';
import { rng } from '../../src/models/transformer.js';
import { FlowEstimator } from '../../src/temporal/flow.js';
import { clipWarpTaps, flowWarpTaps, warpError } from '../../src/temporal/warp-error.js';
import { motionTaps } from '../../src/temporal/warp.js';

/** A smooth colour texture seen through a camera at (ox, oy): frames of a panning shot. */
function view(w: number, h: number, ox: number, oy: number): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x + ox;
      const v = y + oy;
      const p = 3 * (y * w + x);
      data[p] = 128 + 90 * Math.sin(u / 5) * Math.cos(v / 7);
      data[p + 1] = 128 + 90 * Math.sin(u / 9 + v / 6);
      data[p + 2] = 128 + 90 * Math.cos(u / 4 - v / 11);
    }
  }
  return { width: w, height: h, channels: 3, data };
}

function noisy(img: RawImage, sigma: number, seed: number): RawImage {
  const r = rng(seed);
  const data = Uint8Array.from(img.data, (v) => Math.min(255, Math.max(0, Math.round(v + sigma * (r() + r() + r() - 1.5) * 2))));
  return { ...img, data };
}

const pan = (n: number) => Array.from({ length: n }, (_, t) => view(64, 48, 2 * t, t));

test('with known motion, an identity stylization has zero warping error and noise raises it', () => {
  const frames = pan(5);
  // Content moves by (-2, -1) per frame: frame t = frame t-1 shifted by (-2, -1).
  const taps = frames.slice(1).map(() => motionTaps(64, 48, { dx: -2, dy: -1, angle: 0, zoom: 1 }));
  assert.equal(warpError(frames, taps), 0);
  const errs = [2, 6, 18].map((s) => warpError(frames.map((f, i) => noisy(f, s, i + 1)), taps));
  assert.ok(errs[0]! > 0 && errs[0]! < errs[1]! && errs[1]! < errs[2]!, `errors ${errs}`);
});

test('optical flow follows a panning shot: the source warps onto itself, flicker does not', async () => {
  const frames = pan(4);
  const flow = await FlowEstimator.create();
  const f = flow.flow(frames[1]!, frames[0]!);
  // Backward flow of frame 1 points to where each pixel was in frame 0: (+2, +1).
  const mid = 2 * (24 * 64 + 32);
  assert.ok(Math.abs(f.data[mid]! - 2) < 0.3 && Math.abs(f.data[mid + 1]! - 1) < 0.3, `flow ${f.data[mid]}, ${f.data[mid + 1]}`);
  const taps = clipWarpTaps(frames, flow);
  const kept = taps[0]!.mask.reduce((a, b) => a + b, 0) / (64 * 48);
  assert.ok(kept > 0.7, `only ${kept} of the pixels passed the forward-backward check`);
  const still = warpError(frames, taps);
  const shaky = warpError(frames.map((fr, i) => noisy(fr, 12, i + 7)), taps);
  assert.ok(still < 1e-3, `identity warping error ${still}`);
  assert.ok(shaky > 5 * still, `noise: ${shaky} vs ${still}`);
});

test('the forward-backward check masks pixels whose flows disagree', () => {
  const w = 8;
  const h = 6;
  const back = { width: w, height: h, data: new Float32Array(2 * w * h).fill(1) };
  const agree = { width: w, height: h, data: new Float32Array(2 * w * h).fill(-1) };
  const disagree = { width: w, height: h, data: new Float32Array(2 * w * h).fill(3) };
  const ok = flowWarpTaps(back, agree).mask.reduce((a, b) => a + b, 0);
  assert.equal(ok, (w - 1) * (h - 1));
  assert.equal(flowWarpTaps(back, disagree).mask.reduce((a, b) => a + b, 0), 0);
});
