import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile, writeModelFile } from '../../src/models/modelfile.js';
import { runCli } from '../helpers/cli.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { trainingSet } from '../helpers/train.js';

const dir = tempDir('stylecast-cli-quantize-');
const photos = (await trainingSet(dir, 3)).content;
const src = join(dir, 'tiny.onnx');
await writeModelFile(src, tinyModel({ width: 8, blocks: 2 }));

test('stylecast quantize writes an int8 model calibrated on a photo folder and prints one summary line', async () => {
  const out = join(dir, 'tiny-int8.onnx');
  const r = await runCli(['quantize', '--model', src, '--precision', 'int8', '-o', out, '--calibration', photos, '--calibration-count', '2', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const before = statSync(src).size;
  const after = statSync(out).size;
  assert.equal(r.stdout, `${out}: tiny fp32 ${before} bytes -> int8 ${after} bytes (${(after / before).toFixed(2)}x), calibrated on 2 photos from ${photos}\n`);
  const q = await readModelFile(out);
  assert.equal(q.precision, 'int8');
  assert.deepEqual(q.quantization?.calibration, { photos: 2, folder: photos, size: 256 });
});

test('stylecast quantize: fp16 needs no photos; int8 without any is a one-line error and writes nothing', async () => {
  const half = join(dir, 'tiny-fp16.onnx');
  const ok = await runCli(['quantize', '-m', src, '--precision', 'fp16', '-o', half], { STYLECAST_MIRROR: undefined });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, / tiny fp32 \d+ bytes -> fp16 \d+ bytes \(0\.\d\dx\)\n$/);
  assert.equal((await readModelFile(half)).precision, 'fp16');

  const out = join(dir, 'nope.onnx');
  const r = await runCli(['quantize', '-m', src, '--precision', 'int8', '-o', out], { STYLECAST_MIRROR: undefined });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'stylecast: int8 needs calibration photos: pass --calibration <photo-dir> (or set STYLECAST_MIRROR)\n');
  assert.ok(!existsSync(out));
  const again = await runCli(['quantize', '-m', half, '--precision', 'int8', '-o', out, '--calibration', photos]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^stylecast: tiny is already fp16; quantize its float32 model instead/);
  const bad = await runCli(['quantize', '-m', src, '--precision', 'int4', '-o', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /argument 'int4' is invalid\. Allowed choices are fp16, int8/);
});
