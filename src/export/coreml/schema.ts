import protobuf from 'protobufjs';

/**
 * The subset of Apple's CoreML specification (Model.proto, FeatureTypes.proto, NeuralNetwork.proto,
 * package CoreML.Specification) that a stylecast network needs, written from the published
 * specification with its field numbers. Messages keep only the fields we write or must read back;
 * decoding a file with other fields skips them (protobuf semantics), and a layer of a type not listed
 * here decodes with no `layer` set, which the reference evaluator reports by name.
 */
const border = {
  BorderAmounts: {
    fields: { borderAmounts: { rule: 'repeated', type: 'EdgeSizes', id: 10 } },
    nested: { EdgeSizes: { fields: { startEdgeSize: { type: 'uint64', id: 1 }, endEdgeSize: { type: 'uint64', id: 2 } } } },
  },
  ValidPadding: { fields: { paddingAmounts: { type: 'BorderAmounts', id: 1 } } },
  SamePadding: {
    fields: { asymmetryMode: { type: 'SamePaddingMode', id: 1 } },
    nested: { SamePaddingMode: { values: { BOTTOM_RIGHT_HEAVY: 0, TOP_LEFT_HEAVY: 1 } } },
  },
};

const featureTypes = {
  SizeRange: { fields: { lowerBound: { type: 'uint64', id: 1 }, upperBound: { type: 'int64', id: 2 } } },
  ImageFeatureType: {
    oneofs: { SizeFlexibility: { oneof: ['enumeratedSizes', 'imageSizeRange'] } },
    fields: {
      width: { type: 'int64', id: 1 },
      height: { type: 'int64', id: 2 },
      enumeratedSizes: { type: 'EnumeratedImageSizes', id: 21 },
      imageSizeRange: { type: 'ImageSizeRange', id: 31 },
      colorSpace: { type: 'ColorSpace', id: 3 },
    },
    nested: {
      ColorSpace: { values: { INVALID_COLOR_SPACE: 0, GRAYSCALE: 10, RGB: 20, BGR: 30, GRAYSCALE_FLOAT16: 40 } },
      ImageSize: { fields: { width: { type: 'uint64', id: 1 }, height: { type: 'uint64', id: 2 } } },
      EnumeratedImageSizes: { fields: { sizes: { rule: 'repeated', type: 'ImageSize', id: 1 } } },
      ImageSizeRange: { fields: { widthRange: { type: 'SizeRange', id: 1 }, heightRange: { type: 'SizeRange', id: 2 } } },
    },
  },
  FeatureType: {
    oneofs: { Type: { oneof: ['imageType'] } },
    fields: { imageType: { type: 'ImageFeatureType', id: 4 }, isOptional: { type: 'bool', id: 1000 } },
  },
};

const model = {
  FeatureDescription: { fields: { name: { type: 'string', id: 1 }, shortDescription: { type: 'string', id: 2 }, type: { type: 'FeatureType', id: 3 } } },
  Metadata: {
    fields: {
      shortDescription: { type: 'string', id: 1 },
      versionString: { type: 'string', id: 2 },
      author: { type: 'string', id: 3 },
      license: { type: 'string', id: 4 },
      userDefined: { keyType: 'string', type: 'string', id: 100 },
    },
  },
  ModelDescription: {
    fields: {
      input: { rule: 'repeated', type: 'FeatureDescription', id: 1 },
      output: { rule: 'repeated', type: 'FeatureDescription', id: 10 },
      metadata: { type: 'Metadata', id: 100 },
    },
  },
  Model: {
    oneofs: { Type: { oneof: ['neuralNetwork'] } },
    fields: {
      specificationVersion: { type: 'int32', id: 1 },
      description: { type: 'ModelDescription', id: 2 },
      neuralNetwork: { type: 'NeuralNetwork', id: 500 },
    },
  },
};

