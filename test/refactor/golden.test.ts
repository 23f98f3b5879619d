import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { needsMirror } from '../helpers/assets.js';
import { tempDir } from '../helpers/tmp.js';
import { GOLDEN_DIR, MIRROR_PHOTOS, STUDENT_PHOTOS, mirrorPhoto, photoKey, students, stylizeBytes, teachers, trainingLosses } from './golden.js';

/** Largest per-sample difference between a model's output now and the one recorded before the refactor. */
async function maxDiff(model: string, photo: string): Promise<number> {
  const now = await stylizeBytes(model, photo);
  const { data, info } = await sharp(join(GOLDEN_DIR, `${model}.${photoKey(photo)}.png`)).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([now.width, now.height], [info.width, info.height], `${model}: output size changed`);
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]! - now.data[i]!));
  return max;
}

test('built-in students give the outputs recorded before the refactor (within 1 level)', async () => {
  for (const m of students()) for (const p of STUDENT_PHOTOS) assert.ok((await maxDiff(m, p)) <= 1, `${m} on ${photoKey(p)}`);
});

test('teachers give the outputs recorded before the refactor (within 1 level)', { skip: needsMirror('photos/test') }, async () => {
  for (const m of teachers()) for (const p of MIRROR_PHOTOS) assert.ok((await maxDiff(m, mirrorPhoto(p))) <= 1, `${m} on ${photoKey(p)}`);
});

test('training from the same seed gives the recorded losses for 20 steps', async () => {
  const want = JSON.parse(readFileSync(join(GOLDEN_DIR, 'train-losses.json'), 'utf8')) as Record<string, Record<string, number>[]>;
  const got = await trainingLosses(tempDir('stylecast-golden-'));
  for (const run of Object.keys(want)) {
    assert.equal(got[run]!.length, 20, run);
    want[run]!.forEach((losses, step) => {
      assert.deepEqual(Object.keys(got[run]![step]!).sort(), Object.keys(losses).sort(), `${run} step ${step + 1}: terms`);
      for (const [term, v] of Object.entries(losses)) {
        const g = got[run]![step]![term]!;
        // Float32 sums may be reordered by a rebuilt graph; anything beyond rounding is a change. Training
        // amplifies rounding: on another CPU (AVX2 vs AVX-512 kernels) the plain run drifts 3e-3 by step 20
        // while the first 8 steps stay within 4e-7. A changed loss shows at step 1, a changed gradient at
        // step 2, so the first steps are held to rounding and the later ones only to the drift.
        const tol = step < 8 ? 1e-4 : 1e-2;
        assert.ok(Math.abs(g - v) <= tol * Math.abs(v) + 1e-6, `${run} step ${step + 1} ${term}: ${g} vs recorded ${v}`);
      }
    });
  }
});
