import type { TransformerModel } from '../models/modelfile.js';
import { bakeStyle, formatStyleMix, mixWeights, type NetworkWeights, type StyleMix } from '../models/styles.js';

/** The network an export writes, and the style it paints when one was baked in. */
export interface ExportedNetwork extends NetworkWeights {
  /** 'candy=0.7,mosaic=0.3' with every weight normalized; absent when the network is as stored. */
  readonly baked?: string;
}

/**
 * A multi-style model's `style` baked into plain norms (one single-style network), or the model as
 * stored. `keepStyles`: the format can take the `style` input (ONNX), so without a style the
 * network keeps all its styles; otherwise (CoreML) a multi-style model needs a style.
 */
export function exportedNetwork(m: TransformerModel, style: StyleMix | undefined, format: string, keepStyles: boolean): ExportedNetwork {
  if (!m.styles) {
    if (style !== undefined) mixWeights(undefined, style, m.info.name);
    return { config: m.config, weights: m.weights };
  }
  if (style === undefined) {
    if (keepStyles) return { config: m.config, weights: m.weights };
    throw new Error(`${format} export of the multi-style network ${m.info.name} bakes one style or mix in: pass --style (one of ${m.styles.map((s) => s.name).join(', ')}, or a mix such as ${m.styles[0]!.name}=0.5,${m.styles[m.styles.length - 1]!.name}=0.5)`);
  }
  const w = mixWeights(m.styles, style, m.info.name);
  // The float32 weights to 6 digits: 0.7, not 0.699999988.
  const mix = Object.fromEntries(m.styles.flatMap((s, i) => (w[i] ? [[s.name, Number(w[i]!.toPrecision(6))]] : [])));
  return { ...bakeStyle(m, w), baked: formatStyleMix(mix) };
}
