import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { evaluate, formatEvalJson, formatEvalMarkdown, loadPhoto, readStyleTensor, type EvalOptions, type EvalReport } from '../../src/eval/index.js';
import { psnr, ssim } from '../../src/eval/metrics.js';
import { toLoaded, type LoadedModel } from '../../src/models/modelfile.js';
import { vggFeatures } from '../../src/models/vgg.js';
import { imagesToTensor } from '../../src/io/pixels.js';
import { createSession } from '../../src/runtime/ort.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { resizeBilinear } from '../../src/runtime/pipeline.js';
import { needsMirror } from '../helpers/assets.js';
import { runCli } from '../helpers/cli.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg } from '../helpers/train.js';

const W = 64;
const H = 48;
const dir = tempDir('stylecast-eval-');
const photos = join(dir, 'photos');
mkdirSync(join(photos, 'nested'), { recursive: true });
mkdirSync(join(dir, 'empty'));

/** A smooth random-ish photo of the given size: a 4x4 colour grid scaled up. */
async function writePhoto(path: string, w: number, h: number, seed: number): Promise<void> {
  const small = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 73 + seed * 151) % 256));
  const img = sharp(small, { raw: { width: 4, height: 4, channels: 3 } }).resize(w, h, { kernel: 'cubic' });
  await (path.endsWith('.png') ? img.png() : img.jpeg()).toFile(path);
}
// Neither has the 64x48 aspect, so both go through cover-resize + centre-crop.
await writePhoto(join(photos, 'a.png'), 90, 50, 1);
await writePhoto(join(photos, 'nested', 'b.jpg'), 40, 70, 2);
writeFileSync(join(photos, 'notes.txt'), 'not a photo');
const style = join(dir, 'style.png');
await writePhoto(style, 60, 40, 3);

function writeModel(name: string, m: LoadedModel): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, m.onnx);
  return path;
}
const modelA = tinyModel({}, 1);
const modelB = tinyModel({}, 2);
const fileA = writeModel('a', modelA);
const fileB = writeModel('b', modelB);
const files = [join(photos, 'a.png'), join(photos, 'nested', 'b.jpg')];

// Threads 1 and tiny sizes: the suite must not compete with other work on the machine.
const base = { photos, width: W, height: H, trials: 2, warmup: 1, threads: 1, peak: { n: 32, runs: 1, warmup: 0 } } satisfies Partial<EvalOptions>;

/** What evaluate should see for one photo, computed here step by step: cover-crop, run, clamp. */
async function stylized(model: LoadedModel, file: string): Promise<{ x: Float32Array; y: Float32Array }> {
  const photo = await loadPhoto(file, W, H);
  const session = await createSession(model.onnx, { threads: 1 });
  const { output } = await session.run({ input: imagesToTensor([photo], 4) });
  await session.release();
  // 64x48 is on the stride grid: no padding to crop, only the clamp.
  return { x: imagesToTensor([photo]).data, y: (output as Tensor<'float32'>).data.map((v) => Math.min(Math.max(v, 0), 255)) };
}

test('loadPhoto cover-resizes and centre-crops to exactly the size', async () => {
  const p = await loadPhoto(files[1]!, W, H);
  assert.deepEqual([p.width, p.height, p.channels, p.data.length], [W, H, 3, W * H * 3]);
  // A uniform photo stays uniform: no letterboxing bars.
  const flat = join(dir, 'flat.png');
  await sharp({ create: { width: 30, height: 90, channels: 3, background: { r: 10, g: 200, b: 90 } } }).png().toFile(flat);
  const f = await loadPhoto(flat, W, H);
  for (let i = 0; i < f.data.length; i += 3) assert.deepEqual([...f.data.subarray(i, i + 3)], [10, 200, 90]);
});

test("eval's outputs (Stylizer.stylizeFloat) are Stylizer's images before rounding to 8-bit", async () => {
  const model = tinyModel({}, 4);
  const stylizer = await Stylizer.create(model, { threads: 1, shared: false });
  try {
    for (const file of files) {
      const photo = await loadPhoto(file, W, H);
      const y = await stylizer.stylizeFloat(photo);
      const user = await stylizer.stylize(photo);
      assert.deepEqual([...y].map(Math.round), [...imagesToTensor([user]).data], file);
      assert.ok(y.some((v) => v !== Math.round(v)), 'the metrics see the unrounded values');
    }
  } finally {
    await stylizer.release();
  }
});

