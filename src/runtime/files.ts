import { performance } from 'node:perf_hooks';
import { formatFromPath, readImage, writeImage } from '../io/image.js';
import { defaultStore, type StoreOptions } from '../io/store.js';
import { loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import type { RawImage } from '../io/pixels.js';
import { Stylizer, type StylizerOptions } from './stylizer.js';
import type { FrameStylizer } from './worker.js';

export type FileEvent =
  | { readonly ok: true; readonly input: string; readonly output: string; readonly width: number; readonly height: number; readonly ms: number }
  | { readonly ok: false; readonly input: string; readonly error: string };

export interface StylizeFilesOptions extends StylizerOptions {
  /** Registered name or .onnx path, or an already loaded model. Required unless `stylizer` is given. */
  readonly model?: string | LoadedModel;
  /** Use this stylizer (e.g. a network on a worker thread, kept between calls) instead of creating one for `model`. */
  readonly stylizer?: FrameStylizer;
  readonly maxSide?: number;
  readonly store?: StoreOptions;
  readonly onFile?: (e: FileEvent) => void;
}

async function modelOf(opts: StylizeFilesOptions): Promise<LoadedModel> {
  if (opts.model === undefined) throw new Error('stylizeFiles needs a model or a stylizer');
  return typeof opts.model === 'string' ? loadModel(opts.model, opts.store ?? defaultStore()) : opts.model;
}

/**
 * Stylize image files into output files. Each input either produces its whole output file or none:
 * a bad input is reported through `onFile` and counted, and the others go on.
 */
export async function stylizeFiles(inputs: readonly string[], outputs: readonly string[], opts: StylizeFilesOptions): Promise<{ done: number; failed: number }> {
  if (inputs.length !== outputs.length) throw new Error('stylizeFiles: one output per input');
  // Check output formats before any work, so a typo fails fast.
  outputs.forEach((o) => formatFromPath(o));
  const stylizer = opts.stylizer ?? (await Stylizer.create(await modelOf(opts), opts));
  let done = 0;
  let failed = 0;
  const batch = opts.batchSize ?? 4;
  for (let s = 0; s < inputs.length; s += batch) {
    const idx = inputs.slice(s, s + batch).map((_, k) => s + k);
    const decoded: { i: number; img: RawImage }[] = [];
    for (const i of idx) {
      try {
        decoded.push({ i, img: await readImage(inputs[i]!, opts.maxSide ? { maxSide: opts.maxSide } : {}) });
      } catch (e) {
        failed++;
        opts.onFile?.({ ok: false, input: inputs[i]!, error: (e as Error).message });
      }
    }
    const t0 = performance.now();
    const results = decoded.length ? await stylizer.stylizeMany(decoded.map((d) => d.img)) : [];
    const ms = (performance.now() - t0) / Math.max(1, decoded.length);
    for (const [k, { i }] of decoded.entries()) {
      const out = results[k]!;
      try {
        await writeImage(outputs[i]!, out);
        done++;
        opts.onFile?.({ ok: true, input: inputs[i]!, output: outputs[i]!, width: out.width, height: out.height, ms });
      } catch (e) {
        failed++;
        opts.onFile?.({ ok: false, input: inputs[i]!, error: (e as Error).message });
      }
    }
  }
  return { done, failed };
}
