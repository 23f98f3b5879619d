import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { buildHalfResTransformer } from '../../src/models/halfres.js';
import { inferenceOnnx } from '../../src/models/inference.js';
import { decodeModel, encodeModel, toLoaded } from '../../src/models/modelfile.js';
import { countCost, PRESETS, randomWeights, rng, buildTransformer, type TransformerConfig } from '../../src/models/transformer.js';
import { appendStyle, bakeStyle, mixWeights, normParamNames, parseStyleMix, replicateStyle, styleFeed, type StyleEntry } from '../../src/models/styles.js';
import { createSession } from '../../src/runtime/ort.js';
import { parseOnnx } from '../../src/graph/onnx.js';

const student = (family: 'torch' | 'engstrom', styles: number): TransformerConfig => ({ ...PRESETS[family], width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, head: 'tanh', styles });

/** Random weights whose style rows differ clearly (fresh ones are all 1 and 0). */
function multiWeights(c: TransformerConfig, seed: number) {
  const w = randomWeights(c, seed);
  const rand = rng(seed + 100);
  for (const name of normParamNames(c)) {
    const t = w.get(name)!;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (name.endsWith('weight') ? 1 : 0) + (rand() - 0.5) * 0.8;
  }
  return w;
}

function image(n: number, h: number, w: number, seed = 5) {
  const rand = rng(seed);
  return f32([n, 3, h, w], Float32Array.from({ length: n * 3 * h * w }, () => Math.floor(rand() * 256)));
}

