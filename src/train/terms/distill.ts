import { TRAIN_IO } from '../io.js';
import { defaultLossWeights, distillLoss } from '../losses.js';
import type { LossTermDef } from '../spec.js';
import { hasTeacher, needsTeacher } from '../teacher.js';

/**
 * Pixel distillation towards a teacher's output on the same batch. With a teacher but weight 0 the
 * distance is still computed and logged (outside the total): a teacher-distance curve for runs that
 * do not distill.
 */
export const distillTerm: LossTermDef = {
  name: 'distill',
  weight: { flag: 'distill-weight', help: 'distillation weight towards --teacher (defaults to 0)', default: (p) => defaultLossWeights(p).distill },
  monitored: (o) => hasTeacher(o),
  check: (o) => {
    if (o.weights?.distill) needsTeacher(o);
  },
  graph: () => ({ loss: ({ y, teacher }) => distillLoss(y, teacher) }),
  async open({ teacher }) {
    const run = await teacher();
    return { feeds: async ({ content }) => ({ [TRAIN_IO.teacher]: await run(content) }) };
  },
};
