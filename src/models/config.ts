/**
 * The stored description of a network of the family: the config a model file carries, its presets and
 * its checks. Everything about the layers is derived from it (network.ts).
 */
import type { Tensor } from '../graph/tensor.js';

/**
 * The image-transformation network family of Johnson et al. 2016 ("Perceptual Losses for Real-Time
 * Style Transfer and Super-Resolution"): conv(firstKernel) -> two stride-2 convs -> residual blocks ->
 * two x2 upsampling convs -> conv(lastKernel). Both published teacher families are points of this
 * space ({@link PRESETS}); students shrink `width` and `blocks`. The layers themselves are listed once,
 * in src/models/network.ts (describeNetwork); what this module builds is lowered from that list.
 */
export interface TransformerConfig {
  /** Channels of the first conv; they double at each of the two downsamplings. Defaults to 32. */
  readonly width: number;
  /** Residual blocks at the bottleneck. Defaults to 5. */
  readonly blocks: number;
  /** Kernel of the first conv. Defaults to 9. */
  readonly firstKernel: number;
  /** Kernel of the last conv. Defaults to 9. */
  readonly lastKernel: number;
  /** 'reflect' (pytorch/examples) or 'same': TensorFlow SAME zero padding (Engstrom). */
  readonly padding: 'reflect' | 'same';
  /** 'nearest': nearest x2 then a 3x3 conv (avoids checkerboard artifacts, Odena et al. 2016); 'transpose': stride-2 transposed conv. */
  readonly upsample: 'nearest' | 'transpose';
  /** Instance-norm epsilon: 1e-5 (PyTorch) or 1e-3 (Engstrom). */
  readonly normEpsilon: number;
  /** Convs carry a bias (redundant before instance norm, but the PyTorch teachers have one). */
  readonly bias: boolean;
  /** Instance norm after the last conv too (Engstrom). */
  readonly finalNorm: boolean;
  /** 'raw' output, or 'tanh': tanh(y) * 150 + 127.5. */
  readonly head: 'raw' | 'tanh';
  /** Residual-block convs: 'full' 3x3, or 'separable' (depthwise 3x3 then pointwise 1x1, as in MobileNet). */
  readonly residual: 'full' | 'separable';
  /**
   * Channels at each resolution, full resolution first: one stride-2 conv down to each further level
   * and one x2 upsampling conv back up from it. Absent: [width, 2 width, 4 width], the published
   * family. Students use it for narrow full-resolution ends with wide low-resolution layers, or a
   * fourth, 1/8-resolution level. The first entry is `width`.
   */
  readonly widths?: readonly number[];
  /**
   * Style rows of a conditional network (Dumoulin et al. 2017, "A Learned Representation for
   * Artistic Style"): every instance norm holds one scale and shift per style, selected or mixed by
   * the graph input `style` (float32 [styles], the mix weights); everything else is shared. Absent:
   * one style, plain instance norms, no `style` input. The style names are model metadata.
   */
  readonly styles?: number;
}

export const PRESETS = Object.freeze({
  /** pytorch/examples fast_neural_style TransformerNet. */
  torch: Object.freeze<TransformerConfig>({
    width: 32, blocks: 5, firstKernel: 9, lastKernel: 9, padding: 'reflect', upsample: 'nearest',
    normEpsilon: 1e-5, bias: true, finalNorm: false, head: 'raw', residual: 'full',
  }),
  /** lengstrom/fast-style-transfer (TensorFlow). */
  engstrom: Object.freeze<TransformerConfig>({
    width: 32, blocks: 5, firstKernel: 9, lastKernel: 9, padding: 'same', upsample: 'transpose',
    normEpsilon: 1e-3, bias: false, finalNorm: true, head: 'tanh', residual: 'full',
  }),
});

/** Spatial stride of the bottleneck of the published family (three levels): see {@link strideOf}. */
export const STRIDE = 4;

/** Channels at each resolution level, full resolution first (see TransformerConfig.widths). */
export const levelWidths = (c: TransformerConfig): readonly number[] => c.widths ?? [c.width, 2 * c.width, 4 * c.width];

/** Spatial stride of the bottleneck: inputs are padded to a multiple of this. */
export const strideOf = (c: TransformerConfig): number => 2 ** (levelWidths(c).length - 1);

/**
 * Smallest padded input side the network accepts: reflection padding of k/2 needs an axis longer than
 * k/2 at every layer (the bottleneck is 1/stride of the input and its 3x3 convs pad 1).
 */
export function minInputSide(c: TransformerConfig): number {
  const stride = strideOf(c);
  if (c.padding !== 'reflect') return stride;
  const need = Math.max((c.firstKernel - 1) / 2 + 1, (c.lastKernel - 1) / 2 + 1, 2 * stride);
  return Math.ceil(need / stride) * stride;
}

export type Weights = ReadonlyMap<string, Tensor<'float32'>>;

export function validateConfig(c: TransformerConfig): void {
  const bad = (msg: string) => {
    throw new Error(`invalid architecture: ${msg}`);
  };
  if (!Number.isInteger(c.width) || c.width < 1) bad(`width must be a positive integer, got ${c.width}`);
  if (!Number.isInteger(c.blocks) || c.blocks < 0) bad(`blocks must be a non-negative integer, got ${c.blocks}`);
  for (const k of [c.firstKernel, c.lastKernel]) if (!Number.isInteger(k) || k < 1 || k % 2 === 0) bad(`kernels must be odd positive integers, got ${k}`);
  if (!['reflect', 'same'].includes(c.padding)) bad(`padding must be reflect or same, got ${c.padding}`);
  if (!['nearest', 'transpose'].includes(c.upsample)) bad(`upsample must be nearest or transpose, got ${c.upsample}`);
  if (!['raw', 'tanh'].includes(c.head)) bad(`head must be raw or tanh, got ${c.head}`);
  if (!['full', 'separable'].includes(c.residual)) bad(`residual must be full or separable, got ${c.residual}`);
  if (!(c.normEpsilon > 0)) bad(`normEpsilon must be > 0, got ${c.normEpsilon}`);
  if (c.widths !== undefined) {
    const w = c.widths;
    if (!Array.isArray(w) || w.length < 2 || w.length > 5) bad(`widths must list 2 to 5 levels, got ${JSON.stringify(w)}`);
    if (w.some((v) => !Number.isInteger(v) || v < 1)) bad(`widths must be positive integers, got ${w.join(',')}`);
    if (w[0] !== c.width) bad(`widths must start with width (${c.width}), got ${w.join(',')}`);
  }
  if (c.styles !== undefined && (!Number.isInteger(c.styles) || c.styles < 1)) bad(`styles must be a positive integer, got ${c.styles}`);
}
