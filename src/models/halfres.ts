import { Graph, type Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { conv, depthToSpace, pad2d, reshape, reshapeLike, spaceToDepth } from '../ops/index.js';
import { describeNetwork, lower, withoutNormBiases, type ConvLayer, type NetworkLayer, type Rules, type UpsampleLayer } from './network.js';
import { ONNX_RULES, type OnnxLowering } from './network-onnx.js';
import { checkWeights, styleInput, type BuildOptions, type TransformerConfig, type Weights } from './transformer.js';

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
   * Also rewrite the upsampling below full resolution (the first one, to half resolution) as a phase
   * conv over its quarter-resolution input followed by DepthToSpace, instead of Resize + Pad + conv or
   * ConvTranspose.
   */
  readonly phaseDeconv1?: boolean;
}

/** Why the half-resolution rewrite cannot build this config, or undefined when it can. */
export function halfResUnsupported(c: TransformerConfig): string | undefined {
  // Reflect padding by more than 1 is not an edge pad of a phase tensor.
  const ends = fullResolutionConvs(describeNetwork(c)).filter((l) => l.stride === 1 && l.padding === 'reflect');
  if (ends.some((l) => l.kernel > 3)) {
    return `reflect padding with ${ends.map((l) => `${l.kernel}x${l.kernel}`).join('/')} end kernels (the rewrite needs end kernels <= 3 with reflect padding)`;
  }
  return undefined;
}

