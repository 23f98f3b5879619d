import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { studentConfig, transferWeights } from '../../src/compress/index.js';
import { coremlLayers } from '../../src/export/coreml/writer.js';
import { Graph } from '../../src/graph/graph.js';
import { parseOnnx, toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { buildHalfResTransformer } from '../../src/models/halfres.js';
import { describeNetwork, layersParams, type NetworkLayer, type Rules, type SeparableLayer } from '../../src/models/network.js';
import { lowerOnnx, ONNX_RULES } from '../../src/models/network-onnx.js';
import { buildTransformer, countCost, minInputSide, PRESETS, randomWeights, rng, strideOf, validateConfig, type TransformerConfig } from '../../src/models/transformer.js';
import { toLoaded } from '../../src/models/modelfile.js';
import { createSession } from '../../src/runtime/ort.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { train } from '../../src/train/trainer.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const shapes = (layers: readonly NetworkLayer[]) => layersParams(layers).map((p) => [p.name, [...p.dims]] as const);

for (const file of ['candy_rt.onnx', 'scream_rt.onnx']) {
  test(`the layer list's parameters are ${file}'s initializers, in order (a student recorded before the refactor)`, () => {
    const onnx = parseOnnx(readFileSync(join(MODELS, file)));
    const config = JSON.parse(onnx.metadata['stylecast.config']!) as TransformerConfig;
    // The graph's other constants (pads, scales) are unnamed by the layers; parameters are '<layer>.weight|bias'.
    const params = [...onnx.initializers].filter(([name]) => /\.(weight|bias)$/.test(name));
    assert.deepEqual(shapes(describeNetwork(config)), params.map(([name, t]) => [name, [...t.dims]]));
  });
}

const TORCH_TEACHER = 'teachers/pytorch-examples/candy/manifest.json';
test("the torch preset's parameters are the PyTorch TransformerNet's state_dict, in order", { skip: needsMirror(TORCH_TEACHER) }, () => {
  const manifest = JSON.parse(readFileSync(mirrorPath(TORCH_TEACHER), 'utf8')) as { tensors: Record<string, { shape: number[] }> };
  assert.deepEqual(shapes(describeNetwork(PRESETS.torch)), Object.entries(manifest.tensors).map(([name, t]) => [name, t.shape]));
});

const ENGSTROM_TEACHER = 'teachers/engstrom/scream/manifest.json';
test("the engstrom preset's parameters have the sizes of the TensorFlow checkpoint's variables", { skip: needsMirror(ENGSTROM_TEACHER) }, () => {
  // TensorFlow names and lays out its variables otherwise; what both must agree on is each tensor's size.
  const manifest = JSON.parse(readFileSync(mirrorPath(ENGSTROM_TEACHER), 'utf8')) as Record<string, { shape: number[] }>;
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  assert.deepEqual(sorted(layersParams(describeNetwork(PRESETS.engstrom)).map((p) => size(p.dims))), sorted(Object.values(manifest).map((v) => size(v.shape))));
});

/** Conv MACs counted on a built graph: |W| per output pixel (Conv), per input pixel (ConvTranspose). */
function graphMacs(g: Graph): number {
  let macs = 0;
  for (const node of g.nodes) {
    if (node.def.type !== 'Conv' && node.def.type !== 'ConvTranspose') continue;
    const w = node.inputs[1]!.dims().reduce((a, b) => a * b, 1);
    const [h, x] = (node.def.type === 'Conv' ? node.outputs[0]! : node.inputs[0]!).dims().slice(2) as [number, number];
    macs += w * h * x;
  }
  return macs;
}

const student = (family: 'torch' | 'engstrom', extra: Partial<TransformerConfig> = {}): TransformerConfig => ({ ...PRESETS[family], width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, ...extra });

test('cost from the layer list equals the MACs of the built graph', () => {
  const configs = [PRESETS.torch, PRESETS.engstrom, student('torch'), student('engstrom'), student('torch', { residual: 'separable', upsample: 'transpose', blocks: 3 }), student('engstrom', { blocks: 0, lastKernel: 5 })];
  for (const c of configs) {
    for (const [h, w] of [[64, 48], [30, 22]] as const) {
      assert.equal(countCost(c, h, w).macs, graphMacs(buildTransformer(c, randomWeights(c), { shape: [1, h, w] })), `${JSON.stringify(c)} at ${h}x${w}`);
    }
  }
});

// @ts-expect-error a target's rule table must have a rule for every layer kind
const incomplete: Rules<[], number> = { conv: () => 1 };
void incomplete;

// ---- The separable kind in every target ----

const SEPARABLE: SeparableLayer = { kind: 'separable', name: 's', cin: 2, cout: 3, kernel: 3, padding: 'reflect', bias: true };

/** Depthwise 3x3 (reflect or zero padding 1) + bias, then pointwise 1x1 + bias, written out. */
function separableReference(x: Float32Array, h: number, w: number, p: Map<string, Float32Array>, reflect: boolean): number[] {
  const { cin, cout } = SEPARABLE;
  const at = (c: number, i: number, j: number) => {
    if (reflect) [i, j] = [i < 0 ? -i : i >= h ? 2 * h - 2 - i : i, j < 0 ? -j : j >= w ? 2 * w - 2 - j : j];
    return i < 0 || i >= h || j < 0 || j >= w ? 0 : x[(c * h + i) * w + j]!;
  };
  const dw = p.get('s.depthwise.weight')!;
  const mid: number[] = [];
  for (let c = 0; c < cin; c++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = p.get('s.depthwise.bias')![c]!;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += dw[c * 9 + (dy + 1) * 3 + dx + 1]! * at(c, i + dy, j + dx);
        mid.push(s);
      }
    }
  }
  const out: number[] = [];
  for (let o = 0; o < cout; o++) {
    for (let k = 0; k < h * w; k++) {
      let s = p.get('s.pointwise.bias')![o]!;
      for (let c = 0; c < cin; c++) s += p.get('s.pointwise.weight')![o * cin + c]! * mid[c * h * w + k]!;
      out.push(s);
    }
  }
  return out;
}