async function run(model: Uint8Array, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const s = await createSession(model, { threads: 1 });
  try {
    return (await s.run(feeds)).output!.data as Float32Array;
  } finally {
    await s.release();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const oneHot = (S: number, i: number) => Float32Array.from({ length: S }, (_, k) => (k === i ? 1 : 0));

for (const family of ['torch', 'engstrom'] as const) {
  test(`${family} student, 3 styles: one-hot weights give the single-style network of that style's row (plain and half-resolution graphs)`, async () => {
    const c = student(family, 3);
    const n = { config: c, weights: multiWeights(c, 2) };
    const input = image(2, 20, 28);
    const multi = toOnnx(buildTransformer(c, n.weights));
    const multiHalf = toOnnx(buildHalfResTransformer(c, n.weights, { phaseDeconv1: true }));
    const outs: Float32Array[] = [];
    for (let s = 0; s < 3; s++) {
      const style = f32([3], oneHot(3, s));
      const one = bakeStyle(n, style.data);
      assert.equal(one.config.styles, undefined);
      const ref = await run(toOnnx(buildTransformer(one.config, one.weights)), { input });
      const plain = await run(multi, { input, style });
      const half = await run(multiHalf, { input, style });
      // The rows are picked exactly; what differs is onnxruntime's kernels between graphs (float rounding).
      assert.ok(maxDiff(plain, ref) < 1e-3, `plain graph, style ${s}: ${maxDiff(plain, ref)}`);
      assert.ok(maxDiff(half, ref) < 1e-3, `half-resolution graph, style ${s}: ${maxDiff(half, ref)}`);
      outs.push(ref);
    }
    // The styles are different networks.
    assert.ok(maxDiff(outs[0]!, outs[1]!) > 1);
  });
}

test('a mix is the single-style network with the mixed scales and shifts (blending is linear in gamma and beta)', async () => {
  const c = student('torch', 2);
  const n = { config: c, weights: multiWeights(c, 4) };
  const input = image(1, 16, 24);
  const w = mixWeights([{ name: 'a' }, { name: 'b' }], { a: 0.7, b: 0.3 });
  const baked = bakeStyle(n, w);
  const ref = await run(toOnnx(buildTransformer(baked.config, baked.weights)), { input });
  const out = await run(inferenceOnnx(toLoaded({ config: c, weights: n.weights, info: INFO, styles: [{ name: 'a' }, { name: 'b' }] })), { input, style: f32([2], w) });
  assert.ok(maxDiff(out, ref) < 1e-3, `${maxDiff(out, ref)}`);
  // gamma/beta are the weighted rows.
  const [name] = normParamNames(c);
  const rows = n.weights.get(name!)!;
  const C = rows.dims[1]!;
  for (let k = 0; k < C; k++) assert.ok(Math.abs(baked.weights.get(name!)!.data[k]! - (0.7 * rows.data[k]! + 0.3 * rows.data[C + k]!)) < 1e-6);
});

test('a conditional network costs what its single-style network costs (MACs), plus S-1 rows per norm', () => {
  const c = student('torch', 6);
  const one = { ...c, styles: undefined };
  delete one.styles;
  const multi = countCost(c, 480, 640);
  const single = countCost(one, 480, 640);
  assert.equal(multi.macs, single.macs);
  const normParams = normParamNames(one).length / 2;
  assert.ok(normParams > 0);
  assert.equal(multi.params - single.params, 5 * normParamNames(c).reduce((s, name) => s + randomWeights(one).get(name)!.data.length, 0));
});

const INFO = { name: 'multi', style: 'test styles', source: 'test', license: 'MIT', inputRange: [0, 255] as const };

test('model file: styles round-trip in the metadata, the graph has a style input, and a count mismatch is corrupt', () => {
  const c = student('torch', 2);
  const styles: StyleEntry[] = [{ name: 'candy', teacher: 'candy', image: '01_candy.jpg', imageSha256: 'ab'.repeat(32) }, { name: 'mosaic', teacher: 'mosaic' }];
  const bytes = encodeModel({ config: c, weights: multiWeights(c, 1), info: INFO, styles });
  const m = decodeModel(bytes);
  assert.equal(m.kind, 'transformer');
  assert.deepEqual(m.kind === 'transformer' && m.styles, styles);
  const g = parseOnnx(bytes);
  assert.deepEqual(g.metadata['stylecast.styles'], JSON.stringify(styles));
  assert.throws(() => encodeModel({ config: c, weights: multiWeights(c, 1), info: INFO, styles: styles.slice(0, 1) }), /a network of 2 styles needs 2 style entries, got 1/);
  assert.throws(() => encodeModel({ config: c, weights: multiWeights(c, 1), info: INFO }), /needs 2 style entries, got 0/);
  assert.throws(() => encodeModel({ config: c, weights: multiWeights(c, 1), info: INFO, styles: [styles[0]!, { name: 'candy' }] }), /style name 'candy' is used twice/);
  assert.throws(() => encodeModel({ config: c, weights: multiWeights(c, 1), info: INFO, styles: [styles[0]!, { name: 'a=b' }] }), /style name 'a=b'/);
  const single = { ...c };
  delete single.styles;
  assert.throws(() => encodeModel({ config: single, weights: randomWeights(single), info: INFO, styles }), /a single-style network cannot list styles/);
});

test('style mixes: parsing, normalization and one-line errors', () => {
  const styles: StyleEntry[] = [{ name: 'candy' }, { name: 'mosaic' }, { name: 'la_muse' }];
  assert.equal(parseStyleMix('candy'), 'candy');
  assert.deepEqual(parseStyleMix('candy=0.7,mosaic=0.3'), { candy: 0.7, mosaic: 0.3 });
  assert.deepEqual(parseStyleMix(' candy = 2 , mosaic '), { candy: 2, mosaic: 1 });
  assert.deepEqual(Array.from(mixWeights(styles, undefined)), [1, 0, 0]);
  assert.deepEqual(Array.from(mixWeights(styles, 'mosaic')), [0, 1, 0]);
  assert.deepEqual(Array.from(mixWeights(styles, { candy: 3, la_muse: 1 })), [0.75, 0, 0.25]);
  assert.deepEqual(Array.from(styleFeed(styles, parseStyleMix('candy=0.7,mosaic=0.3')).data), [Math.fround(0.7), Math.fround(0.3), 0]);
  for (const bad of ['', 'candy=', '=0.5', 'candy=x', 'candy=0.5,,mosaic', 'candy;mosaic', 'candy=1e999']) {
    assert.throws(() => parseStyleMix(bad), /^Error: malformed style '.*': expected a style name or name=weight pairs/, bad);
  }
  assert.throws(() => parseStyleMix('candy=1,candy=2'), /style 'candy' is given twice/);
  assert.throws(() => mixWeights(styles, 'scream', 'multi.onnx'), /^Error: unknown style 'scream'; multi.onnx's styles are candy, mosaic, la_muse$/);
  assert.throws(() => mixWeights(styles, { candy: -0.2, mosaic: 1.2 }), /style weight of 'candy' must be a number >= 0, got -0.2/);
  assert.throws(() => mixWeights(styles, { candy: 0, mosaic: 0 }), /style weights are all zero/);
  assert.throws(() => mixWeights(styles, {}), /empty style mix/);
  assert.throws(() => mixWeights(undefined, 'candy', 'candy_rt'), /^Error: candy_rt is a single-style network: it takes no style selection/);
  assert.equal(mixWeights(undefined, undefined).length, 0);
});

test('replicate and append: a single-style network becomes every row; a learned row is appended and shared weights must match', async () => {
  const one = { ...PRESETS.torch, width: 4, blocks: 1, firstKernel: 3, lastKernel: 3 };
  const base = replicateStyle({ config: one, weights: multiWeights({ ...one }, 3) }, 2);
  assert.equal(base.config.styles, 2);
  const learned = bakeStyle(base, Float32Array.of(0.5, 0.5));
  const name = normParamNames(one)[0]!;
  (learned.weights.get(name) as Tensor<'float32'>).data[0] = 42;
  const grown = appendStyle(base, learned);
  assert.equal(grown.config.styles, 3);
  assert.equal(grown.weights.get(name)!.dims[0], 3);
  const third = bakeStyle(grown, oneHot(3, 2));
  assert.equal(third.weights.get(name)!.data[0], 42);
  // Rows 0 and 1 are the base's.
  assert.deepEqual(bakeStyle(grown, oneHot(3, 0)).weights.get(name)!.data, bakeStyle(base, oneHot(2, 0)).weights.get(name)!.data);
  const conv = [...learned.weights.keys()].find((k) => k.startsWith('conv1'))!;
  const tampered = new Map(learned.weights);
  tampered.set(conv, f32(tampered.get(conv)!.dims, tampered.get(conv)!.data.map((v) => v + 1)));
  assert.throws(() => appendStyle(base, { config: learned.config, weights: tampered }), /shared weight 'conv1.conv2d.weight' differs from the base's/);
});

test("conditional norms in the other tables: weight transfer refuses a multi-style teacher and starts a multi-style student's rows fresh; CoreML takes a baked network", async () => {
  const { transferWeights } = await import('../../src/compress/transfer.js');
  const { coremlLayers } = await import('../../src/export/coreml/writer.js');
  const c = student('torch', 2);
  const teacher = { ...PRESETS.torch, width: 16, blocks: 2, firstKernel: 3, lastKernel: 3 };
  const multiTeacher = { ...teacher, styles: 2 };
  assert.throws(() => transferWeights(multiTeacher, randomWeights(multiTeacher), c, [0, 1]), /transfer: a multi-style \(conditional\) teacher cannot be cut into a student; use --init random/);
  // From a single-style teacher the convs transfer and the style rows start fresh (their shape is no teacher tensor's).
  const { report } = transferWeights(teacher, randomWeights(teacher), c, [0, 1]);
  assert.deepEqual([...report.fresh].sort(), normParamNames(c).sort());
  const w = multiWeights(c, 9);
  assert.throws(() => coremlLayers(c, w), /coreml export: conditional norm in1: bake a style or mix into the network first/);
  const baked = bakeStyle({ config: c, weights: w }, oneHot(2, 1));
  assert.equal(coremlLayers(baked.config, baked.weights).filter((l) => l.layer === 'batchnorm').length, normParamNames(c).length / 2);
});
