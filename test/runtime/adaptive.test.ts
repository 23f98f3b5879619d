/**
 * The frame-rate controller on a simulated clock: frames run back to back, each taking what a cost
 * model says for its scale (fixed overhead + per-pixel cost, times a load factor, with noise and the
 * odd slow frame), and the clock advances by that much. No real time is measured.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTargetFps, ladderFor, SCALE_LADDER, ScaleController, scaledSize, type ScaleChange } from '../../src/runtime/adaptive.js';
import { rng } from '../../src/models/transformer.js';

/** ms for a frame at `scale` when the clock reads `t` ms. */
type Cost = (scale: number, t: number) => number;

interface Trace {
  readonly changes: (ScaleChange & { readonly t: number })[];
  /** Every frame: when it finished, the scale it ran at, what it took. */
  readonly frames: { readonly t: number; readonly scale: number; readonly ms: number }[];
}

/** Run frames back to back until `seconds` of simulated time have passed. */
function simulate(c: ScaleController, cost: Cost, seconds: number, seed = 1, start = 0): Trace {
  const r = rng(seed);
  const trace: Trace = { changes: [], frames: [] };
  let t = start;
  while (t < start + seconds * 1000) {
    const scale = c.scale;
    // +-10% noise, and one frame in 40 three times as slow (a GC pause, another process's burst).
    const ms = cost(scale, t) * (0.9 + 0.2 * r()) * (r() < 0.025 ? 3 : 1);
    t += ms;
    trace.frames.push({ t, scale, ms });
    const change = c.observe(ms, scale, t);
    if (change) trace.changes.push({ ...change, t });
  }
  return trace;
}

/** 640x480 frames: 5 ms per frame plus 120 ms for the full picture (times the load). */
const affine =
  (load: (t: number) => number = () => 1): Cost =>
  (s, t) =>
    (5 + 120 * s * s) * load(t);

const between = (tr: Trace, from: number, to: number) => tr.frames.filter((f) => f.t >= from * 1000 && f.t < to * 1000);
const fps = (frames: Trace['frames']) => (frames.length * 1000) / frames.reduce((a, f) => a + f.ms, 0);

test('converges to the largest scale that holds the target, then stays there', () => {
  // Budget 66.7 ms: 0.75 costs 72.5 ms (misses), 0.625 costs 51.9 ms, and 0.75 predicted from there
  // (51.9 x 1.44 = 74.7 ms) is above 85% of the budget: 0.625 is where it must settle.
  const c = new ScaleController({ targetFps: 15 });
  const tr = simulate(c, affine(), 300);
  assert.equal(c.scale, 0.625);
  // Two windows of 8 frames at ~125 ms (the first two frames ignored), then at most two more.
  const settled = tr.changes.at(-1)!.t;
  assert.ok(settled < 5000, `settled after ${settled} ms`);
  // Down only, in one jump or two: the pixel-ratio prediction never steps further down than needed.
  assert.ok(tr.changes.length <= 2 && tr.changes.every((ch) => ch.reason === 'slow'), JSON.stringify(tr.changes));
  assert.ok(fps(between(tr, 5, 300)) >= 15, `steady ${fps(between(tr, 5, 300)).toFixed(2)} fps`);
  assert.deepEqual(c.state, { scale: 0.625, targetFps: 15, budgetMs: 1000 / 15, smoothedMs: c.state.smoothedMs, changes: tr.changes.length });
  assert.ok(c.state.smoothedMs! > 45 && c.state.smoothedMs! < 60, `smoothed ${c.state.smoothedMs}`);
});

test('a scale whose cost sits at the budget: at most one more step down, never back up', () => {
  // 0.625 costs 0.98 of the budget on average: noise pushes some windows over it.
  const budget = 1000 / 15;
  const c = new ScaleController({ targetFps: 15 });
  const tr = simulate(c, (s) => 0.98 * budget * (s / 0.625) ** 2, 600, 7);
  const late = tr.changes.filter((ch) => ch.t > 10_000);
  assert.ok(late.length <= 1, JSON.stringify(late));
  assert.ok(tr.changes.every((ch) => ch.reason === 'slow'), 'no step up from just below the budget');
  assert.ok([0.625, 0.5].includes(c.scale), `at ${c.scale}`);
});

