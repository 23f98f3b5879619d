import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawImage } from '../../src/io/pixels.js';
import { flickerOfFiles, meanAbsDiff, measureFlicker } from '../../src/video/flicker.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';
import { makeClip } from './clips.js';

const flat = (v: number): RawImage => ({ width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(v) });
async function* seq(values: number[]) {
  for (const v of values) yield flat(v);
}

test('flicker is the stylized frame-to-frame change over the source one', async () => {
  assert.equal(meanAbsDiff(flat(3), flat(10)), 7);
  const r = await measureFlicker(seq([0, 10, 0, 10]), seq([0, 5, 10, 15]));
  assert.deepEqual(r, { frames: 4, output: 10, source: 5, ratio: 2 });
  const still = await measureFlicker(seq([1, 1, 1]), seq([1, 1, 1]));
  assert.equal(still.ratio, 1);
});

test('flicker refuses streams of different lengths', async () => {
  await assert.rejects(measureFlicker(seq([0, 1, 2]), seq([0, 1])), /frame counts differ/);
});

test('a video against itself has flicker 1', async () => {
  const clip = makeClip(tempDir(), 'f.mkv', { width: 32, height: 24, seconds: 1, audio: false });
  const r = await flickerOfFiles(clip, clip);
  assert.equal(r.ratio, 1);
  assert.ok(r.source > 0);
  assert.equal(r.frames, 30);
});

test('stylecast flicker: the warping error follows the source; a video against itself scores its own', async () => {
  const clip = makeClip(tempDir(), 'w.mkv', { width: 64, height: 48, seconds: 0.5, audio: false });
  const r = await runCli(['flicker', clip, '--source', clip, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { ratio: number; warpError: number; sourceWarpError: number; frames: number };
  assert.equal(j.ratio, 1);
  assert.equal(j.warpError, j.sourceWarpError);
  assert.ok(j.warpError >= 0 && j.warpError < 0.05, `warping error ${j.warpError}`);
  const human = await runCli(['flicker', clip, '--source', clip]);
  assert.match(human.stdout, /flicker 1\.000 .*warping error [\d.]+e-3 \(source [\d.]+e-3\)/);
});