test('separable layer, parameters: depthwise [cin, 1, k, k] and pointwise [cout, cin, 1, 1], each with its bias', () => {
  assert.deepEqual(shapes([SEPARABLE]), [['s.depthwise.weight', [2, 1, 3, 3]], ['s.depthwise.bias', [2]], ['s.pointwise.weight', [3, 2, 1, 1]], ['s.pointwise.bias', [3]]]);
});

for (const padding of ['reflect', 'same'] as const) {
  test(`separable layer, ONNX: equals the convolutions written out (${padding} padding)`, async () => {
    const [h, w] = [4, 5];
    const rand = rng(11);
    const params = new Map(layersParams([SEPARABLE]).map((p) => [p.name, Float32Array.from({ length: p.dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1)]));
    const x = Float32Array.from({ length: 2 * h * w }, () => rand() * 10);
    const g = new Graph('separable');
    const dims = new Map(layersParams([SEPARABLE]).map((p) => [p.name, p.dims]));
    const param = (name: string) => g.constant(f32(dims.get(name)!, params.get(name)!), name);
    g.output(lowerOnnx([{ ...SEPARABLE, padding }], g.input('x', 'float32', [1, 2, h, w]), { param, rules: ONNX_RULES }), 'y');
    const s = await createSession(toOnnx(g), { threads: 1 });
    try {
      const y = (await s.run({ x: f32([1, 2, h, w], x) })).y!;
      assert.deepEqual(y.dims, [1, 3, h, w]);
      const want = separableReference(x, h, w, params, padding === 'reflect');
      want.forEach((v, i) => assert.ok(Math.abs((y.data as Float32Array)[i]! - v) < 1e-5, `y[${i}] = ${(y.data as Float32Array)[i]} vs ${v}`));
    } finally {
      await s.release();
    }
  });
}

test('separable layer, CoreML: reflection padding, a depthwise convolution (one group per channel), then a pointwise one', () => {
  const c = student('torch', { width: 2, blocks: 1, residual: 'separable' });
  const layers = coremlLayers(c, randomWeights(c));
  const block = layers.slice(layers.findIndex((l) => l.name.startsWith('res.0.')), layers.findIndex((l) => l.name === 'res.0.add') + 1);
  assert.deepEqual(block.map((l) => l.name), [
    'res.0.conv1.depthwise.pad', 'res.0.conv1.depthwise', 'res.0.conv1.pointwise', 'res.0.in1', 'res.0.in1.relu',
    'res.0.conv2.depthwise.pad', 'res.0.conv2.depthwise', 'res.0.conv2.pointwise', 'res.0.in2', 'res.0.add',
  ]);
  const conv = (name: string) => block.find((l) => l.name === name)!.convolution!;
  assert.deepEqual([conv('res.0.conv1.depthwise').nGroups, conv('res.0.conv1.depthwise').kernelChannels, conv('res.0.conv1.depthwise').kernelSize], [8, 1, [3, 3]]);
  assert.deepEqual([conv('res.0.conv1.pointwise').nGroups, conv('res.0.conv1.pointwise').kernelChannels, conv('res.0.conv1.pointwise').kernelSize], [1, 8, [1, 1]]);
  assert.deepEqual(block.at(-1)!.input, ['in3.relu', 'res.0.in2']);
});

test('separable layer, half resolution: the rewrite equals buildTransformer, biases before norms dropped too', async () => {
  const c = student('engstrom', { width: 4, residual: 'separable' });
  const w = randomWeights(c, 2);
  const rand = rng(3);
  const input = f32([1, 3, 16, 20], Float32Array.from({ length: 3 * 16 * 20 }, () => Math.floor(rand() * 256)));
  const run = async (g: Graph) => {
    const s = await createSession(toOnnx(g), { threads: 1 });
    try {
      return (await s.run({ input })).output!.data as Float32Array;
    } finally {
      await s.release();
    }
  };
  const ref = await run(buildTransformer(c, w));
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (const opts of [{}, { dropNormBias: true, phaseDeconv1: true }]) {
    const out = await run(buildHalfResTransformer(c, w, opts));
    out.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) <= 1e-5 * scale, `${JSON.stringify(opts)}: output[${i}] ${v} vs ${ref[i]}`));
  }
});

