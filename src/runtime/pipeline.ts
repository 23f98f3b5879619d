/**
 * The frame pipeline: source -> bounded FIFO (policy) -> shape check -> stylize -> sink, with every
 * stage running concurrently so the network never waits on decoding or encoding when it need not.
 *
 *   decode loop ──push──▶ [in FIFO: block | drop-oldest] ──pop──▶ stylize (≤ inFlight batches)
 *        ──ordered results──▶ [out FIFO: block] ──▶ encode loop (fills dropped slots) ──▶ sink
 */
import { Fifo, type FifoPolicy, type FifoStats } from './fifo.js';
import { checkImage, toColor8, type RawImage } from '../io/pixels.js';
import type { FrameStylizer, StylizerTiming } from './session-stylizer.js';

/** What happens to a frame whose shape differs from the pipeline's. */
export type ShapePolicy = 'resize' | 'reject';

export interface FrameSink {
  /** Resolves when the sink has taken the frame (its backpressure reaches the pipeline). */
  write(frame: RawImage): Promise<void>;
}

export interface PipelineOptions {
  /** Shape every frame must have; defaults to the first frame's size (RGB, 8-bit). */
  readonly width?: number;
  readonly height?: number;
  /** Frames of another size: bilinear-resized or rejected (counted either way). Defaults to 'resize'. */
  readonly shapePolicy?: ShapePolicy;
  /** Full input queue: 'block' the source (every frame kept) or 'drop-oldest' (live). Defaults to 'block'. */
  readonly policy?: FifoPolicy;
  /** Frames the input queue holds. Defaults to 8. */
  readonly capacity?: number;
  /** Frames per network run. Defaults to 1. */
  readonly batchSize?: number;
  /** Batches handed to the stylizer before the first returns, so the next is ready when one ends. Defaults to 2. */
  readonly inFlight?: number;
  /**
   * Write the previous output again in place of each dropped or rejected frame, so the output keeps
   * the source's frame count and timing (and stays in sync with its audio). Defaults to true.
   */
  readonly holdDropped?: boolean;
  /**
   * The source's frames are not read again once yielded (a decoder's fresh buffers), so they may move
   * to the network's thread instead of being copied. Defaults to false.
   */
  readonly transferFrames?: boolean;
  /** Frames expected (for the ETA in progress events). */
  readonly total?: number;
  /** Receives progress (at most every `progressMs`) and the final stats. */
  readonly onEvent?: (e: PipelineEvent) => void;
  /** Defaults to 250. */
  readonly progressMs?: number;
}

export interface FrameCounts {
  /** Frames the source produced. */
  readonly decoded: number;
  /** Frames dropped by the 'drop-oldest' queue. */
  readonly dropped: number;
  /** Frames of the wrong shape that were resized / rejected. */
  readonly resized: number;
  readonly rejected: number;
  readonly stylized: number;
  /** Frames written to the sink, including repeats standing in for dropped/rejected frames. */
  readonly written: number;
  /** Repeats written in place of dropped/rejected frames. */
  readonly held: number;
}

/** Milliseconds per stage. Stages overlap, so they do not add up to the wall time. */
export interface StageTimes {
  /** Waiting for the source's next frame (decoding, reading the pipe). */
  readonly read: number;
  /** Source blocked on a full input queue (downstream is the bottleneck: expected). */
  readonly queueFull: number;
  /** Shape checks and resizes. */
  readonly shape: number;
  /** Wall time with at least one batch in the stylizer. */
  readonly inferBusy: number;
  /** Stylizer idle, waiting for frames. */
  readonly inferStarved: number;
  /** Waiting for the sink to take frames (encoding, writing). */
  readonly write: number;
}

/** Milliseconds per frame so far, by stage. Stages overlap, so they do not add up to the time per frame. */
export interface FrameStageMs {
  /** Waiting for the source's next frame (decoding, reading the pipe). */
  readonly decodeWait: number;
  /** Network runs, pre/post-processing nodes included (the stylizer's own count where it keeps one). */
  readonly inference: number;
  /** Waiting for the sink to take a frame (encoding, writing). */
  readonly encodeWait: number;
  /** Pixel copies on this thread: shape conversions and the stylizer's copies. */
  readonly copy: number;
}

export interface PipelineStats {
  readonly frames: FrameCounts;
  readonly queue: FifoStats;
  readonly stages: StageTimes;
  readonly perFrame: FrameStageMs;
  /** Wall time, ms. */
  readonly ms: number;
  /** Stylized frames per second of wall time. */
  readonly fps: number;
  /** inferBusy / ms: how much of the time the network was running. */
  readonly inferUtilization: number;
}

