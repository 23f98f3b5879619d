import type { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { withConvActivations, type Ranges } from '../models/precision.js';
import { createSession, type Feeds } from './ort.js';

/** One feed, or several (a list, or an async generator decoding photos batch by batch). */
export type CalibrationFeeds = Feeds | Iterable<Feeds> | AsyncIterable<Feeds>;

const isIterable = (f: CalibrationFeeds): f is Iterable<Feeds> | AsyncIterable<Feeds> => Symbol.iterator in f || Symbol.asyncIterator in f;

/**
 * Activation ranges for static quantization: min and max of every conv's input and output over all
 * `feeds`, keyed by the value's name in `src`. Calibrate on real photos for a real model (ranges
 * that miss a photo's extremes clip it); for timing, any input gives the same graph. Feeds run one
 * at a time on one session, so only one batch of activations is held at once.
 */
export async function calibrate(src: Graph, feeds: CalibrationFeeds, threads?: number): Promise<Ranges> {
  const { graph, watched } = withConvActivations(src);
  const lo = new Float64Array(watched.length).fill(Infinity);
  const hi = new Float64Array(watched.length).fill(-Infinity);
  const session = await createSession(toOnnx(graph), threads ? { threads } : {});
  let runs = 0;
  try {
    for await (const feed of isIterable(feeds) ? feeds : [feeds]) {
      const out = await session.run(feed);
      watched.forEach((w, i) => {
        const data = out[w.output]!.data as Float32Array;
        let a = lo[i]!;
        let b = hi[i]!;
        for (let j = 0; j < data.length; j++) {
          const x = data[j]!;
          if (x < a) a = x;
          if (x > b) b = x;
        }
        [lo[i], hi[i]] = [a, b];
      });
      runs++;
    }
  } finally {
    await session.release();
  }
  if (!runs) throw new Error('calibrate: no calibration data');
  const ranges = new Map<string, readonly [number, number]>();
  watched.forEach((w, i) => {
    // NaN never wins a comparison, so an all-NaN activation is left at +-Infinity.
    if (!Number.isFinite(lo[i]) || !Number.isFinite(hi[i])) throw new Error(`calibrate: activation ${w.name} is not finite on the calibration data`);
    ranges.set(w.name, [lo[i]!, hi[i]!]);
  });
  return ranges;
}
