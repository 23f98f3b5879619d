import { levelWidths, type TransformerConfig } from './config.js';

/**
 * The transformer family as one declarative layer list. Every target (parameter specs, the ONNX
 * forward graph, the half-resolution rewrite, CoreML, weight transfer, cost) lowers this list with
 * one rule per layer kind, so the topology is written down once, here.
 */

export type Padding = TransformerConfig['padding'];

/** Fields of every layer that holds a convolution's weights. */
interface ConvFields {
  /** Parameter prefix, e.g. 'conv1.conv2d' ('<name>.weight', '<name>.bias'). */
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  readonly kernel: number;
  readonly padding: Padding;
  readonly bias: boolean;
  /**
   * The channel group its outputs belong to: outputs added together (the residual stream) share a
   * group, so weight transfer selects the same channels in all of them. Absent: the output image.
   */
  readonly channelGroup?: string;
}

/** A square convolution. */
export interface ConvLayer extends ConvFields {
  readonly kind: 'conv';
  readonly stride: 1 | 2;
}

/** Depthwise kernel x kernel conv, then pointwise 1x1 cin -> cout (MobileNet); parameters '<name>.depthwise.*', '<name>.pointwise.*'. */
export interface SeparableLayer extends ConvFields {
  readonly kind: 'separable';
}

/** x2 upsampling conv: nearest x2 then a stride-1 conv, or a stride-2 transposed conv ([cin, cout, k, k] weights). */
export interface UpsampleLayer extends ConvFields {
  readonly kind: 'upsample';
  readonly mode: TransformerConfig['upsample'];
}

/** Instance norm with an affine scale and shift ('<name>.weight', '<name>.bias'). */
export interface NormLayer {
  readonly kind: 'norm';
  readonly name: string;
  readonly channels: number;
  readonly epsilon: number;
}

/**
 * Conditional instance norm (Dumoulin et al. 2017): a scale and shift per style ('<name>.weight',
 * '<name>.bias', [styles, channels]); the network's `style` input (mix weights) picks or blends the rows.
 */
export interface CondNormLayer {
  readonly kind: 'condNorm';
  readonly name: string;
  readonly channels: number;
  readonly styles: number;
  readonly epsilon: number;
}

export interface ReluLayer {
  readonly kind: 'relu';
}

/** x + body(x). */
export interface ResidualLayer {
  readonly kind: 'residual';
  /** Prefix of every parameter in the body, e.g. 'res.0'. */
  readonly name: string;
  readonly body: readonly NetworkLayer[];
}

/** The 'tanh' head: tanh(y) * 150 + 127.5 (a 'raw' head is no layer). */
export interface TanhHeadLayer {
  readonly kind: 'tanhHead';
}

export type NetworkLayer = ConvLayer | SeparableLayer | UpsampleLayer | NormLayer | CondNormLayer | ReluLayer | ResidualLayer | TanhHeadLayer;
export type LayerKind = NetworkLayer['kind'];
export type LayerOf<K extends LayerKind> = Extract<NetworkLayer, { kind: K }>;
/** Layers that hold convolution weights. */
export type ConvLike = LayerOf<'conv' | 'separable' | 'upsample'>;

/** A target's lowering: one rule per layer kind, so a new kind without its rule does not compile. */
export type Rules<Args extends unknown[], R> = { readonly [K in LayerKind]: (layer: LayerOf<K>, ...args: Args) => R };

/** Apply the rule for a layer's kind. */
export function lower<Args extends unknown[], R>(rules: Rules<Args, R>, layer: NetworkLayer, ...args: Args): R {
  // Sound: rules[k] takes LayerOf<k>, and layer.kind is k.
  return (rules[layer.kind] as (l: NetworkLayer, ...a: Args) => R)(layer, ...args);
}

/**
 * The layers of a config: conv(firstKernel) -> a stride-2 conv per further level -> residual blocks
 * -> as many x2 upsampling convs -> conv(lastKernel) -> [final norm] -> [tanh head], instance norm +
 * relu between. With L levels the convs down are conv1..convL with norms in1..inL, the convs up
 * deconv1..deconv(L-1) with norms in(L+1)..in(2L-1), the output conv deconvL and the final norm
 * in(2L): for the published three levels, PyTorch's TransformerNet names.
 */
