import sharp from 'sharp';

/**
 * Training's random crop as sharp computed it before the shared decoder (issue 16): the reference
 * that "same crops for the same seed" is checked against. RGB bytes, interleaved.
 */
export async function cropBefore(path: string, size: number, rand: () => number): Promise<Buffer> {
  const img = sharp(path, { failOn: 'truncated' }).rotate();
  const meta = await img.metadata();
  const w = meta.autoOrient!.width;
  const h = meta.autoOrient!.height;
  const side = Math.min(w, h);
  const left = Math.floor(rand() * (w - side + 1));
  const top = Math.floor(rand() * (h - side + 1));
  return img.extract({ left, top, width: side, height: side }).resize(size, size, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
}

/** The loader's crop seed for (run seed, epoch, file), FNV-1a as the loader has always computed it. */
export function cropSeed(seed: number, epoch: number, file: string): number {
  const s = `${seed}:${epoch}:${file}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Interleaved RGB bytes as the planar floats the loader hands out. */
export function planar(rgb: Uint8Array, pixels: number): Float32Array {
  const out = new Float32Array(3 * pixels);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) out[c * pixels + i] = rgb[3 * i + c]!;
  return out;
}
