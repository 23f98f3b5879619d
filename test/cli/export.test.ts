import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeCoreml } from '../../src/export/coreml/writer.js';
import { parseOnnx } from '../../src/graph/onnx.js';
import { readModelFile, toLoaded, transformerOf, writeModelFile } from '../../src/models/modelfile.js';
import { PRESETS, randomWeights } from '../../src/models/transformer.js';
import { runCli } from '../helpers/cli.js';
import { foreignTransformer, opaqueNet, twoInputs } from '../helpers/foreign.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('stylecast-cli-export-');
const src = join(dir, 'tiny.onnx');
await writeModelFile(src, tinyModel({ width: 4, blocks: 1, head: 'tanh' }));
const cache = join(dir, 'cache');

test('stylecast export writes CoreML and ONNX files and says what it wrote in one line', async () => {
  const ml = join(dir, 'Style.mlmodel');
  const r = await runCli(['export', '--model', src, '--format', 'coreml', '-o', ml, '--size', '640x480', '--fp16']);
  assert.equal(r.code, 0, r.stderr);
  const bytes = readFileSync(ml);
  assert.equal(r.stdout, `${ml}: tiny as CoreML NeuralNetwork, 640x480, fp16, ${bytes.length} bytes\n`);
  const d = decodeCoreml(bytes);
  assert.equal(d.specificationVersion, 2);
  assert.equal(d.description!.input![0]!.type!.imageType!.width, 640);

  const onnx = join(dir, 'style.onnx');
  const o = await runCli(['export', '-m', src, '--format', 'onnx', '-o', onnx]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(parseOnnx(readFileSync(onnx)).metadata['io.layout'], 'NCHW');
});

test('stylecast export: unknown format, size off the stride: one-line errors, no files', async () => {
  const out = join(dir, 'bad.out');
  const cases: [string[], string][] = [
    [['--format', 'tflite'], "stylecast: unknown export format 'tflite' (expected coreml or onnx)\n"],
    [['--format', 'coreml', '--size', '642x480'], "stylecast: size 642x480: width and height must be multiples of 4 (the network's stride)\n"],
    [['--format', 'onnx', '--size', '640x481'], "stylecast: size 640x481: width and height must be multiples of 4 (the network's stride)\n"],
  ];
  for (const [args, stderr] of cases) {
    const r = await runCli(['export', '-m', src, '-o', out, ...args]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, stderr);
    assert.ok(!existsSync(out));
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
});

test('stylecast import: a foreign network becomes a model file and, with --name, a model stylize finds by name', async () => {
  const config = { ...PRESETS.torch, width: 4, blocks: 1 };
  const foreign = join(dir, 'foreign.onnx');
  writeFileSync(foreign, foreignTransformer(config, randomWeights(config, 5), { shape: [32, 32] }));
  const wrapped = join(dir, 'wrapped.onnx');
  const r = await runCli(['import', foreign, '-o', wrapped, '--name', 'my_style', '--threads', '1'], { STYLECAST_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: .*foreign\.onnx takes a fixed 32x32 input; its recognized weights run at any size in stylecast \(no resizing needed\)\n$/);
  assert.match(r.stdout, /wrapped\.onnx: my_style, reflect\/nearest\/raw transformer \(width 4, 1 blocks\), matches .* within .* at 32x32; -m my_style finds it\n$/);
  assert.deepEqual(transformerOf(await readModelFile(wrapped), 'test').config, config);

  // The name is taken now: a second import under it must say so, not replace the stored model.
  const again = await runCli(['import', foreign, '-o', join(dir, 'wrapped-again.onnx'), '--name', 'my_style'], { STYLECAST_CACHE: cache });
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `stylecast: ${join(cache, 'local', 'my_style.onnx')} exists; pass --overwrite to replace it\n`);

  const listed = await runCli(['models', '--json'], { STYLECAST_CACHE: cache });
  const row = (JSON.parse(listed.stdout) as { name: string; kind: string; availability: string }[]).find((m) => m.name === 'my_style');
  assert.deepEqual(row && [row.kind, row.availability], ['imported', 'cached']);

  const photo = join(dir, 'photo.png');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 90, b: 30 } } }).png().toFile(photo);
  const out = join(dir, 'styled.png');
  const s = await runCli(['stylize', photo, '-m', 'my_style', '-o', out, '--threads', '1'], { STYLECAST_CACHE: cache });
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual([(await sharp(out).metadata()).width, (await sharp(out).metadata()).height], [40, 30]);
});

