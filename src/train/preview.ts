import sharp from 'sharp';
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { writeFileAtomic } from '../io/atomic.js';
import { paramSpecs, STYLE_INPUT, styleInput, transformerForward, type TransformerConfig } from '../models/transformer.js';
import { createSession, type Session } from '../runtime/ort.js';
import { randomCrop } from './data.js';

/**
 * Stylizes a fixed set of photos with the current parameters: one session whose parameters are
 * inputs, built once. Writes a PNG sheet: photos on the top row, outputs below (a multi-style
 * network's styles one row each).
 */
export class Previewer {
  private constructor(
    private readonly session: Session,
    private readonly photos: Tensor<'float32'>,
    private readonly size: number,
    private readonly dims: ReadonlyMap<string, readonly number[]>,
    private readonly styles: number | undefined,
  ) {}

  static async create(files: readonly string[], config: TransformerConfig, size: number, threads?: number): Promise<Previewer> {
    const photos = f32([files.length, 3, size, size]);
    // Centre crops (rand() = 0.5), so previews are comparable across steps.
    for (let i = 0; i < files.length; i++) photos.data.set(await randomCrop(files[i]!, size, () => 0.5), i * 3 * size * size);
    const g = new Graph('stylecast_preview');
    const params = new Map(paramSpecs(config).map((p) => [p.name, g.input(p.name, 'float32', p.dims)]));
    const input = g.input('input', 'float32', [files.length, 3, size, size]);
    g.output(transformerForward(input, config, params, styleInput(g, config)), 'output');
    const dims = new Map(paramSpecs(config).map((p) => [p.name, p.dims]));
    return new Previewer(await createSession(toOnnx(g), threads ? { threads } : {}), photos, size, dims, config.styles);
  }

  async write(path: string, params: ReadonlyMap<string, Float32Array>): Promise<void> {
    const feeds: Record<string, Tensor> = { input: this.photos };
    for (const [k, v] of params) feeds[k] = f32(this.dims.get(k)!, v);
    const rows = [this.photos];
    const S = this.styles;
    for (let s = 0; s < (S ?? 1); s++) {
      if (S !== undefined) feeds[STYLE_INPUT] = f32([S], Float32Array.from({ length: S }, (_, k) => (k === s ? 1 : 0)));
      rows.push((await this.session.run(feeds, ['output'])).output as Tensor<'float32'>);
    }
    await writeFileAtomic(path, await sheet(rows, this.size));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Rows of NCHW 0..255 tensors as one PNG. */
async function sheet(rows: readonly Tensor<'float32'>[], size: number): Promise<Buffer> {
  const n = rows[0]!.dims[0]!;
  const W = n * size;
  const H = rows.length * size;
  const px = new Uint8Array(W * H * 3);
  const plane = size * size;
  rows.forEach((t, r) => {
    for (let b = 0; b < n; b++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          for (let c = 0; c < 3; c++) {
            const v = t.data[b * 3 * plane + c * plane + y * size + x]!;
            px[((r * size + y) * W + b * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
          }
  });
  return sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}
