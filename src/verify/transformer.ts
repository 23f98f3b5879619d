import type { Tensor } from '../graph/tensor.js';
import { readFixture, maxAbsError } from '../io/fixture.js';
import { REGISTRY } from '../io/registry.js';
import type { StoreOptions } from '../io/store.js';
import { importTeacher } from '../models/load.js';
import { toLoaded } from '../models/modelfile.js';
import { createSession } from '../runtime/ort.js';

/** Tolerance on the 0..255 scale for reproducing a PyTorch teacher output. */
export const OUTPUT_TOLERANCE = 0.05;

export interface TransformerCheck {
  readonly kind: 'transformer';
  readonly fixture: string;
  readonly model: string;
  readonly shape: readonly number[];
  readonly maxAbsError: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

/**
 * Reproduce a teacher fixture (meta.teacher 'engstrom/udnie', tensors input + output) with our own
 * importer, graph and runtime, on the raw network output (no padding, clamping or rounding).
 */
export async function verifyTransformerFixture(dir: string, store?: StoreOptions): Promise<TransformerCheck> {
  const fx = await readFixture(dir);
  const teacher = String(fx.meta.teacher ?? '');
  const path = `teachers/${teacher.replace(/^pytorch-examples\//, 'pytorch-examples/')}`;
  const entry = REGISTRY.find((e) => e.path === path);
  if (!entry) throw new Error(`${dir}: meta.teacher '${teacher}' is not a registered teacher`);
  const input = fx.tensors.get('input');
  const expected = fx.tensors.get('output');
  if (!input || !expected) throw new Error(`${dir}: fixture needs 'input' and 'output' tensors`);
  const model = toLoaded(await importTeacher(entry, store));
  const session = await createSession(model.onnx);
  try {
    const out = (await session.run({ input })).output as Tensor<'float32'>;
    const err = maxAbsError(out, expected, `${dir} output`);
    return { kind: 'transformer', fixture: dir, model: entry.name, shape: out.dims, maxAbsError: err, tolerance: OUTPUT_TOLERANCE, ok: err <= OUTPUT_TOLERANCE };
  } finally {
    await session.release();
  }
}
