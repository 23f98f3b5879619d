import type { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import type { TransformerConfig, Weights } from './config.js';
import { buildHalfResTransformer, halfResUnsupported } from './halfres.js';
import type { LoadedModel } from './codec.js';
import { buildTransformer, type BuildOptions } from './transformer.js';

/**
 * Widest network the half-resolution rewrite is used for. It pays where full-resolution copies (pads,
 * upsampled tensors, layout reorders) dominate, i.e. at student widths (measured at width 8:
 * bench/results/student-speed.md); at a teacher's width the convs dominate and the rewrite only adds MACs.
 */
export const HALFRES_MAX_WIDTH = 16;

/** Whether sessions run an fp32 network of this config as the half-resolution rewrite. */
export function runsHalfRes(config: TransformerConfig): boolean {
  return config.width <= HALFRES_MAX_WIDTH && !halfResUnsupported(config);
}

/**
 * The graph sessions run for an fp32 network (see {@link inferenceOnnx}), for callers that have a
 * config and weights rather than a model file, such as the sweep's random-weight variants.
 */
export function inferenceGraph(config: TransformerConfig, weights: Weights, opts: BuildOptions = {}): Graph {
  return runsHalfRes(config) ? buildHalfResTransformer(config, weights, { ...opts, phaseDeconv1: true }) : buildTransformer(config, weights, opts);
}

const cache = new WeakMap<LoadedModel, Uint8Array>();

/**
 * The float ONNX graph sessions run for a model: the fastest exact equivalent of the model file's
 * graph we know of (same input, output and result up to float32 rounding), else the file's own bytes.
 * Stylizers run it inside its pixel graph (pixelOnnx in ./pixel-io.ts); eval times it alone. Model
 * files keep the canonical graph, so what is stored never depends on this choice. An opaque model's
 * stored wrapper graph is all there is, so it runs as stored.
 */
export function inferenceOnnx(model: LoadedModel): Uint8Array {
  let bytes = cache.get(model);
  if (!bytes) {
    const rewrite = model.kind === 'transformer' && model.precision === 'fp32' && runsHalfRes(model.config);
    bytes = rewrite ? toOnnx(inferenceGraph(model.config, model.weights)) : model.onnx;
    cache.set(model, bytes);
  }
  return bytes;
}