test('a model evaluated against itself: PSNR Infinity, SSIM 1, loss and time ratios about 1', async () => {
  const r = await evaluate({ ...base, models: [fileA], reference: fileA, style, styleSize: 32, vgg: tinyVgg() });
  assert.deepEqual(r.photos.files, files);
  assert.deepEqual(r.rows.map((x) => [x.spec, x.role]), [[fileA, 'model'], [fileA, 'reference']]);
  const [m, ref] = r.rows as [EvalReport['rows'][0], EvalReport['rows'][0]];
  assert.equal(m.psnr, Infinity);
  assert.equal(m.ssim, 1);
  assert.equal(ref.psnr, null, 'the reference is not compared with itself');
  assert.equal(m.time.n, 2);
  assert.ok(m.timeRatio! > 0.1 && m.timeRatio! < 10, `time ratio ${m.timeRatio}`);
  assert.equal(ref.timeRatio, 1);
  // Same weights, same input: the losses are the same numbers.
  assert.ok(m.content! > 0 && m.style! > 0);
  assert.ok(Math.abs(m.contentRatio! - 1) < 1e-6 && Math.abs(m.styleRatio! - 1) < 1e-6, `${m.contentRatio} ${m.styleRatio}`);
  assert.equal(m.fps, 1000 / m.time.median);
  assert.equal(r.style?.width, 32, 'style image 60x40 resized so its longer side is 32');
  assert.equal(r.style?.height, 21);
  assert.ok(r.peak && r.peak.n === 32 && r.peak.before > 0);
});

test('two different random models: PSNR/SSIM of each photo as computed by hand, averaged; losses match a JS recomputation', async () => {
  const r = await evaluate({ ...base, models: [fileB, fileA], reference: fileA, style, styleSize: 32, vgg: tinyVgg() });
  const [b, a] = r.rows;
  assert.equal(a!.psnr, Infinity);
  const psnrs: number[] = [];
  const ssims: number[] = [];
  const content: number[] = [];
  const styleLosses: number[] = [];
  const vgg = tinyVgg();
  // Features at every tap through a plain VGG graph; the loss arithmetic below is done in JS.
  const taps = ['relu1_2', 'relu2_2', 'relu3_3'];
  const featGraph = (h: number, w: number) => {
    const g = new Graph('feats');
    const f = vggFeatures(g.input('x', 'float32', [1, 3, h, w]), vgg, taps);
    for (const t of taps) g.output(f.get(t)!, t);
    return createSession(toOnnx(g), { threads: 1 });
  };
  /** Gram = F F^T / (C H W) of a [1, C, H, W] feature map. */
  const gram = (t: Tensor) => {
    const [, c, h, w] = t.dims as [number, number, number, number];
    const data = t.data as Float32Array;
    const n = h * w;
    const G = new Float64Array(c * c);
    for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += data[i * n + k]! * data[j * n + k]!;
      G[i * c + j] = s / (c * n);
    }
    return G;
  };
  const mse = (p: ArrayLike<number>, q: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i]! - q[i]!) ** 2;
    return s / p.length;
  };
  const styleT = await readStyleTensor(style, 32);
  const sFeat = await (await featGraph(styleT.dims[2]!, styleT.dims[3]!)).run({ x: styleT });
  const feats = await featGraph(H, W);
  for (const file of files) {
    const { x, y } = await stylized(modelB, file);
    const { y: yRef } = await stylized(modelA, file);
    psnrs.push(psnr(y, yRef));
    ssims.push(ssim(y, yRef, W, H));
    const fy = await feats.run({ x: f32([1, 3, H, W], y) });
    const fx = await feats.run({ x: f32([1, 3, H, W], x) });
    content.push(mse(fy.relu2_2!.data as Float32Array, fx.relu2_2!.data as Float32Array));
    styleLosses.push(taps.reduce((s, t) => s + mse(gram(fy[t]!), gram(sFeat[t]!)), 0));
  }
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.ok(Number.isFinite(b!.psnr!) && b!.psnr! > 0);
  assert.ok(Math.abs(b!.psnr! - mean(psnrs)) < 1e-9, `${b!.psnr} vs ${mean(psnrs)}`);
  assert.ok(Math.abs(b!.ssim! - mean(ssims)) < 1e-12);
  assert.ok(b!.ssim! < 1);
  const rel = (p: number, q: number) => Math.abs(p - q) / Math.abs(q);
  assert.ok(rel(b!.content!, mean(content)) < 1e-4, `content ${b!.content} vs ${mean(content)}`);
  assert.ok(rel(b!.style!, mean(styleLosses)) < 1e-3, `style ${b!.style} vs ${mean(styleLosses)}`);
  assert.ok(rel(b!.contentRatio!, b!.content! / a!.content!) < 1e-12);
  assert.ok(Math.abs(b!.styleRatio! - b!.style! / a!.style!) < 1e-12);
  // Two rows and the reference, rendered.
  const md = formatEvalMarkdown(r);
  assert.match(md, /^# stylecast eval\n/);
  assert.match(md, /Photos: 2 from `.*photos`, cover-resized and centre-cropped to 64x48/);
  assert.match(md, /Timing: batch 1, 2 timed runs per model after 1 warm-up run, 1 thread, the models and the reference in turn, each timed run right after an untimed run of the same model/);
  assert.match(md, /load average [\d.]+ \/ [\d.]+ \/ [\d.]+/);
  assert.match(md, /32\^3 float32 MatMul peak: [\d.]+ GFLOP\/s before/);
  const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| model'));
  assert.equal(rows.length, 3);
  assert.ok(rows[0]!.startsWith(`| ${fileB} |`) && rows[2]!.startsWith(`| ${fileA} (reference) |`));
  assert.equal(rows[1]!.split(' | ')[4], '∞', 'PSNR of identical outputs');
  assert.deepEqual(rows[1]!.split(' | ').slice(1, 3), ['1.000', '1.000'], 'style and content ratios lead');
  assert.equal(rows[2]!.split(' | ')[3], '1.000', 'the reference is 1x its own time');
  const json = JSON.parse(formatEvalJson(r)) as { rows: { psnr: unknown }[] };
  assert.equal(json.rows[1]!.psnr, 'Infinity');
  assert.equal(json.rows[0]!.psnr, b!.psnr);
});

