/**
 * Outputs recorded before the architecture refactor (issue 16) and compared after it: every built-in
 * student and every teacher on photos, through the user's path (readImage -> Stylizer -> RGB bytes),
 * and the losses of two 20-step training runs from a fixed seed (one with content, style and TV; one
 * distilling from a student with the stability term). `record` writes them, `golden.test.ts` checks.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '../../src/io/image.js';
import { REGISTRY } from '../../src/io/registry.js';
import { loadModel } from '../../src/models/load.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { train } from '../../src/train/trainer.js';
import { trainingSet, tinyVgg } from '../helpers/train.js';
import { mirrorPath } from '../helpers/assets.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The committed example photo (students, no mirror needed) and two held-out test photos (teachers too). */
export const STUDENT_PHOTOS = [join(ROOT, 'examples/webcam.jpg')];
export const MIRROR_PHOTOS = ['photos/test/bsds_100007.jpg', 'photos/test/bsds_100039.jpg'];

export const students = () => REGISTRY.filter((e) => e.kind === 'student').map((e) => e.name);
export const teachers = () => REGISTRY.filter((e) => e.kind === 'teacher').map((e) => e.name);

/** RGB bytes of a model's output on a photo, as the user's path produces them. */
export async function stylizeBytes(model: string, photo: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const s = await Stylizer.create(await loadModel(model), { threads: 2 });
  // A small odd size: exercises the decoder's resize and the network's padding, and keeps the fixtures small.
  const img = await readImage(photo, { maxSide: 126 });
  const out = await s.stylize(img);
  if (!(out.data instanceof Uint8Array) || out.channels !== 3) throw new Error(`${model}: expected 8-bit RGB output`);
  return { width: out.width, height: out.height, data: out.data };
}

export const photoKey = (photo: string) => photo.split('/').pop()!.replace(/\.[^.]+$/, '');
export const mirrorPhoto = (rel: string) => mirrorPath(rel);

/** The two 20-step runs: their per-step losses. */
export async function trainingLosses(dir: string): Promise<Record<string, Record<string, number>[]>> {
  await trainingSet(dir);
  // Crops are seeded by the photos' paths: relative paths make the run independent of where dir is.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await runBoth();
  } finally {
    process.chdir(cwd);
  }
}

async function runBoth(): Promise<Record<string, Record<string, number>[]>> {
  const dir = '.';
  const vgg = tinyVgg();
  const base = { style: 'style.png', content: 'photos', size: 32, batch: 2, steps: 20, vgg, threads: 1, seed: 3, checkpointEvery: 1000 } as const;
  const plain = await train({ ...base, output: join(dir, 'plain.onnx'), config: { ...tinyConfig } });
  const distill = await train({
    ...base,
    output: join(dir, 'distill.onnx'),
    config: { ...tinyConfig, head: 'tanh' },
    teacher: join(ROOT, 'models/candy_rt.onnx'),
    // As recorded, before teachers got a margin of context (test/train/teacher-margin.test.ts covers it).
    teacherMargin: 0,
    weights: { distill: 1, temporal: 4 },
  });
  return { plain: plain.history.map((h) => h.losses), distill: distill.history.map((h) => h.losses) };
}

const tinyConfig = {
  width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, padding: 'reflect', upsample: 'nearest',
  normEpsilon: 1e-5, bias: true, finalNorm: false, head: 'raw', residual: 'full',
} as const;
