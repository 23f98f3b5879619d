import { float16Value } from '../../models/precision.js';
import type { BorderAmounts, ConvolutionParams, CoremlModel, Layer, WeightParams } from './types.js';

/**
 * A reference evaluator for the CoreML NeuralNetwork layers stylecast writes, in float64, following
 * the formulas of the specification's NeuralNetwork.proto comments (not onnxruntime's behaviour): it
 * checks a decoded .mlmodel independently of the code that built the ONNX graph. Tiny inputs only.
 */

/** One [C, H, W] activation (batch 1, as an image input is). */
export interface Blob {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly data: Float64Array;
}

export const blob = (c: number, h: number, w: number, data = new Float64Array(c * h * w)): Blob => ({ c, h, w, data });

/** Values of a WeightParams, whichever of its encodings is set. */
export function weightValues(p: WeightParams | undefined, what: string): Float64Array {
  if (p?.floatValue?.length) return Float64Array.from(p.floatValue);
  const half = p?.float16Value;
  if (half?.length) {
    const view = new DataView(half.buffer, half.byteOffset, half.byteLength);
    return Float64Array.from({ length: half.length / 2 }, (_, i) => float16Value(view.getUint16(2 * i, true)));
  }
  throw new Error(`${what}: no float or float16 values`);
}

/** [top, bottom, left, right] of a BorderAmounts (absent amounts are 0). */
function edges(b: BorderAmounts | undefined): [number, number, number, number] {
  const [h, w] = b?.borderAmounts ?? [];
  return [h?.startEdgeSize ?? 0, h?.endEdgeSize ?? 0, w?.startEdgeSize ?? 0, w?.endEdgeSize ?? 0];
}

const pair = (v: readonly number[] | undefined, dflt: number): [number, number] => (v?.length === 2 ? [v[0]!, v[1]!] : [dflt, dflt]);

function convolution(l: Layer, p: ConvolutionParams, x: Blob): Blob {
  const [kh, kw] = pair(p.kernelSize, 3);
  const [sh, sw] = pair(p.stride, 1);
  const groups = p.nGroups || 1;
  const cout = p.outputChannels ?? 0;
  const kc = p.kernelChannels ?? 0;
  if (pair(p.dilationFactor, 1).some((d) => d !== 1) && !p.isDeconvolution) throw new Error(`layer '${l.name}': dilation is not supported by the reference evaluator`);
  const w = weightValues(p.weights, `layer '${l.name}' weights`);
  const bias = p.hasBias ? weightValues(p.bias, `layer '${l.name}' bias`) : undefined;
  if (p.isDeconvolution) {
    // Weights [kernelChannels = C_in, C_out / groups, kH, kW]. The full output is (H-1)*s + k; 'valid'
    // padding amounts are removed from its start and end (H_out = (H_in-1)*s + k - (top + bottom)).
    if (kc !== x.c) throw new Error(`layer '${l.name}': kernelChannels ${kc} but the input has ${x.c} channels`);
    if (p.outputShape?.length || p.same) throw new Error(`layer '${l.name}': deconvolution with 'same' padding or outputShape is not supported by the reference evaluator`);
    const [pt, pb, pl, pr] = edges(p.valid?.paddingAmounts);
    const fh = (x.h - 1) * sh + kh;
    const fw = (x.w - 1) * sw + kw;
    const out = blob(cout, fh - pt - pb, fw - pl - pr);
    const og = cout / groups;
    const ig = x.c / groups;
    if (w.length !== x.c * og * kh * kw) throw new Error(`layer '${l.name}': ${w.length} weights for [${x.c}, ${og}, ${kh}, ${kw}]`);
    for (let ic = 0; ic < x.c; ic++) {
      const g = Math.floor(ic / ig);
      for (let oc = 0; oc < og; oc++) {
        const o = g * og + oc;
        for (let y = 0; y < x.h; y++) {
          for (let xx = 0; xx < x.w; xx++) {
            const v = x.data[(ic * x.h + y) * x.w + xx]!;
            for (let i = 0; i < kh; i++) {
              const oy = y * sh + i - pt;
              if (oy < 0 || oy >= out.h) continue;
              for (let j = 0; j < kw; j++) {
                const ox = xx * sw + j - pl;
                if (ox < 0 || ox >= out.w) continue;
                out.data[(o * out.h + oy) * out.w + ox]! += v * w[((ic * og + oc) * kh + i) * kw + j]!;
              }
            }
          }
        }
      }
    }
    if (bias) for (let o = 0; o < cout; o++) for (let i = 0; i < out.h * out.w; i++) out.data[o * out.h * out.w + i]! += bias[o]!;
    return out;
  }
  // Weights [C_out, kernelChannels = C_in / groups, kH, kW]; zero padding.
  if (kc * groups !== x.c) throw new Error(`layer '${l.name}': kernelChannels ${kc} x ${groups} groups but the input has ${x.c} channels`);
  if (w.length !== cout * kc * kh * kw) throw new Error(`layer '${l.name}': ${w.length} weights for [${cout}, ${kc}, ${kh}, ${kw}]`);
  let pt: number, pl: number, oh: number, ow: number;
  if (p.same) {
    // H_out = ceil(H_in / s); total padding max(0, (H_out-1)*s + k - H_in), split per asymmetryMode.
    oh = Math.ceil(x.h / sh);
    ow = Math.ceil(x.w / sw);
    const th = Math.max(0, (oh - 1) * sh + kh - x.h);
    const tw = Math.max(0, (ow - 1) * sw + kw - x.w);
    const topLeftHeavy = p.same.asymmetryMode === 1;
    // Only the start padding matters here: the end padding is what the output size leaves over.
    pt = topLeftHeavy ? th - Math.floor(th / 2) : Math.floor(th / 2);
    pl = topLeftHeavy ? tw - Math.floor(tw / 2) : Math.floor(tw / 2);
  } else {
    let pb: number, pr: number;
    [pt, pb, pl, pr] = edges(p.valid?.paddingAmounts);
    oh = Math.floor((x.h + pt + pb - kh) / sh) + 1;
    ow = Math.floor((x.w + pl + pr - kw) / sw) + 1;
  }
  if (oh < 1 || ow < 1) throw new Error(`layer '${l.name}': input ${x.h}x${x.w} is smaller than the kernel`);
  const out = blob(cout, oh, ow);
  const og = cout / groups;
  for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / og);
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        let s = bias ? bias[o]! : 0;
        for (let c = 0; c < kc; c++) {
          const ic = g * kc + c;
          for (let i = 0; i < kh; i++) {
            const iy = y * sh + i - pt;
            if (iy < 0 || iy >= x.h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xx * sw + j - pl;
              if (ix < 0 || ix >= x.w) continue;
              s += x.data[(ic * x.h + iy) * x.w + ix]! * w[((o * kc + c) * kh + i) * kw + j]!;
            }
          }
        }
        out.data[(o * oh + y) * ow + xx] = s;
      }
    }
  }
  return out;
}

