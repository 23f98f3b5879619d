/**
 * Pixels in, pixels out: a style network wrapped so that it takes frames as platforms hand them out
 * (interleaved 8-bit RGB or RGBA, [N, H, W, C]: ffmpeg's rgb24, a canvas's ImageData) and returns
 * frames in the layout the consumer needs. The cast, the layout change, the padding to the network's
 * stride grid, the crop back, clamping and rounding are graph nodes, so no per-pixel loop runs in JS.
 * Like the half-resolution rewrite it is an inference-time rewrite: model files keep the float graph.
 */
import { Graph, type Value } from '../graph/graph.js';
import { toOnnxAround } from '../graph/onnx.js';
import { tensor } from '../graph/tensor.js';
import { add, cast, clip, concat, cropTo, div, expandTo, floor, gather, isNan, less, mod, mul, range, shapeOf, slice, sub, transpose, where } from '../ops/index.js';
import type { LoadedModel } from './codec.js';
import { checkContext } from './context.js';
import { inferenceOnnx } from './inference.js';

/** Channels of an interleaved 8-bit frame: RGB or RGBA. */
export type PixelChannels = 3 | 4;

export interface PixelLayout {
  /** Channels of the frames fed to `pixels`; alpha does not reach the network. */
  readonly input: PixelChannels;
  /**
   * What `stylized` holds: 8-bit frames [N, H, W, C] of 3 or 4 channels (alpha is the input's, 255
   * when it has none), or 'planes': the float RGB planes [N, 3, H, W] clamped to 0..255 (NaN to 0)
   * and not rounded, what quality metrics are measured on.
   */
  readonly output: PixelChannels | 'planes';
  /**
   * Pixels of mirrored context the network sees on every side of the frame, cut off its output
   * (0, the default, adds none). A network that paints a frame along the image's borders (some
   * teachers do: la_muse a red-green one) paints it in the context instead; it costs the extra area.
   */
  readonly context?: number;
}

export { checkContext, MAX_CONTEXT } from './context.js';

export const PIXELS_INPUT = 'pixels';
export const PIXELS_OUTPUT = 'stylized';

/** Opset from which every op the wrapper uses means what it means at ours (Range appeared in 11). */
export const PIXEL_IO_MIN_OPSET = 11;

export interface PixelGrid {
  /** Spatial multiple the network needs, and the smallest side it takes (a model's stride and minSide). */
  readonly stride: number;
  readonly minSide: number;
  /** Pixel range the network takes; 0..255, every stylecast model's, adds no nodes. */
  readonly inputRange?: readonly [number, number];
}

/** The float network's image input and output (NCHW RGB); any other input passes through. */
export interface NetworkIO {
  readonly input: string;
  readonly output: string;
}

const int64 = (g: Graph, v: number) => g.constant(tensor('int64', [], BigInt64Array.of(BigInt(v))), 'int');

/**
 * Reflect `x` (NCHW) along `axis` from its length `n` (an int64 scalar) up to the grid: a multiple of
 * `stride` and at least `minSide`, with `context` mirrored pixels before it and at least as many
 * after. Mirrors without repeating the edge, folding as often as needed (numpy's 'reflect', which
 * ONNX Pad refuses beyond one fold). Without context only the new strip at the end is gathered.
 */
function reflectToGrid(x: Value, axis: number, n: Value, { stride, minSide }: PixelGrid, context: number): Value {
  const padded = context ? add(n, 2 * context) : n;
  const target = mul(div(add(where(less(padded, minSide), minSide, padded), stride - 1), stride), stride);
  const at = context ? range(int64(x.graph, -context), sub(target, context), int64(x.graph, 1)) : range(n, target, int64(x.graph, 1));
  // Mirror positions repeat with period 2(n - 1); a single row or column repeats itself. Shifted by
  // whole periods first, so Mod never sees a negative position.
  const period = where(less(n, 2), 1, sub(mul(n, 2), 2));
  const k = mod(context ? add(at, mul(period, context)) : at, period);
  const mirrored = gather(x, where(less(k, n), k, sub(period, k)), axis);
  return context ? mirrored : concat([x, mirrored], axis);
}

