import { lower, separableParts, type NetworkLayer, type Rules } from './network.js';

/** Spatial size [height, width] of the tensor between layers. */
type Size = readonly [number, number];

interface Step {
  readonly macs: number;
  readonly size: Size;
}

/** A conv's output side: reflection and SAME padding both give ceil(side / stride). */
const strided = ([h, w]: Size, s: number): Size => [Math.ceil(h / s), Math.ceil(w / s)];
const pixels = ([h, w]: Size) => h * w;

/** Multiply-accumulates of each kind (convs only, as is customary) and the size it outputs. */
const COST: Rules<[size: Size], Step> = {
  // Each output pixel takes cout x (cin / groups) x k x k.
  conv: (l, size) => {
    const out = strided(size, l.stride);
    return { macs: l.cout * l.cin * l.kernel * l.kernel * pixels(out), size: out };
  },
  separable: (l, size) => {
    const [dw, pw] = separableParts(l);
    return { macs: (dw.cout * dw.kernel * dw.kernel + pw.cout * pw.cin) * pixels(size), size };
  },
  upsample: (l, size) => {
    const out: Size = [size[0] * 2, size[1] * 2];
    // A transposed conv applies its weights once per input pixel; nearest x2 then conv, once per output pixel.
    const perPixel = l.cin * l.cout * l.kernel * l.kernel;
    return { macs: perPixel * pixels(l.mode === 'transpose' ? size : out), size: out };
  },
  norm: (_, size) => ({ macs: 0, size }),
  condNorm: (_, size) => ({ macs: 0, size }),
  relu: (_, size) => ({ macs: 0, size }),
  residual: (l, size) => ({ macs: layersMacs(l.body, size[0], size[1]), size }),
  tanhHead: (_, size) => ({ macs: 0, size }),
};

/** Conv multiply-accumulates of one forward pass of the layers over a height x width input. */
export function layersMacs(layers: readonly NetworkLayer[], height: number, width: number): number {
  let step: Step = { macs: 0, size: [height, width] };
  for (const l of layers) {
    const next = lower(COST, l, step.size);
    step = { macs: step.macs + next.macs, size: next.size };
  }
  return step.macs;
}