function batchnorm(l: Layer, x: Blob): Blob {
  const p = l.batchnorm!;
  const eps = p.epsilon || 1e-5; // "Defaults to 1e-5 if not set or set to 0"
  const gamma = weightValues(p.gamma, `layer '${l.name}' gamma`);
  const beta = weightValues(p.beta, `layer '${l.name}' beta`);
  if (p.channels !== x.c || gamma.length !== x.c || beta.length !== x.c) throw new Error(`layer '${l.name}': ${p.channels} channels, input has ${x.c}`);
  const n = x.h * x.w;
  const out = blob(x.c, x.h, x.w);
  const mean = p.computeMeanVar ? undefined : weightValues(p.mean, `layer '${l.name}' mean`);
  const variance = p.computeMeanVar ? undefined : weightValues(p.variance, `layer '${l.name}' variance`);
  for (let c = 0; c < x.c; c++) {
    const off = c * n;
    let mu = mean?.[c] ?? 0;
    let v = variance?.[c] ?? 0;
    if (p.computeMeanVar) {
      // One instance (batch 1): instance and batch statistics coincide; the variance is the biased one.
      mu = 0;
      for (let i = 0; i < n; i++) mu += x.data[off + i]!;
      mu /= n;
      v = 0;
      for (let i = 0; i < n; i++) v += (x.data[off + i]! - mu) ** 2;
      v /= n;
    }
    const k = gamma[c]! / Math.sqrt(v + eps);
    for (let i = 0; i < n; i++) out.data[off + i] = k * (x.data[off + i]! - mu) + beta[c]!;
  }
  return out;
}

function padding(l: Layer, x: Blob): Blob {
  const p = l.padding!;
  const [pt, pb, pl, pr] = edges(p.paddingAmounts);
  const out = blob(x.c, x.h + pt + pb, x.w + pl + pr);
  // Reflection excludes the edge value (the specification's example: 1 2 3 4 padded by 2 is 3 2 1 2 3 4).
  const reflect = (i: number, n: number) => {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    let k = ((i % period) + period) % period;
    if (k >= n) k = period - k;
    return k;
  };
  const mode = p.reflection ? 'reflect' : p.replication ? 'replicate' : 'constant';
  if (mode === 'reflect' && (pt >= x.h || pb >= x.h || pl >= x.w || pr >= x.w)) throw new Error(`layer '${l.name}': reflection padding wider than the ${x.h}x${x.w} input`);
  const value = p.constant?.value ?? 0;
  for (let c = 0; c < x.c; c++) {
    for (let y = 0; y < out.h; y++) {
      for (let xx = 0; xx < out.w; xx++) {
        let iy = y - pt;
        let ix = xx - pl;
        let v: number;
        if (mode === 'constant') v = iy >= 0 && iy < x.h && ix >= 0 && ix < x.w ? x.data[(c * x.h + iy) * x.w + ix]! : value;
        else {
          if (mode === 'reflect') [iy, ix] = [reflect(iy, x.h), reflect(ix, x.w)];
          else [iy, ix] = [Math.min(Math.max(iy, 0), x.h - 1), Math.min(Math.max(ix, 0), x.w - 1)];
          v = x.data[(c * x.h + iy) * x.w + ix]!;
        }
        out.data[(c * out.h + y) * out.w + xx] = v;
      }
    }
  }
  return out;
}

