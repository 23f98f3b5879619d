import { join } from 'node:path';
import type { Tensor } from '../../graph/tensor.js';
import { checkWeights, paramSpecs, PRESETS, type TransformerConfig } from '../transformer.js';
import { permute4, readFloat32, readJson } from '../../io/raw-tensors.js';

type Manifest = Record<string, { filename: string; shape: number[] }>;

/**
 * Import a deeplearn.js checkpoint of lengstrom/fast-style-transfer (as published by
 * reiinakano/fast-style-transfer-deeplearnjs and ml5js). Variables come in creation order: for each
 * conv layer its kernel, then the instance norm's shift and scale. Kernels are [kh, kw, in, out]
 * (transposed convs: [kh, kw, out, in]); both map to ONNX layouts with the permutation (3, 2, 0, 1).
 */
export async function importEngstrom(dir: string, config: TransformerConfig = PRESETS.engstrom): Promise<Map<string, Tensor<'float32'>>> {
  if (config.bias || !config.finalNorm) throw new Error('engstrom checkpoints have no conv bias and a final instance norm');
  const manifest = await readJson<Manifest>(join(dir, 'manifest.json'));
  const specs = paramSpecs(config);
  const weights = new Map<string, Tensor<'float32'>>();
  let index = 0;
  const next = async (expected: string): Promise<Tensor<'float32'>> => {
    const key = index === 0 ? 'Variable' : `Variable_${index}`;
    index++;
    const entry = manifest[key];
    if (!entry) throw new Error(`weights: ${join(dir, 'manifest.json')} has no '${key}' (needed for ${expected})`);
    return readFloat32(dir, entry.filename, entry.shape);
  };
  for (const spec of specs) {
    if (spec.name.endsWith('.bias') && spec.init === 'zeros') continue; // read with its norm's weight below
    if (spec.init === 'conv') {
      const raw = await next(spec.name);
      if (raw.dims.length !== 4) throw new Error(`weights: ${spec.name} kernel has shape [${raw.dims.join(', ')}], expected 4-D`);
      weights.set(spec.name, permute4(raw, [3, 2, 0, 1]));
    } else {
      const norm = spec.name.slice(0, -'.weight'.length);
      const shift = await next(`${norm} shift`);
      const scale = await next(`${norm} scale`);
      weights.set(`${norm}.weight`, scale);
      weights.set(`${norm}.bias`, shift);
    }
  }
  const leftover = index === 0 ? 'Variable' : `Variable_${index}`;
  if (manifest[leftover]) throw new Error(`weights: ${dir} has more variables than the architecture uses (first unused: ${leftover})`);
  checkWeights(config, weights);
  return weights;
}
