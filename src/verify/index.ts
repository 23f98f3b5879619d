import { readJson } from '../io/raw-tensors.js';
import { join } from 'node:path';
import { isPerceptualMeta, verifyPerceptualFixture } from './perceptual.js';
import { verifyTransformerFixture } from './transformer.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly summary: string;
  readonly details: readonly string[];
}

/** Dispatch on the fixture's contents: a teacher output fixture, or a perceptual-loss fixture. */
export async function verifyFixture(dir: string): Promise<VerifyReport> {
  const manifest = await readJson<{ tensors?: Record<string, unknown>; meta?: Record<string, unknown> }>(join(dir, 'manifest.json'));
  if (manifest.meta?.teacher) {
    const r = await verifyTransformerFixture(dir);
    return {
      ok: r.ok,
      summary: `${dir}: ${r.model} output [${r.shape.join('x')}] max abs error ${r.maxAbsError.toExponential(2)} (tolerance ${r.tolerance})`,
      details: [],
    };
  }
  if (manifest.meta && isPerceptualMeta(manifest.meta)) {
    const r = await verifyPerceptualFixture(dir);
    const fmt = (x: number) => x.toExponential(2);
    return {
      ok: r.ok,
      summary: `${dir}: perceptual loss, max relative error ${fmt(r.maxRelErr)} (tolerance ${r.tolerance})`,
      details: [
        ...r.terms.map((t) => `loss ${t.name.padEnd(8)} ${t.value.toPrecision(8)} vs ${t.reference.toPrecision(8)}  rel ${fmt(t.relErr)}`),
        ...r.grads.map((g) => `grad ${g.name.padEnd(28)} rel ${fmt(g.relErr)}${g.zeroReference ? '  (zero in theory: relative to 1e-5 of the global gradient norm)' : ''}`),
      ],
    };
  }
  throw new Error(`${dir}: unrecognized fixture (expected meta.teacher, or meta.loss + meta.values)`);
}
