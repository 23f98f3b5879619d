/**
 * What a teacher's targets look like on training crops, with and without mirrored context (train's
 * --teacher-margin): the painting's style loss and the content loss of the teacher's output on the
 * centre crop of training photos, each mean over the photos; optionally a student's on the same crops.
 * Usage: npx tsx scripts/teacher-crops.ts <teacher> <painting.jpg> [student] [--crop 128] [--margin 32] [--photos 24]
 * (STYLECAST_MIRROR: the photos, the painting under images/styles, the teacher and the VGG.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LossMeter, readStyleTensor } from '../src/eval/losses.js';
import { f32, type Tensor } from '../src/graph/tensor.js';
import { readImage } from '../src/io/image.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { loadModel } from '../src/models/load.js';
import { createSession } from '../src/runtime/ort.js';
import { cropBorder, reflectPad } from '../src/train/teacher.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { crop: { type: 'string', default: '128' }, margin: { type: 'string', default: '32' }, photos: { type: 'string', default: '24' } } });
const [teacher, painting, studentName] = positionals;
if (!teacher || !painting) throw new Error('usage: teacher-crops.ts <teacher> <painting.jpg> [student] [--crop 128] [--margin 32] [--photos 24]');
const mirror = process.env.STYLECAST_MIRROR;
if (!mirror) throw new Error('teacher-crops.ts needs STYLECAST_MIRROR');
const [S, m] = [Number(values.crop), Number(values.margin)];
const dir = join(mirror, 'photos/train');
const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, Number(values.photos));
const meter = await LossMeter.create({ vgg: await loadVgg('vgg19-block1-3'), style: await readStyleTensor(join(mirror, 'images/styles', painting), 256), width: S, height: S, threads: 1 });
const net = async (name: string) => createSession((await loadModel(name)).onnx, { threads: 1 });
const t = await net(teacher);
const student = studentName ? await net(studentName) : undefined;
const clamp = (a: Float32Array) => a.map((v) => Math.min(255, Math.max(0, v)));
const run = async (s: typeof t, x: Tensor<'float32'>) => (await s.run({ input: x })).output as Tensor<'float32'>;
const sums = new Map<string, { style: number; content: number }>();
let n = 0;
for (const f of files) {
  // The centre S x S of the photo with its shorter side at least S (as a training crop).
  const img = await readImage(join(dir, f), { maxSide: 2 * S });
  const x = f32([1, 3, S, S]);
  const [ox, oy] = [(img.width - S) >> 1, (img.height - S) >> 1];
  if (ox < 0 || oy < 0) continue;
  n++;
  for (let c = 0; c < 3; c++) for (let y = 0; y < S; y++) for (let v = 0; v < S; v++) x.data[(c * S + y) * S + v] = img.data[((y + oy) * img.width + v + ox) * img.channels + c]!;
  const outs: [string, Float32Array][] = [
    ['teacher, no context', clamp((await run(t, x)).data)],
    [`teacher, ${m} px context`, clamp(cropBorder(await run(t, reflectPad(x, m)), m).data)],
  ];
  if (student) outs.push([`student ${studentName}`, clamp((await run(student, x)).data)]);
  for (const [k, o] of outs) {
    const l = await meter.measure(o, x.data);
    const acc = sums.get(k) ?? { style: 0, content: 0 };
    sums.set(k, { style: acc.style + l.style, content: acc.content + l.content });
  }
}
console.log(`${teacher} on ${n} centre crops of ${S} px of photos/train; style loss against ${painting} (longer side 256)`);
for (const [k, v] of sums) console.log(`${k}: style ${(v.style / n).toExponential(3)}, content ${(v.content / n).toExponential(3)}`);
