import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { importVggLayers } from '../../src/models/importers/vgg.js';
import { availableTaps, defaultLayers, vggFeatures } from '../../src/models/vgg.js';
import { createSession } from '../../src/runtime/ort.js';
import { randomTensor } from '../helpers/gradcheck.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';

const VGG = 'vgg/vgg19-block1-3';

test('TF.js layers VGG-19 prefix: topology, taps and default loss layers', { skip: needsMirror(VGG) }, async () => {
  const w = await importVggLayers(mirrorPath(VGG));
  assert.equal(w.topology, 'vgg19');
  assert.equal(w.preprocess, 'caffe');
  assert.deepEqual(availableTaps(w), ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1', 'relu3_2', 'relu3_3', 'relu3_4']);
  assert.deepEqual(defaultLayers(w), { content: 'relu2_2', style: ['relu1_2', 'relu2_2', 'relu3_3'] });
  const g = new Graph('v');
  assert.throws(() => vggFeatures(g.input('x', 'float32', [1, 3, 8, 8]), w, ['relu4_3']), /relu4_3 is not available/);
});

test('conv1_1 applies Keras caffe preprocessing (BGR, mean) to RGB 0..255 input', { skip: needsMirror(VGG) }, async () => {
  const dir = mirrorPath(VGG);
  const w = await importVggLayers(dir);
  const g = new Graph('v');
  const x = g.input('x', 'float32', [1, 3, 6, 6]);
  g.output(vggFeatures(x, w, ['relu1_1']).get('relu1_1')!, 'f');
  const img = randomTensor([1, 3, 6, 6], 3, 0, 255);
  const f = (await (await createSession(toOnnx(g))).run({ x: img })).f!.data as Float32Array;
  // Reference from the raw shard: kernel [3, 3, in(BGR), 64], then bias, in Keras' own layout.
  const raw = readFileSync(join(dir, 'group1-shard1of1'));
  const k = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 3 * 3 * 3 * 64 * 4));
  const bias = new Float32Array(raw.buffer.slice(raw.byteOffset + 3 * 3 * 3 * 64 * 4, raw.byteOffset + (3 * 3 * 3 * 64 + 64) * 4));
  const mean = [103.939, 116.779, 123.68];
  const at = (c: number, y: number, xx: number) => img.data[(c * 6 + y) * 6 + xx]!;
  for (const [o, y, xx] of [[0, 2, 3], [17, 1, 1], [63, 4, 2]] as const) {
    let s = bias[o]!;
    for (let dy = 0; dy < 3; dy++)
      for (let dx = 0; dx < 3; dx++)
        for (let bgr = 0; bgr < 3; bgr++) s += k[((dy * 3 + dx) * 3 + bgr) * 64 + o]! * (at(2 - bgr, y + dy - 1, xx + dx - 1) - mean[bgr]!);
    assert.ok(Math.abs(Math.max(s, 0) - f[(o * 6 + y) * 6 + xx]!) < 1e-3 * Math.max(1, Math.abs(s)), `channel ${o} at (${y}, ${xx})`);
  }
});
