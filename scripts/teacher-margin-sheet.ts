/**
 * Teachers with and without mirrored context (training's --teacher-margin): each photo stylized as it
 * is, and stylized with `margin` mirrored pixels around it and the margin cut off again, which is the
 * target a student trains against. Teachers need STYLECAST_MIRROR.
 * Usage: npx tsx scripts/teacher-margin-sheet.ts <out.jpg> <margin> <photo,...> <teacher...>
 */
import { decodeImage } from '../src/io/decode.js';
import { reflectIndex, type RawImage } from '../src/io/pixels.js';
import { writeSheet } from '../src/io/sheet.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const [out, marginArg, photoList, ...teachers] = process.argv.slice(2);
if (!out || !marginArg || !photoList || !teachers.length) throw new Error('usage: teacher-margin-sheet.ts <out.jpg> <margin> <photo,...> <teacher...>');
const m = Number(marginArg);

/** RGB image -> the image inside `m` mirrored pixels (the same fold as training's reflectPad). */
function mirrored(img: RawImage): RawImage {
  const W = img.width + 2 * m;
  const H = img.height + 2 * m;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = (reflectIndex(y - m, img.height) * img.width + reflectIndex(x - m, img.width)) * 3;
      data.set(img.data.subarray(s, s + 3), (y * W + x) * 3);
    }
  }
  return { width: W, height: H, channels: 3, data };
}

function inner(img: RawImage, width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(img.data.subarray(((y + m) * img.width + m) * 3, ((y + m) * img.width + m + width) * 3), y * width * 3);
  return { width, height, channels: 3, data };
}

const photos = await Promise.all(photoList.split(',').map((p) => decodeImage(p, { fit: { mode: 'cover', width: 432, height: 288 }, pixels: 'rgb', name: p })));
const rows: RawImage[][] = photos.map((p) => [p]);
for (const t of teachers) {
  const s = await Stylizer.create(await loadModel(t), { shared: false });
  for (const [i, p] of photos.entries()) rows[i]!.push(await s.stylize(p), inner(await s.stylize(mirrored(p)), p.width, p.height));
  await s.release();
}
await writeSheet(out, { columns: ['photo', ...teachers.flatMap((t) => [t, `${t}, ${m} px context`])], rows });
console.log(out);
