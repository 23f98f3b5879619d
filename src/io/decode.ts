import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { checkImage, type RawImage } from './pixels.js';

/** How a decoded image is sized. Sizes are checked by sharp, whose errors name the bad value. */
export type Fit =
  /** As stored (after EXIF orientation). */
  | { readonly mode: 'none' }
  /**
   * Scaled, keeping aspect, so the longer side is `side`; smaller images keep their size unless
   * `enlarge`. With `maxAspect`, a longer image is first centre-cropped to that aspect, so a thin
   * strip keeps a usable shorter side (20000x100 at side 256 would be 256x1).
   */
  | { readonly mode: 'inside'; readonly side: number; readonly enlarge: boolean; readonly maxAspect?: number }
  /** Scaled, keeping aspect, to cover width x height, then centre-cropped to exactly that. */
  | { readonly mode: 'cover'; readonly width: number; readonly height: number }
  /** The largest square, at a position drawn from `rand` (left, then top), scaled to size x size. */
  | { readonly mode: 'random-crop'; readonly size: number; readonly rand: () => number };

export interface DecodeOptions {
  /** Defaults to `{ mode: 'none' }`. */
  readonly fit?: Fit;
  /**
   * 'keep' (default): alpha kept, 16-bit files stay 16-bit (grey ones as one channel; 8-bit grey
   * comes out RGB, sharp's sRGB output), so outputs can keep them; 'rgb': 8-bit RGB without alpha,
   * what the networks are trained on.
   */
  readonly pixels?: 'keep' | 'rgb';
  /**
   * With pixels 'rgb': composite transparent pixels onto white instead of dropping alpha (the colour
   * values under transparency are arbitrary, often black). For paintings and textures cut out on paper.
   */
  readonly flatten?: boolean;
  /** Refuse larger images from their header, before any pixel is decoded. Without it, sharp's own limit applies. */
  readonly maxPixels?: number;
  /** 'truncated' (default) decodes files with damage libvips can recover from; 'warning' refuses them. */
  readonly failOn?: 'truncated' | 'warning';
  /** Names the image in errors; defaults to the path, or 'image buffer'. */
  readonly name?: string;
  /**
   * Word failures for the person who chose the file ('no such file', 'empty file', 'not a supported
   * image ...', 'corrupt or truncated image (...)') rather than passing on sharp's first line.
   */
  readonly explain?: boolean;
}

/** A one-line decode failure: `${image}: ${reason}`. */
export class DecodeError extends Error {
  constructor(
    readonly image: string,
    readonly reason: string,
  ) {
    super(`${image}: ${reason}`);
  }
}

const firstLine = (e: unknown): string => ((e as Error).message ?? String(e)).split('\n')[0]!;

function explain(e: unknown): string {
  const msg = firstLine(e);
  if (/unsupported image format/i.test(msg)) return 'not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF)';
  if (/premature end|truncated|corrupt|invalid|VipsJpeg|pngload|webpload/i.test(msg)) return `corrupt or truncated image (${msg})`;
  return msg;
}

/** The file's bytes, so that file-system failures are told apart from decode failures. */
async function readBytes(src: string | Uint8Array, name: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = typeof src === 'string' ? await readFile(src) : src;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DecodeError(name, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : explain(e));
  }
  if (bytes.byteLength === 0) throw new DecodeError(name, 'empty file');
  return bytes;
}

function applyFit(img: Sharp, fit: Fit, meta: Metadata): Sharp {
  switch (fit.mode) {
    case 'none':
      return img;
    case 'inside': {
      const crop = fit.maxAspect === undefined ? undefined : aspectCrop(meta, fit.maxAspect);
      return (crop ? img.extract(crop) : img).resize({ width: fit.side, height: fit.side, fit: 'inside', withoutEnlargement: !fit.enlarge });
    }
    case 'cover':
      return img.resize(fit.width, fit.height, { fit: 'cover', position: 'centre' });
    case 'random-crop': {
      // The crop is placed in the upright image, which rotate() (EXIF orientation) produces.
      const w = meta.autoOrient?.width ?? meta.width ?? 0;
      const h = meta.autoOrient?.height ?? meta.height ?? 0;
      const side = Math.min(w, h);
      const left = Math.floor(fit.rand() * (w - side + 1));
      const top = Math.floor(fit.rand() * (h - side + 1));
      return img.extract({ left, top, width: side, height: side }).resize(fit.size, fit.size, { fit: 'fill' });
    }
  }
}

