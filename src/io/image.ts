import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { checkImage, type RawImage } from '../runtime/image.js';
import { writeFileAtomic } from './atomic.js';

/** Images larger than this are refused from their header, before any pixel is decoded. */
export const MAX_PIXELS = 64 * 1024 * 1024;

export interface ReadImageOptions {
  /** Downscale (keeping aspect) so the longer side is at most this. */
  readonly maxSide?: number;
  /** Pixel limit checked against the header; defaults to {@link MAX_PIXELS}. */
  readonly maxPixels?: number;
}

function describe(e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  if (/unsupported image format/i.test(msg)) return 'not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF)';
  if (/premature end|truncated|corrupt|invalid|VipsJpeg|pngload|webpload/i.test(msg)) return `corrupt or truncated image (${msg.split('\n')[0]})`;
  return msg.split('\n')[0]!;
}

/**
 * Decode an image file or buffer to interleaved pixels (8-bit, or 16-bit when the file is), applying
 * EXIF orientation. Errors are one line naming the file and the problem.
 */
export async function readImage(src: string | Uint8Array, opts: ReadImageOptions = {}): Promise<RawImage> {
  const what = typeof src === 'string' ? src : 'image buffer';
  let bytes: Uint8Array;
  if (typeof src === 'string') {
    try {
      bytes = await readFile(src);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`${what}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : describe(e)}`);
    }
  } else bytes = src;
  if (bytes.byteLength === 0) throw new Error(`${what}: empty file`);
  const limit = opts.maxPixels ?? MAX_PIXELS;
  let meta: Metadata;
  try {
    // Header only: the size check happens before decoding any pixel.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`${what}: ${describe(e)}`);
  }
  const { width = 0, height = 0 } = meta;
  if (width < 1 || height < 1) throw new Error(`${what}: image has no pixels (${width}x${height})`);
  if (width * height > limit) {
    throw new Error(`${what}: ${width}x${height} is over the ${Math.round(limit / 1e6)}-megapixel limit`);
  }
  const deep = meta.depth === 'ushort';
  try {
    let img = sharp(bytes, { failOn: 'truncated', limitInputPixels: limit }).rotate();
    if (opts.maxSide !== undefined) {
      if (!Number.isInteger(opts.maxSide) || opts.maxSide < 1) throw new Error(`--max-side must be a positive integer, got ${opts.maxSide}`);
      img = img.resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
    }
    if (deep) img = img.toColourspace(meta.channels && meta.channels < 3 ? 'grey16' : 'rgb16');
    const { data, info } = await img.raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const pixels = deep ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out: RawImage = { width: info.width, height: info.height, channels: info.channels as RawImage['channels'], data: pixels };
    checkImage(out, what);
    return out;
  } catch (e) {
    throw new Error(`${what}: ${describe(e)}`);
  }
}

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export function formatFromPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.png') return 'png';
  if (ext === '.webp') return 'webp';
  throw new Error(`${path}: unsupported output format '${ext || '(none)'}'; use .jpg, .png or .webp`);
}

/** Encode pixels to JPEG/PNG/WebP bytes. */
export async function encodeImage(img: RawImage, format: ImageFormat): Promise<Buffer> {
  checkImage(img);
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels, ...(img.data instanceof Uint16Array ? { depth: 'ushort' as const } : {}) },
  });
  if (format === 'jpeg') return s.jpeg({ quality: 92, mozjpeg: true }).toBuffer();
  if (format === 'webp') return s.webp({ quality: 90 }).toBuffer();
  return s.png().toBuffer();
}

/** Encode by extension and write atomically: a failed write leaves no partial file. */
export async function writeImage(path: string, img: RawImage): Promise<void> {
  const bytes = await encodeImage(img, formatFromPath(path));
  await writeFileAtomic(path, bytes);
}
