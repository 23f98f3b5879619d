import { Graph, type Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { add, conv, depthToSpace, instanceNorm, mul, pad2d, relu, reshape, reshapeLike, spaceToDepth, tanh } from '../ops/index.js';
import { checkWeights, transformerLayers, type BuildOptions, type TransformerConfig, type Weights } from './transformer.js';

/**
 * An exact rewrite of {@link buildTransformer}'s inference graph that never computes at full
 * resolution: the full-resolution layers (first conv, the second conv's input, the last upsampling
 * conv, the output conv) run on "phase" tensors, where a [N, C, 2H, 2W] tensor is held as
 * [N, 4C, H, W] (pixel (2m + a, 2n + b) of channel c in channel 4c + 2a + b: PyTorch's pixel
 * unshuffle). Each such conv becomes one conv over the phase tensor whose kernel holds the original
 * taps (summed where nearest upsampling repeats a pixel); SpaceToDepth enters the phase layout at the
 * input and DepthToSpace leaves it before the output's norm and head.
 *
 * Why: at small widths the full-resolution tensors (8 channels at 640x480 for a width-8 student) are
 * where the time goes, in copies rather than MACs: the upsampled 16-channel tensor, its reflect Pad
 * and NCHWc reorder. Here the nearest upsampling and its pad are gone (a 3x3 conv over the low-res
 * tensor with 4x the outputs), and the full-res convs become 4x wider at a quarter of the pixels,
 * which fills onnxruntime's 8-wide NCHWc blocks (the 3-channel output conv gets 12). Costs: +27% conv
 * MACs for the width-8 torch student (the 3x3 kernels cover taps some phases do not use), one
 * SpaceToDepth and one DepthToSpace (3 channels each).
 *
 * Exact up to float32 rounding: reflect padding by 1 of a full-resolution tensor is edge padding of its
 * phase tensor (x[-1] = x[1] is phase 1's first row; x[2H] = x[2H - 2] is phase 0's last), and after
 * nearest x2 it is edge padding of the low-res tensor; TF SAME and transposed convs are zero padding in
 * both layouts. Needs even input sizes (the Stylizer pads to a multiple of 4) and, with reflect
 * padding, end kernels of at most 3 (reflect pad 4 is not an edge pad of a phase tensor).
 */
export interface HalfResOptions extends BuildOptions {
  /**
   * Drop the conv biases that feed an instance norm (exact in real arithmetic: the norm subtracts each
   * channel's mean, so a per-channel constant never reaches its output).
   */
  readonly dropNormBias?: boolean;
  /**
   * Also rewrite the first (half-resolution) upsampling layer as a phase conv over its quarter-
   * resolution input followed by DepthToSpace, instead of Resize + Pad + conv or ConvTranspose.
   */
  readonly phaseDeconv1?: boolean;
}

/** Why the half-resolution rewrite cannot build this config, or undefined when it can. */
export function halfResUnsupported(c: TransformerConfig): string | undefined {
  if (c.padding === 'reflect' && (c.firstKernel > 3 || c.lastKernel > 3)) {
    return `reflect padding with ${c.firstKernel}x${c.firstKernel}/${c.lastKernel}x${c.lastKernel} end kernels (the rewrite needs end kernels <= 3 with reflect padding)`;
  }
  return undefined;
}

// ---- Phase weights ----

/** Input phase and offset (on the half-resolution grid) of one output phase's kernel tap along an axis; null: no contribution. */
export type Taps = (aOut: number, k: number) => readonly [number, number] | null;

export interface PhaseSpec {
  /** Phases per axis of the input and output tensors (1: a plain tensor). */
  readonly pIn: 1 | 2;
  readonly pOut: 1 | 2;
  readonly taps: Taps;
  /** Channel of (channel c, phase ay, ax) in the input / output tensor. */
  readonly inIndex: (c: number, ay: number, ax: number) => number;
  readonly outIndex: (o: number, ay: number, ax: number) => number;
  /** Weights in ConvTranspose layout [Cin, Cout, k, k] (else Conv's [Cout, Cin, k, k]). */
  readonly transposed?: boolean;
}

export interface PhaseConv {
  /** [Cout * pOut^2, Cin * pIn^2, T, T]. */
  readonly weight: Tensor<'float32'>;
  /** The bias, repeated for each output phase. */
  readonly bias?: Tensor<'float32'>;
  /** Padding the rewritten conv needs before and after each spatial axis. */
  readonly before: number;
  readonly after: number;
}

/** (channel c, phase a, b) -> 4c + 2a + b (DepthToSpace CRD order); plain tensors: c. */
export const crd = (p: 1 | 2) => (c: number, a: number, b: number): number => (p === 1 ? c : c * 4 + a * 2 + b);

/**
 * Taps of a stride-s conv with `padBegin` leading pad, from a tensor with pIn phases to one with
 * pOut = pIn / s: output r = pOut m + a reads full-resolution j = s r + k - padBegin = pIn m + t.
 */
export const convTaps = (stride: number, padBegin: number, pIn: number): Taps => (a, k) => {
  const t = stride * a + k - padBegin;
  return [((t % pIn) + pIn) % pIn, Math.floor(t / pIn)];
};

/** Nearest x2 then a 3x3 conv with pad 1: output 2m + a, tap k reads upsampled row 2m + a + k - 1, source row m + floor((a + k - 1) / 2). */
export const nearestUpTaps: Taps = (a, k) => [0, Math.floor((a + k - 1) / 2)];

/** Stride-2 ConvTranspose with no leading pad: output 2i + k takes input i. */
export const transposeTaps: Taps = (a, k) => ((a - k) % 2 === 0 ? [0, (a - k) / 2] : null);

/** The rewritten weights (and repeated bias) of one conv over phase tensors; taps that land on the same weight are summed in float64. */
export function phaseWeights(w: Tensor<'float32'>, b: Tensor<'float32'> | undefined, s: PhaseSpec): PhaseConv {
  const [d0, d1, kh, kw] = w.dims as [number, number, number, number];
  const [cout, cin] = s.transposed ? [d1, d0] : [d0, d1];
  if (kh !== kw) throw new Error(`phaseWeights: square kernels only, got ${kh}x${kw}`);
  let min = Infinity;
  let max = -Infinity;
  for (let a = 0; a < s.pOut; a++) {
    for (let k = 0; k < kh; k++) {
      const t = s.taps(a, k);
      if (t) [min, max] = [Math.min(min, t[1]), Math.max(max, t[1])];
    }
  }
  const T = max - min + 1;
  const [O, C] = [cout * s.pOut * s.pOut, cin * s.pIn * s.pIn];
  const acc = new Float64Array(O * C * T * T);
  const at = (o: number, c: number, ky: number, kx: number) => w.data[(s.transposed ? c * cout + o : o * cin + c) * kh * kw + ky * kw + kx]!;
  for (let ay = 0; ay < s.pOut; ay++) {
    for (let ax = 0; ax < s.pOut; ax++) {
      for (let ky = 0; ky < kh; ky++) {
        const ty = s.taps(ay, ky);
        if (!ty) continue;
        for (let kx = 0; kx < kw; kx++) {
          const tx = s.taps(ax, kx);
          if (!tx) continue;
          for (let o = 0; o < cout; o++) {
            const oo = s.outIndex(o, ay, ax);
            for (let c = 0; c < cin; c++) {
              acc[((oo * C + s.inIndex(c, ty[0], tx[0])) * T + (ty[1] - min)) * T + (tx[1] - min)]! += at(o, c, ky, kx);
            }
          }
        }
      }
    }
  }
  let bias: Tensor<'float32'> | undefined;
  if (b) {
    bias = f32([O]);
    for (let o = 0; o < cout; o++) for (let ay = 0; ay < s.pOut; ay++) for (let ax = 0; ax < s.pOut; ax++) bias.data[s.outIndex(o, ay, ax)] = b.data[o]!;
  }
  return { weight: f32([O, C, T, T], Float32Array.from(acc)), ...(bias ? { bias } : {}), before: -min, after: max };
}

// ---- The graph ----

/**
 * The inference graph of {@link buildTransformer} (same input 'input', output 'output', weights and
 * result up to float32 rounding) with its full-resolution layers on half-resolution phase tensors.
 * Throws when {@link halfResUnsupported} names a reason, or when a concrete shape is odd.
 */
export function buildHalfResTransformer(c: TransformerConfig, weights: Weights, opts: HalfResOptions = {}): Graph {
  checkWeights(c, weights);
  const reason = halfResUnsupported(c);
  if (reason) throw new Error(`half-resolution rewrite: ${reason}`);
  const g = new Graph('stylecast_transformer_halfres');
  const [n, h0, w0] = opts.shape ?? ['batch', 'height', 'width'];
  const x = g.input('input', 'float32', [n, 3, h0, w0]);
  const reflect = c.padding === 'reflect';
  const T = (name: string) => weights.get(name)!;
  const K = (name: string, t: Tensor = T(name)) => g.constant(t, name);
  const feedsNorm = (name: string) => name !== 'deconv3.conv2d' || c.finalNorm;
  const biasT = (name: string) => (c.bias && !(opts.dropNormBias && feedsNorm(name)) ? T(`${name}.bias`) : undefined);
  const B = (name: string) => (biasT(name) ? K(`${name}.bias`) : undefined);

  const norm = (h: Value, name: string) => instanceNorm(h, K(`${name}.weight`), K(`${name}.bias`), c.normEpsilon, name);
  /** Instance norm of a phase tensor [N, 4C, H, W]: each channel's statistics span its 4 phases ([N, C, 4HW] is a free reshape). */
  const phaseNorm = (h: Value, name: string) => reshapeLike(norm(reshape(h, [0, T(`${name}.weight`).dims[0]!, -1]), name), h);
  const phaseConv = (h: Value, name: string, spec: PhaseSpec, edge: boolean) => {
    const p = phaseWeights(T(`${name}.weight`), biasT(name), spec);
    const w = g.constant(p.weight, `${name}.phase_weight`);
    const b = p.bias ? g.constant(p.bias, `${name}.phase_bias`) : undefined;
    const pads = [p.before, p.before, p.after, p.after];
    if (pads.every((v) => v === 0)) return conv(h, w, b, {}, name);
    return edge ? conv(pad2d(h, pads, 'edge'), w, b, {}, name) : conv(h, w, b, { pads }, name);
  };

  // The low-resolution middle, exactly as transformerForward builds it.
  const { upLayer, middle } = transformerLayers(c, (name) => K(name), B);

  // Full resolution, in phase layout. SpaceToDepth orders channels (2a + b) * 3 + c.
  const s2d = (ch: number, a: number, b: number) => (a * 2 + b) * 3 + ch;
  let h = phaseConv(spaceToDepth(x), 'conv1.conv2d', { pIn: 2, pOut: 2, taps: convTaps(1, (c.firstKernel - 1) / 2, 2), inIndex: s2d, outIndex: crd(2) }, reflect);
  h = relu(phaseNorm(h, 'in1'));
  // Stride 2 from phases to a plain half-resolution tensor: reflect pads 1 each side, TF SAME on an even size 0 before and 1 after.
  h = relu(norm(phaseConv(h, 'conv2.conv2d', { pIn: 2, pOut: 1, taps: convTaps(2, reflect ? 1 : 0, 2), inIndex: crd(2), outIndex: crd(1) }, reflect), 'in2'));

  h = middle(h);
  // Upsampling in phase layout: a transposed conv's missing inputs are zeros; after nearest x2,
  // reflect padding is edge padding of the low-res tensor and TF SAME is zero padding.
  const up: PhaseSpec = c.upsample === 'nearest'
    ? { pIn: 1, pOut: 2, taps: nearestUpTaps, inIndex: crd(1), outIndex: crd(2) }
    : { pIn: 1, pOut: 2, taps: transposeTaps, inIndex: crd(1), outIndex: crd(2), transposed: true };
  const upEdge = reflect && c.upsample === 'nearest';
  h = relu(norm(opts.phaseDeconv1 ? depthToSpace(phaseConv(h, 'deconv1.conv2d', up, upEdge)) : upLayer(h, 'deconv1.conv2d'), 'in4'));

  // Back to full resolution, in phase layout.
  h = relu(phaseNorm(phaseConv(h, 'deconv2.conv2d', up, upEdge), 'in5'));
  h = phaseConv(h, 'deconv3.conv2d', { pIn: 2, pOut: 2, taps: convTaps(1, (c.lastKernel - 1) / 2, 2), inIndex: crd(2), outIndex: crd(2) }, reflect);
  h = depthToSpace(h);
  if (c.finalNorm) h = norm(h, 'in6');
  if (c.head === 'tanh') h = add(mul(tanh(h), 150), 127.5);
  g.output(h, 'output');
  return g;
}
