import { toLoaded, type TransformerModel } from '../../src/models/modelfile.js';
import { normParamNames, type StyleEntry } from '../../src/models/styles.js';
import { PRESETS, randomWeights, rng, type TransformerConfig } from '../../src/models/transformer.js';

/**
 * A tiny random multi-style model whose style rows differ clearly (fresh rows would all be 1 and 0,
 * so every style would paint alike): what the CLI, Node API and web tests select and blend.
 */
export function tinyMultiModel(names: readonly string[] = ['candy', 'mosaic'], overrides: Partial<TransformerConfig> = {}, seed = 1): TransformerModel {
  const config: TransformerConfig = { ...PRESETS.torch, width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, head: 'tanh', ...overrides, styles: names.length };
  const weights = randomWeights(config, seed);
  const rand = rng(seed + 100);
  for (const name of normParamNames(config)) {
    const t = weights.get(name)!;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (name.endsWith('weight') ? 1 : 0) + (rand() - 0.5) * 1.5;
  }
  const styles: StyleEntry[] = names.map((name) => ({ name, teacher: name }));
  return toLoaded({ config, weights, styles, info: { name: 'tiny-multi', style: `random styles ${names.join(', ')}`, source: 'test', license: 'MIT', inputRange: [0, 255] } });
}
