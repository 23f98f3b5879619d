import type { Tensor } from '../graph/tensor.js';
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
  const output = (s: Session) => (content: Tensor<'float32'>) => {
    if (last?.content !== content) last = { content, output: s.run({ input: content }, ['output']).then((r) => r.output as Tensor<'float32'>) };
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