export type PipelineEvent =
  | {
      readonly type: 'progress';
      readonly frames: FrameCounts;
      /** Frames in the input queue now. */
      readonly queued: number;
      readonly elapsedMs: number;
      readonly fps: number;
      readonly perFrame: FrameStageMs;
      /** Seconds left, when `total` is known. */
      readonly etaS?: number;
      readonly total?: number;
    }
  | { readonly type: 'done'; readonly stats: PipelineStats };

interface Slot {
  readonly index: number;
  readonly image: RawImage;
}

/** Bilinear resize of interleaved 8-bit pixels (a shape-check fallback, not a quality scaler). */
export function resizeBilinear(img: RawImage, width: number, height: number): RawImage {
  const { width: sw, height: sh, channels: c } = img;
  const src = img.data;
  const out = new Uint8Array(width * height * c);
  const fx = sw / width;
  const fy = sh / height;
  for (let y = 0; y < height; y++) {
    const syf = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), sh - 1);
    const y0 = Math.floor(syf);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = syf - y0;
    for (let x = 0; x < width; x++) {
      const sxf = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), sw - 1);
      const x0 = Math.floor(sxf);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = sxf - x0;
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * sw + x0) * c + k]! * (1 - wx) + src[(y0 * sw + x1) * c + k]! * wx;
        const b = src[(y1 * sw + x0) * c + k]! * (1 - wx) + src[(y1 * sw + x1) * c + k]! * wx;
        out[o + k] = Math.round(a * (1 - wy) + b * wy);
      }
    }
  }
  return { width, height, channels: c, data: out };
}

export type ShapeCheck = { readonly ok: true; readonly image: RawImage; readonly resized: boolean } | { readonly ok: false; readonly reason: string };

/**
 * Bring a frame to width x height 8-bit RGB. Malformed frames (sample count not matching the header)
 * are always rejected; a frame of another size is resized or rejected per `policy`. Never throws.
 */
