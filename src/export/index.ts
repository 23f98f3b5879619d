import { transformerOf, type LoadedModel } from '../models/codec.js';
import { encodeCoreml } from './coreml/writer.js';
import { exportOnnx } from './onnx.js';
import type { StyleMix } from '../models/styles.js';

export const EXPORT_FORMATS = Object.freeze(['coreml', 'onnx'] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly format: ExportFormat;
  /** Fixed [width, height]; omitted: any size (CoreML: a flexible size range; ONNX: dynamic axes). */
  readonly size?: readonly [number, number];
  /** float16 weights (CoreML) or float16 computation (ONNX). */
  readonly fp16?: boolean;
  /**
   * A multi-style model's style or mix, baked in (a single-style network). Required for CoreML;
   * without it an ONNX export keeps the `style` input and every style.
   */
  readonly style?: StyleMix;
}

/**
 * A style model in another runtime's format: 'coreml' (.mlmodel, NeuralNetwork) or 'onnx' (clean ONNX).
 *
 * @example
 * await writeFileAtomic('Style.mlmodel', exportModel(await loadModel('candy_rt'), { format: 'coreml', size: [640, 480] }));
 */
export function exportModel(model: LoadedModel, opts: ExportOptions): Uint8Array {
  const format = opts.format as string;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`unknown export format '${format}' (expected ${EXPORT_FORMATS.join(' or ')})`);
  // Both formats are rebuilt layer by layer from the architecture.
  const m = transformerOf(model, `export --format ${format}`);
  const rest = { ...(opts.size ? { size: opts.size } : {}), ...(opts.fp16 ? { fp16: true } : {}), ...(opts.style === undefined ? {} : { style: opts.style }) };
  return format === 'coreml' ? encodeCoreml(m, rest) : exportOnnx(m, rest);
}

export { encodeCoreml, decodeCoreml, coremlLayers, coremlModel, COREML_INPUT, COREML_OUTPUT, type CoremlOptions } from './coreml/writer.js';
export { evaluateCoreml, type Blob } from './coreml/evaluate.js';
export { exportOnnx, ioConvention, type OnnxExportOptions } from './onnx.js';
