import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { DecodeError, decodeImage, type DecodeOptions } from '../../src/io/decode.js';
import { rng } from '../../src/models/transformer.js';
import { randomCrop } from '../../src/train/data.js';
import { cropBefore, planar } from '../helpers/crops.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('stylecast-decode-');
const small = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 73 + 11) % 256));
/** A smooth 60x30 picture (a 4x4 colour grid scaled up), so crops at different places differ. */
const picture = () => sharp(small, { raw: { width: 4, height: 4, channels: 3 } }).resize(60, 30, { kernel: 'cubic' });
const file = (name: string) => join(dir, name);
await picture().png().toFile(file('wide.png'));
// Stored 60x30 with EXIF orientation 6 (rotate 90 degrees): upright it is 30x60.
await picture().jpeg().withMetadata({ orientation: 6 }).toFile(file('rotated.jpg'));
await picture().ensureAlpha(0.5).png().toFile(file('rgba.png'));
await picture().toColourspace('b-w').png().toFile(file('grey.png'));
await picture().toColourspace('grey16').png().toFile(file('grey16.png'));
await picture().toColourspace('rgb16').png().toFile(file('deep.png'));
const jpeg = await picture().jpeg().toBuffer();
writeFileSync(file('truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
writeFileSync(file('text.jpg'), 'not an image');
writeFileSync(file('empty.png'), '');

const size = (o: DecodeOptions, name = 'wide.png') => decodeImage(file(name), o).then((i) => [i.width, i.height, i.channels]);

test("fit 'none' keeps size, alpha and depth, upright", async () => {
  assert.deepEqual(await size({}), [60, 30, 3]);
  assert.deepEqual(await size({}, 'rotated.jpg'), [30, 60, 3]);
  assert.deepEqual(await size({}, 'rgba.png'), [60, 30, 4]);
  // sharp's output is sRGB: 8-bit grey comes out RGB; 16-bit grey stays one channel.
  assert.deepEqual(await size({}, 'grey.png'), [60, 30, 3]);
  const deep = await decodeImage(file('deep.png'));
  assert.ok(deep.data instanceof Uint16Array && deep.channels === 3);
  const deepGrey = await decodeImage(file('grey16.png'));
  assert.ok(deepGrey.data instanceof Uint16Array && deepGrey.channels === 1);
});

test("pixels 'rgb' gives 8-bit RGB whatever the file holds", async () => {
  for (const name of ['rgba.png', 'grey.png', 'deep.png', 'grey16.png']) {
    const img = await decodeImage(file(name), { pixels: 'rgb' });
    assert.deepEqual([img.width, img.height, img.channels, img.data instanceof Uint8Array], [60, 30, 3, true], name);
  }
});

test("fit 'inside': the longer side becomes at most N, aspect kept; enlarging only when asked", async () => {
  const inside = (side: number, enlarge: boolean) => ({ fit: { mode: 'inside', side, enlarge } }) as const;
  assert.deepEqual(await size(inside(20, false)), [20, 10, 3]);
  assert.deepEqual(await size(inside(20, false), 'rotated.jpg'), [10, 20, 3]);
  assert.deepEqual(await size(inside(100, false)), [60, 30, 3]);
  assert.deepEqual(await size(inside(100, true)), [100, 50, 3]);
});

test("fit 'cover': exactly width x height, the centre of the scaled image", async () => {
  assert.deepEqual(await size({ fit: { mode: 'cover', width: 16, height: 16 } }), [16, 16, 3]);
  assert.deepEqual(await size({ fit: { mode: 'cover', width: 12, height: 40 } }, 'rotated.jpg'), [12, 40, 3]);
  const got = await decodeImage(file('wide.png'), { fit: { mode: 'cover', width: 16, height: 16 }, pixels: 'rgb' });
  const want = await sharp(file('wide.png')).resize(16, 16, { fit: 'cover', position: 'centre' }).raw().toBuffer();
  assert.deepEqual(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength), want);
});

test("fit 'random-crop': the largest square at the seeded position, resized, the same crops as before", async () => {
  const crops = new Set<string>();
  for (const name of ['wide.png', 'rotated.jpg', 'rgba.png']) {
    for (const seed of [1, 2, 3, 4]) {
      let draws = 0;
      const rand = rng(seed);
      const img = await decodeImage(file(name), { fit: { mode: 'random-crop', size: 12, rand: () => (draws++, rand()) }, pixels: 'rgb' });
      assert.equal(draws, 2, 'two draws: left, then top');
      assert.deepEqual([img.width, img.height, img.channels], [12, 12, 3]);
      const want = await cropBefore(file(name), 12, rng(seed));
      assert.deepEqual(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), want, `${name} seed ${seed}`);
      // randomCrop: the same crop as planar floats.
      assert.deepEqual(await randomCrop(file(name), 12, rng(seed)), planar(want, 12 * 12));
      if (name === 'wide.png') crops.add(want.toString('hex'));
    }
  }
  assert.ok(crops.size > 1, 'seeds move the crop along the long side');
});

test('errors are one line naming the image, worded for users when asked', async () => {
  const fails = async (path: string, o: DecodeOptions, message: RegExp) => {
    const e = await decodeImage(path, o).then(() => undefined, (err: unknown) => err);
    assert.ok(e instanceof DecodeError, `${path}: ${String(e)}`);
    assert.match(e.message, message);
    assert.equal(e.message, `${e.image}: ${e.reason}`);
    assert.ok(!e.message.includes('\n'));
  };
  await fails(file('missing.png'), { explain: true }, /missing\.png: no such file$/);
  await fails(dir, { explain: true }, /: is a directory$/);
  await fails(file('empty.png'), { explain: true }, /empty\.png: empty file$/);
  await fails(file('text.jpg'), { explain: true }, /text\.jpg: not a supported image \(JPEG, PNG, WebP, GIF, TIFF, AVIF\)$/);
  await fails(file('truncated.jpg'), { explain: true }, /truncated\.jpg: corrupt or truncated image \(.*premature end of JPEG image\)$/);
  await fails(file('wide.png'), { maxPixels: 1000 }, /wide\.png: 60x30 is over the 0-megapixel limit$/);
  await fails(file('wide.png'), { maxPixels: 1000, name: 'photo x' }, /^photo x: 60x30 is over/);
  // Without explain: sharp's own first line, after the given name.
  await fails(file('missing.png'), { name: 'photo p' }, /^photo p: Input file is missing: .*missing\.png$/);
  await fails(file('text.jpg'), { name: 'style image s' }, /^style image s: Input file contains unsupported image format$/);
  await fails(file('truncated.jpg'), {}, /truncated\.jpg: .*premature end of JPEG image$/);
  const buffer = await decodeImage(new Uint8Array(0), { explain: true }).catch((e: Error) => e.message);
  assert.equal(buffer, 'image buffer: empty file');
  // randomCrop reports the reason alone: the loader names the file next to it.
  await assert.rejects(randomCrop(file('text.jpg'), 8, rng(1)), (e: Error) => e.message === 'Input file contains unsupported image format');
});
