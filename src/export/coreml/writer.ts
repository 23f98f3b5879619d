import { float16Bits } from '../../models/precision.js';
import type { Tensor } from '../../graph/tensor.js';
import type { LoadedModel, TransformerModel } from '../../models/modelfile.js';
import { describeNetwork, lower, separableParts, type ConvLayer, type Rules } from '../../models/network.js';
import type { StyleMix } from '../../models/styles.js';
import type { TransformerConfig, Weights } from '../../models/transformer.js';
import { exportedNetwork } from '../style.js';
import { ModelMessage, COLOR_RGB } from './schema.js';
import type { BorderAmounts, CoremlModel, FeatureDescription, ImageType, Layer, WeightParams } from './types.js';

export interface CoremlOptions {
  /** Fixed [width, height]; omitted: any size from the network's minimum up (specification version 3). */
  readonly size?: readonly [number, number];
  /** Store convolution weights and biases as float16 (specification version 2). */
  readonly fp16?: boolean;
  /**
   * A multi-style model's style or mix, baked into the norms (required for one): a NeuralNetwork
   * batchnorm holds its scale and shift as weights, so each style or mix is its own .mlmodel.
   */
  readonly style?: StyleMix;
}

/** Names of the image features in every exported model. */
export const COREML_INPUT = 'image';
export const COREML_OUTPUT = 'stylizedImage';
/** Default size of a flexible model (the paper's and the camera's 640x480). */
const DEFAULT_SIZE = [640, 480] as const;