function upsample(l: Layer, x: Blob): Blob {
  const p = l.upsample!;
  if (p.mode) throw new Error(`layer '${l.name}': bilinear upsampling is not supported by the reference evaluator`);
  const [fh, fw] = pair(p.scalingFactor, 1);
  const out = blob(x.c, x.h * fh, x.w * fw);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < out.h; y++)
      for (let xx = 0; xx < out.w; xx++) out.data[(c * out.h + y) * out.w + xx] = x.data[(c * x.h + Math.floor(y / fh)) * x.w + Math.floor(xx / fw)]!;
  return out;
}

function activation(l: Layer, x: Blob): Blob {
  const a = l.activation!;
  let f: (v: number) => number;
  if (a.ReLU) f = (v) => Math.max(0, v);
  else if (a.tanh) f = Math.tanh;
  else if (a.scaledTanh) {
    const { alpha = 0, beta = 0 } = a.scaledTanh;
    f = (v) => alpha * Math.tanh(beta * v);
  } else if (a.linear) {
    const { alpha = 0, beta = 0 } = a.linear;
    f = (v) => alpha * v + beta;
  } else throw new Error(`layer '${l.name}': activation type not supported by the reference evaluator`);
  return blob(x.c, x.h, x.w, x.data.map(f));
}

function add(l: Layer, xs: readonly Blob[]): Blob {
  const [first, ...rest] = xs;
  if (!first) throw new Error(`layer '${l.name}': no inputs`);
  if (!rest.length) return blob(first.c, first.h, first.w, first.data.map((v) => v + (l.add?.alpha ?? 0)));
  const out = blob(first.c, first.h, first.w, first.data.slice());
  for (const r of rest) {
    if (r.c !== first.c || r.h !== first.h || r.w !== first.w) throw new Error(`layer '${l.name}': adds [${r.c}, ${r.h}, ${r.w}] to [${first.c}, ${first.h}, ${first.w}]`);
    for (let i = 0; i < out.data.length; i++) out.data[i]! += r.data[i]!;
  }
  return out;
}

/** Run one layer on its input blobs. */
export function runLayer(l: Layer, xs: readonly Blob[]): Blob {
  const x = xs[0]!;
  switch (l.layer) {
    case 'convolution':
      return convolution(l, l.convolution!, x);
    case 'batchnorm':
      return batchnorm(l, x);
    case 'padding':
      return padding(l, x);
    case 'upsample':
      return upsample(l, x);
    case 'activation':
      return activation(l, x);
    case 'add':
      return add(l, xs);
    default:
      throw new Error(`layer '${l.name}': type not supported by the reference evaluator`);
  }
}

/**
 * Evaluate a decoded CoreML model on an RGB image (values 0..255, [3, H, W]): the preprocessing
 * scaler, then every layer in order. Returns every layer output by name (the model's output feature
 * among them).
 */
export function evaluateCoreml(model: CoremlModel, image: Blob): Map<string, Blob> {
  const nn = model.neuralNetwork;
  const inputName = model.description?.input?.[0]?.name;
  if (!nn?.layers?.length || !inputName) throw new Error('not a CoreML neural network with an input');
  let x = image;
  for (const pre of nn.preprocessing ?? []) {
    if (pre.featureName !== inputName || !pre.scaler) continue;
    const s = pre.scaler;
    const bias = [s.redBias ?? 0, s.greenBias ?? 0, s.blueBias ?? 0];
    const n = x.h * x.w;
    x = blob(x.c, x.h, x.w, x.data.map((v, i) => (s.channelScale ?? 0) * v + bias[Math.floor(i / n)]!));
  }
  const values = new Map<string, Blob>([[inputName, x]]);
  for (const l of nn.layers) {
    const xs = l.input.map((name) => {
      const v = values.get(name);
      if (!v) throw new Error(`layer '${l.name}': input '${name}' is not defined before it`);
      return v;
    });
    values.set(l.output[0]!, runLayer(l, xs));
  }
  return values;
}
