/**
 * A sheet comparing models on the same photos: one row per photo, the photo first, then one column
 * per model (registered names or model files, e.g. teacher, old student, new student). Teachers need
 * STYLECAST_MIRROR.
 * Usage: npx tsx scripts/compare-sheet.ts <out.jpg> <side> <photo,...> <label=model> [label=model ...]
 */
import { readImage } from '../src/io/image.js';
import type { RawImage } from '../src/io/pixels.js';
import { writeSheet } from '../src/io/sheet.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const [out, sideArg, photoList, ...specs] = process.argv.slice(2);
if (!out || !sideArg || !photoList || !specs.length) throw new Error('usage: compare-sheet.ts <out.jpg> <side> <photo,...> <label=model> [label=model ...]');
const side = Number(sideArg);
const columns = specs.map((s) => ({ label: s.split('=')[0]!, model: s.split('=').slice(1).join('=') || s }));
const photos = await Promise.all(photoList.split(',').map((p) => readImage(p, { maxSide: side })));
const rows: RawImage[][] = photos.map((p) => [p]);
// One model at a time, its sessions freed before the next (teachers are large).
for (const c of columns) {
  const stylizer = await Stylizer.create(await loadModel(c.model), { shared: false });
  for (const [r, p] of photos.entries()) rows[r]!.push(await stylizer.stylize(p));
  await stylizer.release();
}
await writeSheet(out, { columns: ['photo', ...columns.map((c) => c.label)], rows });
console.log(out);