test('steps down when the load doubles and recovers the scale when it drops, without oscillating', () => {
  // Another process takes half the CPU from 60 s to 120 s.
  const load = (t: number) => (t >= 60_000 && t < 120_000 ? 2 : 1);
  const c = new ScaleController({ targetFps: 15 });
  const tr = simulate(c, affine(load), 300, 3);
  const at = (s: number) => [...tr.frames].reverse().find((f) => f.t <= s * 1000)!.scale;
  assert.equal(at(59), 0.625);
  // Under load: 0.5 costs 70 ms (misses), 0.375 costs 43.75 ms.
  assert.equal(at(119), 0.375);
  assert.ok(fps(between(tr, 70, 120)) >= 15, `under load ${fps(between(tr, 70, 120)).toFixed(2)} fps`);
  // Two windows over the budget: about 1.6 s of frames at 100 ms.
  const down = tr.changes.find((ch) => ch.t > 60_000)!;
  assert.ok(down.t < 63_000, `reacted after ${down.t - 60_000} ms`);
  // Load gone: back up one rung at a time (0.375 -> 0.5 -> 0.625), each after the cool-down.
  const back = tr.changes.filter((ch) => ch.t > 120_000);
  assert.deepEqual(back.map((ch) => [ch.from, ch.to, ch.reason]), [[0.375, 0.5, 'headroom'], [0.5, 0.625, 'headroom']]);
  assert.ok(back.at(-1)!.t < 130_000, `recovered after ${back.at(-1)!.t - 120_000} ms`);
  assert.ok(back[1]!.t - back[0]!.t >= 2000, 'steps up no faster than the cool-down');
  assert.equal(c.scale, 0.625);
  // Under load, one or two steps down are the reaction; nothing moves while the load holds.
  const under = tr.changes.filter((ch) => ch.t > 60_000 && ch.t < 120_000);
  assert.ok(under.length <= 2 && under.every((ch) => ch.reason === 'slow'), JSON.stringify(under));
  assert.ok(tr.changes.filter((ch) => ch.t > 67_000 && ch.t < 120_000).length === 0);
});

test('a cost the prediction misjudges: failed steps up are retried ever more rarely', () => {
  // Time grows with pixels^2 (e.g. a cache that overflows): from 0.75 (40 ms) the pixel ratio
  // predicts 54 ms at 0.875, within the headroom, but it costs 74 ms, over the budget.
  const c = new ScaleController({ targetFps: 15 });
  const r = rng(5);
  const changes: { t: number; change: ScaleChange }[] = [];
  let t = 0;
  while (t < 600_000) {
    const scale = c.scale;
    const ms = (40 / 0.75 ** 4) * scale ** 4 * (0.98 + 0.04 * r());
    t += ms;
    const change = c.observe(ms, scale, t);
    if (change) changes.push({ t, change });
  }
  const probes = changes.filter((ch) => ch.change.reason === 'headroom').map((ch) => ch.t);
  assert.ok(probes.length >= 3, `probes at ${probes}`);
  const gaps = probes.slice(1).map((p, i) => p - probes[i]!);
  // Waits double (2, 4, 8, 16, 32 s after each return) and stay at the cap.
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= gaps[i - 1]! * 0.95, `gaps ${gaps.map((g) => Math.round(g))}`);
  assert.ok(gaps.at(-1)! >= 32_000, `last gap ${gaps.at(-1)}`);
  // Once backed off, at most one probe (two changes) per 32 s, against one per window without backoff.
  const late = changes.filter((ch) => ch.t > 120_000).length;
  assert.ok(late <= 2 * Math.ceil(480 / 32), `${late} changes in the last 8 minutes`);
  assert.ok([0.75, 0.875].includes(c.scale));
});

