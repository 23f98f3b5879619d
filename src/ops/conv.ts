import type { Dim, GradContext, OpDef, Value } from '../graph/graph.js';
import { f32 } from '../graph/tensor.js';
import { mul } from './elementwise.js';
import { req, windowOut } from './infer.js';
import { matmul } from './matmul.js';
import { concat, pad2d, reshape, slice, transpose } from './movement.js';
import { reduceSum } from './reduce.js';

/** Attributes of ONNX Conv (spec names). `pads` is [top, left, bottom, right]. */
export interface ConvAttrs {
  readonly [k: string]: number | string | readonly number[] | undefined;
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
  readonly group?: number;
  /** 'SAME_UPPER' reproduces TensorFlow's 'SAME' (the extra pad goes bottom/right). */
  readonly auto_pad?: 'NOTSET' | 'SAME_UPPER' | 'VALID';
  readonly kernel_shape?: readonly number[];
}

export interface ConvTransposeAttrs extends ConvAttrs {
  readonly output_padding?: readonly number[];
}

const CONV_KINDS = { strides: 'ints', pads: 'ints', dilations: 'ints', group: 'int', auto_pad: 'string', kernel_shape: 'ints' } as const;

function checkWeights(op: string, x: Value, w: Value, cinAxis: number, group: number) {
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new Error(`${op}: expects 4-D input and weights, got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  const cin = x.shape[1];
  const wcin = w.shape[cinAxis];
  const expected = cinAxis === 1 && typeof wcin === 'number' ? wcin * group : wcin;
  if (typeof cin === 'number' && typeof expected === 'number' && cin !== expected) {
    throw new Error(`${op}: input has ${cin} channels but weights [${w.shape.join(', ')}] expect ${expected}`);
  }
}

export const CONV: OpDef<ConvAttrs> = {
  type: 'Conv',
  attrKinds: CONV_KINDS,
  infer: (inputs, a) => {
    const x = req('Conv', inputs, 0);
    const w = req('Conv', inputs, 1);
    checkWeights('Conv', x, w, 1, a.group ?? 1);
    const [kh, kw] = w.dims().slice(2) as [number, number];
    const s = a.strides ?? [1, 1];
    const d = a.dilations ?? [1, 1];
    const p = a.pads ?? [0, 0, 0, 0];
    const spatial: Dim[] = [0, 1].map((i) => {
      const dim = x.shape[2 + i]!;
      if (a.auto_pad === 'SAME_UPPER') return typeof dim === 'number' ? Math.ceil(dim / s[i]!) : s[i] === 1 ? dim : null;
      return windowOut(dim, i === 0 ? kh : kw, s[i]!, p[i]! + p[i + 2]!, d[i]);
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, w.shape[0]!, ...spatial] }];
  },
  grad: (ctx) => convGrad(ctx),
};

export const CONV_TRANSPOSE: OpDef<ConvTransposeAttrs> = {
  type: 'ConvTranspose',
  attrKinds: { ...CONV_KINDS, output_padding: 'ints' },
  infer: (inputs, a) => {
    const x = req('ConvTranspose', inputs, 0);
    const w = req('ConvTranspose', inputs, 1);
    checkWeights('ConvTranspose', x, w, 0, a.group ?? 1);
    const [cinW, coutPerGroup, kh, kw] = w.dims() as [number, number, number, number];
    void cinW;
    const s = a.strides ?? [1, 1];
    const p = a.pads ?? [0, 0, 0, 0];
    const op = a.output_padding ?? [0, 0];
    const spatial: Dim[] = [0, 1].map((i) => {
      const dim = x.shape[2 + i]!;
      const k = i === 0 ? kh : kw;
      if (typeof dim !== 'number') return null;
      return s[i]! * (dim - 1) + op[i]! + k - p[i]! - p[i + 2]!;
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, coutPerGroup * (a.group ?? 1), ...spatial] }];
  },
  grad: (ctx) => convTransposeGrad(ctx),
};

export function conv(x: Value, w: Value, b: Value | undefined, attrs: ConvAttrs = {}, hint?: string): Value {
  return x.graph.apply(CONV, b ? [x, w, b] : [x, w], attrs, hint)[0]!;
}

export function convTranspose(x: Value, w: Value, b: Value | undefined, attrs: ConvTransposeAttrs = {}, hint?: string): Value {
  return x.graph.apply(CONV_TRANSPOSE, b ? [x, w, b] : [x, w], attrs, hint)[0]!;
}

// ---- Gradients. Training graphs have concrete shapes, so pads and output sizes are resolved here. ----

/** Explicit [top, left, bottom, right] pads of a Conv, resolving auto_pad SAME_UPPER from concrete shapes. */
export function explicitPads(x: Value, w: Value, a: ConvAttrs): number[] {
  if (a.auto_pad === 'VALID') return [0, 0, 0, 0];
  if (a.auto_pad !== 'SAME_UPPER') return [...(a.pads ?? [0, 0, 0, 0])];
  const [h, wd] = x.dims().slice(2) as [number, number];
  const k = w.dims().slice(2);
  const s = a.strides ?? [1, 1];
  const d = a.dilations ?? [1, 1];
  const total = [h, wd].map((n, i) => Math.max((Math.ceil(n / s[i]!) - 1) * s[i]! + (k[i]! - 1) * d[i]! + 1 - n, 0));
  const begin = total.map((t) => Math.floor(t / 2));
  return [begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!];
}

const biasGrad = (dy: Value) => reduceSum(dy, [0, 2, 3]);

/**
 * The weight gradient of a correlation: dW[o, i, ky, kx] = sum over n, p, q of
 * dy[n, o, p, q] * xPadded[n, i, ky + s*p, kx + s*q]. Returns [Cout, Cin/group, kh, kw].
 *
 * Three formulations, chosen by shape (measured on the full network, batch 4, 256x256):
 * - Small kernels (3x3): one matmul per kernel offset over a strided slice of the padded input laid
 *   out NHWC (each slice reshapes to [N*P*Q, Cin] without a copy).
 * - Large kernels (9x9) with few channels on one side: per-offset matmuls there are 81 thin GEMMs
 *   that each stream the whole activation (3-7x slower). Instead one Conv whose batch is the thin
 *   side: xPadded^T [Cin, N, H, W] correlated with dy^T [Cout, N, P, Q] as the kernel; or, when
 *   Cout is the thin side, the zero-padded dy^T correlated with xPadded^T as the kernel, which
 *   yields dW^T spatially flipped.
 * - Depthwise convs multiply and reduce.
 */
export function convWeightGrad(x: Value, dy: Value, kernel: readonly [number, number], strides: readonly number[], pads: readonly number[], group: number, op: string): Value {
  const [n, cin] = x.dims() as [number, number];
  const [, cout, p, q] = dy.dims() as [number, number, number, number];
  const [kh, kw] = kernel;
  const [sh, sw] = [strides[0] ?? 1, strides[1] ?? 1];
  const xp = pads.some((v) => v !== 0) ? pad2d(x, pads, 'constant') : x;
  if (group === 1 && kh * kw > 9) return largeKernelWeightGrad(xp, dy, kernel, [sh, sw]);
  const offsets: [number, number][] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) offsets.push([i, j]);
  const window = (t: Value, i: number, j: number, axes: readonly [number, number]) =>
    slice(t, { starts: [i, j], ends: [i + sh * (p - 1) + 1, j + sw * (q - 1) + 1], axes, steps: [sh, sw] });
  if (group === 1) {
    const xt = transpose(xp, [0, 2, 3, 1]);
    const dyt = reshape(transpose(dy, [1, 0, 2, 3]), [cout, n * p * q]);
    const cols = offsets.map(([i, j]) => reshape(matmul(dyt, reshape(window(xt, i, j, [1, 2]), [n * p * q, cin])), [cout, cin, 1]));
    return reshape(cols.length === 1 ? cols[0]! : concat(cols, 2), [cout, cin, kh, kw]);
  }
  if (group === cin && cout === cin) {
    const cols = offsets.map(([i, j]) => reshape(reduceSum(mul(window(xp, i, j, [2, 3]), dy), [0, 2, 3]), [cout, 1, 1]));
    return reshape(cols.length === 1 ? cols[0]! : concat(cols, 2), [cout, 1, kh, kw]);
  }
  throw new Error(`${op}: weight gradient for group=${group} with ${cin} input and ${cout} output channels is not supported (only 1 or depthwise)`);
}

/** The large-kernel case of {@link convWeightGrad} as one Conv (batch = the thinner channel side). */
function largeKernelWeightGrad(xp: Value, dy: Value, [kh, kw]: readonly [number, number], [sh, sw]: readonly [number, number]): Value {
  const [, cin] = xp.dims() as [number, number];
  const [, cout, p, q] = dy.dims() as [number, number, number, number];
  // Rows/columns past the last window (stride leftovers) do not contribute.
  const [h, w] = [sh * (p - 1) + kh, sw * (q - 1) + kw];
  const xs = xp.dims()[2] === h && xp.dims()[3] === w ? xp : slice(xp, { starts: [0, 0], ends: [h, w], axes: [2, 3] });
  const xt = transpose(xs, [1, 0, 2, 3]);
  const dyt = transpose(dy, [1, 0, 2, 3]);
  if (cin <= cout || sh !== 1 || sw !== 1) {
    // out[i, o, ky, kx] = sum xs^T[i, n, ky + s*p, kx + s*q] dy^T[o, n, p, q]: dilation = stride.
    return transpose(conv(xt, dyt, undefined, { dilations: [sh, sw] }), [1, 0, 2, 3]);
  }
  // out[o, i, a, b] = sum dyPad^T[o, n, a + u, b + v] xs^T[i, n, u, v] = dW[o, i, kh-1-a, kw-1-b].
  const flippedDw = conv(dyt, xt, undefined, { pads: [kh - 1, kw - 1, kh - 1, kw - 1] });
  return flipSpatial(flippedDw);
}

/** Reverse both spatial axes of a small [A, B, kh, kw] tensor: a matmul with an anti-identity. */
function flipSpatial(t: Value): Value {
  const [a, b, kh, kw] = t.dims() as [number, number, number, number];
  const k = kh * kw;
  const anti = new Float32Array(k * k);
  for (let r = 0; r < k; r++) anti[r * k + (k - 1 - r)] = 1;
  return reshape(matmul(reshape(t, [a * b, k]), t.graph.constant(f32([k, k], anti), 'flip')), [a, b, kh, kw]);
}

/**
 * The kernel of a stride-1 conv's input gradient: input/output channels swapped (not for depthwise,
 * whose groups hold one channel) and spatially flipped. onnxruntime runs this as a plain Conv, several
 * times faster than its ConvTranspose. The flip is a matmul with an anti-identity on the small weights.
 */
function flippedKernel(w: Value, group: number): Value {
  return flipSpatial(group === 1 ? transpose(w, [1, 0, 2, 3]) : w);
}

function checkDilation(op: string, a: ConvAttrs) {
  if ((a.dilations ?? [1, 1]).some((d) => d !== 1)) throw new Error(`${op}: gradient with dilations [${a.dilations}] is not supported`);
}

function convGrad({ inputs: [x, w, b], outputs: [y], dOutputs: [dy], attrs: a }: GradContext<ConvAttrs>): (Value | null)[] {
  checkDilation('Conv', a);
  const pads = explicitPads(x!, w!, a);
  const s = a.strides ?? [1, 1];
  const group = a.group ?? 1;
  const [kh, kw] = w!.dims().slice(2) as [number, number];
  const [h, wd] = x!.dims().slice(2) as [number, number];
  const [p, q] = y!.dims().slice(2) as [number, number];
  // The adjoint of a strided correlation is a transposed convolution; output_padding restores the rows
  // the forward stride skipped at the end (always < stride).
  const outPad = [h + pads[0]! + pads[2]! - kh - s[0]! * (p - 1), wd + pads[1]! + pads[3]! - kw - s[1]! * (q - 1)];
  const dx = s[0] === 1 && s[1] === 1 && pads.every((v, i) => v <= (i % 2 === 0 ? kh : kw) - 1) && (group === 1 || w!.dims()[1] === 1)
    ? conv(dy!, flippedKernel(w!, group), undefined, { pads: [kh - 1 - pads[0]!, kw - 1 - pads[1]!, kh - 1 - pads[2]!, kw - 1 - pads[3]!], group })
    : convTranspose(dy!, w!, undefined, { strides: s, pads, group, output_padding: outPad });
  const dw = convWeightGrad(x!, dy!, [kh, kw], s, pads, group, 'Conv');
  return [dx, dw, b ? biasGrad(dy!) : null];
}

function convTransposeGrad({ inputs: [x, w, b], dOutputs: [dy], attrs: a }: GradContext<ConvTransposeAttrs>): (Value | null)[] {
  checkDilation('ConvTranspose', a);
  if (a.auto_pad && a.auto_pad !== 'NOTSET') throw new Error(`ConvTranspose: gradient with auto_pad ${a.auto_pad} is not supported; use explicit pads`);
  const pads = [...(a.pads ?? [0, 0, 0, 0])];
  const s = a.strides ?? [1, 1];
  const group = a.group ?? 1;
  const [kh, kw] = w!.dims().slice(2) as [number, number];
  // ConvTranspose is the adjoint of Conv with the same weights: its input gradient is that Conv, and
  // its weight gradient is that Conv's weight gradient with the roles of input and output swapped.
  const dx = conv(dy!, w!, undefined, { strides: s, pads, group });
  const dw = convWeightGrad(dy!, x!, [kh, kw], s, pads, group, 'ConvTranspose');
  return [dx, dw, b ? biasGrad(dy!) : null];
}
