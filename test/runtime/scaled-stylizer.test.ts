/** ScaledStylizer with a stand-in network whose cost is charged to a simulated clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawImage } from '../../src/io/pixels.js';
import type { ScaleChange } from '../../src/runtime/adaptive.js';
import { ScaledStylizer } from '../../src/runtime/scaled-stylizer.js';
import type { FrameStylizer } from '../../src/runtime/worker.js';

/** A horizontal grey ramp (smooth, so a downsample-upsample round trip stays close). */
function ramp(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(Math.round((x / (width - 1)) * 255), (y * width + x) * 3, (y * width + x + 1) * 3);
  return { width, height, channels: 3, data };
}

/** Returns its input; each call advances `clock.t` by 5 ms + 0.4 us per pixel (120 ms at 640x480). */
function identity(clock: { t: number }): FrameStylizer & { sizes: string[] } {
  return {
    sizes: [],
    async stylizeMany(imgs) {
      for (const i of imgs) {
        this.sizes.push(`${i.width}x${i.height}`);
        clock.t += 5 + 0.0004 * i.width * i.height;
      }
      return [...imgs];
    },
  };
}

test('frames are stylized at the scale that holds the target and come back at their own size', async () => {
  const clock = { t: 0 };
  const inner = identity(clock);
  const changes: ScaleChange[] = [];
  const s = new ScaledStylizer(inner, { targetFps: 15, now: () => clock.t, onChange: (c) => changes.push(c) });
  assert.equal(s.scale, 1);
  const frame = ramp(640, 480);
  let last: RawImage | undefined;
  for (let i = 0; i < 60; i++) [last] = await s.stylizeMany([frame]);
  // 120 ms at full size; 0.625 (400x300) costs 53 ms, and 0.75 predicted from there 76 ms.
  assert.equal(s.scale, 0.625);
  assert.deepEqual(changes.map((c) => [c.from, c.to]), [[1, 0.625]]);
  assert.equal(inner.sizes[0], '640x480');
  assert.equal(inner.sizes.at(-1), '400x300');
  assert.deepEqual([last!.width, last!.height, last!.channels], [640, 480, 3]);
  let diff = 0;
  for (let k = 0; k < frame.data.length; k++) diff += Math.abs(frame.data[k]! - last!.data[k]!);
  assert.ok(diff / frame.data.length < 1, `round trip through 400x300 differs by ${diff / frame.data.length} levels on average`);
  assert.deepEqual({ ...s.state, smoothedMs: undefined }, { scale: 0.625, targetFps: 15, budgetMs: 1000 / 15, smoothedMs: undefined, changes: 1 });
});

test('overlapping calls are charged their busy time, not their latency', async () => {
  const clock = { t: 0 };
  // Two calls handed over at t=0 that finish at 100 and 200: 100 ms each (throughput), not 100 and 200.
  const done: (() => void)[] = [];
  const inner: FrameStylizer = {
    stylizeMany: (imgs) => new Promise((ok) => done.push(() => ok([...imgs]))),
  };
  const s = new ScaledStylizer(inner, { targetFps: 5, window: 2, settle: 0, now: () => clock.t });
  const a = s.stylizeMany([ramp(8, 8)]);
  const b = s.stylizeMany([ramp(8, 8)]);
  clock.t = 100;
  done[0]!();
  await a;
  clock.t = 200;
  done[1]!();
  await b;
  assert.equal(s.state.smoothedMs, 100);
  // Idle time between calls (a slow source) is not the stylizer's either.
  clock.t = 1000;
  const c = s.stylizeMany([ramp(8, 8)]);
  clock.t = 1050;
  done[2]!();
  await c;
  const d = s.stylizeMany([ramp(8, 8)]);
  clock.t = 1100;
  done[3]!();
  await d;
  assert.equal(s.state.smoothedMs, 50);
});

test('16-bit frames are refused once scaling starts; bad targets at once', async () => {
  const clock = { t: 0 };
  const s = new ScaledStylizer(identity(clock), { targetFps: 1000, window: 1, settle: 0, now: () => clock.t });
  const deep: RawImage = { width: 64, height: 48, channels: 3, data: new Uint16Array(64 * 48 * 3) };
  await s.stylizeMany([deep]);
  await s.stylizeMany([deep]);
  assert.ok(s.scale < 1);
  await assert.rejects(s.stylizeMany([deep]), /a target frame rate needs 8-bit frames, got 16-bit/);
  assert.throws(() => new ScaledStylizer(identity(clock), { targetFps: 0 }), /target frame rate must be a positive number/);
});
