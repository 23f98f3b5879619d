import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { add, conv, mul, tanh, upsampleNearest } from '../../src/ops/index.js';
import { paramSpecs, transformerForward, type TransformerConfig, type Weights } from '../../src/models/transformer.js';

/**
 * ONNX files as other tools write them (no stylecast metadata), for the importer's tests: a
 * transformer whose parameters sit under a prefix and that works on another pixel range, and networks
 * that are not image to image.
 */
export function foreignTransformer(c: TransformerConfig, w: Weights, opts: { prefix?: string; rename?: (name: string, i: number) => string; range?: readonly [number, number]; shape?: readonly [number, number] } = {}): Uint8Array {
  const g = new Graph('foreign');
  const x = g.input('image', 'float32', ['n', 3, opts.shape?.[0] ?? 'h', opts.shape?.[1] ?? 'w']);
  const weights = opts.range ? forRange(c, w, opts.range) : w;
  const params = new Map(paramSpecs(c).map((p, i) => [p.name, g.param(opts.rename ? opts.rename(p.name, i) : `${opts.prefix ?? ''}${p.name}`, weights.get(p.name)!)]));
  g.output(transformerForward(x, c, params), 'styled');
  return toOnnx(g);
}

/**
 * The weights a network trained on lo..hi pixels would have to compute what `w` computes on 0..255
 * (raw head, convs with bias): x' = a x + lo with a = (hi - lo) / 255 enters conv1, y' = a y + lo leaves.
 */
function forRange(c: TransformerConfig, w: Weights, [lo, hi]: readonly [number, number]): Weights {
  if (c.head !== 'raw' || !c.bias || c.finalNorm) throw new Error('forRange: raw head, biases, no final norm only');
  const a = (hi - lo) / 255;
  const out = new Map(w);
  const k = w.get('conv1.conv2d.weight')!;
  const per = k.data.length / k.dims[0]!;
  const k2 = f32(k.dims, k.data.map((v) => v / a));
  out.set('conv1.conv2d.weight', k2);
  const b1 = w.get('conv1.conv2d.bias')!;
  out.set('conv1.conv2d.bias', f32(b1.dims, b1.data.map((v, o) => v - lo * k2.data.subarray(o * per, (o + 1) * per).reduce((s, x) => s + x, 0))));
  const kl = w.get('deconv3.conv2d.weight')!;
  const bl = w.get('deconv3.conv2d.bias')!;
  out.set('deconv3.conv2d.weight', f32(kl.dims, kl.data.map((v) => v * a)));
  out.set('deconv3.conv2d.bias', f32(bl.dims, bl.data.map((v) => v * a + lo)));
  return out;
}

/** Two image inputs added, then a conv: not a one-input network. */
export function twoInputs(): Uint8Array {
  const g = new Graph('two');
  const a = g.input('a', 'float32', [1, 3, 8, 8]);
  const b = g.input('b', 'float32', [1, 3, 8, 8]);
  g.output(conv(add(a, b), g.param('w', f32([3, 3, 1, 1], new Float32Array(9).fill(0.5))), undefined), 'y');
  return toOnnx(g);
}

/** An image in, one channel out (a mask or a score map), not an image. */
export function oneChannelOut(): Uint8Array {
  const g = new Graph('mask');
  const x = g.input('x', 'float32', [1, 3, 8, 8]);
  g.output(conv(x, g.param('w', f32([1, 3, 1, 1], new Float32Array(3).fill(1))), undefined), 'mask');
  return toOnnx(g);
}

/** Image to image, but a single 1x1 conv: not a style transformer. */
export function notATransformer(): Uint8Array {
  const g = new Graph('mix');
  const x = g.input('x', 'float32', [1, 3, 'h', 'w']);
  g.output(conv(x, g.param('mix.weight', f32([3, 3, 1, 1], new Float32Array(9).fill(1 / 3))), undefined), 'y');
  return toOnnx(g);
}

/** Deterministic small weights. */
function weights(dims: number[], seed: number) {
  const t = f32(dims);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(i * 12.9898 + seed * 78.233) * 0.5;
  return t;
}

/**
 * Image to image, but not a Johnson et al. transformer: x + 0.3 * conv1x1(tanh(conv3x3(x))), with a
 * stride-2 conv and a nearest x2 upsample in the branch when `downsample` (so its sides must be even).
 * Its own values are called 'input' and 'output', the names the wrapper uses, to show they cannot clash.
 * `shape` fixes [batch, height, width]; otherwise all three are dynamic.
 */
export function opaqueNet(opts: { shape?: readonly [number, number, number]; downsample?: boolean } = {}): Uint8Array {
  const g = new Graph('opaque');
  const [n, h, w] = opts.shape ?? ['n', 'h', 'w'];
  const x = g.input('input', 'float32', [n, 3, h, w]);
  let y = tanh(conv(x, g.param('c1.weight', weights([4, 3, 3, 3], 1)), g.param('c1.bias', weights([4], 2)), { pads: [1, 1, 1, 1], ...(opts.downsample ? { strides: [2, 2] } : {}) }));
  if (opts.downsample) y = upsampleNearest(y, 2);
  y = conv(y, g.param('c2.weight', weights([3, 4, 1, 1], 3)), undefined);
  g.output(add(x, mul(y, 0.3)), 'output');
  return toOnnx(g);
}

/** An image in, an image out at half the size (a stride-2 conv): not image to image at any size. */
export function halvesSize(): Uint8Array {
  const g = new Graph('half');
  const x = g.input('x', 'float32', ['n', 3, 'h', 'w']);
  g.output(conv(x, g.param('w', f32([3, 3, 2, 2], new Float32Array(36).fill(0.25))), undefined, { strides: [2, 2] }), 'y');
  return toOnnx(g);
}
