/** Pixels of anything a page can draw: the RGBA the network's pre-processing reads. */

export type ImageSource = ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas | VideoFrame;

/** The size a source shows at (natural size for images, frame size for video). */
export function sourceSize(src: ImageSource): { width: number; height: number } {
  if (typeof HTMLImageElement !== 'undefined' && src instanceof HTMLImageElement) return { width: src.naturalWidth, height: src.naturalHeight };
  if (typeof HTMLVideoElement !== 'undefined' && src instanceof HTMLVideoElement) return { width: src.videoWidth, height: src.videoHeight };
  if (typeof VideoFrame !== 'undefined' && src instanceof VideoFrame) return { width: src.displayWidth, height: src.displayHeight };
  return { width: (src as { width: number }).width, height: (src as { height: number }).height };
}

export function toImageData(src: ImageSource): ImageData {
  if (src instanceof ImageData) return src;
  const { width, height } = sourceSize(src);
  if (!(width > 0 && height > 0)) throw new Error(`source has no pixels yet (${width}x${height}): wait for the image to load or the video to play`);
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read pixels (no 2d OffscreenCanvas)');
  ctx.drawImage(src, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}
