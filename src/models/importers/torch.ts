import { join } from 'node:path';
import type { Tensor } from '../../graph/tensor.js';
import { checkWeights, PRESETS, type TransformerConfig } from '../transformer.js';
import { readFloat32, readJson } from '../../io/raw-tensors.js';

interface Manifest {
  format?: string;
  tensors: Record<string, { file: string; shape: number[] }>;
}

/**
 * Import raw float32 tensors named by a PyTorch TransformerNet state_dict (pytorch/examples
 * fast_neural_style). The names are already ours; layouts are PyTorch's, which ONNX shares.
 */
export async function importTorch(dir: string, config: TransformerConfig = PRESETS.torch): Promise<Map<string, Tensor<'float32'>>> {
  const manifest = await readJson<Manifest>(join(dir, 'manifest.json'));
  if (!manifest.tensors || typeof manifest.tensors !== 'object') throw new Error(`weights: ${join(dir, 'manifest.json')} has no 'tensors' table`);
  if (manifest.format && manifest.format !== 'float32-le') throw new Error(`weights: unsupported format '${manifest.format}' in ${dir}`);
  const weights = new Map<string, Tensor<'float32'>>();
  for (const [name, { file, shape }] of Object.entries(manifest.tensors)) {
    weights.set(name, await readFloat32(dir, file, shape));
  }
  checkWeights(config, weights);
  return weights;
}
