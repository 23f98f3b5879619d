import { styleTensor } from '../train/trainer.js';
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { defaultLayers, vggFeatures, type VggWeights } from '../models/vgg.js';
import { createSession, type Session } from '../runtime/ort.js';
import { buildGramGraph, TRAIN_IO } from '../train/graph.js';
import { contentLoss, styleLoss } from '../train/losses.js';

/** Input and output names of the evaluation loss graph. */
export const LOSS_IO = Object.freeze({ output: 'output', photo: 'photo', content: 'loss.content', style: 'loss.style' });

/** Unweighted perceptual losses of one stylized image, with training's conventions. */
export interface PerceptualLosses {
  /** mean((F_y - F_x)^2) at the content layer. */
  readonly content: number;
  /** Sum over the style layers of mean((G(F_y) - G_style)^2). */
  readonly style: number;
}

/**
 * Forward-only graph: a stylized image 'output' and its source 'photo' ([1, 3, H, W], RGB 0..255)
 * plus the style Grams 'gram.<layer>' ([1, C, C]) -> 'loss.content' and 'loss.style', unweighted.
 * Built from the same contentLoss/styleLoss as the training graph, so numbers are comparable with
 * training logs divided by their weights.
 */
export function buildLossGraph(vgg: VggWeights, contentLayer: string, styleLayers: readonly string[], height: number, width: number): Uint8Array {
  const g = new Graph('stylecast_eval_losses');
  const y = g.input(LOSS_IO.output, 'float32', [1, 3, height, width]);
  const x = g.input(LOSS_IO.photo, 'float32', [1, 3, height, width]);
  const fy = vggFeatures(y, vgg, [...new Set([contentLayer, ...styleLayers])]);
  const fx = vggFeatures(x, vgg, [contentLayer]);
  const grams = new Map(styleLayers.map((l) => {
    const c = fy.get(l)!.dims()[1] as number;
    return [l, g.input(TRAIN_IO.gram(l), 'float32', [1, c, c])] as const;
  }));
  g.output(contentLoss(fy.get(contentLayer)!, fx.get(contentLayer)!), LOSS_IO.content);
  g.output(styleLoss(fy, grams), LOSS_IO.style);
  return toOnnx(g);
}

/**
 * A style image resized (keeping aspect, enlarging if needed) so its longer side is `side`, as a
 * [1, 3, H, W] RGB 0..255 tensor: what training computes its Grams from with `--style-size`.
 */
export async function readStyleTensor(path: string, side: number): Promise<Tensor<'float32'>> {
  if (!Number.isInteger(side) || side < 1) throw new Error(`--style-size must be a positive integer, got ${side}`);
  return styleTensor(path, side, path);
}

export interface LossMeterOptions {
  readonly vgg: VggWeights;
  /** Style image tensor [1, 3, h, w] (see {@link readStyleTensor}). */
  readonly style: Tensor<'float32'>;
  /** Size of the images measured. */
  readonly width: number;
  readonly height: number;
  /** Defaults to the VGG's defaultLayers. */
  readonly contentLayer?: string;
  readonly styleLayers?: readonly string[];
  readonly threads?: number;
}

/**
 * Measures content and style losses of stylized images. The style Grams are computed once (a
 * separate small graph over the style image, as in training) and fed to one loss session reused for
 * every image.
 */
export class LossMeter {
  private constructor(
    private readonly session: Session,
    private readonly grams: Readonly<Record<string, Tensor>>,
    readonly width: number,
    readonly height: number,
  ) {}

  static async create(o: LossMeterOptions): Promise<LossMeter> {
    const layers = defaultLayers(o.vgg);
    const contentLayer = o.contentLayer ?? layers.content;
    const styleLayers = o.styleLayers ?? layers.style;
    if (!styleLayers.length) throw new Error('losses: no style layers');
    const threads = o.threads ? { threads: o.threads } : {};
    const [, , sh, sw] = o.style.dims as [number, number, number, number];
    const gramSession = await createSession(buildGramGraph(o.vgg, styleLayers, sh, sw), threads);
    let grams;
    try {
      grams = await gramSession.run({ style: o.style });
    } finally {
      await gramSession.release();
    }
    const session = await createSession(buildLossGraph(o.vgg, contentLayer, styleLayers, o.height, o.width), threads);
    return new LossMeter(session, grams, o.width, o.height);
  }

  /** Losses of `output` (stylized, 0..255) against `photo` (its source), both planar [3 * H * W]. */
  async measure(output: Float32Array, photo: Float32Array): Promise<PerceptualLosses> {
    const dims = [1, 3, this.height, this.width];
    const res = await this.session.run({ ...this.grams, [LOSS_IO.output]: f32(dims, output), [LOSS_IO.photo]: f32(dims, photo) });
    return { content: Number(res[LOSS_IO.content]!.data[0]), style: Number(res[LOSS_IO.style]!.data[0]) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
