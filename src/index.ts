/**
 * stylecast: real-time feed-forward neural style transfer on onnxruntime.
 *
 * @example
 * import { loadModel, Stylizer, readImage, writeImage } from 'stylecast-nst';
 * const stylizer = await Stylizer.create(await loadModel('candy'));
 * await writeImage('out.jpg', await stylizer.stylize(await readImage('photo.jpg')));
 */
export { Graph, Value, Node, type OpDef, type GradRule, type GradContext, type Shape, type Dim } from './graph/graph.js';
export { toOnnx, parseOnnx, OPSET } from './graph/onnx.js';
export { f32, i64, tensor, type Tensor, type DType } from './graph/tensor.js';
export {
  PRESETS,
  STRIDE,
  buildTransformer,
  transformerForward,
  paramSpecs,
  randomWeights,
  checkWeights,
  countCost,
  minInputSide,
  strideOf,
  levelWidths,
  type TransformerConfig,
  type Weights,
} from './models/transformer.js';
export { encodeModel, decodeModel, readModelFile, writeModelFile, toLoaded, transformerOf, type StyleModel, type LoadedModel, type TransformerModel, type OpaqueModel, type OpaqueInfo, type ModelInfo, type QuantizationInfo } from './models/modelfile.js';
export { quantizeModel, type QuantizeOptions, type QuantizedPrecision, type CalibrationPhotos } from './compress/quantize.js';
export { calibrate } from './runtime/calibrate.js';
export { compress, studentConfig, transferWeights, channelImportance, defaultDropBlocks, DEFAULT_DISTILL_WEIGHT, type CompressOptions, type CompressSpec, type TransferReport } from './compress/index.js';
export { inferenceOnnx } from './models/inference.js';
export { parseStyleMix, formatStyleMix, mixWeights, styleFeed, bakeStyle, replicateStyle, appendStyle, normParamNames, type StyleEntry, type StyleMix, type NetworkWeights } from './models/styles.js';
export { buildHalfResTransformer } from './models/halfres.js';
export { DEFAULT_MODEL, type SpeedClass } from './io/registry.js';
export { loadModel, importTeacher, localModelPath, registerLocalModel } from './models/load.js';
export { exportModel, EXPORT_FORMATS, encodeCoreml, decodeCoreml, coremlLayers, coremlModel, evaluateCoreml, exportOnnx, ioConvention, type ExportFormat, type ExportOptions, type CoremlOptions, type OnnxExportOptions, type Blob } from './export/index.js';
export { importForeign, INPUT_RANGES, type InputRange, type ForeignImportOptions, type ForeignImport } from './import/foreign.js';
export { listModels, type CatalogRow } from './models/catalog.js';
export { importEngstrom } from './models/importers/engstrom.js';
export { importTorch } from './models/importers/torch.js';
export { REGISTRY, findEntry, type AssetEntry } from './io/registry.js';
export { resolveAsset, defaultStore, type StoreOptions } from './io/store.js';
export { readImage, writeImage, encodeImage, type ReadImageOptions } from './io/image.js';
export { Stylizer, type StylizerOptions } from './runtime/stylizer.js';
export { imagesToTensor, type RawImage } from './io/pixels.js';
export { pixelOnnx, withPixelIO, PIXELS_INPUT, PIXELS_OUTPUT, type PixelLayout, type PixelChannels } from './models/pixel-io.js';
export { createSession, type Session, type SessionOptions } from './runtime/ort.js';
export { stylizeFiles, type FileEvent } from './runtime/files.js';
export { verifyFixture } from './verify/index.js';
export { stylizeVideo, type VideoOptions, type VideoResult, type VideoEvent, type ScaleReport } from './video/stylize.js';
export { defaultVideoThreads, type VideoThreads } from './video/threads.js';
export { measureFlicker, flickerOfFiles, type FlickerResult } from './video/flicker.js';
export { runPipeline, checkFrame, type PipelineOptions, type PipelineStats, type PipelineEvent } from './runtime/pipeline.js';
export { Fifo, type FifoPolicy, type FifoStats } from './runtime/fifo.js';
export { WorkerStylizer, type FrameStylizer, type StylizeOptions, type StylizerTiming } from './runtime/worker.js';
export { ScaleController, SCALE_LADDER, scaledSize, ladderFor, type ScaleControllerOptions, type ScaleChange, type ScaleState } from './runtime/adaptive.js';
export { ScaledStylizer, type ScaledStylizerOptions } from './runtime/scaled-stylizer.js';
export { probeVideo, decodeVideo, encodeVideo, type VideoInfo } from './io/video.js';
export { train, type TrainOptions, type TrainEvent } from './train/trainer.js';
export { verifyPerceptualFixture } from './verify/perceptual.js';
export { loadVgg } from './models/importers/vgg.js';
export { runSweep, expandSweep, readSweepSpec, writeSweepReport, DEFAULT_SWEEP, type SweepSpec, type SweepReport, type SweepResult } from './sweep/index.js';
export { toFloat16Graph, toInt8Graph, PRECISIONS, type Precision, type Int8Options } from './models/precision.js';
export { measureMatmulPeak } from './perf/peak.js';
export { summarize } from './perf/stats.js';
export { timeSession } from './perf/time.js';
export { evaluate, formatEvalMarkdown, formatEvalJson, psnr, ssim, LossMeter, type EvalOptions, type EvalReport, type EvalRow, type EvalEvent, type SsimOptions, type PerceptualLosses } from './eval/index.js';
export {
  submit,
  waitFor,
  startWorker,
  listJobs,
  checkRedis,
  DEFAULT_QUEUE,
  type QueueTarget,
  type SubmitOptions,
  type Submission,
  type SubmitEvent,
  type WaitOptions,
  type WorkerOptions,
  type WorkerEvent,
  type ScaleWorker,
  type JobRow,
  type ListOptions,
  type JobName,
  type JobResult,
} from './scale/index.js';
export { splitVideo, concatVideos, type ConcatOptions } from './io/video.js';
