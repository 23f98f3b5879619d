import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Tensor } from '../../src/graph/tensor.js';
import type { RawImage } from '../../src/io/pixels.js';
import type { Feeds, Fetches, Session } from '../../src/runtime/session.js';
import { SessionStylizer } from '../../src/runtime/session-stylizer.js';
import { tinyModel } from '../helpers/models.js';

/** A network that returns its input, so each output must be its own input cropped back; counts overlapping runs. */
function identitySession(failOnRun?: number): Session & { maxRunning: number; runs: number } {
  let running = 0;
  const s = {
    inputNames: ['input'],
    outputNames: ['output'],
    maxRunning: 0,
    runs: 0,
    async run(feeds: Feeds): Promise<Fetches> {
      const run = ++s.runs;
      s.maxRunning = Math.max(s.maxRunning, ++running);
      await sleep(2);
      running--;
      if (run === failOnRun) throw new Error(`run ${run} failed`);
      return { output: feeds.input as Tensor<'float32'> };
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
  test(`batches of mixed sizes come back cropped, in input order, with at most ${inFlight} run(s) in flight`, async () => {
    const session = identitySession();
    const s = new SessionStylizer(tinyModel(), session, { batchSize: 2, inFlight });
    const out = await s.stylizeMany(images);
    assert.deepEqual(out, images);
    assert.equal(session.runs, 3);
    assert.ok(session.maxRunning <= inFlight, `${session.maxRunning} runs overlapped`);
    assert.deepEqual({ ...s.packTiming, pre: 0, post: 0 }, { pre: 0, post: 0, frames: images.length });
  });
}

test('a failing run rejects stylizeMany, also while other batches are in flight', async () => {
  for (const inFlight of [1, Infinity]) {
    const s = new SessionStylizer(tinyModel(), identitySession(2), { batchSize: 1, inFlight });
    await assert.rejects(s.stylizeMany(images), /run 2 failed/);
  }
});

test('a batch that cannot be packed rejects the call; runs already started settle quietly', async () => {
  const broken: RawImage = { width: 2, height: 2, channels: 3, data: new Uint8Array(5) };
  const s = new SessionStylizer(tinyModel(), identitySession(1), { batchSize: 1, inFlight: Infinity });
  await assert.rejects(s.stylizeMany([images[0]!, images[1]!, broken]), /12\)|samples/);
  // Run 1 fails after the call has already rejected: that must not be an unhandled rejection.
  await sleep(30);
});

test('a session without a float32 output is named in the error', async () => {
  const session = { ...identitySession(), run: async () => ({}) };
  const s = new SessionStylizer(tinyModel(), session, { batchSize: 1, inFlight: 1 });
  await assert.rejects(s.stylize(images[0]!), /model tiny returned no float32 'output'/);
});
