import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { bakeStyle, normParamNames } from '../../src/models/styles.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { learnStyle, styleNameOf, type LearnStyleEvent } from '../../src/train/learn-style.js';
import { styleTensor } from '../../src/train/trainer.js';
import { tinyModel } from '../helpers/models.js';
import { tinyMultiModel } from '../helpers/multistyle.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

const dir = tempDir('stylecast-learn-');
const data = await trainingSet(dir);
const base = tinyMultiModel(['candy', 'mosaic'], { width: 4, blocks: 1 });
const basePath = join(dir, 'base.onnx');
writeFileSync(basePath, base.onnx);
const opts = (output: string, painting = data.style) => ({ painting, base: basePath, output: join(dir, output), content: data.content, vgg: tinyVgg(), size: 16, batch: 1, threads: 1, minutes: 0.02 });

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const data = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data));
  return Buffer.concat([len, data, crc]);
}
/** A PNG header claiming width x height with no real pixel data. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

test('learn-style adds a trained row to the base: shared weights and old rows unchanged, a new style that paints; preview written, checkpoint gone', async () => {
  const events: LearnStyleEvent[] = [];
  await learnStyle({ ...opts('grown.onnx'), name: 'blobs' }, (e) => events.push(e));
  const m = transformerOf(await readModelFile(join(dir, 'grown.onnx')), 'test');
  assert.equal(m.config.styles, 3);
  assert.deepEqual(m.styles!.map((s) => s.name), ['candy', 'mosaic', 'blobs']);
  assert.equal(m.styles![2]!.image, 'style.png');
  assert.match(m.styles![2]!.imageSha256!, /^[0-9a-f]{64}$/);
  const rows = new Set(normParamNames(m.config));
  for (const [name, t] of base.weights) {
    const got = m.weights.get(name)!;
    if (!rows.has(name)) assert.deepEqual(got.data, t.data, `${name} is shared and frozen`);
    else assert.deepEqual(got.data.slice(0, t.data.length), t.data, `${name}: the base's rows are kept`);
  }
  // The new row started at the base's mean style and moved.
  const mean = bakeStyle(base, Float32Array.of(0.5, 0.5));
  const learned = bakeStyle(m, Float32Array.of(0, 0, 1));
  assert.ok([...rows].some((n) => learned.weights.get(n)!.data.some((v, i) => v !== mean.weights.get(n)!.data[i])), 'the new row was trained');
  const steps = events.filter((e) => e.type === 'step').length;
  assert.ok(steps >= 1);
  const start = events.find((e) => e.type === 'start') as Extract<LearnStyleEvent, { type: 'start' }>;
  assert.equal(start.budgetSeconds, 1.2);
  assert.ok(existsSync(join(dir, 'grown.onnx.preview.png')));
  assert.ok(!existsSync(join(dir, 'grown.onnx.ckpt')));
  const s = await Stylizer.create(m, { shared: false, style: 'blobs' });
  const out = await s.stylize({ width: 20, height: 12, channels: 3, data: new Uint8Array(20 * 12 * 3).fill(90) });
  assert.equal(out.width, 20);
  await s.release();
  assert.equal((m.info.provenance!.learnedStyles as { name: string }[])[0]!.name, 'blobs');
});

test('paintings of any shape decode to a usable style image: 1x1, 20000 px wide, grey, alpha (white paper)', async () => {
  const files = {
    dot: await sharp(Buffer.from([200, 30, 30]), { raw: { width: 1, height: 1, channels: 3 } }).png().toBuffer(),
    wide: await sharp(Buffer.alloc(20000 * 40 * 3, 128), { raw: { width: 20000, height: 40, channels: 3 } }).png().toBuffer(),
    grey: await sharp(Buffer.alloc(30 * 20, 77), { raw: { width: 30, height: 20, channels: 1 } }).png().toBuffer(),
    alpha: await sharp(Buffer.from(Array.from({ length: 16 * 16 * 4 }, (_, i) => (i % 4 === 3 ? (i < 512 ? 0 : 255) : 0))), { raw: { width: 16, height: 16, channels: 4 } }).png().toBuffer(),
  };
  const dims = async (b: Buffer) => (await styleTensor(b, 64, 'p', 'painting')).dims;
  assert.deepEqual(await dims(files.dot), [1, 3, 64, 64]);
  assert.deepEqual(await dims(files.wide), [1, 3, 16, 64], 'the middle 4:1 of a 500:1 strip');
  assert.deepEqual(await dims(files.grey), [1, 3, 43, 64]);
  const alpha = await styleTensor(files.alpha, 16, 'p', 'painting');
  // Transparent top half is white, the opaque black bottom half stays black.
  assert.equal(alpha.data[0], 255);
  assert.equal(alpha.data[16 * 15], 0);
  // One of them all the way through learn-style.
  const path = join(dir, 'wide.png');
  writeFileSync(path, files.wide);
  await learnStyle({ ...opts('wide.onnx', path), minutes: 0.005 });
  assert.deepEqual(transformerOf(await readModelFile(join(dir, 'wide.onnx')), 't').styles!.map((s) => s.name), ['candy', 'mosaic', 'wide']);
});

test('bad paintings and options are one-line errors and write nothing', async () => {
  const bad = (name: string, bytes: Buffer | string) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const cases: [Parameters<typeof learnStyle>[0], RegExp][] = [
    [opts('x.onnx', bad('notes.jpg', 'not an image at all')), /^Error: painting .*notes\.jpg: not a supported image \(JPEG, PNG, WebP, GIF, TIFF, AVIF\)$/],
    [opts('x.onnx', bad('empty.png', Buffer.alloc(0))), /^Error: painting .*empty\.png: empty file$/],
    [opts('x.onnx', bad('huge.png', bombPng(20000, 20000))), /^Error: painting .*huge\.png: 20000x20000 is over the 100-megapixel limit$/],
    [opts('x.onnx', join(dir, 'missing.png')), /^Error: painting .*missing\.png: no such file$/],
    [{ ...opts('x.onnx'), minutes: 0 }, /^Error: --minutes must be a number > 0 \(the training time\), got 0$/],
    [{ ...opts('x.onnx'), name: 'candy' }, /^Error: the base already has a style 'candy'; pass --name <another>$/],
    [{ ...opts('x.onnx'), name: 'a,b' }, /^Error: style name 'a,b'/],
    [{ ...opts('x.onnx'), base: tinyModel() }, /^Error: --base tiny is a single-style network: learn-style adds a style row to a multi-style one$/],
  ];
  const before = new Set(readdirSync(dir));
  for (const [o, want] of cases) await assert.rejects(learnStyle(o), want);
  const after = readdirSync(dir).filter((f) => !before.has(f));
  assert.deepEqual(after, [], 'no output, checkpoint or preview');
  assert.equal(styleNameOf('/x/My Painting (1).JPG'), 'My_Painting__1_');
});