const neuralNetwork = {
  NeuralNetwork: {
    fields: {
      layers: { rule: 'repeated', type: 'NeuralNetworkLayer', id: 1 },
      preprocessing: { rule: 'repeated', type: 'NeuralNetworkPreprocessing', id: 2 },
    },
  },
  NeuralNetworkImageScaler: {
    fields: {
      channelScale: { type: 'float', id: 10 },
      blueBias: { type: 'float', id: 20 },
      greenBias: { type: 'float', id: 21 },
      redBias: { type: 'float', id: 22 },
      grayBias: { type: 'float', id: 30 },
    },
  },
  NeuralNetworkPreprocessing: {
    oneofs: { preprocessor: { oneof: ['scaler'] } },
    fields: { featureName: { type: 'string', id: 1 }, scaler: { type: 'NeuralNetworkImageScaler', id: 10 } },
  },
  ActivationReLU: { fields: {} },
  ActivationTanh: { fields: {} },
  ActivationScaledTanh: { fields: { alpha: { type: 'float', id: 1 }, beta: { type: 'float', id: 2 } } },
  ActivationLinear: { fields: { alpha: { type: 'float', id: 1 }, beta: { type: 'float', id: 2 } } },
  ActivationParams: {
    oneofs: { NonlinearityType: { oneof: ['linear', 'ReLU', 'tanh', 'scaledTanh'] } },
    fields: {
      linear: { type: 'ActivationLinear', id: 5 },
      ReLU: { type: 'ActivationReLU', id: 10 },
      tanh: { type: 'ActivationTanh', id: 30 },
      scaledTanh: { type: 'ActivationScaledTanh', id: 31 },
    },
  },
  NeuralNetworkLayer: {
    oneofs: { layer: { oneof: ['convolution', 'activation', 'batchnorm', 'padding', 'upsample', 'add'] } },
    fields: {
      name: { type: 'string', id: 1 },
      input: { rule: 'repeated', type: 'string', id: 2 },
      output: { rule: 'repeated', type: 'string', id: 3 },
      convolution: { type: 'ConvolutionLayerParams', id: 100 },
      activation: { type: 'ActivationParams', id: 130 },
      batchnorm: { type: 'BatchnormLayerParams', id: 160 },
      padding: { type: 'PaddingLayerParams', id: 200 },
      upsample: { type: 'UpsampleLayerParams', id: 210 },
      add: { type: 'AddLayerParams', id: 230 },
    },
  },
  WeightParams: {
    fields: { floatValue: { rule: 'repeated', type: 'float', id: 1 }, float16Value: { type: 'bytes', id: 2 }, rawValue: { type: 'bytes', id: 30 } },
  },
  ConvolutionLayerParams: {
    oneofs: { ConvolutionPaddingType: { oneof: ['valid', 'same'] } },
    fields: {
      outputChannels: { type: 'uint64', id: 1 },
      kernelChannels: { type: 'uint64', id: 2 },
      nGroups: { type: 'uint64', id: 10 },
      kernelSize: { rule: 'repeated', type: 'uint64', id: 20 },
      stride: { rule: 'repeated', type: 'uint64', id: 30 },
      dilationFactor: { rule: 'repeated', type: 'uint64', id: 40 },
      valid: { type: 'ValidPadding', id: 50 },
      same: { type: 'SamePadding', id: 51 },
      isDeconvolution: { type: 'bool', id: 60 },
      hasBias: { type: 'bool', id: 70 },
      weights: { type: 'WeightParams', id: 90 },
      bias: { type: 'WeightParams', id: 91 },
      outputShape: { rule: 'repeated', type: 'uint64', id: 100 },
    },
  },
  BatchnormLayerParams: {
    fields: {
      channels: { type: 'uint64', id: 1 },
      computeMeanVar: { type: 'bool', id: 5 },
      instanceNormalization: { type: 'bool', id: 6 },
      epsilon: { type: 'float', id: 10 },
      gamma: { type: 'WeightParams', id: 15 },
      beta: { type: 'WeightParams', id: 16 },
      mean: { type: 'WeightParams', id: 17 },
      variance: { type: 'WeightParams', id: 18 },
    },
  },
  PaddingLayerParams: {
    oneofs: { PaddingType: { oneof: ['constant', 'reflection', 'replication'] } },
    fields: {
      constant: { type: 'PaddingConstant', id: 1 },
      reflection: { type: 'PaddingReflection', id: 2 },
      replication: { type: 'PaddingReplication', id: 3 },
      paddingAmounts: { type: 'BorderAmounts', id: 10 },
    },
    nested: { PaddingConstant: { fields: { value: { type: 'float', id: 1 } } }, PaddingReflection: { fields: {} }, PaddingReplication: { fields: {} } },
  },
  UpsampleLayerParams: {
    fields: { scalingFactor: { rule: 'repeated', type: 'uint64', id: 1 }, mode: { type: 'InterpolationMode', id: 5 } },
    nested: { InterpolationMode: { values: { NN: 0, BILINEAR: 1 } } },
  },
  AddLayerParams: { fields: { alpha: { type: 'float', id: 1 } } },
};

const root = protobuf.Root.fromJSON({
  nested: { CoreML: { nested: { Specification: { nested: { ...border, ...featureTypes, ...model, ...neuralNetwork } } } } },
});

/** The top-level message of a .mlmodel file. */
export const ModelMessage = root.lookupType('CoreML.Specification.Model');

/** ImageFeatureType.ColorSpace.RGB */
export const COLOR_RGB = 20;
