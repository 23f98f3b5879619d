import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Tensor } from '../../src/graph/tensor.js';
import type { RawImage } from '../../src/io/pixels.js';
import type { Feeds, Fetches, Session } from '../../src/runtime/session.js';
import { SessionStylizer } from '../../src/runtime/session-stylizer.js';
import { tinyModel } from '../helpers/models.js';

/** A pixel graph that returns its input, so each output must be its own input; counts overlapping runs. */
function identitySession(failOnRun?: number, movesFeeds = false): Session & { maxRunning: number; runs: number; fed: Tensor[] } {
  let running = 0;
  const s = {
    inputNames: ['pixels'],
    outputNames: ['stylized'],
    movesFeeds,
    maxRunning: 0,
    runs: 0,
    fed: [] as Tensor[],
    async run(feeds: Feeds): Promise<Fetches> {
      const run = ++s.runs;
      s.fed.push(feeds.pixels!);
      s.maxRunning = Math.max(s.maxRunning, ++running);
      await sleep(2);
      running--;
      if (run === failOnRun) throw new Error(`run ${run} failed`);
      return { stylized: feeds.pixels! };
    },
    endProfiling: () => undefined,
    release: async () => undefined,
  };
  return s;
}

const image = (width: number, height: number, seed: number): RawImage => ({
  width,
  height,
  channels: 3,
  data: new Uint8Array(width * height * 3).map((_, i) => (i * 7 + seed) % 256),
});

const images = [image(5, 3, 1), image(8, 8, 2), image(5, 3, 3), image(1, 1, 4), image(8, 8, 5)];

for (const inFlight of [1, 2, Infinity]) {
  test(`batches of mixed sizes come back whole, in input order, with at most ${inFlight} run(s) in flight`, async () => {
    const session = identitySession();
    const s = new SessionStylizer(tinyModel(), async () => session, { batchSize: 2, inFlight });
    const out = await s.stylizeMany(images);
    assert.deepEqual(out, images);
    assert.equal(session.runs, 3);
    assert.ok(session.maxRunning <= inFlight, `${session.maxRunning} runs overlapped`);
    assert.equal(s.timing.frames, images.length);
  });
}

test('a failing run rejects stylizeMany, also while other batches are in flight', async () => {
  for (const inFlight of [1, Infinity]) {
    const s = new SessionStylizer(tinyModel(), async () => identitySession(2), { batchSize: 1, inFlight });
    await assert.rejects(s.stylizeMany(images), /run 2 failed/);
  }
});

test('a batch that cannot be packed rejects the call; runs already started settle quietly', async () => {
  const broken: RawImage = { width: 2, height: 2, channels: 3, data: new Uint8Array(5) };
  const s = new SessionStylizer(tinyModel(), async () => identitySession(1), { batchSize: 1, inFlight: Infinity });
  await assert.rejects(s.stylizeMany([images[0]!, images[1]!, broken]), /12\)|samples/);
  // Run 1 fails after the call has already rejected: that must not be an unhandled rejection.
  await sleep(30);
});

test('a session without the expected output is named in the error', async () => {
  const session = { ...identitySession(), run: async () => ({}) };
  const s = new SessionStylizer(tinyModel(), async () => session, { batchSize: 1, inFlight: 1 });
  await assert.rejects(s.stylize(images[0]!), /model tiny returned no uint8 'stylized'/);
  await assert.rejects(s.stylizeFloat(images[0]!), /model tiny returned no float32 'stylized'/);
});

test('one session per layout; grey and 16-bit images become 8-bit RGB, RGBA keeps its own layout', async () => {
  const opened: string[] = [];
  const s = new SessionStylizer(tinyModel(), async (l) => (opened.push(`${l.input}>${l.output}`), identitySession()), { batchSize: 4, inFlight: 1 });
  const grey: RawImage = { width: 2, height: 1, channels: 1, data: Uint8Array.of(7, 9) };
  const deep: RawImage = { width: 1, height: 1, channels: 4, data: Uint16Array.of(65535, 0, 257 * 100, 257 * 50) };
  const [g, d, r] = await s.stylizeMany([grey, deep, images[0]!]);
  assert.deepEqual(g, { width: 2, height: 1, channels: 3, data: Uint8Array.of(7, 7, 7, 9, 9, 9) });
  assert.deepEqual(d, { width: 1, height: 1, channels: 4, data: Uint8Array.of(255, 0, 100, 50) });
  assert.deepEqual(r, images[0]);
  await s.stylizeMany([images[1]!, images[4]!]);
  assert.deepEqual(opened, ['3>3', '4>4']);
});

test('frames go in as they are; copied once only when a session on another thread would take a buffer that is not ours to give', async () => {
  const frame = () => image(4, 2, 9);
  const inThread = identitySession();
  const own = frame();
  await new SessionStylizer(tinyModel(), async () => inThread, { batchSize: 1, inFlight: 1 }).stylize(own);
  assert.equal(inThread.fed[0]!.data, own.data, 'in-thread sessions read the frame in place');

  const moving = identitySession(undefined, true);
  const s = new SessionStylizer(tinyModel(), async () => moving, { batchSize: 1, inFlight: 1 });
  const kept = frame();
  await s.stylize(kept);
  assert.notEqual(moving.fed[0]!.data, kept.data, "the caller's frame is copied, not moved");
  const given = frame();
  await s.stylizeMany([given], { transfer: true });
  assert.equal(moving.fed[1]!.data, given.data, 'a frame given away is moved as it is');
  const pooled = new Uint8Array(64);
  const view: RawImage = { width: 4, height: 2, channels: 3, data: pooled.subarray(8, 32) };
  await s.stylizeMany([view], { transfer: true });
  assert.notEqual(moving.fed[2]!.data.buffer, pooled.buffer, 'a view into a larger buffer is copied even when given');
});
