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

/** Channels of `img` as pixel graphs take it (see models/pixel-io.ts): RGBA when it has alpha, else RGB. */
export const colorChannels = (img: RawImage): 3 | 4 => (img.channels === 2 || img.channels === 4 ? 4 : 3);

/**
 * `img` as interleaved 8-bit RGB, or RGBA when `alpha` and it has alpha: the image itself when it
 * already is one; otherwise grey is replicated and 16-bit samples scaled and rounded. Decoders and
 * ffmpeg hand out 8-bit RGB(A), so this loop runs only for grey or 16-bit images.
 */
export function toColor8(img: RawImage, alpha: boolean): RawImage {
  const oc = alpha ? colorChannels(img) : 3;
  if (img.channels === oc && !(img.data instanceof Uint16Array)) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * oc);
  const c = img.channels;
  const scale = img.data instanceof Uint16Array ? 255 / 65535 : 1;
  for (let i = 0; i < n; i++) {
    const s = i * c;
    const r = img.data[s]! * scale;
    out[i * oc] = Math.round(r);
    out[i * oc + 1] = Math.round(c < 3 ? r : img.data[s + 1]! * scale);
    out[i * oc + 2] = Math.round(c < 3 ? r : img.data[s + 2]! * scale);
    if (oc === 4) out[i * oc + 3] = Math.round(img.data[s + c - 1]! * scale);
  }
  return { width: img.width, height: img.height, channels: oc, data: out };
}

/**
 * Indices of `images` grouped into batches of at most `batchSize` images of one size and one
 * {@link colorChannels} (one pixel graph input), in input order.
 */
export function sizeBatches(images: readonly RawImage[], batchSize: number): number[][] {
  const groups = new Map<string, number[]>();
  images.forEach((img, i) => {
    const key = `${img.width}x${img.height}x${colorChannels(img)}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const batches: number[][] = [];
  for (const idx of groups.values()) for (let s = 0; s < idx.length; s += batchSize) batches.push(idx.slice(s, s + batchSize));
  return batches;
}