export function checkFrame(img: RawImage, width: number, height: number, policy: ShapePolicy): ShapeCheck {
  try {
    checkImage(img, 'frame');
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const sameSize = img.width === width && img.height === height;
  if (!sameSize && policy === 'reject') return { ok: false, reason: `frame is ${img.width}x${img.height}, expected ${width}x${height}` };
  const rgb = toColor8(img, false);
  return sameSize ? { ok: true, image: rgb, resized: false } : { ok: true, image: resizeBilinear(rgb, width, height), resized: true };
}

/**
 * Stream frames from `source` through `stylizer` into `sink`. Decode, inference and encode overlap;
 * the input queue's policy decides whether a slow network blocks the source or drops old frames.
 * A frame of the wrong shape is resized or rejected and counted, never a crash. Any stage's error
 * stops the others and is rethrown.
 *
 * @example
 * const stats = await runPipeline(decodeVideo('in.mkv', { sourceSize }), stylizer, encoder, { onEvent: console.log });
 */
export async function runPipeline(source: AsyncIterable<RawImage>, stylizer: FrameStylizer, sink: FrameSink, opts: PipelineOptions = {}): Promise<PipelineStats> {
  const shapePolicy = opts.shapePolicy ?? 'resize';
  const batchSize = opts.batchSize ?? 1;
  const inFlight = opts.inFlight ?? 2;
  const holdDropped = opts.holdDropped ?? true;
  for (const [k, v] of [['batch size', batchSize], ['in-flight batches', inFlight]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
  }
  let width = opts.width;
  let height = opts.height;

  const counts = { decoded: 0, dropped: 0, resized: 0, rejected: 0, stylized: 0, written: 0, held: 0 };
  const t = { read: 0, queueFull: 0, shape: 0, inferBusy: 0, inferStarved: 0, write: 0 };
  const input = new Fifo<Slot>(opts.capacity ?? 8, opts.policy ?? 'block', () => counts.dropped++);
  // Ordered batch results; its bound plus inFlight caps the frames held between network and sink.
  const output = new Fifo<Promise<Slot[]>>(Math.max(2, inFlight), 'block');
  const t0 = performance.now();
  let failed: unknown;
  const fail = (e: unknown) => {
    failed ??= e;
    input.fail(e);
    output.fail(e);
  };

  const snapshot = (): FrameCounts => ({ ...counts });
  // The stylizer may have run before (a pool keeps it between jobs): count from here.
  const zero: StylizerTiming = { copy: 0, run: 0, frames: 0 };
  const since = stylizer.timing ?? zero;
  const perFrame = (): FrameStageMs => {
    const now = stylizer.timing ?? zero;
    const frames = now.frames - since.frames;
    const per = (ms: number, n: number) => (n > 0 ? ms / n : 0);
    return {
      decodeWait: per(t.read, counts.decoded),
      inference: stylizer.timing ? per(now.run - since.run, frames) : per(t.inferBusy, counts.stylized),
      encodeWait: per(t.write, counts.written),
      copy: per(t.shape, counts.decoded) + per(now.copy - since.copy, frames),
    };
  };
  const progress = () => {
    if (!opts.onEvent) return;
    const elapsedMs = performance.now() - t0;
    const fps = counts.stylized / Math.max(elapsedMs / 1000, 1e-9);
    const left = opts.total !== undefined ? Math.max(0, opts.total - counts.decoded - counts.dropped) + input.length : undefined;
    opts.onEvent({
      type: 'progress',
      frames: snapshot(),
      queued: input.length,
      elapsedMs,
      fps,
      perFrame: perFrame(),
      ...(left !== undefined && fps > 0 ? { etaS: left / fps } : {}),
      ...(opts.total !== undefined ? { total: opts.total } : {}),
    });
  };
  const timer = opts.onEvent ? setInterval(progress, opts.progressMs ?? 250) : undefined;
  timer?.unref();

  async function decodeStage() {
    const it = source[Symbol.asyncIterator]();
    let index = 0;
    try {
      for (;;) {
        let a = performance.now();
        const next = await it.next();
        t.read += performance.now() - a;
        if (next.done) break;
        counts.decoded++;
        a = performance.now();
        if (width === undefined || height === undefined) ({ width, height } = next.value);
        const checked = checkFrame(next.value, width!, height!, shapePolicy);
        t.shape += performance.now() - a;
        const i = index++;
        if (!checked.ok) {
          counts.rejected++;
          continue;
        }
        if (checked.resized) counts.resized++;
        a = performance.now();
        await input.push({ index: i, image: checked.image });
        t.queueFull += performance.now() - a;
      }
      input.close();
      return index;
    } catch (e) {
      fail(e);
      // Stop the source (e.g. kill ffmpeg) when we leave early.
      await it.return?.().catch(() => {});
      throw e;
    }
  }

  async function inferStage() {
    let running = 0;
    let busySince = 0;
    const slots: Promise<unknown>[] = [];
    try {
      for (;;) {
        if (running >= inFlight) await Promise.race(slots);
        const a = performance.now();
        const first = await input.pop();
        if (running === 0) t.inferStarved += performance.now() - a;
        if (first === undefined) break;
        const batch = [first, ...input.popAvailable(batchSize - 1)];
        if (running++ === 0) busySince = performance.now();
        const p = stylizer.stylizeMany(batch.map((s) => s.image), { transfer: opts.transferFrames ?? false }).then((imgs) => batch.map((s, k) => ({ index: s.index, image: imgs[k]! })));
        const slot = p.then(
          () => {},
          () => {},
        ).then(() => {
          slots.splice(slots.indexOf(slot), 1);
          if (--running === 0) t.inferBusy += performance.now() - busySince;
        });
        slots.push(slot);
        p.catch(fail);
        await output.push(p);
      }
      await Promise.all(slots);
      output.close();
    } catch (e) {
      fail(e);
      throw e;
    }
  }

  async function encodeStage() {
    let last: RawImage | undefined;
    let next = 0;
    const hold = async (upTo: number) => {
      for (; next < upTo; next++) {
        if (!holdDropped || !last) continue;
        const a = performance.now();
        await sink.write(last);
        t.write += performance.now() - a;
        counts.written++;
        counts.held++;
      }
    };
    try {
      for await (const p of output) {
        for (const s of await p) {
          counts.stylized++;
          await hold(s.index);
          const a = performance.now();
          await sink.write(s.image);
          t.write += performance.now() - a;
          counts.written++;
          last = s.image;
          next = s.index + 1;
        }
      }
      return hold;
    } catch (e) {
      fail(e);
      throw e;
    }
  }

  try {
    const [total, , hold] = await Promise.all([decodeStage(), inferStage(), encodeStage()]);
    // Frames dropped or rejected after the last stylized one still get their slot.
    await hold(total);
  } catch (e) {
    throw failed ?? e;
  } finally {
    if (timer) clearInterval(timer);
  }
  progress();
  const ms = performance.now() - t0;
  const stats: PipelineStats = {
    frames: snapshot(),
    queue: input.stats,
    stages: { ...t },
    perFrame: perFrame(),
    ms,
    fps: counts.stylized / (ms / 1000),
    inferUtilization: t.inferBusy / ms,
  };
  opts.onEvent?.({ type: 'done', stats });
  return stats;
}
