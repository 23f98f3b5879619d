import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { channelImportance, studentConfig, transferWeights } from '../../src/compress/index.js';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { writeModelFile } from '../../src/models/modelfile.js';
import { buildTransformer, PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { relu } from '../../src/ops/index.js';
import { createSession } from '../../src/runtime/ort.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { trainingSet, writeTinyVggOnnx } from '../helpers/train.js';

/** A small teacher with the structure of the real ones: 5 blocks, width 8; norms randomized so channel importance differs. */
function teacher(preset: TransformerConfig): { config: TransformerConfig; weights: Map<string, Tensor<'float32'>> } {
  const config = { ...preset, width: 8 };
  const weights = randomWeights(config, 3);
  let k = 1;
  for (const [name, t] of weights) {
    if (/^(in\d|res\.\d\.in\d)\.(weight|bias)$/.test(name)) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(++k * 12.9898) * 2;
  }
  return { config, weights };
}

/** Element [i, j, y, x] of a 4-D tensor. */
const at = (t: Tensor<'float32'>, i: number, j: number, y: number, x: number) => {
  const [, d1, d2, d3] = t.dims as number[];
  return t.data[((i * d1! + j) * d2! + y) * d3! + x]!;
};

test('default compression drops the middle three blocks; the student keeps blocks 0 and 4 unchanged', () => {
  const t = teacher(PRESETS.torch);
  const { config, keptBlocks } = studentConfig(t.config);
  assert.deepEqual(keptBlocks, [0, 4]);
  assert.equal(config.blocks, 2);
  const { weights, report } = transferWeights(t.config, t.weights, config, keptBlocks);
  assert.equal(report.fresh.length, 0);
  assert.equal(report.channels.size, 0, 'same width: no channel selection');
  for (const [name, w] of weights) {
    const src = name.replace(/^res\.1\./, 'res.4.');
    assert.equal(report.copied.get(name), src);
    assert.deepEqual(w.dims, t.weights.get(src)!.dims, name);
    assert.deepEqual([...w.data], [...t.weights.get(src)!.data], name);
  }
});

test('narrowing keeps the same channels in every tensor of a group, chosen by importance; kernels are centre-cropped', () => {
  const t = teacher(PRESETS.torch);
  const { config, keptBlocks } = studentConfig(t.config, { dropBlocks: [0, 2, 3], changes: { width: 4, firstKernel: 3 } });
  assert.deepEqual(keptBlocks, [1, 4]);
  const { weights, report } = transferWeights(t.config, t.weights, config, keptBlocks);
  const sel = (g: string) => report.channels.get(g)!;
  assert.deepEqual([...report.channels.keys()].sort(), ['conv1', 'conv2', 'deconv1', 'deconv2', 'res.1', 'res.4', 'stream']);
  assert.equal(sel('conv1').length, 4);
  assert.equal(sel('stream').length, 16);

  // The conv1 group's scores, recomputed here from their definition: (|gamma| + |beta|) of in1 times
  // the L1 mass conv2 puts on each input channel; the kept channels are the 4 best.
  const g = t.weights.get('in1.weight')!.data;
  const b = t.weights.get('in1.bias')!.data;
  const w2 = t.weights.get('conv2.conv2d.weight')!;
  const score = Array.from({ length: 8 }, (_, c) => {
    let use = 0;
    for (let o = 0; o < 16; o++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) use += Math.abs(at(w2, o, c, y, x));
    return (Math.abs(g[c]!) + Math.abs(b[c]!)) * use;
  });
  const best = [...score.keys()].sort((p, q) => score[q]! - score[p]!).slice(0, 4).sort((p, q) => p - q);
  assert.deepEqual(sel('conv1'), best);
  const groupScore = channelImportance(t.weights, { name: 'conv1', producers: [{ conv: 'conv1.conv2d', norm: 'in1', transposed: false }], consumers: [{ conv: 'conv2.conv2d', transposed: false }] }, 8);
  score.forEach((s, c) => assert.ok(Math.abs(groupScore[c]! - s) <= 1e-9 * s));

  // Tensor by tensor: [out-selection, in-selection, centre window] of the teacher tensor it came from.
  const expectConv = (student: string, src: string, out?: readonly number[], inp?: readonly number[]) => {
    const s = weights.get(`${student}.weight`)!;
    const tw = t.weights.get(`${src}.weight`)!;
    const [so, si, sh, sw] = s.dims as number[];
    const off = ((tw.dims[2]! - sh!) / 2);
    for (let i = 0; i < so!; i++) for (let j = 0; j < si!; j++) for (let y = 0; y < sh!; y++) for (let x = 0; x < sw!; x++) {
      assert.equal(at(s, i, j, y, x), at(tw, out ? out[i]! : i, inp ? inp[j]! : j, y + off, x + off), `${student}[${i},${j},${y},${x}]`);
    }
    const sb = weights.get(`${student}.bias`)!.data;
    const tb = t.weights.get(`${src}.bias`)!.data;
    sb.forEach((v, i) => assert.equal(v, tb[out ? out[i]! : i], `${student}.bias[${i}]`));
  };
  const expectNorm = (name: string, src: string, sel: readonly number[]) => {
    for (const p of ['weight', 'bias']) {
      const s = weights.get(`${name}.${p}`)!.data;
      assert.equal(s.length, sel.length);
      s.forEach((v, i) => assert.equal(v, t.weights.get(`${src}.${p}`)!.data[sel[i]!], `${name}.${p}[${i}]`));
    }
  };
  expectConv('conv1.conv2d', 'conv1.conv2d', sel('conv1'));
  assert.deepEqual(weights.get('conv1.conv2d.weight')!.dims, [4, 3, 3, 3]);
  expectNorm('in1', 'in1', sel('conv1'));
  expectConv('conv2.conv2d', 'conv2.conv2d', sel('conv2'), sel('conv1'));
  expectNorm('in2', 'in2', sel('conv2'));
  expectConv('conv3.conv2d', 'conv3.conv2d', sel('stream'), sel('conv2'));
  expectNorm('in3', 'in3', sel('stream'));
  for (const [k, tb] of keptBlocks.entries()) {
    expectConv(`res.${k}.conv1.conv2d`, `res.${tb}.conv1.conv2d`, sel(`res.${tb}`), sel('stream'));
    expectNorm(`res.${k}.in1`, `res.${tb}.in1`, sel(`res.${tb}`));
    expectConv(`res.${k}.conv2.conv2d`, `res.${tb}.conv2.conv2d`, sel('stream'), sel(`res.${tb}`));
    expectNorm(`res.${k}.in2`, `res.${tb}.in2`, sel('stream'));
  }
  expectConv('deconv1.conv2d', 'deconv1.conv2d', sel('deconv1'), sel('stream'));
  expectNorm('in4', 'in4', sel('deconv1'));
  expectConv('deconv2.conv2d', 'deconv2.conv2d', sel('deconv2'), sel('deconv1'));
  expectNorm('in5', 'in5', sel('deconv2'));
  assert.equal(weights.size, report.copied.size, 'every student tensor came from the teacher');
});

test('transposed upsampling (engstrom): [in, out, k, k] weights are selected on the right axes', () => {
  const t = teacher(PRESETS.engstrom);
  const { config, keptBlocks } = studentConfig(t.config, { changes: { width: 4 } });
  const { weights, report } = transferWeights(t.config, t.weights, config, keptBlocks);
  const s = weights.get('deconv1.conv2d.weight')!;
  const tw = t.weights.get('deconv1.conv2d.weight')!;
  assert.deepEqual(s.dims, [16, 8, 3, 3]);
  const inSel = report.channels.get('stream')!;
  const outSel = report.channels.get('deconv1')!;
  for (let i = 0; i < 16; i++) for (let j = 0; j < 8; j++) assert.equal(at(s, i, j, 1, 2), at(tw, inSel[i]!, outSel[j]!, 1, 2));
  assert.deepEqual([...weights.get('in6.weight')!.data], [...t.weights.get('in6.weight')!.data], 'the 3-channel final norm is kept whole');
});

test('a student that removes nothing reproduces its teacher exactly', async () => {
  for (const preset of [PRESETS.torch, PRESETS.engstrom]) {
    const t = teacher(preset);
    const { config, keptBlocks } = studentConfig(t.config, { dropBlocks: [] });
    const { weights } = transferWeights(t.config, t.weights, config, keptBlocks);
    const x = f32([1, 3, 20, 28]);
    x.data.forEach((_, i) => (x.data[i] = (i * 37) % 256));
    const run = async (w: Map<string, Tensor<'float32'>>) => {
      const s = await createSession(toOnnx(buildTransformer(config, w)), { threads: 1 });
      const out = (await s.run({ input: x })).output!.data as Float32Array;
      await s.release();
      return out;
    };
    assert.deepEqual(await run(weights), await run(t.weights));
  }
});

test('a raw teacher\'s output conv becomes a tanh student\'s by the first-order inverse of the head', () => {
  const t = teacher(PRESETS.torch);
  const { config, keptBlocks } = studentConfig(t.config, { dropBlocks: [], changes: { head: 'tanh' } });
  const { weights } = transferWeights(t.config, t.weights, config, keptBlocks);
  const [tw, sw] = [t.weights.get('deconv3.conv2d.weight')!, weights.get('deconv3.conv2d.weight')!];
  sw.data.forEach((v, i) => assert.ok(Math.abs(v * 150 - tw.data[i]!) < 1e-4));
  const [tb, sb] = [t.weights.get('deconv3.conv2d.bias')!, weights.get('deconv3.conv2d.bias')!];
  sb.data.forEach((v, i) => assert.ok(Math.abs(v * 150 + 127.5 - tb.data[i]!) < 1e-3));
});

test('bad compression specs are one-line errors', () => {
  const t = teacher(PRESETS.torch);
  assert.throws(() => studentConfig(t.config, { dropBlocks: [0, 1, 2, 3, 4] }), /^Error: --drop-blocks: dropping all 5 residual blocks leaves no bottleneck; keep at least one$/);
  assert.throws(() => studentConfig(t.config, { dropBlocks: [7] }), /block 7 does not exist; the teacher has blocks 0\.\.4/);
  assert.throws(() => studentConfig(t.config, { changes: { width: 0 } }), /width must be a positive integer, got 0/);
  const { config, keptBlocks } = studentConfig(t.config, { changes: { width: 16 } });
  assert.throws(() => transferWeights(t.config, t.weights, config, keptBlocks), /wider than its teacher/);
});

test('compress CLI: unknown teacher, every block dropped, width 0, a non-stylecast ONNX: one line, exit 1, no file', async () => {
  const dir = tempDir('stylecast-compress-');
  const data = await trainingSet(dir);
  const vgg = join(dir, 'vgg.onnx');
  writeTinyVggOnnx(vgg);
  const t = teacher(PRESETS.torch);
  const teacherFile = join(dir, 'teacher.onnx');
  await writeModelFile(teacherFile, { config: t.config, weights: t.weights, info: { name: 't', style: 's', source: 'test', license: 'MIT', inputRange: [0, 255] } });
  const foreign = join(dir, 'foreign.onnx');
  const g = new Graph('foreign');
  g.output(relu(g.input('x', 'float32', [1, 3, 8, 8])), 'y');
  writeFileSync(foreign, toOnnx(g));
  const common = ['--content', data.content, '--style', data.style, '--vgg', vgg, '--size', '32', '--batch', '1', '--steps', '1', '--threads', '1'];
  const cases: [string[], RegExp][] = [
    [['--teacher', 'no_such_teacher'], /unknown model 'no_such_teacher'/],
    [['--teacher', teacherFile, '--drop-blocks', '0,1,2,3,4'], /dropping all 5 residual blocks/],
    [['--teacher', teacherFile, '--width', '0'], /--width.*expected a positive integer, got '0'/],
    [['--teacher', foreign], /not a stylecast model/],
  ];
  for (const [args, message] of cases) {
    const out = join(dir, 'student.onnx');
    const r = await runCli(['compress', ...args, ...common, '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
    // One line naming the problem (a usage error adds commander's pointer to --help).
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('--help for usage')).length, 1, r.stderr);
    assert.ok(!existsSync(out), 'no partial file');
  }
});

test('compress CLI trains a transfer-initialized student with distillation and names its teacher', async () => {
  const dir = tempDir('stylecast-compress-run-');
  const data = await trainingSet(dir);
  const vgg = join(dir, 'vgg.onnx');
  writeTinyVggOnnx(vgg);
  const t = teacher(PRESETS.torch);
  const teacherFile = join(dir, 'teacher.onnx');
  await writeModelFile(teacherFile, { config: t.config, weights: t.weights, info: { name: 'tiny', style: 's', source: 'test', license: 'MIT', inputRange: [0, 255] } });
  const out = join(dir, 'student.onnx');
  const r = await runCli(['compress', '--teacher', teacherFile, '--width', '4', '--content', data.content, '--style', data.style, '--vgg', vgg, '--size', '32', '--batch', '2', '--steps', '3', '--threads', '1', '--json', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; losses?: Record<string, number> });
  const steps = events.filter((e) => e.type === 'step');
  assert.equal(steps.length, 3);
  assert.ok(steps.every((e) => e.losses!.distill! > 0 && e.losses!.content! > 0 && e.losses!.style! > 0), 'distillation, content and style all train');
  const { readModelFile, transformerOf } = await import('../../src/models/modelfile.js');
  const m = transformerOf(await readModelFile(out), 'test');
  assert.equal(m.config.width, 4);
  assert.equal(m.config.blocks, 2);
  assert.equal(m.info.provenance?.teacher, 'tiny');
  assert.deepEqual(m.info.provenance?.keptBlocks, [0, 4]);
  assert.equal(m.info.provenance?.init, 'transfer');

  // Without distillation the distance to the teacher is still logged, but it is not trained on.
  const plain = await runCli(['compress', '--teacher', teacherFile, '--width', '4', '--distill-weight', '0', '--content', data.content, '--style', data.style, '--vgg', vgg, '--size', '32', '--batch', '2', '--steps', '2', '--threads', '1', '--json', '-o', join(dir, 'plain.onnx')]);
  assert.equal(plain.code, 0, plain.stderr);
  for (const e of plain.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; losses?: Record<string, number> }).filter((e) => e.type === 'step')) {
    const l = e.losses!;
    assert.ok(l.distill! > 0);
    assert.ok(Math.abs(l.total! - (l.content! + l.style! + (l.tv ?? 0))) <= 1e-5 * l.total!, 'the total leaves the monitored distance out');
  }
});
