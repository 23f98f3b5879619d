import { float16Bits } from '../../graph/precision.js';
import type { Tensor } from '../../graph/tensor.js';
import type { LoadedModel, TransformerModel } from '../../models/modelfile.js';
import type { TransformerConfig, Weights } from '../../models/transformer.js';
import { ModelMessage, COLOR_RGB } from './schema.js';
import type { BorderAmounts, CoremlModel, FeatureDescription, ImageType, Layer, WeightParams } from './types.js';

export interface CoremlOptions {
  /** Fixed [width, height]; omitted: any size from the network's minimum up (specification version 3). */
  readonly size?: readonly [number, number];
  /** Store convolution weights and biases as float16 (specification version 2). */
  readonly fp16?: boolean;
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

/**
 * The network as CoreML NeuralNetwork layers, walked from the config and weights in the same order as
 * transformerForward (src/models/transformer.ts): reflection padding becomes a padding layer before a
 * 'valid' convolution, TensorFlow SAME zero padding the convolution's own 'same' padding
 * (BOTTOM_RIGHT_HEAVY: the extra row/column at the end, like ONNX SAME_UPPER), instance norm a batchnorm
 * layer computing its mean and variance per instance, the transposed convolution a deconvolution whose
 * 'valid' padding amounts crop one row/column at the end (as the ONNX pads [0, 0, 1, 1]).
 */
export function coremlLayers(c: TransformerConfig, weights: Weights, fp16 = false, input = COREML_INPUT, output = COREML_OUTPUT): Layer[] {
  const layers: Layer[] = [];
  let cur = input;
  const W = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`coreml export: parameter '${name}' is missing`);
    return t;
  };
  const push = (l: Omit<Layer, 'input' | 'output'> & { input?: readonly string[] }) => {
    layers.push({ input: [cur], ...l, output: [l.name] });
    cur = l.name;
  };
  const convLayer = (name: string, k: number, stride: number, group = 1) => {
    const w = W(`${name}.weight`);
    const half = (k - 1) / 2;
    const reflect = c.padding === 'reflect';
    if (reflect && half > 0) push({ name: `${name}.pad`, layer: 'padding', padding: { reflection: {}, paddingAmounts: amounts(half, half, half, half) } });
    push({
      name,
      layer: 'convolution',
      convolution: {
        outputChannels: w.dims[0]!,
        kernelChannels: w.dims[1]!,
        nGroups: group,
        kernelSize: [k, k],
        stride: [stride, stride],
        ...(reflect ? { valid: { paddingAmounts: amounts(0, 0, 0, 0) } } : { same: { asymmetryMode: 0 } }),
        hasBias: c.bias,
        weights: weightParams(w, fp16),
        ...(c.bias ? { bias: weightParams(W(`${name}.bias`), fp16) } : {}),
      },
    });
  };
  const deconv = (name: string) => {
    const w = W(`${name}.weight`); // [cin, cout, 3, 3], the layout the specification gives for deconvolution
    push({
      name,
      layer: 'convolution',
      convolution: {
        outputChannels: w.dims[1]!,
        kernelChannels: w.dims[0]!,
        nGroups: 1,
        kernelSize: [3, 3],
        stride: [2, 2],
        valid: { paddingAmounts: amounts(0, 1, 0, 1) },
        isDeconvolution: true,
        hasBias: c.bias,
        weights: weightParams(w, fp16),
        ...(c.bias ? { bias: weightParams(W(`${name}.bias`), fp16) } : {}),
      },
    });
  };
  const norm = (name: string) => {
    const gamma = W(`${name}.weight`);
    const n = gamma.dims[0]!;
    push({
      name,
      layer: 'batchnorm',
      batchnorm: {
        channels: n,
        computeMeanVar: true,
        instanceNormalization: true,
        epsilon: c.normEpsilon,
        gamma: weightParams(gamma, false),
        beta: weightParams(W(`${name}.bias`), false),
        // Ignored when computeMeanVar is set, but some validators want all four of length C.
        mean: weightParams(new Float32Array(n), false),
        variance: weightParams(new Float32Array(n).fill(1), false),
      },
    });
  };
  const relu = (name: string) => push({ name: `${name}.relu`, layer: 'activation', activation: { ReLU: {} } });
  const resConv = (name: string) => {
    if (c.residual === 'separable') {
      convLayer(`${name}.depthwise`, 3, 1, W(`${name}.depthwise.weight`).dims[0]!);
      convLayer(`${name}.pointwise`, 1, 1);
    } else convLayer(`${name}.conv2d`, 3, 1);
  };
  const up = (name: string) => {
    if (c.upsample === 'transpose') return deconv(name);
    push({ name: `${name}.upsample`, layer: 'upsample', upsample: { scalingFactor: [2, 2], mode: 0 } });
    convLayer(name, 3, 1);
  };

  convLayer('conv1.conv2d', c.firstKernel, 1);
  norm('in1');
  relu('in1');
  convLayer('conv2.conv2d', 3, 2);
  norm('in2');
  relu('in2');
  convLayer('conv3.conv2d', 3, 2);
  norm('in3');
  relu('in3');
  for (let i = 0; i < c.blocks; i++) {
    const skip = cur;
    resConv(`res.${i}.conv1`);
    norm(`res.${i}.in1`);
    relu(`res.${i}.in1`);
    resConv(`res.${i}.conv2`);
    norm(`res.${i}.in2`);
    push({ name: `res.${i}.add`, layer: 'add', add: {}, input: [skip, cur] });
  }
  up('deconv1.conv2d');
  norm('in4');
  relu('in4');
  up('deconv2.conv2d');
  norm('in5');
  relu('in5');
  convLayer('deconv3.conv2d', c.lastKernel, 1);
  if (c.finalNorm) norm('in6');
  if (c.head === 'tanh') {
    // tanh(y) * 150 + 127.5: a scaled tanh, then a linear activation for the offset.
    push({ name: 'head.tanh', layer: 'activation', activation: { scaledTanh: { alpha: 150, beta: 1 } } });
    push({ name: 'head.offset', layer: 'activation', activation: { linear: { alpha: 1, beta: 127.5 } } });
  }
  // The last layer writes the model's output feature.
  const last = layers[layers.length - 1]!;
  layers[layers.length - 1] = { ...last, output: [output] };
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
  const { info } = model;
  const [lo, hi] = info.inputRange;
  const sizeNote = opts.size ? `${opts.size[0]}x${opts.size[1]}` : `any size from ${model.minSide}x${model.minSide} whose width and height are multiples of ${model.stride}`;
  return {
    specificationVersion: specVersion(opts),
    description: {
      input: [imageFeature(COREML_INPUT, `RGB photo, ${sizeNote}`, model, opts)],
      output: [imageFeature(COREML_OUTPUT, `the photo in the style '${info.style}', same size`, model, opts)],
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
          'stylecast.config': JSON.stringify(model.config),
          'stylecast.weights': opts.fp16 ? 'fp16' : 'fp32',
          'stylecast.stride': String(model.stride),
        },
      },
    },
    neuralNetwork: {
      // Pixels arrive as 0..255; the scaler maps them to the range the network was trained on.
      preprocessing: [{ featureName: COREML_INPUT, scaler: { channelScale: (hi - lo) / 255, redBias: lo, greenBias: lo, blueBias: lo } }],
      layers: coremlLayers(model.config, model.weights, opts.fp16 ?? false),
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
