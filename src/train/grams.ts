import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { vggFeatures, type VggWeights } from '../models/vgg.js';
import { TRAIN_IO } from './io.js';
import { gram } from './losses.js';

/** A graph mapping a style image [1, 3, H, W] (RGB 0..255) to its Grams 'gram.<layer>' at the given layers. */
export function buildGramGraph(vgg: VggWeights, layers: readonly string[], height: number, width: number): Uint8Array {
  const g = new Graph('stylecast_style_grams');
  const x = g.input('style', 'float32', [1, 3, height, width]);
  const f = vggFeatures(x, vgg, layers);
  for (const l of layers) g.output(gram(f.get(l)!), TRAIN_IO.gram(l));
  return toOnnx(g);
}
