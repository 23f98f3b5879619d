import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rng } from '../../src/models/transformer.js';
import { ImageLoader, type Batch, type LoaderOptions } from '../../src/train/data.js';
import { cropBefore, cropSeed, planar } from '../helpers/crops.js';
import { trainingSet } from '../helpers/train.js';

// Removed at exit rather than after the tests: prefetching loaders still decode when the last test ends.
const dir = mkdtempSync(join(tmpdir(), 'stylecast-data-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const { content } = await trainingSet(dir);
const SIZE = 16;

async function batches(o: Partial<LoaderOptions>, n: number): Promise<Batch[]> {
  const loader = await ImageLoader.open(content, { size: SIZE, batch: 2, seed: 5, ...o });
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await loader.next());
  return out;
}

test('crops are seeded per (seed, epoch, file): the crops of before, whatever the prefetch', async () => {
  // 4 photos, batch 2: two batches an epoch; five batches reach into the third epoch.
  const got = await batches({ prefetch: 0 }, 5);
  const plane = SIZE * SIZE;
  for (const [b, batch] of got.entries()) {
    const epoch = Math.floor(b / 2);
    for (const [k, file] of batch.files.entries()) {
      const want = planar(await cropBefore(file, SIZE, rng(cropSeed(5, epoch, file))), plane);
      assert.deepEqual(batch.tensor.data.subarray(k * 3 * plane, (k + 1) * 3 * plane), want, `batch ${b} ${file}`);
    }
  }
  assert.notDeepEqual(got[0]!.files, got[2]!.files, 'each epoch is shuffled anew');
  const ahead = await batches({ prefetch: 4 }, 5);
  assert.deepEqual(ahead.map((b) => [b.files, b.position, [...b.tensor.data]]), got.map((b) => [b.files, b.position, [...b.tensor.data]]));
});

test('a loader resumed at a position gives the batches that followed it', async () => {
  const run = await batches({}, 4);
  const resumed = await batches({ start: run[0]!.position }, 3);
  assert.deepEqual(resumed.map((b) => [b.files, [...b.tensor.data]]), run.slice(1).map((b) => [b.files, [...b.tensor.data]]));
});
