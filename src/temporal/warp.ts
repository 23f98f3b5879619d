/**
 * Backward warping with bilinear taps: out(p) = in(src(p)), where src maps each output pixel to a
 * (sub-pixel) place in the input. The taps are built once on the host (from a known motion or from
 * optical flow) and applied either in JS (metrics) or in a graph (the training loss), where
 * GatherElements makes the warp differentiable with respect to the image it samples.
 */
import type { Value } from '../graph/graph.js';
import { f32, numel, tensor, type Tensor } from '../graph/tensor.js';
import { gatherElements, mul, reduceSum, reshape } from '../ops/index.js';

/** Bilinear taps of one warp on an H x W grid: 4 source pixels and weights per output pixel. */
export interface WarpTaps {
  readonly width: number;
  readonly height: number;
  /** Flat source pixel (y * width + x) of tap k for output pixel p at [k * H*W + p]. */
  readonly index: Int32Array;
  /** Weight of that tap. */
  readonly weight: Float32Array;
  /** 1 where the source place lies inside the input (the pixels the motion keeps), else 0. */
  readonly mask: Uint8Array;
}

/** Where output pixel (x, y) samples the input, in pixel coordinates (centres at integers). */
export type SourceOf = (x: number, y: number) => readonly [number, number];

export function bilinearTaps(width: number, height: number, sourceOf: SourceOf): WarpTaps {
  const n = width * height;
  const index = new Int32Array(4 * n);
  const weight = new Float32Array(4 * n);
  const mask = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const [ux, uy] = sourceOf(x, y);
      // Places outside the input are masked out, but still sample its nearest edge: a warped input
      // then continues its border instead of turning black, as a camera's new view would.
      const sx = Math.min(Math.max(ux, 0), width - 1);
      const sy = Math.min(Math.max(uy, 0), height - 1);
      mask[p] = sx === ux && sy === uy ? 1 : 0;
      // On the far border the 4th tap would not exist: step back one pixel with a weight of 1 on the edge.
      const x0 = Math.max(0, Math.min(Math.floor(sx), width - 2));
      const y0 = Math.max(0, Math.min(Math.floor(sy), height - 2));
      const fx = sx - x0;
      const fy = sy - y0;
      const x1 = Math.min(x0 + 1, width - 1);
      const y1 = Math.min(y0 + 1, height - 1);
      const taps = [
        [y0 * width + x0, (1 - fx) * (1 - fy)],
        [y0 * width + x1, fx * (1 - fy)],
        [y1 * width + x0, (1 - fx) * fy],
        [y1 * width + x1, fx * fy],
      ] as const;
      taps.forEach(([i, w], k) => {
        index[k * n + p] = i;
        weight[k * n + p] = w;
      });
    }
  }
  return { width, height, index, weight, mask };
}

/**
 * A small rigid-ish camera motion: rotation by `angle` (radians) and scale `zoom` about the image
 * centre, then a shift (dx, dy) in pixels. Content at place q moves to A(q).
 */
export interface Motion {
  readonly dx: number;
  readonly dy: number;
  readonly angle: number;
  readonly zoom: number;
}

/** Taps that move an image by `m`: out(p) = in(A^-1(p)). */
export function motionTaps(width: number, height: number, m: Motion): WarpTaps {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const c = Math.cos(m.angle) / m.zoom;
  const s = Math.sin(m.angle) / m.zoom;
  return bilinearTaps(width, height, (x, y) => {
    const u = x - m.dx - cx;
    const v = y - m.dy - cy;
    return [c * u + s * v + cx, -s * u + c * v + cy];
  });
}

/** Taps that follow a backward flow field: out(p) = in(p + flow(p)); flow is [H*W*2] (dx, dy interleaved). */
export function flowTaps(width: number, height: number, flow: Float32Array): WarpTaps {
  return bilinearTaps(width, height, (x, y) => {
    const p = 2 * (y * width + x);
    return [x + flow[p]!, y + flow[p + 1]!];
  });
}

/** Warp a planar float image [C, H, W] on the host. */
export function warpPlanar(src: Float32Array, channels: number, t: WarpTaps): Float32Array {
  const n = t.width * t.height;
  const out = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let p = 0; p < n; p++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += t.weight[k * n + p]! * src[base + t.index[k * n + p]!]!;
      out[base + p] = v;
    }
  }
  return out;
}

/** Graph inputs of a batch of warps: tap indices (repeated per channel, as GatherElements wants), weights and masks. */
export interface WarpFeeds {
  /** [N, C, 4*H*W] int64. */
  readonly index: Tensor<'int64'>;
  /** [N, 1, 4, H*W]. */
  readonly weight: Tensor<'float32'>;
  /** [N, 1, H, W]. */
  readonly mask: Tensor<'float32'>;
}

export function warpFeeds(taps: readonly WarpTaps[], channels: number): WarpFeeds {
  const { width, height } = taps[0]!;
  const n = width * height;
  const dims = [taps.length, channels, 4 * n];
  const index = tensor('int64', dims, new BigInt64Array(numel(dims)));
  const weight = f32([taps.length, 1, 4, n]);
  const mask = f32([taps.length, 1, height, width]);
  taps.forEach((t, b) => {
    for (let c = 0; c < channels; c++) {
      const off = (b * channels + c) * 4 * n;
      for (let i = 0; i < 4 * n; i++) index.data[off + i] = BigInt(t.index[i]!);
    }
    weight.data.set(t.weight, b * 4 * n);
    for (let p = 0; p < n; p++) mask.data[b * n + p] = t.mask[p]!;
  });
  return { index, weight, mask };
}

/** In-graph warp of x [N, C, H, W] by taps fed as `index` [N, C, 4HW] and `weight` [N, 1, 4, HW]. */
export function warpGraph(x: Value, index: Value, weight: Value): Value {
  const [n, c, h, w] = x.dims() as [number, number, number, number];
  const picked = gatherElements(reshape(x, [n, c, h * w]), index, 2);
  return reshape(reduceSum(mul(reshape(picked, [n, c, 4, h * w]), weight), [2]), [n, c, h, w]);
}