export function describeNetwork(c: TransformerConfig): NetworkLayer[] {
  const widths = levelWidths(c);
  const L = widths.length;
  const bottom = widths[L - 1]!;
  const common = { padding: c.padding, bias: c.bias };
  const conv = (block: string, cin: number, cout: number, kernel: number, stride: 1 | 2, channelGroup?: string): ConvLayer => ({
    kind: 'conv', name: `${block}.conv2d`, cin, cout, kernel, stride, ...common, ...(channelGroup ? { channelGroup } : {}),
  });
  // A conditional network has conditional norms everywhere: they are all it keeps per style.
  const norm = (name: string, channels: number): NormLayer | CondNormLayer =>
    c.styles === undefined ? { kind: 'norm', name, channels, epsilon: c.normEpsilon } : { kind: 'condNorm', name, channels, styles: c.styles, epsilon: c.normEpsilon };
  const relu: ReluLayer = { kind: 'relu' };
  const up = (block: string, cin: number, cout: number): UpsampleLayer => ({
    kind: 'upsample', name: `${block}.conv2d`, mode: c.upsample, cin, cout, kernel: 3, ...common, channelGroup: block,
  });
  const resConv = (name: string, channelGroup: string): NetworkLayer =>
    c.residual === 'separable'
      ? { kind: 'separable', name, cin: bottom, cout: bottom, kernel: 3, ...common, channelGroup }
      : conv(name, bottom, bottom, 3, 1, channelGroup);
  const block = (i: number): ResidualLayer => ({
    kind: 'residual',
    name: `res.${i}`,
    body: [resConv(`res.${i}.conv1`, `res.${i}`), norm(`res.${i}.in1`, bottom), relu, resConv(`res.${i}.conv2`, 'stream'), norm(`res.${i}.in2`, bottom)],
  });
  // The lowest level's conv feeds the residual stream: its channels are tied to the blocks' outputs.
  const down = widths.flatMap((w, i) => [
    conv(`conv${i + 1}`, i ? widths[i - 1]! : 3, w, i ? 3 : c.firstKernel, i ? 2 : 1, i === L - 1 ? 'stream' : `conv${i + 1}`),
    norm(`in${i + 1}`, w),
    relu,
  ]);
  const ups = widths.slice(0, -1).reverse().flatMap((w, i) => [up(`deconv${i + 1}`, widths[L - 1 - i]!, w), norm(`in${L + 1 + i}`, w), relu]);
  return [
    ...down,
    ...Array.from({ length: c.blocks }, (_, i) => block(i)),
    ...ups,
    conv(`deconv${L}`, widths[0]!, 3, c.lastKernel, 1),
    ...(c.finalNorm ? [norm(`in${2 * L}`, 3)] : []),
    ...(c.head === 'tanh' ? [{ kind: 'tanhHead' } as const] : []),
  ];
}

/**
 * The same layers without the conv biases that feed an instance norm: exact in real arithmetic, as
 * the norm subtracts each channel's mean and a per-channel constant never reaches its output (through
 * a separable layer too: the pointwise conv maps a constant to a constant).
 */
export function withoutNormBiases(layers: readonly NetworkLayer[]): NetworkLayer[] {
  return layers.map((l, i) => {
    if (l.kind === 'residual') return { ...l, body: withoutNormBiases(l.body) };
    const next = layers[i + 1];
    return 'bias' in l && next && isNorm(next) ? { ...l, bias: false } : l;
  });
}

/** Instance norms, plain or conditional. */
export const isNorm = (l: NetworkLayer): l is NormLayer | CondNormLayer => l.kind === 'norm' || l.kind === 'condNorm';

/** The separable layer's two convs, as plain conv layers (the depthwise one has cin groups). */
export function separableParts(l: SeparableLayer): readonly [ConvLayer & { readonly groups: number }, ConvLayer] {
  const base = { kind: 'conv', stride: 1, padding: l.padding, bias: l.bias } as const;
  return [
    { ...base, name: `${l.name}.depthwise`, cin: l.cin, cout: l.cin, kernel: l.kernel, groups: l.cin },
    { ...base, name: `${l.name}.pointwise`, cin: l.cin, cout: l.cout, kernel: 1, ...(l.channelGroup ? { channelGroup: l.channelGroup } : {}) },
  ];
}

// ---- Parameters ----

export interface ParamSpec {
  readonly name: string;
  readonly dims: readonly number[];
  /** How it is initialized from scratch. */
  readonly init: 'conv' | 'bias' | 'ones' | 'zeros';
  /** Fan-in of the conv it belongs to (for initialization). */
  readonly fanIn: number;
}

function convParams(name: string, cin: number, cout: number, k: number, bias: boolean, groups = 1, transposed = false): ParamSpec[] {
  const fanIn = (cin / groups) * k * k;
  const weight: ParamSpec = { name: `${name}.weight`, dims: transposed ? [cin, cout, k, k] : [cout, cin / groups, k, k], init: 'conv', fanIn };
  return bias ? [weight, { name: `${name}.bias`, dims: [cout], init: 'bias', fanIn }] : [weight];
}

/** Parameters of each kind, in the fixed order of paramSpecs. */
const PARAMS: Rules<[], ParamSpec[]> = {
  conv: (l) => convParams(l.name, l.cin, l.cout, l.kernel, l.bias),
  separable: (l) => {
    const [dw, pw] = separableParts(l);
    return [...convParams(dw.name, dw.cin, dw.cout, dw.kernel, dw.bias, dw.groups), ...convParams(pw.name, pw.cin, pw.cout, pw.kernel, pw.bias)];
  },
  upsample: (l) => convParams(l.name, l.cin, l.cout, l.kernel, l.bias, 1, l.mode === 'transpose'),
  norm: (l) => [
    { name: `${l.name}.weight`, dims: [l.channels], init: 'ones', fanIn: l.channels },
    { name: `${l.name}.bias`, dims: [l.channels], init: 'zeros', fanIn: l.channels },
  ],
  condNorm: (l) => [
    { name: `${l.name}.weight`, dims: [l.styles, l.channels], init: 'ones', fanIn: l.channels },
    { name: `${l.name}.bias`, dims: [l.styles, l.channels], init: 'zeros', fanIn: l.channels },
  ],
  relu: () => [],
  residual: (l) => layersParams(l.body),
  tanhHead: () => [],
};

/** Every parameter of the layers, in order. */
export function layersParams(layers: readonly NetworkLayer[]): ParamSpec[] {
  return layers.flatMap((l) => lower(PARAMS, l));
}
