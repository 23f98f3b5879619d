import { toOnnx } from '../graph/onnx.js';
import { toFloat16Graph } from '../models/precision.js';
import type { LoadedModel, TransformerModel } from '../models/modelfile.js';
import type { StyleMix } from '../models/styles.js';
import { buildTransformer, STYLE_INPUT } from '../models/transformer.js';
import { exportedNetwork } from './style.js';
import { checkExportSize } from './coreml/writer.js';

export interface OnnxExportOptions {
  /** Fixed [width, height] (batch 1); omitted: dynamic batch, height and width. */
  readonly size?: readonly [number, number];
  /** Compute in float16 (the input and output stay float32). */
  readonly fp16?: boolean;
  /** A multi-style model's style or mix, baked into the norms; without one the graph keeps its `style` input. */
  readonly style?: StyleMix;
}

/** Names of the exported graph's input and output. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

/**
 * The I/O convention every exported ONNX model states in its metadata_props (ONNX's model-level
 * key/value metadata), so a runtime that knows nothing of stylecast can feed it.
 */
export function ioConvention(model: LoadedModel, size?: readonly [number, number], styles?: readonly string[]): Record<string, string> {
  const [lo, hi] = model.info.inputRange;
  return {
    ...(styles ? { 'io.style': `${STYLE_INPUT}: float32 [${styles.length}], one weight per style (${styles.join(', ')}), summing to 1: one-hot picks a style, others blend` } : {}),
    'io.input': `${ONNX_INPUT}: float32 [N, 3, H, W], NCHW, RGB, values ${lo}..${hi}`,
    'io.output': `${ONNX_OUTPUT}: float32 [N, 3, H, W], NCHW, RGB, values 0..255 unclamped (clamp and round for an 8-bit image)`,
    'io.size': size ? `${size[0]}x${size[1]} (fixed, batch 1)` : `dynamic: H and W multiples of ${model.stride}, at least ${model.minSide} (pad, e.g. by reflection, then crop)`,
    'io.layout': 'NCHW',
    'io.range': `${lo}..${hi}`,
  };
}

/**
 * A self-contained ONNX model of a stylecast network for any runtime: opset 17, standard ops only,
 * I/O convention in metadata, plus where it came from (name, style, licence, source sha256). It has no
 * 'stylecast.format' key: `stylecast import` reads it back (its weights are recognized).
 */
export function exportOnnx(model: TransformerModel, opts: OnnxExportOptions = {}): Uint8Array {
  if (opts.size) checkExportSize(model, opts.size);
  const shape = opts.size ? ([1, opts.size[1], opts.size[0]] as const) : undefined;
  const net = exportedNetwork(model, opts.style, 'onnx', true);
  let g = buildTransformer(net.config, net.weights, shape ? { shape } : {});
  if (opts.fp16) g = toFloat16Graph(g);
  const { info } = model;
  const styles = net.config.styles === undefined ? undefined : model.styles?.map((s) => s.name);
  const io = ioConvention(model, opts.size, styles);
  return toOnnx(g, {
    docString: `${info.style}: feed-forward neural style transfer (Johnson et al. 2016), exported by stylecast. ${io['io.input']}; ${io['io.output']}.`,
    metadata: {
      ...io,
      'stylecast.name': info.name,
      'stylecast.style': info.style,
      'stylecast.license': info.license,
      'stylecast.source': info.source,
      'stylecast.sourceSha256': model.sha256,
      'stylecast.precision': opts.fp16 ? 'fp16' : 'fp32',
      'stylecast.config': JSON.stringify(net.config),
      ...(net.baked ? { 'stylecast.styleMix': net.baked } : {}),
      ...(styles ? { 'stylecast.styles': JSON.stringify(model.styles) } : {}),
    },
  });
}
