import { f32, type Tensor } from '../graph/tensor.js';

/**
 * Interleaved (HWC) pixels, as decoders hand them out. Works in Node and the browser.
 * channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; 8-bit (Uint8Array) or 16-bit (Uint16Array).
 */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
}

export function checkImage(img: RawImage, what = 'image'): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new Error(`${what} has no pixels (${img.width}x${img.height})`);
  }
  if (![1, 2, 3, 4].includes(img.channels)) throw new Error(`${what} has ${img.channels} channels; expected 1 to 4`);
  const n = img.width * img.height * img.channels;
  if (img.data.length !== n) throw new Error(`${what}: ${img.data.length} samples for ${img.width}x${img.height}x${img.channels} (${n})`);
}

/** Mirror an index into [0, n) without repeating the edge (numpy 'reflect'); folds as often as needed. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * Pack same-sized images into one NCHW float32 tensor of RGB 0..255, reflect-padded at the bottom and
 * right up to a multiple of `stride` (and at least `minSide`) so every layer sees whole pixels; crop
 * the result back later.
 */
export function imagesToTensor(images: readonly RawImage[], stride = 1, minSide = 1): Tensor<'float32'> {
  const first = images[0];
  if (!first) throw new Error('no images to stylize');
  const { width: w, height: h } = first;
  const H = roundUp(Math.max(h, minSide), stride);
  const W = roundUp(Math.max(w, minSide), stride);
  const t = f32([images.length, 3, H, W]);
  const plane = H * W;
  images.forEach((img, b) => {
    checkImage(img);
    if (img.width !== w || img.height !== h) throw new Error(`batch mixes sizes ${w}x${h} and ${img.width}x${img.height}`);
    const scale = img.data instanceof Uint16Array ? 255 / 65535 : 1;
    const c = img.channels;
    const grey = c < 3;
    const base = b * 3 * plane;
    for (let y = 0; y < H; y++) {
      const sy = y < h ? y : reflectIndex(y, h);
      for (let x = 0; x < W; x++) {
        const sx = x < w ? x : reflectIndex(x, w);
        const s = (sy * w + sx) * c;
        const o = base + y * W + x;
        const r = img.data[s]! * scale;
        t.data[o] = r;
        t.data[o + plane] = grey ? r : img.data[s + 1]! * scale;
        t.data[o + 2 * plane] = grey ? r : img.data[s + 2]! * scale;
      }
    }
  });
  return t;
}

/**
 * Image `index` of an NCHW output, cropped to width x height, clamped to 0..255 and rounded.
 * When `alphaFrom` has an alpha channel it is carried over, so transparent PNGs stay transparent.
 */
/**
 * The top-left width x height of image `index` of a [N, 3, H, W] output as RGB planes, clamped to
 * 0..255 (NaN -> 0) but not rounded: what quality metrics are measured on (tensorToImage rounds).
 */
export function tensorToPlanes(t: Tensor<'float32'>, width: number, height: number, index = 0): Float32Array {
  const [n, c, H, W] = t.dims as [number, number, number, number];
  if (index >= n || c !== 3 || H < height || W < width) throw new Error(`network output [${t.dims.join(', ')}] cannot hold image ${index} of ${width}x${height}`);
  const out = new Float32Array(3 * width * height);
  const base = index * 3 * H * W;
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = t.data[base + k * H * W + y * W + x]!;
        out[k * width * height + y * width + x] = v > 0 ? (v < 255 ? v : 255) : 0;
      }
    }
  }
  return out;
}

export function tensorToImage(t: Tensor<'float32'>, index: number, width: number, height: number, alphaFrom?: RawImage): RawImage {
  const [n, c, H, W] = t.dims as [number, number, number, number];
  if (index >= n || c !== 3 || H < height || W < width) {
    throw new Error(`network output [${t.dims.join(', ')}] cannot hold image ${index} of ${width}x${height}`);
  }
  const alpha = alphaFrom && (alphaFrom.channels === 2 || alphaFrom.channels === 4) ? alphaFrom : undefined;
  const oc = alpha ? 4 : 3;
  const out = new Uint8Array(width * height * oc);
  const plane = H * W;
  const base = index * 3 * plane;
  const aScale = alpha?.data instanceof Uint16Array ? 255 / 65535 : 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = base + y * W + x;
      const o = (y * width + x) * oc;
      for (let k = 0; k < 3; k++) {
        const v = t.data[i + k * plane]!;
        // NaN maps to 0 rather than poisoning the frame.
        out[o + k] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
      }
      if (alpha) out[o + 3] = Math.round(alpha.data[(y * width + x) * alpha.channels + alpha.channels - 1]! * aScale);
    }
  }
  return { width, height, channels: oc as 3 | 4, data: out };
}

/** Indices of `images` grouped into batches of at most `batchSize` images of one size, in input order. */
export function sizeBatches(images: readonly RawImage[], batchSize: number): number[][] {
  const groups = new Map<string, number[]>();
  images.forEach((img, i) => {
    const key = `${img.width}x${img.height}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const batches: number[][] = [];
  for (const idx of groups.values()) for (let s = 0; s < idx.length; s += batchSize) batches.push(idx.slice(s, s + batchSize));
  return batches;
}