/** The centre window of the upright image with aspect at most `max`, or undefined when it already is. */
function aspectCrop(meta: Metadata, max: number): { left: number; top: number; width: number; height: number } | undefined {
  const w = meta.autoOrient?.width ?? meta.width ?? 0;
  const h = meta.autoOrient?.height ?? meta.height ?? 0;
  if (w <= max * h && h <= max * w) return undefined;
  const width = Math.min(w, Math.round(max * h));
  const height = Math.min(h, Math.round(max * w));
  return { left: Math.floor((w - width) / 2), top: Math.floor((h - height) / 2), width, height };
}

/** The size a fit mode promises, where it promises one. */
function fixedSize(fit: Fit): { width: number; height: number } | undefined {
  if (fit.mode === 'cover') return { width: fit.width, height: fit.height };
  if (fit.mode === 'random-crop') return { width: fit.size, height: fit.size };
  return undefined;
}

async function toPixels(img: Sharp, pixels: 'keep' | 'rgb', meta: Metadata, flatten: boolean): Promise<RawImage> {
  if (pixels === 'rgb') {
    const opaque = flatten && meta.hasAlpha ? img.flatten({ background: '#ffffff' }) : img.removeAlpha();
    const { data, info } = await opaque.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }
  const deep = meta.depth === 'ushort';
  if (deep) img = img.toColourspace(meta.channels && meta.channels < 3 ? 'grey16' : 'rgb16');
  const { data, info } = await img.raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const samples = deep ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: info.width, height: info.height, channels: info.channels as RawImage['channels'], data: samples };
}

/**
 * Decode an image file or buffer to interleaved pixels, upright (EXIF orientation applied) and sized
 * by `fit`. Every failure is a one-line {@link DecodeError} naming the image.
 *
 * @example
 * const crop = await decodeImage('photo.jpg', { fit: { mode: 'random-crop', size: 256, rand: rng(1) }, pixels: 'rgb' });
 */
export async function decodeImage(src: string | Uint8Array, o: DecodeOptions = {}): Promise<RawImage> {
  const name = o.name ?? (typeof src === 'string' ? src : 'image buffer');
  const reason = o.explain ? explain : firstLine;
  const input = o.explain ? await readBytes(src, name) : src;
  let meta: Metadata;
  try {
    // Header only: sizes are known (and the limit checked) before any pixel is decoded.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new DecodeError(name, reason(e));
  }
  const { width = 0, height = 0 } = meta;
  if (width < 1 || height < 1) throw new DecodeError(name, `image has no pixels (${width}x${height})`);
  if (o.maxPixels !== undefined && width * height > o.maxPixels) {
    throw new DecodeError(name, `${width}x${height} is over the ${Math.round(o.maxPixels / 1e6)}-megapixel limit`);
  }
  const fit = o.fit ?? { mode: 'none' };
  let out: RawImage;
  try {
    const img = sharp(input, { failOn: o.failOn ?? 'truncated', ...(o.maxPixels === undefined ? {} : { limitInputPixels: o.maxPixels }) }).rotate();
    out = await toPixels(applyFit(img, fit, meta), o.pixels ?? 'keep', meta, o.flatten ?? false);
    checkImage(out, name);
  } catch (e) {
    throw new DecodeError(name, reason(e));
  }
  const want = fixedSize(fit);
  // Callers index the pixels by the size they asked for.
  if (want && (out.width !== want.width || out.height !== want.height)) {
    throw new DecodeError(name, `decoded ${out.width}x${out.height}, expected ${want.width}x${want.height}`);
  }
  return out;
}
