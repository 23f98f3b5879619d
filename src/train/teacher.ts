import type { Tensor } from '../graph/tensor.js';
import { loadModel } from '../models/load.js';
import { createSession, type Session } from '../runtime/ort.js';
import { sessionOptions, type ResolvedTrainOptions, type TrainOptions } from './spec.js';

/** The teacher a distillation term needs; the error names the flag to pass. */
export function needsTeacher(o: Pick<TrainOptions, 'teacher'>, what = 'a distillation weight'): string {
  if (!o.teacher) throw new Error(`${what} needs --teacher <model>`);
  return o.teacher;
}

export interface TeacherRunner {
  /** Open the teacher (once), then its output for a content batch; the same batch asked twice runs once. */
  open(): Promise<(content: Tensor<'float32'>) => Promise<Tensor<'float32'>>>;
  release(): Promise<void>;
}

/**
 * The run's teacher, opened when a term first asks (runs that distill nothing never load it) and run
 * once per batch, so pixel and feature distillation share one teacher pass per step.
 */
export function teacherRunner(o: ResolvedTrainOptions): TeacherRunner {
  let session: Promise<Session> | undefined;
  let last: { content: Tensor<'float32'>; output: Promise<Tensor<'float32'>> } | undefined;
  const output = (s: Session) => (content: Tensor<'float32'>) => {
    if (last?.content !== content) last = { content, output: s.run({ input: content }, ['output']).then((r) => r.output as Tensor<'float32'>) };
    return last.output;
  };
  return {
    async open() {
      session ??= loadModel(needsTeacher(o)).then((m) => createSession(m.onnx, sessionOptions(o)));
      return output(await session);
    },
    async release() {
      if (session) await (await session).release();
    },
  };
}