test('stylecast import refuses a two-input network in one line and writes nothing', async () => {
  const two = join(dir, 'two.onnx');
  writeFileSync(two, twoInputs());
  const out = join(dir, 'two-wrapped.onnx');
  const r = await runCli(['import', two, '-o', out, '--name', 'two'], { STYLECAST_CACHE: cache });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: ${two}: not an image-to-image network: it has 2 inputs ('a', 'b'); stylecast imports networks with one float image input [N, 3, H, W]\n`);
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(join(cache, 'local', 'two.onnx')));
  const taken = await runCli(['import', join(dir, 'foreign.onnx'), '-o', out, '--name', 'candy'], { STYLECAST_CACHE: cache });
  assert.equal(taken.code, 1);
  assert.equal(taken.stderr, "stylecast: model name 'candy' is a registered model; pick another name\n");
  assert.ok(!existsSync(out));
});

test('stylecast import wraps a fixed-size network that is not a transformer: a warning, then stylize and eval take it by path and by name; CoreML export refuses it', async () => {
  const foreign = join(dir, 'opaque-foreign.onnx');
  writeFileSync(foreign, opaqueNet({ shape: [1, 32, 32] }));
  const wrapped = join(dir, 'opaque.onnx');
  const r = await runCli(['import', foreign, '-o', wrapped, '--name', 'my_opaque', '--input-range', '0..1', '--threads', '1'], { STYLECAST_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `warning: ${foreign} takes a fixed 32x32 input: the model runs at 32x32; frames are resized in and out\n`);
  assert.match(r.stdout, /opaque\.onnx: my_opaque, opaque network \(not a Johnson et al\. transformer: .*\), matches .* at 32x32; -m my_opaque finds it\n$/);
  assert.equal((await readModelFile(wrapped)).kind, 'opaque');
  const listed = await runCli(['models', '--json'], { STYLECAST_CACHE: cache });
  const row = (JSON.parse(listed.stdout) as { name: string; kind: string; family: string }[]).find((m) => m.name === 'my_opaque');
  assert.deepEqual(row && [row.kind, row.family], ['imported', 'opaque']);

  const photo = join(dir, 'opaque-photo.png');
  await sharp({ create: { width: 44, height: 28, channels: 3, background: { r: 20, g: 160, b: 240 } } }).png().toFile(photo);
  for (const [k, m] of [wrapped, 'my_opaque'].entries()) {
    const out = join(dir, `opaque-styled-${k}.png`);
    const s = await runCli(['stylize', photo, '-m', m, '-o', out, '--threads', '1'], { STYLECAST_CACHE: cache });
    assert.equal(s.code, 0, s.stderr);
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.width, meta.height], [44, 28], m);
  }

  const photos = join(dir, 'opaque-photos');
  mkdirSync(photos);
  await sharp(photo).toFile(join(photos, 'a.png'));
  const e = await runCli(['eval', '-m', 'my_opaque', '--model', wrapped, '--reference', wrapped, '--photos', photos, '--size', '32x24', '--trials', '1', '--threads', '1', '--peak-runs', '0', '--json'], { STYLECAST_CACHE: cache });
  assert.equal(e.code, 0, e.stderr);
  const rows = (JSON.parse(e.stdout) as { rows: { params: number | null; macs: number | null; psnr: number | string | null }[] }).rows;
  assert.equal(rows.length, 3);
  for (const row of rows) assert.deepEqual([row.params, row.macs], [null, null], 'no architecture to count');
  assert.equal(rows[0]!.psnr, 'Infinity', 'same network as the reference (JSON writes Infinity as a string)');

  const ml = join(dir, 'Opaque.mlmodel');
  const x = await runCli(['export', '-m', wrapped, '--format', 'coreml', '-o', ml, '--size', '640x480']);
  assert.equal(x.code, 1);
  assert.equal(x.stderr, 'stylecast: my_opaque is an imported opaque network (not a stylecast transformer): export --format coreml needs the architecture and weights; it can only stylize and be evaluated\n');
  assert.ok(!existsSync(ml));
});

test('licence and style survive export --format onnx then import; export refuses an existing file unless --overwrite', async () => {
  const m = tinyModel({ width: 4, blocks: 1 });
  const licensed = join(dir, 'licensed.onnx');
  await writeModelFile(licensed, toLoaded({ config: m.config, weights: m.weights, info: { ...m.info, style: 'Blue Period', license: 'CC-BY-4.0' } }));
  const exported = join(dir, 'licensed-export.onnx');
  assert.equal((await runCli(['export', '-m', licensed, '--format', 'onnx', '-o', exported])).code, 0);
  const back = join(dir, 'licensed-back.onnx');
  const r = await runCli(['import', exported, '-o', back, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const info = (await readModelFile(back)).info;
  assert.deepEqual([info.style, info.license], ['Blue Period', 'CC-BY-4.0']);

  writeFileSync(exported, 'older export');
  const again = await runCli(['export', '-m', licensed, '--format', 'onnx', '-o', exported]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `stylecast: ${exported} exists; pass --overwrite to replace it\n`);
  assert.equal(readFileSync(exported, 'utf8'), 'older export');
  assert.equal((await runCli(['export', '-m', licensed, '--format', 'onnx', '-o', exported, '--overwrite'])).code, 0);
  const self = await runCli(['import', exported, '-o', exported, '--overwrite']);
  assert.equal(self.code, 1);
  assert.equal(self.stderr, `stylecast: ${exported} is the input ${exported}: write the output elsewhere\n`);
});