test('a render scale stylizes the photo at that scale and judges the output resized back at full size; its time is the smaller network run', async () => {
  const r = await evaluate({ ...base, models: [fileA, fileA], reference: fileA, style, styleSize: 32, vgg: tinyVgg(), renderScales: [1, 0.5], limit: 1 });
  const [full, half, ref] = r.rows;
  assert.deepEqual(r.rows.map((x) => x.renderScale), [1, 0.5, 1]);
  // By hand: 64x48 -> 32x24 (on the stride-4 grid), stylized at 8 bits, resized back to 64x48.
  const photo = await loadPhoto(files[0]!, W, H);
  const stylizer = await Stylizer.create(modelA, { threads: 1, shared: false });
  const small = await stylizer.stylize(resizeBilinear(photo, 32, 24));
  await stylizer.release();
  const back = imagesToTensor([resizeBilinear(small, W, H)]).data;
  const { y: yRef } = await stylized(modelA, files[0]!);
  assert.ok(Math.abs(half!.psnr! - psnr(back, yRef)) < 1e-9, `${half!.psnr} vs ${psnr(back, yRef)}`);
  assert.ok(half!.psnr! < full!.psnr!, 'the same network at half scale differs from itself at full scale');
  assert.equal(full!.psnr, Infinity);
  // A quarter of the pixels: a quarter of the MACs.
  assert.ok(Math.abs(half!.macs! / full!.macs! - 0.25) < 1e-9, `${half!.macs} / ${full!.macs}`);
  assert.equal(ref!.macs, full!.macs);
  const md = formatEvalMarkdown(r);
  assert.match(md, new RegExp(`^\\| ${fileA.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at 0\\.5 \\|`, 'm'));
  assert.match(md, /A model "at s" stylized each photo resized to s of its size/);
  await assert.rejects(evaluate({ ...base, models: [fileA, fileB], renderScales: [1, 0.5, 0.5] }), /--render-scale takes one scale or one per model \(2\), got 3/);
  await assert.rejects(evaluate({ ...base, models: [fileA], renderScales: [1.5] }), /a render scale must be in \(0, 1\], got 1.5/);
  const bad = await runCli(['eval', '-m', fileA, '--photos', photos, '--render-scale', '0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /expected a scale in \(0, 1\], got '0'/);
});

test('without a reference or style image: speed and cost only, with notes saying why', async () => {
  const notes: string[] = [];
  const r = await evaluate({ ...base, models: [fileA], limit: 1 }, (e) => e.type === 'note' && notes.push(e.message));
  assert.equal(r.reference, null);
  assert.equal(r.photos.files.length, 1);
  assert.equal(r.rows.length, 1);
  const [m] = r.rows;
  assert.deepEqual([m!.psnr, m!.ssim, m!.content, m!.style, m!.timeRatio], [null, null, null, null, null]);
  assert.ok(m!.params! > 0 && m!.macs! > 0);
  assert.equal(notes.length, 2);
  assert.match(notes[0]!, /no reference: pass --reference/);
  assert.match(notes[1]!, /pass --style <image>/);
  assert.deepEqual(r.notes, notes);
  assert.match(formatEvalMarkdown(r), /^\| \S+ \| — \| — \| — \| — \| — \| — \| — \| [\d.]+[kM] \|/m);
});

test('bad input fails with one clear message', async () => {
  await assert.rejects(evaluate({ ...base, models: ['no_such_model'] }), /unknown model 'no_such_model'/);
  await assert.rejects(evaluate({ ...base, models: [fileA], photos: join(dir, 'empty') }), /photo folder .*empty has no JPEG, PNG or WebP photos/);
  await assert.rejects(evaluate({ ...base, models: [fileA], photos: join(dir, 'missing') }), /photo folder .*missing: no such folder/);
  await assert.rejects(evaluate({ ...base, models: [fileA], width: 8, height: 8 }), /--size must be at least 11x11 \(the SSIM window\), got 8x8/);
  await assert.rejects(evaluate({ ...base, models: [fileA], style: join(dir, 'nope.png'), vgg: tinyVgg() }), /style image .*nope\.png/);
});

test('stylecast eval: several --model rows, Markdown on stdout, progress on stderr; bad input exits 1 in one line', async () => {
  const ok = await runCli(['eval', '-m', fileB, '--model', fileA, '--reference', fileA, '--photos', photos, '--size', '32x24', '--trials', '2', '--threads', '1', '--peak-runs', '0', '--limit', '1']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^# stylecast eval\n\nCommand: `stylecast eval -m /);
  assert.equal(ok.stdout.split('\n').filter((l) => l.startsWith(`| ${dir}`)).length, 3);
  assert.match(ok.stderr, /photo 1\/1 .*a\.png\n/);
  assert.match(ok.stderr, /note: no registered style image/);

  const json = await runCli(['eval', '-m', fileA, '--photos', photos, '--size', '32x24', '--trials', '1', '--threads', '1', '--peak-runs', '0', '--limit', '1', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout) as EvalReport;
  assert.deepEqual([r.width, r.height, r.rows.length, r.peak], [32, 24, 1, null]);

  for (const [args, message] of [
    [['-m', 'no_such_model', '--photos', photos], /^stylecast: unknown model 'no_such_model'; run 'stylecast models' for the list\n$/],
    [['-m', fileA, '--photos', join(dir, 'empty')], /^stylecast: photo folder .*empty has no JPEG, PNG or WebP photos\n$/],
    [['-m', fileA, '--photos', photos, '--size', '64by48'], /expected WIDTHxHEIGHT, got '64by48'/],
  ] as const) {
    const bad = await runCli(['eval', ...args]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, message);
  }
});

test('a student of a registered teacher: the teacher is the reference and its registered style image gives the losses (real VGG)', {
  skip: needsMirror('vgg/vgg19-block1-3') || needsMirror('teachers/pytorch-examples/candy') || needsMirror('images/styles/01_candy.jpg'),
}, async () => {
  const tiny = tinyModel({}, 3);
  const student = writeModel('student', toLoaded({ config: tiny.config, weights: tiny.weights, info: { ...tiny.info, provenance: { teacher: 'candy' } } }));
  const r = await evaluate({ ...base, models: [student], styleSize: 64, peak: false, limit: 1 });
  assert.deepEqual(r.reference, { spec: 'candy', from: 'teacher' });
  assert.match(r.style!.image, /images\/styles\/01_candy\.jpg$/);
  assert.equal(Math.max(r.style!.width, r.style!.height), 64);
  const [s, t] = r.rows;
  assert.equal(t!.role, 'reference');
  assert.ok(t!.macs! > 10 * s!.macs!, 'the torch teacher costs far more than a width-4 student');
  assert.ok(Number.isFinite(s!.psnr!) && s!.ssim! < 1);
  for (const row of [s!, t!]) assert.ok(row.content! > 0 && row.style! > 0 && Number.isFinite(row.content!) && Number.isFinite(row.style!));
  assert.equal(t!.contentRatio, 1);
  assert.ok(Math.abs(s!.styleRatio! - s!.style! / t!.style!) < 1e-12);
  assert.deepEqual(r.notes, []);
});