function weightParams(t: Tensor<'float32'> | Float32Array, fp16: boolean): WeightParams {
  const data = t instanceof Float32Array ? t : t.data;
  if (!fp16) return { floatValue: Array.from(data) };
  const bytes = new Uint8Array(data.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setUint16(2 * i, float16Bits(data[i]!), true);
  return { float16Value: bytes };
}

const amounts = (top: number, bottom: number, left: number, right: number): BorderAmounts => ({
  borderAmounts: [
    { startEdgeSize: top, endEdgeSize: bottom },
    { startEdgeSize: left, endEdgeSize: right },
  ],
});

/** Appends layers, each reading the previous one's output unless it names its inputs. */
interface CoremlLowering {
  readonly layers: Layer[];
  /** Name of the last layer's output. */
  cur: string;
  readonly weight: (name: string) => Tensor<'float32'>;
  readonly fp16: boolean;
}

function push(at: CoremlLowering, l: Omit<Layer, 'input' | 'output'> & { input?: readonly string[] }): void {
  at.layers.push({ input: [at.cur], ...l, output: [l.name] });
  at.cur = l.name;
}

/** Reflection padding as a padding layer before a 'valid' convolution; TF SAME as the convolution's own 'same' padding. */
function convolution(at: CoremlLowering, l: ConvLayer, groups = 1): void {
  const half = (l.kernel - 1) / 2;
  const reflect = l.padding === 'reflect';
  if (reflect && half > 0) push(at, { name: `${l.name}.pad`, layer: 'padding', padding: { reflection: {}, paddingAmounts: amounts(half, half, half, half) } });
  push(at, {
    name: l.name,
    layer: 'convolution',
    convolution: {
      outputChannels: l.cout,
      kernelChannels: l.cin / groups,
      nGroups: groups,
      kernelSize: [l.kernel, l.kernel],
      stride: [l.stride, l.stride],
      ...(reflect ? { valid: { paddingAmounts: amounts(0, 0, 0, 0) } } : { same: { asymmetryMode: 0 } }),
      hasBias: l.bias,
      weights: weightParams(at.weight(`${l.name}.weight`), at.fp16),
      ...(l.bias ? { bias: weightParams(at.weight(`${l.name}.bias`), at.fp16) } : {}),
    },
  });
}

const COREML_RULES: Rules<[at: CoremlLowering], void> = {
  conv: (l, at) => convolution(at, l),
  separable: (l, at) => {
    const [dw, pw] = separableParts(l);
    convolution(at, dw, dw.groups);
    convolution(at, pw);
  },
  upsample: (l, at) => {
    if (l.mode === 'nearest') {
      push(at, { name: `${l.name}.upsample`, layer: 'upsample', upsample: { scalingFactor: [2, 2], mode: 0 } });
      return convolution(at, { ...l, kind: 'conv', stride: 1 });
    }
    // Weights [cin, cout, k, k], the layout the specification gives for deconvolution.
    push(at, {
      name: l.name,
      layer: 'convolution',
      convolution: {
        outputChannels: l.cout,
        kernelChannels: l.cin,
        nGroups: 1,
        kernelSize: [l.kernel, l.kernel],
        stride: [2, 2],
        valid: { paddingAmounts: amounts(0, 1, 0, 1) },
        isDeconvolution: true,
        hasBias: l.bias,
        weights: weightParams(at.weight(`${l.name}.weight`), at.fp16),
        ...(l.bias ? { bias: weightParams(at.weight(`${l.name}.bias`), at.fp16) } : {}),
      },
    });
  },
  norm: (l, at) =>
    push(at, {
      name: l.name,
      layer: 'batchnorm',
      batchnorm: {
        channels: l.channels,
        computeMeanVar: true,
        instanceNormalization: true,
        epsilon: l.epsilon,
        gamma: weightParams(at.weight(`${l.name}.weight`), false),
        beta: weightParams(at.weight(`${l.name}.bias`), false),
        // Ignored when computeMeanVar is set, but some validators want all four of length C.
        mean: weightParams(new Float32Array(l.channels), false),
        variance: weightParams(new Float32Array(l.channels).fill(1), false),
      },
    }),
  // The exporter bakes a conditional network's style mix into plain norms first (see coremlModel).
  condNorm: (l) => {
    throw new Error(`coreml export: conditional norm ${l.name}: bake a style or mix into the network first`);
  },
  // Named after the layer it follows.
  relu: (_, at) => push(at, { name: `${at.cur}.relu`, layer: 'activation', activation: { ReLU: {} } }),
  residual: (l, at) => {
    const skip = at.cur;
    for (const b of l.body) lower(COREML_RULES, b, at);
    push(at, { name: `${l.name}.add`, layer: 'add', add: {}, input: [skip, at.cur] });
  },
  // tanh(y) * 150 + 127.5: a scaled tanh, then a linear activation for the offset.
  tanhHead: (_, at) => {
    push(at, { name: 'head.tanh', layer: 'activation', activation: { scaledTanh: { alpha: 150, beta: 1 } } });
    push(at, { name: 'head.offset', layer: 'activation', activation: { linear: { alpha: 1, beta: 127.5 } } });
  },
};

/**
 * The network as CoreML NeuralNetwork layers, lowered from its layer list (src/models/network.ts):
 * reflection padding becomes a padding layer before a 'valid' convolution, TensorFlow SAME zero
 * padding the convolution's own 'same' padding (BOTTOM_RIGHT_HEAVY: the extra row/column at the end,
 * like ONNX SAME_UPPER), instance norm a batchnorm layer computing its mean and variance per instance,
 * the transposed convolution a deconvolution whose 'valid' padding amounts crop one row/column at the
 * end (as the ONNX pads [0, 0, 1, 1]).
 */
export function coremlLayers(c: TransformerConfig, weights: Weights, fp16 = false, input = COREML_INPUT, output = COREML_OUTPUT): Layer[] {
  const weight = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`coreml export: parameter '${name}' is missing`);
    return t;
  };
  const at: CoremlLowering = { layers: [], cur: input, weight, fp16 };
  for (const l of describeNetwork(c)) lower(COREML_RULES, l, at);
  // The last layer writes the model's output feature.
  const { layers } = at;
  layers[layers.length - 1] = { ...layers[layers.length - 1]!, output: [output] };
  return layers;
}