test('one slow window is a burst, two in a row are the cost; frames from before a change are ignored', () => {
  const c = new ScaleController({ targetFps: 30, settle: 0, window: 2 });
  // 100 ms frames against a 33 ms budget: the first window only raises suspicion.
  for (const t of [100, 200]) assert.equal(c.observe(100, 1, t), undefined);
  // A fast window clears it.
  for (const t of [210, 220]) assert.equal(c.observe(10, 1, t), undefined);
  for (const t of [320, 420, 520]) assert.equal(c.observe(100, 1, t), undefined);
  assert.deepEqual(c.observe(100, 1, 620), { from: 1, to: 0.5, reason: 'slow', smoothedMs: 100 });
  // Still in flight at scale 1 when the change came: says nothing about 0.5.
  for (let i = 0; i < 5; i++) assert.equal(c.observe(1000, 1, 630 + i), undefined);
  assert.equal(c.observe(NaN, 0.5, 700), undefined);
  assert.equal(c.observe(Infinity, 0.5, 700), undefined);
  assert.equal(c.observe(-1, 0.5, 700), undefined);
  assert.equal(c.scale, 0.5);
  assert.equal(c.state.changes, 1);
});

test('a new target keeps the scale and measures afresh; the ladder bottom is a floor', () => {
  const c = new ScaleController({ targetFps: 15 });
  simulate(c, affine(), 20);
  assert.equal(c.scale, 0.625);
  c.targetFps = 1000;
  assert.equal(c.scale, 0.625);
  assert.equal(c.state.smoothedMs, undefined);
  const tr = simulate(c, affine(), 20, 2, 20_000);
  assert.equal(c.scale, 0.375, 'nothing holds 1000 fps: the smallest scale');
  assert.equal(tr.changes.length, 1);
  c.targetFps = 5;
  simulate(c, affine(), 60, 4, 40_000);
  assert.equal(c.scale, 1, '5 fps holds at full size: back up to it');
});

test('bad targets and ladders are one-line errors', () => {
  for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => new ScaleController({ targetFps: bad }), /^RangeError: target frame rate must be a positive number of frames per second, got /);
  assert.throws(() => checkTargetFps(-3, '--target-fps'), { message: '--target-fps must be a positive number of frames per second, got -3' });
  assert.equal(checkTargetFps(12.5), 12.5);
  assert.throws(() => new ScaleController({ targetFps: 15, ladder: [0.5, 0.25] }), /must start at 1/);
  assert.throws(() => new ScaleController({ targetFps: 15, ladder: [1, 0.5, 0.5] }), /decrease strictly/);
  assert.throws(() => new ScaleController({ targetFps: 15, initialScale: 0.6 }), /not on the ladder/);
});

test('processing sizes keep the aspect, land on the stride grid and never grow', () => {
  const full = { width: 640, height: 480 };
  assert.deepEqual(
    SCALE_LADDER.map((s) => scaledSize(full, s)),
    [
      { width: 640, height: 480 },
      { width: 560, height: 420 },
      { width: 480, height: 360 },
      { width: 400, height: 300 },
      { width: 320, height: 240 },
      { width: 240, height: 180 },
    ],
  );
  // Odd sizes: scale 1 is untouched; smaller ones are stride multiples within stride/2 of exact.
  assert.deepEqual(scaledSize({ width: 301, height: 203 }, 1), { width: 301, height: 203 });
  const odd = scaledSize({ width: 1279, height: 719 }, 0.625, 8);
  assert.deepEqual(odd, { width: 800, height: 448 });
  assert.ok(Math.abs(odd.width / odd.height - 1279 / 719) / (1279 / 719) < 0.01);
  // Tiny frames: at least the stride and the network's minimum side; repeated sizes leave the ladder.
  assert.deepEqual(scaledSize({ width: 6, height: 5 }, 0.375), { width: 4, height: 4 });
  assert.deepEqual(scaledSize({ width: 40, height: 12 }, 0.375, 4, 10), { width: 16, height: 12 });
  assert.deepEqual(ladderFor({ width: 16, height: 16 }), [1, 0.75, 0.5]);
  assert.deepEqual(ladderFor(full), [...SCALE_LADDER]);
});
