/**
 * Make the gallery in docs/models.md: one test photo in every registered teacher style.
 * Usage: STYLECAST_MIRROR=../shared/assets npx tsx scripts/gallery.ts [photo] [outDir]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REGISTRY } from '../src/io/registry.js';
import { readImage, writeImage } from '../src/io/image.js';
import { loadModel } from '../src/models/load.js';
import { Stylizer } from '../src/runtime/stylizer.js';

const mirror = process.env.STYLECAST_MIRROR;
if (!mirror) throw new Error('set STYLECAST_MIRROR (e.g. ../shared/assets)');
const photo = process.argv[2] ?? join(mirror, 'images/content/stata.jpg');
const outDir = process.argv[3] ?? 'docs/gallery';
const side = 320;

await mkdir(outDir, { recursive: true });
const input = await readImage(photo, { maxSide: side });
await writeImage(join(outDir, 'original.jpg'), input);
const rows: string[] = [];
for (const e of REGISTRY.filter((r) => r.kind === 'teacher')) {
  const stylizer = await Stylizer.create(await loadModel(e.name));
  const t0 = performance.now();
  await writeImage(join(outDir, `${e.name}.jpg`), await stylizer.stylize(input));
  rows.push(`${e.name}\t${(performance.now() - t0).toFixed(0)} ms`);
  console.log(rows.at(-1));
}
await writeFile(join(outDir, 'README.md'), `Made by \`npx tsx scripts/gallery.ts\` from ${photo.replace(mirror, '$STYLECAST_MIRROR')} at ${input.width}x${input.height}.\n`);