/** Clamped planes [N, 3, H, W] -> 8-bit frames [N, H, W, channels]. */
function toFrames(planes: Value, pixels: Value, shape: Value, layout: PixelLayout & { output: PixelChannels }): Value {
  const g = planes.graph;
  // Math.round, as floor(v + 0.5): ONNX Round takes halves to even.
  let rgb = cast(floor(clip(add(planes, 0.5), 0, 255)), 'uint8');
  if (layout.output === 4) {
    const alpha =
      layout.input === 4
        ? transpose(slice(pixels, { starts: [3], ends: [4], axes: [3] }), [0, 3, 1, 2])
        : expandTo(g.constant(tensor('uint8', [1, 1, 1, 1], Uint8Array.of(255)), 'opaque'), concat([slice(shape, { starts: [0], ends: [1], axes: [0] }), g.constant(tensor('int64', [1], BigInt64Array.of(1n)), 'one'), slice(shape, { starts: [1], ends: [3], axes: [0] })], 0));
    rgb = concat([rgb, alpha], 1);
  }
  return transpose(rgb, [0, 2, 3, 1]);
}

/**
 * Wrap a float style network (ONNX bytes: NCHW RGB in `io.input`, the same out in `io.output`) so
 * that it takes `pixels`, uint8 [N, H, W, layout.input], any size, and gives `stylized` (see
 * {@link PixelLayout}) at the same size. Inside: drop alpha, NHWC -> NCHW, reflect-pad (the layout's
 * context on every side, then at the bottom and right to the stride grid), cast (and scale to the
 * input range), the network, crop, clamp, then round and cast back to 8-bit frames. The network's
 * other inputs (a style choice, say) stay inputs.
 */
export function withPixelIO(network: Uint8Array, layout: PixelLayout, grid: PixelGrid, io: NetworkIO = { input: 'input', output: 'output' }): Uint8Array {
  const g = new Graph('pixel-io');
  const pixels = g.input(PIXELS_INPUT, 'uint8', ['batch', 'height', 'width', layout.input]);
  const shape = shapeOf(pixels);
  // Moved and padded as bytes, a quarter of the floats' traffic.
  let x = transpose(pixels, [0, 3, 1, 2]);
  if (layout.input === 4) x = slice(x, { starts: [0], ends: [3], axes: [1] });
  const context = checkContext(layout.context ?? 0);
  if (grid.stride > 1 || grid.minSide > 1 || context) {
    x = reflectToGrid(x, 2, gather(shape, int64(g, 1), 0), grid, context);
    x = reflectToGrid(x, 3, gather(shape, int64(g, 2), 0), grid, context);
  }
  let input = cast(x, 'float32');
  const [lo, hi] = grid.inputRange ?? [0, 255];
  if (lo !== 0 || hi !== 255) input = add(mul(input, (hi - lo) / 255), lo);
  const output = g.input('network-output', 'float32', ['batch', 3, null, null]);
  const size = slice(shape, { starts: [1], ends: [3], axes: [0] });
  const planes = clip(context ? cropTo(output, add(size, context), [2, 3], context) : cropTo(output, size, [2, 3]), 0, 255);
  g.output(layout.output === 'planes' ? where(isNan(planes), 0, planes) : toFrames(planes, pixels, shape, { ...layout, output: layout.output }), PIXELS_OUTPUT);
  const what = layout.output === 'planes' ? 'float RGB planes' : `uint8 ${layout.output === 4 ? 'RGBA' : 'RGB'} frames`;
  return toOnnxAround(g, { onnx: network, input: [io.input, input], output: [io.output, output], minOpset: PIXEL_IO_MIN_OPSET }, { docString: `stylecast pixel I/O: uint8 ${layout.input === 4 ? 'RGBA' : 'RGB'} frames in, ${what} out` });
}

/** Cache key of a layout, for sessions kept per (model, layout). */
export const layoutKey = (l: PixelLayout): string => `${l.input}:${l.output}${l.context ? `:${l.context}` : ''}`;

const cache = new WeakMap<LoadedModel, Map<string, Uint8Array>>();

/** The graph sessions run for `model` with pixel I/O: {@link inferenceOnnx} wrapped by {@link withPixelIO}. */
export function pixelOnnx(model: LoadedModel, layout: PixelLayout): Uint8Array {
  let byLayout = cache.get(model);
  if (!byLayout) cache.set(model, (byLayout = new Map()));
  const key = layoutKey(layout);
  let bytes = byLayout.get(key);
  if (!bytes) {
    try {
      bytes = withPixelIO(inferenceOnnx(model), layout, { stride: model.stride, minSide: model.minSide, inputRange: model.info.inputRange });
    } catch (e) {
      throw new Error(`${model.info.name}: cannot wrap its graph for pixel input (${(e as Error).message})`);
    }
    byLayout.set(key, bytes);
  }
  return bytes;
}
