import { f32, type Tensor } from '../graph/tensor.js';
import { reflectIndex } from '../io/pixels.js';
import { stylesOf } from '../models/codec.js';
import { loadModel } from '../models/load.js';
import { createSession, type Session } from '../runtime/ort.js';
import { sessionOptions, type ResolvedTrainOptions, type TrainOptions } from './spec.js';

/** Whether every style of the run has a teacher (`--teacher`, or each multi-style style's). */
export function hasTeacher(o: Pick<TrainOptions, 'teacher' | 'styles'>): boolean {
  return o.styles ? o.styles.length > 0 && o.styles.every((s) => s.teacher) : Boolean(o.teacher);
}

/** Throws unless every style has the teacher a distillation term needs; the error names the flag to pass. */
export function needsTeacher(o: Pick<TrainOptions, 'teacher' | 'styles'>, what = 'a distillation weight'): void {
  if (hasTeacher(o)) return;
  const missing = o.styles?.find((s) => !s.teacher);
  throw new Error(missing ? `${what} needs a teacher for every style (style '${missing.name}' has none: give --teacher one per style)` : `${what} needs --teacher <model>`);
}

export interface TeacherRunner {
  /** Open the teacher (once), then its output for a content batch; the same batch asked twice runs once. */
  open(): Promise<(content: Tensor<'float32'>) => Promise<Tensor<'float32'>>>;
  release(): Promise<void>;
}

/**
 * A style's teacher, opened when a term first asks (runs that distill nothing never load it) and run
 * once per batch, so pixel and feature distillation share one teacher pass per step.
 */
export function teacherRunner(o: ResolvedTrainOptions, teacher: string | undefined): TeacherRunner {
  let session: Promise<Session> | undefined;
  let last: { content: Tensor<'float32'>; output: Promise<Tensor<'float32'>> } | undefined;
  const m = o.teacherMargin;
  const output = (s: Session) => (content: Tensor<'float32'>) => {
    if (last?.content !== content) {
      const input = m ? reflectPad(content, m) : content;
      last = { content, output: s.run({ input }, ['output']).then((r) => (m ? cropBorder(r.output as Tensor<'float32'>, m) : (r.output as Tensor<'float32'>))) };
    }
    return last.output;
  };
  return {
    async open() {
      if (!teacher) throw new Error('a distillation term needs --teacher <model>');
      session ??= loadModel(teacher).then((m) => {
        if (stylesOf(m)) throw new Error(`teacher ${teacher} is a multi-style network: distillation needs a single-style teacher for each style`);
        return createSession(m.onnx, sessionOptions(o));
      });
      return output(await session);
    },
    async release() {
      if (session) await (await session).release();
    },
  };
}

/**
 * An NCHW batch with `m` pixels of mirrored context on every side (edge pixel not repeated, like ONNX
 * Pad 'reflect'); a margin wider than the image folds back and forth.
 */
export function reflectPad(t: Tensor<'float32'>, m: number): Tensor<'float32'> {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const H = h + 2 * m;
  const W = w + 2 * m;
  const out = f32([n, c, H, W]);
  const rows = Array.from({ length: H }, (_, y) => reflectIndex(y - m, h));
  const cols = Array.from({ length: W }, (_, x) => reflectIndex(x - m, w));
  for (let p = 0; p < n * c; p++) {
    const src = t.data.subarray(p * h * w, (p + 1) * h * w);
    const dst = out.data.subarray(p * H * W, (p + 1) * H * W);
    for (let y = 0; y < H; y++) {
      const sr = rows[y]! * w;
      for (let x = 0; x < W; x++) dst[y * W + x] = src[sr + cols[x]!]!;
    }
  }
  return out;
}

/** The NCHW batch without `m` pixels on every side: a reflectPad input's own area. */
export function cropBorder(t: Tensor<'float32'>, m: number): Tensor<'float32'> {
  const [n, c, H, W] = t.dims as [number, number, number, number];
  const h = H - 2 * m;
  const w = W - 2 * m;
  const out = f32([n, c, h, w]);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < h; y++) out.data.set(t.data.subarray(p * H * W + (y + m) * W + m, p * H * W + (y + m) * W + m + w), p * h * w + y * w);
  }
  return out;
}
