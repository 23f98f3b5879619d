import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { conv, relu } from '../../src/ops/index.js';
import { convNames, type VggWeights } from '../../src/models/vgg.js';
import { rng } from '../../src/models/transformer.js';
import { randomTensor } from './gradcheck.js';

/** A smooth random photo (low-frequency colour blobs), so crops and styles have structure. */
async function photo(path: string, w: number, h: number, seed: number): Promise<void> {
  const r = rng(seed);
  const small = Buffer.from(Array.from({ length: 4 * 4 * 3 }, () => Math.floor(r() * 256)));
  const img = sharp(small, { raw: { width: 4, height: 4, channels: 3 } }).resize(w, h, { kernel: 'cubic' });
  await (path.endsWith('.png') ? img.png() : path.endsWith('.webp') ? img.webp() : img.jpeg()).toFile(path);
}

/** A content folder (nested, JPEG/PNG/WebP) and a style image under dir. */
export async function trainingSet(dir: string, count = 4): Promise<{ content: string; style: string }> {
  const content = join(dir, 'photos');
  mkdirSync(join(content, 'nested'), { recursive: true });
  const exts = ['jpg', 'png', 'webp'];
  for (let i = 0; i < count; i++) await photo(join(content, i % 2 ? 'nested' : '', `p${i}.${exts[i % 3]}`), 40 + 4 * i, 36 + 6 * i, i + 1);
  writeFileSync(join(content, 'notes.txt'), 'not a photo');
  const style = join(dir, 'style.png');
  await photo(style, 48, 40, 99);
  return { content, style };
}

const WIDTHS = [4, 6, 8];

/** A tiny random VGG-16 prefix (blocks 1-3, widths 4/6/8) with torchvision preprocessing. */
export function tinyVgg(seed = 7): VggWeights {
  const names = convNames('vgg16').slice(0, 7);
  let cin = 3;
  const convs = names.map((name, i) => {
    const out = WIDTHS[Number(name[4]) - 1]!;
    const c = { name, weight: randomTensor([out, cin, 3, 3], seed + i, -0.4, 0.4), bias: randomTensor([out], seed + 50 + i, -0.05, 0.05) };
    cin = out;
    return c;
  });
  return { topology: 'vgg16', preprocess: 'torch', convs, source: 'tiny random vgg' };
}

/** The same tiny VGG as an ONNX file with torchvision-style initializer names (features.<i>.weight). */
export function writeTinyVggOnnx(path: string, seed = 7): void {
  const w = tinyVgg(seed);
  const g = new Graph('vgg');
  let h = g.input('x', 'float32', [1, 3, 8, 8]);
  w.convs.forEach((c, i) => {
    h = relu(conv(h, g.constant(c.weight, `features.${2 * i}.weight`), g.constant(c.bias, `features.${2 * i}.bias`), { pads: [1, 1, 1, 1] }));
  });
  g.output(h, 'y');
  writeFileSync(path, toOnnx(g));
}
