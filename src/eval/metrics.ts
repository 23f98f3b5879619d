/**
 * Full-reference image quality metrics on planar (CHW) float images, values 0..peak. Pure functions:
 * no I/O, no onnxruntime, so they run the same in Node and the browser.
 */

/** Peak signal-to-noise ratio in dB: 10 log10(peak^2 / MSE), MSE over every value. Identical inputs give Infinity. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak = 255): number {
  if (a.length !== b.length) throw new Error(`psnr: images have ${a.length} and ${b.length} values`);
  if (a.length === 0) throw new Error('psnr: empty images');
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

export interface SsimOptions {
  /** Dynamic range L. Defaults to 255. */
  readonly peak?: number;
  /** C1 = (k1 L)^2. Defaults to 0.01. */
  readonly k1?: number;
  /** C2 = (k2 L)^2. Defaults to 0.03. */
  readonly k2?: number;
  /** Side of the Gaussian window. Defaults to 11. */
  readonly window?: number;
  /** Defaults to 1.5. */
  readonly sigma?: number;
}

/** Normalized 1-D Gaussian taps; the 2-D window is their outer product (separable, and sums to 1). */
function gaussian(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) g[i]! /= s;
  return g;
}

/**
 * Structural similarity (Wang et al. 2004): the mean SSIM map over every 'valid' window position (the
 * window never leaves the image, so no padding convention enters), per channel, averaged over
 * channels. Local statistics are Gaussian-weighted (11x11, sigma 1.5) without the n/(n-1)
 * correction, as in the paper's reference code. `a` and `b` are planar: channel c occupies
 * [c*H*W, (c+1)*H*W). Images smaller than the window are refused rather than silently padded.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, opts: SsimOptions = {}): number {
  const L = opts.peak ?? 255;
  const win = opts.window ?? 11;
  const c1 = ((opts.k1 ?? 0.01) * L) ** 2;
  const c2 = ((opts.k2 ?? 0.03) * L) ** 2;
  const plane = width * height;
  if (a.length !== b.length) throw new Error(`ssim: images have ${a.length} and ${b.length} values`);
  if (!Number.isInteger(win) || win < 1 || win % 2 === 0) throw new Error(`ssim: window must be an odd positive integer, got ${win}`);
  if (width < win || height < win) throw new Error(`ssim: ${width}x${height} is smaller than the ${win}x${win} window`);
  if (a.length % plane !== 0 || a.length === 0) throw new Error(`ssim: ${a.length} values do not make whole ${width}x${height} planes`);
  const g = gaussian(win, opts.sigma ?? 1.5);
  const channels = a.length / plane;
  const ow = width - win + 1;
  const oh = height - win + 1;
  // Horizontal pass for the five moments (a, b, a^2, b^2, ab), float64 so that var = E[x^2] - E[x]^2
  // does not cancel catastrophically at 0..255.
  const h = Array.from({ length: 5 }, () => new Float64Array(height * ow));
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < ow; x++) {
        let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (let k = 0; k < win; k++) {
          const i = base + y * width + x + k;
          const va = a[i]!;
          const vb = b[i]!;
          const w = g[k]!;
          sa += w * va;
          sb += w * vb;
          saa += w * va * va;
          sbb += w * vb * vb;
          sab += w * va * vb;
        }
        const o = y * ow + x;
        h[0]![o] = sa;
        h[1]![o] = sb;
        h[2]![o] = saa;
        h[3]![o] = sbb;
        h[4]![o] = sab;
      }
    }
    let sum = 0;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let ma = 0, mb = 0, eaa = 0, ebb = 0, eab = 0;
        for (let k = 0; k < win; k++) {
          const o = (y + k) * ow + x;
          const w = g[k]!;
          ma += w * h[0]![o]!;
          mb += w * h[1]![o]!;
          eaa += w * h[2]![o]!;
          ebb += w * h[3]![o]!;
          eab += w * h[4]![o]!;
        }
        const va = eaa - ma * ma;
        const vb = ebb - mb * mb;
        const cov = eab - ma * mb;
        sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      }
    }
    total += sum / (ow * oh);
  }
  return total / channels;
}
