import { toOnnx } from '../graph/onnx.js';
import { buildHalfResTransformer, halfResUnsupported } from './halfres.js';
import type { LoadedModel } from './codec.js';

/**
 * Widest network the half-resolution rewrite is used for. It pays where full-resolution copies (pads,
 * upsampled tensors, layout reorders) dominate, i.e. at student widths (measured at width 8:
 * bench/results/student-speed.md); at a teacher's width the convs dominate and the rewrite only adds MACs.
 */
export const HALFRES_MAX_WIDTH = 16;

const cache = new WeakMap<LoadedModel, Uint8Array>();

/**
 * The ONNX graph sessions should run for a model: the fastest exact equivalent of the model file's
 * graph we know of (same input, output and result up to float32 rounding), else the file's own bytes.
 * Model files keep the canonical graph, so what is stored never depends on this choice. An opaque
 * model's stored wrapper graph is all there is, so it runs as stored.
 */
export function inferenceOnnx(model: LoadedModel): Uint8Array {
  let bytes = cache.get(model);
  if (!bytes) {
    const rewrite = model.kind === 'transformer' && model.precision === 'fp32' && model.config.width <= HALFRES_MAX_WIDTH && !halfResUnsupported(model.config);
    bytes = rewrite ? toOnnx(buildHalfResTransformer(model.config, model.weights, { phaseDeconv1: true })) : model.onnx;
    cache.set(model, bytes);
  }
  return bytes;
}
