import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { RawImage } from '../../src/io/pixels.js';
import { checkFrame, resizeBilinear, runPipeline, type FrameSink, type PipelineEvent } from '../../src/runtime/pipeline.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { WorkerStylizer, type FrameStylizer } from '../../src/runtime/worker.js';
import { tinyModel } from '../helpers/models.js';

const frame = (w: number, h: number, value: number, channels: 1 | 3 | 4 = 3): RawImage => ({ width: w, height: h, channels, data: new Uint8Array(w * h * channels).fill(value) });

async function* frames(list: readonly RawImage[], delayMs = 0): AsyncGenerator<RawImage> {
  for (const f of list) {
    if (delayMs) await sleep(delayMs);
    yield f;
  }
}

/** Inverts pixels, optionally slowly: the stylizer stand-in. */
const invert = (delayMs = 0): FrameStylizer & { calls: number } => ({
  calls: 0,
  async stylizeMany(imgs) {
    this.calls++;
    if (delayMs) await sleep(delayMs);
    return imgs.map((i) => ({ ...i, data: i.data.map((v) => 255 - v) as Uint8Array }));
  },
});

const collect = (): FrameSink & { got: RawImage[] } => ({
  got: [],
  async write(f) {
    this.got.push(f);
  },
});

test('every frame goes through in order with the block policy, batched', async () => {
  const input = Array.from({ length: 20 }, (_, i) => frame(8, 6, i));
  const sink = collect();
  const events: PipelineEvent[] = [];
  const s = await runPipeline(frames(input), invert(), sink, { batchSize: 3, capacity: 2, onEvent: (e) => events.push(e) });
  assert.deepEqual(sink.got.map((f) => f.data[0]), input.map((_, i) => 255 - i));
  assert.equal(s.frames.stylized, 20);
  assert.equal(s.frames.written, 20);
  assert.equal(s.frames.dropped, 0);
  assert.ok(s.queue.maxLength <= 2);
  assert.equal(events.at(-1)?.type, 'done');
});

test('shape check: wrong sizes are resized or rejected and counted, malformed frames rejected, never a crash', async () => {
  const bad: RawImage = { width: 8, height: 6, channels: 3, data: new Uint8Array(5) };
  const input = [frame(8, 6, 10), frame(16, 12, 20), frame(8, 6, 30, 4), bad, frame(4, 3, 40, 1), frame(8, 6, 50)];
  const sink = collect();
  const s = await runPipeline(frames(input), invert(), sink, { width: 8, height: 6 });
  assert.equal(s.frames.rejected, 1);
  assert.equal(s.frames.resized, 2);
  assert.equal(s.frames.stylized, 5);
  // The rejected frame's slot holds the previous output, so frame count and timing are kept.
  assert.equal(s.frames.written, 6);
  assert.equal(s.frames.held, 1);
  assert.deepEqual(sink.got.map((f) => [f.width, f.height, f.channels, f.data[0]]), [
    [8, 6, 3, 245], [8, 6, 3, 235], [8, 6, 3, 225], [8, 6, 3, 225], [8, 6, 3, 215], [8, 6, 3, 205],
  ]);

  const strict = collect();
  const r = await runPipeline(frames(input), invert(), strict, { width: 8, height: 6, shapePolicy: 'reject', holdDropped: false });
  assert.equal(r.frames.rejected, 3);
  assert.equal(r.frames.stylized, 3);
  assert.equal(strict.got.length, 3);
});

test('drop-oldest under a slow stylizer: the queue stays within its bound, drops are counted and held', async () => {
  const input = Array.from({ length: 60 }, (_, i) => frame(4, 4, i));
  const sink = collect();
  const s = await runPipeline(frames(input, 1), invert(15), sink, { policy: 'drop-oldest', capacity: 3, inFlight: 1 });
  assert.ok(s.queue.maxLength <= 3, `queue reached ${s.queue.maxLength}`);
  assert.ok(s.frames.dropped > 0, 'a slow stylizer must cause drops');
  assert.equal(s.frames.dropped, s.queue.dropped);
  assert.equal(s.frames.stylized + s.frames.dropped, 60);
  assert.equal(sink.got.length, 60, 'held repeats keep the frame count');
  assert.equal(s.frames.held, s.frames.dropped);
  // Outputs never go back in time.
  const values = sink.got.map((f) => 255 - f.data[0]!);
  assert.deepEqual([...values].sort((a, b) => a - b), values);
});

test('a failing stylizer stops the pipeline with its error and stops the source', async () => {
  let pulled = 0;
  let stopped = false;
  async function* endless(): AsyncGenerator<RawImage> {
    try {
      for (;;) {
        pulled++;
        yield frame(4, 4, 1);
      }
    } finally {
      stopped = true;
    }
  }
  const broken: FrameStylizer = { stylizeMany: async () => Promise.reject(new Error('network exploded')) };
  await assert.rejects(runPipeline(endless(), broken, collect(), { capacity: 2 }), /network exploded/);
  assert.ok(stopped, 'source was not stopped');
  assert.ok(pulled < 50);
});

test('a failing sink stops the pipeline with its error', async () => {
  const input = Array.from({ length: 10 }, (_, i) => frame(4, 4, i));
  const sink: FrameSink = { write: async () => Promise.reject(new Error('disk full')) };
  await assert.rejects(runPipeline(frames(input), invert(), sink), /disk full/);
});

test('resizeBilinear keeps flat images flat and checkFrame converts grey to RGB', () => {
  const r = resizeBilinear(frame(5, 3, 77), 9, 7);
  assert.deepEqual([r.width, r.height, r.channels], [9, 7, 3]);
  assert.ok(r.data.every((v) => v === 77));
  const c = checkFrame(frame(2, 2, 9, 1), 2, 2, 'reject');
  assert.ok(c.ok && c.image.channels === 3 && !c.resized && c.image.data.every((v) => v === 9));
});

test('WorkerStylizer matches the in-thread Stylizer', async () => {
  const model = tinyModel();
  const img: RawImage = { width: 23, height: 17, channels: 3, data: new Uint8Array(23 * 17 * 3).map((_, i) => (i * 31) % 256) };
  const ref = await (await Stylizer.create(model)).stylize(img);
  const w = await WorkerStylizer.create(model, { batchSize: 2 });
  try {
    const out = await w.stylizeMany([img, img, img]);
    for (const o of out) assert.deepEqual(o, ref);
    assert.equal(w.timing.frames, 3);
  } finally {
    await w.close();
  }
  await assert.rejects(w.stylizeMany([img]), /closed/);
});
