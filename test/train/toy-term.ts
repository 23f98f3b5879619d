import { f32 } from '../../src/graph/tensor.js';
import { mul, reduceMean, sub } from '../../src/ops/index.js';
import type { LossTermDef } from '../../src/train/terms/index.js';

/**
 * A test-only loss term, written as a new term would be: pulls the output's mean grey level towards a
 * target fed each step. It records what the trainer asked of it.
 */
export function toyTerm(opts: { monitored?: boolean } = {}) {
  const seen = { fedSteps: [] as number[], released: false };
  const term: LossTermDef = {
    name: 'toy',
    weight: { flag: 'toy-weight', help: 'toy term: pull the mean output towards a per-step grey level', default: () => 0 },
    ...(opts.monitored ? { monitored: () => true } : {}),
    graph: ({ graph }) => ({
      loss: ({ y }) => {
        const d = sub(reduceMean(y), graph.input('toy.target', 'float32', []));
        return mul(d, d);
      },
    }),
    async open() {
      return {
        feeds: ({ step }) => {
          seen.fedSteps.push(step);
          return { 'toy.target': f32([], Float32Array.of(100 + step)) };
        },
        release: async () => {
          seen.released = true;
        },
      };
    },
    runInfo: () => ({ toyTarget: '100 + step' }),
  };
  return { term, seen };
}
