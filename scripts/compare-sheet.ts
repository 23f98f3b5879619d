/**
 * A sheet comparing models on the same photos: one row per photo, the photo first, then one column
 * per model (registered names or model files, e.g. teacher, old student, new student). Teachers need
 * STYLECAST_MIRROR.
 * Usage: npx tsx scripts/compare-sheet.ts <out.jpg> <side> <photo,...> <label=model> [label=model ...]
 */
import sharp from 'sharp';
import { encodeImage, readImage } from '../src/io/image.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const [out, sideArg, photoList, ...specs] = process.argv.slice(2);
if (!out || !sideArg || !photoList || !specs.length) throw new Error('usage: compare-sheet.ts <out.jpg> <side> <photo,...> <label=model> [label=model ...]');
const side = Number(sideArg);
const columns = [{ label: 'photo', model: '' }, ...specs.map((s) => ({ label: s.split('=')[0]!, model: s.split('=').slice(1).join('=') || s }))];
const photos = await Promise.all(photoList.split(',').map((p) => readImage(p, { maxSide: side })));
const cell = { width: Math.max(...photos.map((p) => p.width)), height: Math.max(...photos.map((p) => p.height)) };
const LABEL = 24;
const tiles: { input: Buffer; left: number; top: number }[] = [];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
columns.forEach((c, i) =>
  tiles.push({
    input: Buffer.from(`<svg width="${cell.width}" height="${LABEL}"><rect width="100%" height="100%" fill="white"/><text x="6" y="17" font-family="sans-serif" font-size="15">${escape(c.label)}</text></svg>`),
    left: i * cell.width,
    top: 0,
  }),
);
for (const [i, c] of columns.entries()) {
  const stylizer = c.model ? await Stylizer.create(await loadModel(c.model), { shared: false }) : undefined;
  for (const [r, p] of photos.entries()) {
    const img = stylizer ? await stylizer.stylize(p) : p;
    tiles.push({ input: await encodeImage(img, 'png'), left: i * cell.width, top: LABEL + r * cell.height });
  }
  await stylizer?.release();
}
await sharp({ create: { width: columns.length * cell.width, height: LABEL + photos.length * cell.height, channels: 3, background: '#ffffff' } })
  .composite(tiles)
  .jpeg({ quality: 85 })
  .toFile(out);
console.log(out);
