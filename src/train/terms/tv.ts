import { defaultLossWeights, tvLoss } from '../losses.js';
import type { LossTermDef } from '../spec.js';

/** Total variation: a smoothness prior on the output. */
export const tvTerm: LossTermDef = {
  name: 'tv',
  weight: { flag: 'tv-weight', help: 'total-variation weight (defaults to 1e-6)', default: (p) => defaultLossWeights(p).tv },
  graph: () => ({ loss: ({ y }) => tvLoss(y) }),
};
