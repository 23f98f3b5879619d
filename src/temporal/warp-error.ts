/**
 * Warping error (Lai et al. 2018, "Learning Blind Video Temporal Consistency"): warp the previous
 * output frame onto the current one along the *source* video's optical flow and take the mean squared
 * difference on 0..1 RGB over the pixels the flow can vouch for (inside the frame, not occluded by a
 * forward-backward check). Unlike plain frame differences it does not punish real motion.
 */
import type { RawImage } from '../io/pixels.js';
import type { Flow, FlowEstimator } from './flow.js';
import { bilinearTaps, type WarpTaps } from './warp.js';

function sample(f: Flow, x: number, y: number): [number, number] {
  const { width: w, height: h, data } = f;
  const cx = Math.min(Math.max(x, 0), w - 1);
  const cy = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.min(Math.floor(cx), w - 1);
  const y0 = Math.min(Math.floor(cy), h - 1);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (xx: number, yy: number, k: number) => data[2 * (yy * w + xx) + k]!;
  const lerp = (k: number) =>
    (1 - fy) * ((1 - fx) * at(x0, y0, k) + fx * at(x1, y0, k)) + fy * ((1 - fx) * at(x0, y1, k) + fx * at(x1, y1, k));
  return [lerp(0), lerp(1)];
}

/**
 * Taps that carry frame t-1 onto frame t along `back` (flow from t to t-1), masked where the forward
 * flow `fwd` (t-1 to t) does not lead back: |b + f|^2 < 0.01 (|b|^2 + |f|^2) + 0.5, the occlusion
 * test of Sundaram et al. 2010 that Lai et al. and Ruder et al. use.
 */
export function flowWarpTaps(back: Flow, fwd: Flow): WarpTaps {
  const { width: w, height: h } = back;
  const taps = bilinearTaps(w, h, (x, y) => {
    const p = 2 * (y * w + x);
    return [x + back.data[p]!, y + back.data[p + 1]!];
  });
  const mask = Uint8Array.from(taps.mask);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!mask[p]) continue;
      const bx = back.data[2 * p]!;
      const by = back.data[2 * p + 1]!;
      const [fx, fy] = sample(fwd, x + bx, y + by);
      const err = (bx + fx) ** 2 + (by + fy) ** 2;
      if (err >= 0.01 * (bx * bx + by * by + fx * fx + fy * fy) + 0.5) mask[p] = 0;
    }
  }
  return { ...taps, mask };
}

/** Taps for each consecutive pair of a clip's source frames (two flows per pair). */
export function clipWarpTaps(frames: readonly RawImage[], flow: FlowEstimator): WarpTaps[] {
  const out: WarpTaps[] = [];
  for (let t = 1; t < frames.length; t++) out.push(flowWarpTaps(flow.flow(frames[t]!, frames[t - 1]!), flow.flow(frames[t - 1]!, frames[t]!)));
  return out;
}

/** Mean over kept pixels and RGB channels of (cur - warp(prev))^2, on 0..1 values. */
export function pairWarpError(prev: RawImage, cur: RawImage, taps: WarpTaps): number {
  const { width: w, height: h } = taps;
  for (const [name, f] of [['previous', prev], ['current', cur]] as const) {
    if (f.width !== w || f.height !== h) throw new Error(`warping error: the ${name} frame is ${f.width}x${f.height}, the flow ${w}x${h}`);
  }
  const n = w * h;
  const ch = Math.min(3, cur.channels);
  let sum = 0;
  let kept = 0;
  for (let p = 0; p < n; p++) {
    if (!taps.mask[p]) continue;
    kept++;
    for (let c = 0; c < ch; c++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += taps.weight[k * n + p]! * prev.data[taps.index[k * n + p]! * prev.channels + c]!;
      const d = (cur.data[p * cur.channels + c]! - v) / 255;
      sum += d * d;
    }
  }
  return kept ? sum / (kept * ch) : 0;
}

/** Mean pair warping error of a frame sequence, given the taps of each consecutive pair. */
export function warpError(frames: readonly RawImage[], taps: readonly WarpTaps[]): number {
  if (taps.length !== frames.length - 1) throw new Error(`warping error: ${frames.length} frames need ${frames.length - 1} flows, got ${taps.length}`);
  if (!taps.length) throw new Error('warping error needs at least 2 frames');
  let s = 0;
  taps.forEach((t, i) => (s += pairWarpError(frames[i]!, frames[i + 1]!, t)));
  return s / taps.length;
}
