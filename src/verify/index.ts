import { readJson } from '../models/importers/files.js';
import { join } from 'node:path';
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
  throw new Error(`${dir}: unrecognized fixture (expected meta.teacher)`);
}
