import sharp, { type OverlayOptions } from 'sharp';
import { writeFileAtomic } from './atomic.js';
import { encodeImage, formatFromPath } from './image.js';
import type { RawImage } from './pixels.js';

export interface Sheet {
  /** One label per column, drawn above it. */
  readonly columns: readonly string[];
  /** Rows of images, one per column each; every cell is as large as the largest image, top-left aligned. */
  readonly rows: readonly (readonly RawImage[])[];
}

/** Height of the label strip above the columns. */
const LABEL = 24;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A labelled grid of images (photos and their stylized outputs side by side) written as JPEG, PNG or
 * WebP by the file name; white where an image is smaller than its cell. Written atomically.
 */
export async function writeSheet(path: string, sheet: Sheet): Promise<void> {
  const format = formatFromPath(path);
  const { columns, rows } = sheet;
  if (!columns.length || !rows.length) throw new Error(`sheet ${path}: no columns or no rows`);
  rows.forEach((r, i) => {
    if (r.length !== columns.length) throw new Error(`sheet ${path}: row ${i} has ${r.length} images for ${columns.length} columns`);
  });
  const all = rows.flat();
  const cell = { width: Math.max(...all.map((p) => p.width)), height: Math.max(...all.map((p) => p.height)) };
  const tiles: OverlayOptions[] = columns.map((label, i) => ({
    input: Buffer.from(`<svg width="${cell.width}" height="${LABEL}"><rect width="100%" height="100%" fill="white"/><text x="6" y="17" font-family="sans-serif" font-size="15">${escapeXml(label)}</text></svg>`),
    left: i * cell.width,
    top: 0,
  }));
  for (const [r, row] of rows.entries()) {
    for (const [c, img] of row.entries()) tiles.push({ input: await encodeImage(img, 'png'), left: c * cell.width, top: LABEL + r * cell.height });
  }
  const canvas = sharp({ create: { width: columns.length * cell.width, height: LABEL + rows.length * cell.height, channels: 3, background: '#ffffff' } }).composite(tiles);
  const bytes = await (format === 'jpeg' ? canvas.jpeg({ quality: 85 }) : format === 'webp' ? canvas.webp({ quality: 90 }) : canvas.png()).toBuffer();
  await writeFileAtomic(path, bytes);
}
