/**
 * Plain-object views of the CoreML messages in ./schema.ts, as written by the exporter and as decoded
 * (protobufjs toObject with longs as numbers and enums as numbers). Absent fields take proto3 defaults.
 */
export interface WeightParams {
  readonly floatValue?: readonly number[];
  /** Little-endian IEEE half floats (specification version >= 2). */
  readonly float16Value?: Uint8Array;
}

export interface EdgeSizes {
  readonly startEdgeSize?: number;
  readonly endEdgeSize?: number;
}

/** [H, W] amounts. */
export interface BorderAmounts {
  readonly borderAmounts?: readonly EdgeSizes[];
}

export interface ConvolutionParams {
  readonly outputChannels?: number;
  readonly kernelChannels?: number;
  readonly nGroups?: number;
  readonly kernelSize?: readonly number[];
  readonly stride?: readonly number[];
  readonly dilationFactor?: readonly number[];
  readonly valid?: { readonly paddingAmounts?: BorderAmounts };
  /** asymmetryMode: 0 BOTTOM_RIGHT_HEAVY, 1 TOP_LEFT_HEAVY. */
  readonly same?: { readonly asymmetryMode?: number };
  readonly isDeconvolution?: boolean;
  readonly hasBias?: boolean;
  readonly weights?: WeightParams;
  readonly bias?: WeightParams;
  readonly outputShape?: readonly number[];
}

export interface BatchnormParams {
  readonly channels?: number;
  readonly computeMeanVar?: boolean;
  readonly instanceNormalization?: boolean;
  readonly epsilon?: number;
  readonly gamma?: WeightParams;
  readonly beta?: WeightParams;
  readonly mean?: WeightParams;
  readonly variance?: WeightParams;
}

export interface PaddingParams {
  readonly constant?: { readonly value?: number };
  readonly reflection?: Record<string, never>;
  readonly replication?: Record<string, never>;
  readonly paddingAmounts?: BorderAmounts;
}

export interface ActivationParams {
  readonly linear?: { readonly alpha?: number; readonly beta?: number };
  readonly ReLU?: Record<string, never>;
  readonly tanh?: Record<string, never>;
  readonly scaledTanh?: { readonly alpha?: number; readonly beta?: number };
}

/** The layer kinds a stylecast network uses (the oneof `layer` of NeuralNetworkLayer). */
export type LayerKind = 'convolution' | 'activation' | 'batchnorm' | 'padding' | 'upsample' | 'add';

export interface Layer {
  readonly name: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  /** Which oneof member is set (decoded files: absent for a layer type outside ./schema.ts). */
  readonly layer?: LayerKind;
  readonly convolution?: ConvolutionParams;
  readonly activation?: ActivationParams;
  readonly batchnorm?: BatchnormParams;
  readonly padding?: PaddingParams;
  /** mode: 0 nearest neighbour, 1 bilinear. */
  readonly upsample?: { readonly scalingFactor?: readonly number[]; readonly mode?: number };
  readonly add?: { readonly alpha?: number };
}

export interface SizeRange {
  readonly lowerBound?: number;
  /** Negative: unbounded. */
  readonly upperBound?: number;
}

export interface ImageType {
  readonly width?: number;
  readonly height?: number;
  readonly colorSpace?: number;
  readonly imageSizeRange?: { readonly widthRange?: SizeRange; readonly heightRange?: SizeRange };
}

export interface FeatureDescription {
  readonly name: string;
  readonly shortDescription?: string;
  readonly type?: { readonly imageType?: ImageType };
}

export interface CoremlModel {
  readonly specificationVersion?: number;
  readonly description?: {
    readonly input?: readonly FeatureDescription[];
    readonly output?: readonly FeatureDescription[];
    readonly metadata?: {
      readonly shortDescription?: string;
      readonly versionString?: string;
      readonly author?: string;
      readonly license?: string;
      readonly userDefined?: Readonly<Record<string, string>>;
    };
  };
  readonly neuralNetwork?: {
    readonly layers?: readonly Layer[];
    readonly preprocessing?: readonly {
      readonly featureName?: string;
      readonly scaler?: { readonly channelScale?: number; readonly redBias?: number; readonly greenBias?: number; readonly blueBias?: number };
    }[];
  };
}
