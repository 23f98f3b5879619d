import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { provenanceTeacher } from '../../src/models/codec.js';
import { importTeacher } from '../../src/models/load.js';
import { decodeModel, readModelFile, toLoaded, transformerOf, writeModelFile } from '../../src/models/modelfile.js';
import { findEntry } from '../../src/io/registry.js';
import { relu } from '../../src/ops/index.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import type { RawImage } from '../../src/io/pixels.js';
import { needsMirror } from '../helpers/assets.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

function noise(width: number, height: number, seed = 3): RawImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, channels: 3, data };
}

test('model file round-trips config, weights and info', async () => {
  const m = tinyModel({ padding: 'same', upsample: 'transpose', head: 'tanh', finalNorm: true, bias: false });
  const path = join(dir, 'tiny.onnx');
  await writeModelFile(path, m);
  const back = transformerOf(await readModelFile(path), 'test');
  assert.deepEqual(back.config, m.config);
  assert.deepEqual(back.info, m.info);
  for (const [name, t] of m.weights) assert.deepEqual(back.weights.get(name)!.data, t.data, name);
  assert.equal(back.sha256, m.sha256);
});

test('a saved teacher gives identical output after loading', { skip: needsMirror('teachers/pytorch-examples/mosaic') }, async () => {
  const m = toLoaded(await importTeacher(findEntry('mosaic')));
  const path = join(dir, 'mosaic.onnx');
  await writeModelFile(path, m);
  const back = transformerOf(await readModelFile(path), 'test');
  const img = noise(37, 29);
  const a = await (await Stylizer.create(m)).stylize(img);
  const b = await (await Stylizer.create(back)).stylize(img);
  assert.deepEqual(b.data, a.data);
});

test('corrupt and foreign ONNX files are refused in one line', () => {
  const bytes = tinyModel().onnx;
  assert.throws(() => decodeModel(bytes.slice(0, bytes.length >> 1), 'half.onnx'), /^Error: half\.onnx: not a valid ONNX model/);
  assert.throws(() => decodeModel(new TextEncoder().encode('hello world'), 'text.onnx'), /text\.onnx: not a valid ONNX model/);
  const g = new Graph();
  g.output(relu(g.input('x', 'float32', [1])), 'y');
  assert.throws(() => decodeModel(toOnnx(g), 'plain.onnx'), /plain\.onnx: not a stylecast model/);
});

test('a missing model file is a clear error', async () => {
  await assert.rejects(readModelFile(join(dir, 'nope.onnx')), /cannot read model .*nope\.onnx \(ENOENT\)/);
  writeFileSync(join(dir, 'empty.onnx'), '');
  await assert.rejects(readModelFile(join(dir, 'empty.onnx')), /empty\.onnx: not a valid ONNX model/);
});

test("a model's teacher is found through every fine-tuning's provenance, to the first run", async () => {
  assert.equal(provenanceTeacher({ provenance: { teacher: 'candy' } }), 'candy');
  const twice = { provenance: { fineTunedFrom: 'udnie_rt', base: { fineTunedFrom: 'udnie_rt', base: { teacher: 'udnie_torch', steps: 1500 } } } };
  assert.equal(provenanceTeacher(twice), 'udnie_torch');
  assert.equal(provenanceTeacher({ provenance: { fineTunedFrom: 'x', base: { styles: ['a'] } } }), undefined);
  assert.equal(provenanceTeacher({}), undefined);
  // The shipped twice-fine-tuned student says where it came from.
  assert.equal(provenanceTeacher((await readModelFile(new URL('../../models/udnie_rt.onnx', import.meta.url).pathname)).info), 'udnie_torch');
});
