/**
 * A before/after sheet for the docs: test photos on the top row, the model's output below.
 * Usage: npx tsx scripts/before-after.ts <model> <out.jpg> <photo...>
 */
import sharp from 'sharp';
import { encodeImage, readImage } from '../src/io/image.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const [modelSpec, out, ...photos] = process.argv.slice(2);
if (!modelSpec || !out || photos.length === 0) throw new Error('usage: before-after.ts <model> <out.jpg> <photo...>');
const side = 256;
const stylizer = await Stylizer.create(await loadModel(modelSpec));
const pairs = [];
for (const p of photos) {
  const img = await readImage(p, { maxSide: side });
  pairs.push({ img, styled: await stylizer.stylize(img) });
}
const rowH = Math.max(...pairs.map((p) => p.img.height));
const tiles: { input: Buffer; left: number; top: number }[] = [];
let left = 0;
for (const { img, styled } of pairs) {
  tiles.push({ input: await encodeImage(img, 'png'), left, top: 0 }, { input: await encodeImage(styled, 'png'), left, top: rowH });
  left += img.width;
}
await sharp({ create: { width: left, height: 2 * rowH, channels: 3, background: '#ffffff' } })
  .composite(tiles)
  .jpeg({ quality: 88 })
  .toFile(out);
console.log(out);