test('separable layer, cost: depthwise k x k plus pointwise cin x cout per pixel', () => {
  const c = student('torch', { residual: 'separable' });
  const full = countCost({ ...c, residual: 'full' }, 32, 32).macs;
  const perConv = { full: 32 * 32 * 9, separable: 32 * 9 + 32 * 32 }; // 32 channels at 8x8
  assert.equal(countCost(c, 32, 32).macs, full + 2 * c.blocks * 64 * (perConv.separable - perConv.full));
});

test('separable layer, weight transfer: refused with the reason, unless the kind changes (then every tensor starts fresh)', () => {
  const teacher = { ...PRESETS.torch, width: 4, residual: 'separable' as const };
  const { config, keptBlocks } = studentConfig(teacher);
  assert.throws(() => transferWeights(teacher, randomWeights(teacher), config, keptBlocks), /separable residual blocks are not supported; use --init random/);
  const full = { ...config, residual: 'full' as const };
  const { report } = transferWeights(teacher, randomWeights(teacher), full, keptBlocks);
  assert.equal(report.copied.size, 0);
});

// ---- Level widths (TransformerConfig.widths): narrow full-resolution ends, wide low-resolution layers, a fourth level ----

const wide = student('torch', { widths: [8, 32, 64] });
const deep = student('torch', { width: 4, widths: [4, 8, 16, 32], blocks: 1 });

test('level widths: the published family is widths [w, 2w, 4w]; other widths and a fourth level name their layers alike', () => {
  const c = student('torch');
  assert.deepEqual(shapes(describeNetwork({ ...c, widths: [8, 16, 32] })), shapes(describeNetwork(c)));
  const names = layersParams(describeNetwork(deep)).map((p) => p.name.replace(/\.(weight|bias)$/, ''));
  assert.deepEqual([...new Set(names)], [
    'conv1.conv2d', 'in1', 'conv2.conv2d', 'in2', 'conv3.conv2d', 'in3', 'conv4.conv2d', 'in4',
    'res.0.conv1.conv2d', 'res.0.in1', 'res.0.conv2.conv2d', 'res.0.in2',
    'deconv1.conv2d', 'in5', 'deconv2.conv2d', 'in6', 'deconv3.conv2d', 'in7', 'deconv4.conv2d',
  ]);
  const dims = new Map(layersParams(describeNetwork(wide)).map((p) => [p.name, p.dims]));
  assert.deepEqual(dims.get('conv2.conv2d.weight'), [32, 8, 3, 3]);
  assert.deepEqual(dims.get('res.0.conv1.conv2d.weight'), [64, 64, 3, 3]);
  assert.deepEqual(dims.get('deconv2.conv2d.weight'), [8, 32, 3, 3]);
  assert.deepEqual([strideOf(wide), strideOf(deep), minInputSide(deep)], [4, 8, 16]);
  assert.throws(() => validateConfig({ ...c, widths: [4, 8] as number[] }), /widths must start with width \(8\)/);
  assert.throws(() => validateConfig({ ...c, widths: [8] }), /widths must list 2 to 5 levels/);
});

