/**
 * Context: pixels of mirrored image a network sees around a picture, cut off its output (the pixel
 * wrapper, ./pixel-io.ts, adds them as graph nodes). Apart, so the page's code checks it without
 * bundling the graph builder.
 */

/** Largest context accepted: beyond it the extra area (and its cost) is surely a mistake. */
export const MAX_CONTEXT = 256;

/** A context in pixels, refused in one line unless an integer from 0 to MAX_CONTEXT. */
export function checkContext(px: number): number {
  if (!Number.isInteger(px) || px < 0 || px > MAX_CONTEXT) throw new Error(`context must be a whole number of pixels from 0 to ${MAX_CONTEXT}, got ${px}`);
  return px;
}
