/**
 * Adam (Kingma & Ba 2015) over Float32Arrays in JS: the state is elementwise and the full network has
 * ~1.7M parameters, so one update costs a few milliseconds beside a step of hundreds.
 */
export interface AdamOptions {
  /** Learning rate. Defaults to 1e-3 (pytorch/examples). */
  readonly lr: number;
  /** Defaults to 0.9. */
  readonly beta1: number;
  /** Defaults to 0.999. */
  readonly beta2: number;
  /** Defaults to 1e-8. */
  readonly eps: number;
}

export const DEFAULT_ADAM: AdamOptions = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

export interface AdamState {
  /** Updates applied so far. */
  t: number;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

export function adamState(params: ReadonlyMap<string, Float32Array>): AdamState {
  const zeros = () => new Map([...params].map(([k, p]) => [k, new Float32Array(p.length)]));
  return { t: 0, m: zeros(), v: zeros() };
}

/** L2 norm over all gradients (float64 accumulation); NaN/Inf propagate. */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/**
 * One Adam update in place, with bias correction. `scale` multiplies the gradients first (gradient-norm
 * clipping passes maxNorm / norm).
 */
export function adamStep(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>, s: AdamState, o: AdamOptions, lr = o.lr, scale = 1): void {
  s.t += 1;
  const c1 = 1 - o.beta1 ** s.t;
  const c2 = 1 - o.beta2 ** s.t;
  const step = lr / c1;
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) throw new Error(`adam: no gradient for parameter ${name}`);
    const m = s.m.get(name)!;
    const v = s.v.get(name)!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * scale;
      const mi = (m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi);
      const vi = (v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi);
      p[i] = p[i]! - (step * mi) / (Math.sqrt(vi / c2) + o.eps);
    }
  }
}

export type LrSchedule = 'constant' | 'cosine' | 'linear';

/** Learning rate at step (0-based) of `total`: constant, or cosine/linear decay to `final` x lr. */
export function scheduledLr(lr: number, schedule: LrSchedule, step: number, total: number, final = 0.1): number {
  if (schedule === 'constant' || total <= 1) return lr;
  const f = Math.min(step / (total - 1), 1);
  const k = schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * f)) : 1 - f;
  return lr * (final + (1 - final) * k);
}