test('level widths: the forward pass keeps the input size, the cost is the graph\'s, the half-resolution rewrite is exact', async () => {
  const rand = rng(4);
  for (const c of [wide, deep, { ...deep, upsample: 'transpose' as const, padding: 'same' as const }]) {
    assert.equal(countCost(c, 48, 64).macs, graphMacs(buildTransformer(c, randomWeights(c), { shape: [1, 48, 64] })));
    const w = randomWeights(c, 5);
    const input = f32([1, 3, 16, 24], Float32Array.from({ length: 3 * 16 * 24 }, () => Math.floor(rand() * 256)));
    const run = async (g: Graph) => {
      const s = await createSession(toOnnx(g), { threads: 1 });
      try {
        const out = (await s.run({ input })).output!;
        assert.deepEqual(out.dims, [1, 3, 16, 24]);
        return out.data as Float32Array;
      } finally {
        await s.release();
      }
    };
    const ref = await run(buildTransformer(c, w));
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const out = await run(buildHalfResTransformer(c, w, { dropNormBias: true, phaseDeconv1: true }));
    out.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) <= 1e-5 * scale, `${c.widths}: output[${i}] ${v} vs ${ref[i]}`));
  }
});

test('level widths: CoreML layers follow the list (a fourth level is one more conv down and one more upsampling)', () => {
  const layers = coremlLayers(deep, randomWeights(deep));
  const convs = layers.filter((l) => l.layer === 'convolution').map((l) => l.name);
  assert.deepEqual(convs, ['conv1.conv2d', 'conv2.conv2d', 'conv3.conv2d', 'conv4.conv2d', 'res.0.conv1.conv2d', 'res.0.conv2.conv2d', 'deconv1.conv2d', 'deconv2.conv2d', 'deconv3.conv2d', 'deconv4.conv2d']);
  assert.equal(layers.filter((l) => l.layer === 'upsample').length, 3);
});

test('level widths: weight transfer refuses widths that are not the teacher\'s narrowed alike', () => {
  const { config, keptBlocks } = studentConfig(PRESETS.torch, { changes: { width: 8, firstKernel: 3, lastKernel: 3 } });
  const teacher = randomWeights(PRESETS.torch);
  assert.ok(transferWeights(PRESETS.torch, teacher, { ...config, widths: [8, 16, 32] }, keptBlocks).weights.size > 0);
  assert.throws(() => transferWeights(PRESETS.torch, teacher, { ...config, widths: [8, 32, 64] }, keptBlocks), /level widths 8,32,64 are not the teacher's 32,64,128 narrowed alike; use --init random/);
});

test('level widths: a four-level model stylizes any size (padded to its stride 8) and trains', async () => {
  const model = toLoaded({ config: deep, weights: randomWeights(deep, 3), info: { name: 'deep', style: 'random', source: 'test', license: 'MIT', inputRange: [0, 255] } });
  assert.deepEqual([model.stride, model.minSide], [8, 16]);
  const s = await Stylizer.create(model, { threads: 1, shared: false });
  const out = await s.stylize({ width: 13, height: 9, channels: 3, data: new Uint8Array(13 * 9 * 3).fill(90) });
  await s.release();
  assert.deepEqual([out.width, out.height], [13, 9]);
  const dir = tempDir('stylecast-levels-');
  const data = await trainingSet(dir, 2);
  const r = await train({ style: data.style, content: data.content, output: join(dir, 'deep.onnx'), size: 32, batch: 1, steps: 2, config: deep, vgg: tinyVgg(), threads: 1 });
  assert.equal(r.history.length, 2);
  assert.ok(r.history.every((h) => Number.isFinite(h.losses.total)));
  await assert.rejects(train({ style: data.style, content: data.content, output: join(dir, 'x.onnx'), size: 36, steps: 1, config: deep, vgg: tinyVgg() }), /--size must be a multiple of 8/);
});