/** The top-level convs whose input is at full resolution. */
function fullResolutionConvs(layers: readonly NetworkLayer[]): ConvLayer[] {
  const out: ConvLayer[] = [];
  let scale = 1;
  for (const l of layers) {
    if (l.kind === 'conv') {
      if (scale === 1) out.push(l);
      scale *= l.stride;
    } else if (l.kind === 'upsample') scale /= 2;
  }
  return out;
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

/** A conv over phase tensors (see {@link phaseWeights}); `edge`: edge padding, else zeros. */
export function phaseConv(h: Value, name: string, w: Tensor<'float32'>, b: Tensor<'float32'> | undefined, spec: PhaseSpec, edge: boolean): Value {
  const g = h.graph;
  const p = phaseWeights(w, b, spec);
  const wv = g.constant(p.weight, `${name}.phase_weight`);
  const bv = p.bias ? g.constant(p.bias, `${name}.phase_bias`) : undefined;
  const pads = [p.before, p.before, p.after, p.after];
  if (pads.every((v) => v === 0)) return conv(h, wv, bv, {}, name);
  return edge ? conv(pad2d(h, pads, 'edge'), wv, bv, {}, name) : conv(h, wv, bv, { pads }, name);
}

/** Phase spec of an upsampling layer: from a plain tensor to a phase tensor of twice its size. */
export function upsamplePhases(l: UpsampleLayer): PhaseSpec {
  return l.mode === 'nearest'
    ? { pIn: 1, pOut: 2, taps: nearestUpTaps, inIndex: crd(1), outIndex: crd(2) }
    : { pIn: 1, pOut: 2, taps: transposeTaps, inIndex: crd(1), outIndex: crd(2), transposed: true };
}

// ---- The graph ----

/**
 * The tensor between layers. At full resolution it is held as a phase tensor, `phase` giving its
 * channel order; below full resolution it is plain.
 */
interface Held {
  readonly v: Value;
  readonly scale: number;
  readonly phase?: (c: number, a: number, b: number) => number;
}

interface HalfResLowering {
  readonly onnx: OnnxLowering;
  readonly tensor: (name: string) => Tensor<'float32'>;
  readonly phaseDeconv1: boolean;
}

const plainOnly = (kind: string) => {
  throw new Error(`half-resolution rewrite: no phase-layout rule for a ${kind} layer at full resolution`);
};
const biasTensor = (l: { readonly name: string; readonly bias: boolean }, at: HalfResLowering) => (l.bias ? at.tensor(`${l.name}.bias`) : undefined);

/** An instance norm on a held tensor: each channel's statistics span its 4 phases ([N, C, 4HW] is a free reshape of [N, 4C, H, W]). */
function heldNorm(t: Held, channels: number, norm: (v: Value) => Value): Held {
  return { ...t, v: t.phase ? reshapeLike(norm(reshape(t.v, [0, channels, -1])), t.v) : norm(t.v) };
}

/** Each kind on a held tensor: as in the ONNX forward pass below full resolution, on phase tensors at it. */
const HALFRES_RULES: Rules<[t: Held, at: HalfResLowering], Held> = {
  // Stride 1 keeps the phase layout; stride 2 goes from phases to a plain half-resolution tensor.
  // Leading pad: reflect pads `half`, TF SAME on an even size (k - stride) / 2 rounded down.
  conv: (l, t, at) => {
    if (!t.phase) return { v: ONNX_RULES.conv(l, t.v, at.onnx), scale: t.scale * l.stride };
    const pOut = l.stride === 1 ? 2 : 1;
    const padBegin = l.padding === 'reflect' ? (l.kernel - 1) / 2 : Math.floor(Math.max(l.kernel - l.stride, 0) / 2);
    const spec: PhaseSpec = { pIn: 2, pOut, taps: convTaps(l.stride, padBegin, 2), inIndex: t.phase, outIndex: crd(pOut) };
    const v = phaseConv(t.v, l.name, at.tensor(`${l.name}.weight`), biasTensor(l, at), spec, l.padding === 'reflect');
    return pOut === 2 ? { v, scale: 1, phase: crd(2) } : { v, scale: l.stride };
  },
  separable: (l, t, at) => (t.phase ? plainOnly(l.kind) : { ...t, v: ONNX_RULES.separable(l, t.v, at.onnx) }),
  // Into full resolution as a phase tensor; with phaseDeconv1 also below it, leaving the phase layout
  // at once. After nearest x2, reflect padding is edge padding of the low-res tensor and TF SAME is
  // zero padding; a transposed conv's missing inputs are zeros.
  upsample: (l, t, at) => {
    if (t.phase) return plainOnly(l.kind);
    const scale = t.scale / 2;
    if (scale !== 1 && !at.phaseDeconv1) return { v: ONNX_RULES.upsample(l, t.v, at.onnx), scale };
    const v = phaseConv(t.v, l.name, at.tensor(`${l.name}.weight`), biasTensor(l, at), upsamplePhases(l), l.padding === 'reflect' && l.mode === 'nearest');
    return scale === 1 ? { v, scale, phase: crd(2) } : { v: depthToSpace(v), scale };
  },
  norm: (l, t, at) => heldNorm(t, l.channels, (v) => ONNX_RULES.norm(l, v, at.onnx)),
  condNorm: (l, t, at) => heldNorm(t, l.channels, (v) => ONNX_RULES.condNorm(l, v, at.onnx)),
  relu: (l, t, at) => ({ ...t, v: ONNX_RULES.relu(l, t.v, at.onnx) }),
  residual: (l, t, at) => (t.phase ? plainOnly(l.kind) : { ...t, v: ONNX_RULES.residual(l, t.v, at.onnx) }),
  tanhHead: (l, t, at) => ({ ...t, v: ONNX_RULES.tanhHead(l, t.v, at.onnx) }),
};

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
  const layers = opts.dropNormBias ? withoutNormBiases(describeNetwork(c)) : describeNetwork(c);
  const tensor = (name: string) => weights.get(name)!;
  const style = styleInput(g, c);
  const onnx: OnnxLowering = { param: (name) => g.constant(tensor(name), name), rules: ONNX_RULES, ...(style ? { style } : {}) };
  const at: HalfResLowering = { onnx, tensor, phaseDeconv1: opts.phaseDeconv1 ?? false };
  // SpaceToDepth enters the phase layout, ordering channels (2a + b) * 3 + c; the output conv's result
  // leaves it, as what follows (final norm, head) gains nothing from it on 3 channels.
  const output = layers.findLastIndex((l) => l.kind === 'conv');
  let t: Held = { v: spaceToDepth(x), scale: 1, phase: (ch, a, b) => (a * 2 + b) * 3 + ch };
  layers.forEach((l, i) => {
    t = lower(HALFRES_RULES, l, t, at);
    if (i === output && t.phase) t = { v: depthToSpace(t.v), scale: 1 };
  });
  g.output(t.v, 'output');
  return g;
}
