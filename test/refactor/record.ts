/**
 * Writes test/fixtures/golden (run once, before the refactor): `node --import tsx test/refactor/record.ts`.
 * With model names (`... record.ts wave_rt_stable multi_rt`), only those models' outputs are written: a
 * retrained model gets new fixtures while the others keep the ones recorded before the refactor.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../helpers/tmp.js';
import { GOLDEN_DIR, MIRROR_PHOTOS, STUDENT_PHOTOS, mirrorPhoto, photoKey, students, stylizeBytes, teachers, trainingLosses } from './golden.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
const save = async (model: string, photo: string) => {
  const o = await stylizeBytes(model, photo);
  await sharp(Buffer.from(o.data), { raw: { width: o.width, height: o.height, channels: 3 } }).png({ compressionLevel: 9 }).toFile(join(GOLDEN_DIR, `${model}.${photoKey(photo)}.png`));
  console.log(model, photoKey(photo));
};
const only = process.argv.slice(2);
if (only.length) {
  for (const m of only) {
    if (students().includes(m)) for (const p of STUDENT_PHOTOS) await save(m, p);
    else if (teachers().includes(m)) for (const p of MIRROR_PHOTOS) await save(m, mirrorPhoto(p));
    else throw new Error(`record.ts: ${m} is not a registered student or teacher`);
  }
  process.exit(0);
}
for (const m of students()) for (const p of STUDENT_PHOTOS) await save(m, p);
for (const m of teachers()) for (const p of MIRROR_PHOTOS) await save(m, mirrorPhoto(p));
writeFileSync(join(GOLDEN_DIR, 'train-losses.json'), JSON.stringify(await trainingLosses(tempDir('stylecast-golden-')), null, 1) + '\n');
console.log('losses written');
