/**
 * Teacher vs real-time student, one column per built-in student: the photo, the teacher's output, the
 * student's output. Needs the teachers (STYLECAST_MIRROR).
 * Usage: npx tsx scripts/students-sheet.ts <photo> <out.jpg> [side=320]
 */
import sharp from 'sharp';
import { encodeImage, readImage } from '../src/io/image.js';
import { REGISTRY } from '../src/io/registry.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const [photo, out, sideArg] = process.argv.slice(2);
if (!photo || !out) throw new Error('usage: students-sheet.ts <photo> <out.jpg> [side]');
const img = await readImage(photo, { maxSide: Number(sideArg ?? 320) });
const students = REGISTRY.filter((e) => e.kind === 'student' && e.teacher);
const stylize = async (name: string) => {
  const s = await Stylizer.create(await loadModel(name));
  const y = await s.stylize(img);
  return encodeImage(y, 'png');
};
const tiles: { input: Buffer; left: number; top: number }[] = [];
const label = (text: string, left: number, top: number) =>
  tiles.push({
    input: Buffer.from(`<svg width="${img.width}" height="24"><rect width="100%" height="100%" fill="white"/><text x="6" y="17" font-family="sans-serif" font-size="15">${text}</text></svg>`),
    left,
    top,
  });
const row = img.height + 24;
for (const [i, s] of students.entries()) {
  const left = i * img.width;
  label(`${s.teacher} (teacher)`, left, 0);
  tiles.push({ input: await stylize(s.teacher!), left, top: 24 });
  label(`${s.name} (student)`, left, row);
  tiles.push({ input: await stylize(s.name), left, top: row + 24 });
}
await sharp({ create: { width: students.length * img.width, height: 2 * row, channels: 3, background: '#ffffff' } })
  .composite(tiles)
  .jpeg({ quality: 85 })
  .toFile(out);
console.log(out);
