import { loadModel } from '../../models/load.js';
import { createSession } from '../../runtime/ort.js';
import { TRAIN_IO } from '../io.js';
import { defaultLossWeights, distillLoss } from '../losses.js';
import type { TrainOptions } from '../spec.js';
import { sessionOptions, type LossTermDef } from '../spec.js';

const needsTeacher = (o: Pick<TrainOptions, 'teacher'>): string => {
  if (!o.teacher) throw new Error('a distillation weight needs --teacher <model>');
  return o.teacher;
};

/**
 * Pixel distillation towards a teacher's output on the same batch. With a teacher but weight 0 the
 * distance is still computed and logged (outside the total): a teacher-distance curve for runs that
 * do not distill.
 */
export const distillTerm: LossTermDef = {
  name: 'distill',
  weight: { flag: 'distill-weight', help: 'distillation weight towards --teacher (defaults to 0)', default: (p) => defaultLossWeights(p).distill },
  monitored: (o) => Boolean(o.teacher),
  check: (o) => {
    if (o.weights?.distill) needsTeacher(o);
  },
  graph: ({ graph }) => ({ loss: ({ y }) => distillLoss(y, graph.input(TRAIN_IO.teacher, 'float32', y.dims())) }),
  async open({ options: o }) {
    const teacher = await createSession((await loadModel(needsTeacher(o))).onnx, sessionOptions(o));
    return {
      feeds: async ({ content }) => ({ [TRAIN_IO.teacher]: (await teacher.run({ input: content }, ['output'])).output! }),
      release: () => teacher.release(),
    };
  },
};