/** Checks a requested size against the network: a one-line error names the problem. */
export function checkExportSize(model: LoadedModel, size: readonly [number, number]): void {
  const [w, h] = size;
  if (w % model.stride || h % model.stride) {
    throw new Error(`size ${w}x${h}: width and height must be multiples of ${model.stride} (the network's stride)`);
  }
  if (w < model.minSide || h < model.minSide) throw new Error(`size ${w}x${h}: ${model.info.name} needs at least ${model.minSide}x${model.minSide}`);
}

/** The specification version a model needs: 1 for fixed-size fp32, 2 for float16 weights, 3 for flexible sizes. */
export function specVersion(opts: CoremlOptions): number {
  return !opts.size ? 3 : opts.fp16 ? 2 : 1;
}

function imageFeature(name: string, description: string, model: LoadedModel, opts: CoremlOptions): FeatureDescription {
  const [width, height] = opts.size ?? DEFAULT_SIZE;
  const range = { lowerBound: model.minSide, upperBound: -1 };
  const imageType: ImageType = { width, height, colorSpace: COLOR_RGB, ...(opts.size ? {} : { imageSizeRange: { widthRange: range, heightRange: range } }) };
  return { name, shortDescription: description, type: { imageType } };
}

/** The CoreML model (as plain objects) for a stylecast model; see {@link encodeCoreml}. */
export function coremlModel(model: TransformerModel, opts: CoremlOptions = {}): CoremlModel {
  if (opts.size) checkExportSize(model, opts.size);
  const net = exportedNetwork(model, opts.style, 'coreml', false);
  const { info } = model;
  const [lo, hi] = info.inputRange;
  const sizeNote = opts.size ? `${opts.size[0]}x${opts.size[1]}` : `any size from ${model.minSide}x${model.minSide} whose width and height are multiples of ${model.stride}`;
  return {
    specificationVersion: specVersion(opts),
    description: {
      input: [imageFeature(COREML_INPUT, `RGB photo, ${sizeNote}`, model, opts)],
      output: [imageFeature(COREML_OUTPUT, `the photo in the style '${net.baked ?? info.style}', same size`, model, opts)],
      metadata: {
        shortDescription: `${info.style}: feed-forward neural style transfer (Johnson et al. 2016), exported by stylecast`,
        versionString: model.sha256.slice(0, 12),
        author: `stylecast; weights: ${info.source}`,
        license: info.license,
        userDefined: {
          'stylecast.name': info.name,
          'stylecast.style': info.style,
          'stylecast.source': info.source,
          'stylecast.sourceSha256': model.sha256,
          'stylecast.config': JSON.stringify(net.config),
          ...(net.baked ? { 'stylecast.styleMix': net.baked } : {}),
          'stylecast.weights': opts.fp16 ? 'fp16' : 'fp32',
          'stylecast.stride': String(model.stride),
        },
      },
    },
    neuralNetwork: {
      // Pixels arrive as 0..255; the scaler maps them to the range the network was trained on.
      preprocessing: [{ featureName: COREML_INPUT, scaler: { channelScale: (hi - lo) / 255, redBias: lo, greenBias: lo, blueBias: lo } }],
      layers: coremlLayers(net.config, net.weights, opts.fp16 ?? false),
    },
  };
}

/** Serialize a stylecast model as a CoreML .mlmodel (NeuralNetwork) file. */
export function encodeCoreml(model: TransformerModel, opts: CoremlOptions = {}): Uint8Array {
  const msg = ModelMessage.fromObject(coremlModel(model, opts) as unknown as Record<string, unknown>);
  return ModelMessage.encode(msg).finish();
}

/** Parse .mlmodel bytes with the same schema. */
export function decodeCoreml(bytes: Uint8Array): CoremlModel {
  let msg;
  try {
    msg = ModelMessage.decode(bytes);
  } catch (e) {
    throw new Error(`not a valid CoreML model (${(e as Error).message.split('\n')[0]})`);
  }
  return ModelMessage.toObject(msg, { longs: Number, enums: Number, oneofs: true, arrays: true }) as CoremlModel;
}
