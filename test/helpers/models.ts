import { toLoaded, type TransformerModel } from '../../src/models/modelfile.js';
import { PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';

/** A tiny random-weight model: fast enough for any test. */
export function tinyModel(overrides: Partial<TransformerConfig> = {}, seed = 1): TransformerModel {
  const config = { ...PRESETS.torch, width: 4, blocks: 1, ...overrides };
  return toLoaded({
    config,
    weights: randomWeights(config, seed),
    info: { name: 'tiny', style: 'random weights', source: 'test', license: 'MIT', inputRange: [0, 255] },
  });
}
