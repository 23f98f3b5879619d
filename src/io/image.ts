import { extname } from 'node:path';
import sharp from 'sharp';
import { checkImage, type RawImage } from './pixels.js';
import { writeFileAtomic } from './atomic.js';
import { decodeImage } from './decode.js';

/** Images larger than this are refused from their header, before any pixel is decoded. */
export const MAX_PIXELS = 64 * 1024 * 1024;

export interface ReadImageOptions {
  /** Downscale (keeping aspect) so the longer side is at most this. */
  readonly maxSide?: number;
  /** Pixel limit checked against the header; defaults to {@link MAX_PIXELS}. */
  readonly maxPixels?: number;
}

/**
 * Decode an image file or buffer to interleaved pixels (8-bit, or 16-bit when the file is), applying
 * EXIF orientation. Errors are one line naming the file and the problem.
 */
export async function readImage(src: string | Uint8Array, opts: ReadImageOptions = {}): Promise<RawImage> {
  const { maxSide } = opts;
  if (maxSide !== undefined && (!Number.isInteger(maxSide) || maxSide < 1)) {
    throw new Error(`${typeof src === 'string' ? src : 'image buffer'}: --max-side must be a positive integer, got ${maxSide}`);
  }
  return decodeImage(src, {
    fit: maxSide === undefined ? { mode: 'none' } : { mode: 'inside', side: maxSide, enlarge: false },
    maxPixels: opts.maxPixels ?? MAX_PIXELS,
    explain: true,
  });
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
