import { performance } from 'node:perf_hooks';
import { formatFromPath, readImage, writeImage } from '../io/image.js';
import { defaultStore, type StoreOptions } from '../io/store.js';
import { loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import { sizeBatches, type RawImage } from '../io/pixels.js';
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
 * a bad input is reported through `onFile` and counted, and the others go on. An event's `ms` is that
 * image's own time: its decode and write, plus its share of the one network run of its same-sized batch.
 */
export async function stylizeFiles(inputs: readonly string[], outputs: readonly string[], opts: StylizeFilesOptions): Promise<{ done: number; failed: number }> {
  if (inputs.length !== outputs.length) throw new Error('stylizeFiles: one output per input');
  // Check output formats before any work, so a typo fails fast.
  outputs.forEach((o) => formatFromPath(o));
  const stylizer = opts.stylizer ?? (await Stylizer.create(await modelOf(opts), opts));
  let done = 0;
  let failed = 0;
  const batch = opts.batchSize ?? 4;
  const fail = (i: number, e: unknown) => {
    failed++;
    opts.onFile?.({ ok: false, input: inputs[i]!, error: (e as Error).message });
  };
  for (let s = 0; s < inputs.length; s += batch) {
    const decoded: { i: number; img: RawImage; ms: number }[] = [];
    for (let i = s; i < Math.min(s + batch, inputs.length); i++) {
      const t0 = performance.now();
      try {
        decoded.push({ i, img: await readImage(inputs[i]!, opts.maxSide ? { maxSide: opts.maxSide } : {}), ms: performance.now() - t0 });
      } catch (e) {
        fail(i, e);
      }
    }
    // One network run per same-sized group, so each image is charged for its own size's run only.
    for (const group of sizeBatches(decoded.map((d) => d.img), batch)) {
      const members = group.map((k) => decoded[k]!);
      const t0 = performance.now();
      const results = await stylizer.stylizeMany(members.map((d) => d.img));
      const share = (performance.now() - t0) / members.length;
      for (const [k, d] of members.entries()) {
        const out = results[k]!;
        const t1 = performance.now();
        try {
          await writeImage(outputs[d.i]!, out);
        } catch (e) {
          fail(d.i, e);
          continue;
        }
        done++;
        const ms = d.ms + share + (performance.now() - t1);
        opts.onFile?.({ ok: true, input: inputs[d.i]!, output: outputs[d.i]!, width: out.width, height: out.height, ms });
      }
    }
  }
  return { done, failed };
}
