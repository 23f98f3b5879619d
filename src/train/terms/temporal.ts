import type { Value } from '../../graph/graph.js';
import { rng } from '../../models/transformer.js';
import { add, concat, slice } from '../../ops/index.js';
import { maskedMse, motionBatch } from '../../temporal/stability.js';
import { warpGraph } from '../../temporal/warp.js';
import { TRAIN_IO } from '../io.js';
import { defaultLossWeights } from '../losses.js';
import type { LossTermDef } from '../spec.js';

/**
 * Stability under small camera motions and noise (src/temporal/stability.ts). The moved, noisier
 * photos go through the same network in the same batch (instance norm keeps samples independent);
 * the other terms see only the originals' outputs.
 */
export const temporalTerm: LossTermDef = {
  name: 'temporal',
  weight: {
    flag: 'temporal-weight',
    help: 'stability under small camera motions and noise (0 = off, the default; try 10)',
    default: (p) => defaultLossWeights(p).temporal,
  },
  graph: ({ graph: g, batch, height, width }) => {
    const io = TRAIN_IO.motion;
    const index = g.input(io.index, 'int64', [batch, 3, 4 * height * width]);
    const weight = g.input(io.weight, 'float32', [batch, 1, 4, height * width]);
    const mask = g.input(io.mask, 'float32', [batch, 1, height, width]);
    let yMoved: Value | undefined;
    return {
      network: (x, net) => {
        const moved = add(warpGraph(x, index, weight), g.input(io.noise, 'float32', [batch, 3, height, width]));
        const both = net(concat([x, moved], 0));
        const y = slice(both, { starts: [0], ends: [batch], axes: [0] });
        yMoved = slice(both, { starts: [batch], ends: [2 * batch], axes: [0] });
        return y;
      },
      loss: ({ y }) => maskedMse(yMoved!, warpGraph(y, index, weight), mask),
    };
  },
  async open({ options: o }) {
    return {
      feeds: ({ step }) => {
        // Motions depend only on (seed, step): a resumed run draws exactly the motions it would have.
        const m = motionBatch(o.batch, o.size, o.size, o.motion, rng(o.seed * 1000003 + step * 7919 + 17));
        const io = TRAIN_IO.motion;
        return { [io.index]: m.index, [io.weight]: m.weight, [io.mask]: m.mask, [io.noise]: m.noise };
      },
    };
  },
  runInfo: (o) => ({ motion: o.motion }),
};
