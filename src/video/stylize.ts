/**
 * Stylize a video file or stream: probe, decode (ffmpeg), pipeline (FIFO, shape check, network on a
 * worker thread), encode with the source's audio and frame rate. Progress arrives as typed events.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { DEFAULT_MODEL } from '../io/registry.js';
import { checkFfmpegThreads, decodeVideo, encodeVideo, muxerFor, probeVideo, readRawFrames, type DecodeStats, type EncodeStats, type FrameEncoder, type VideoInfo } from '../io/video.js';
import { loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import type { StyleMix } from '../models/styles.js';
import type { FifoPolicy } from '../runtime/fifo.js';
import type { RawImage } from '../io/pixels.js';
import { checkTargetFps, type ScaleState } from '../runtime/adaptive.js';
import { runPipeline, type PipelineEvent, type PipelineStats, type ShapePolicy } from '../runtime/pipeline.js';
import { bodyOptions, checkStyleOption } from '../runtime/session-stylizer.js';
import { ScaledStylizer } from '../runtime/scaled-stylizer.js';
import { WorkerStylizer, type FrameStylizer, type StylizerTiming } from '../runtime/worker.js';
import { defaultVideoThreads, type VideoThreads } from './threads.js';

export interface VideoOptions {
  /** Registered model name, stylecast .onnx path, or a loaded model. Defaults to the real-time student DEFAULT_MODEL. */
  readonly model?: string | LoadedModel;
  /** A multi-style model's style or mix (a name, or weights by name); defaults to its first style. */
  readonly style?: StyleMix;
  /** Pixels of mirrored context around every frame, cut off the output (see StylizerOptions.context). Defaults to 0. */
  readonly context?: number;
  /** Frame size to stylize and write (source frames are scaled by ffmpeg). Defaults to the source's. */
  readonly size?: { readonly width: number; readonly height: number };
  /**
   * '-' input only: the stream carries packed rgb24 frames of `size` instead of a container.
   * Defaults to false (a container ffmpeg can probe).
   */
  readonly rawInput?: boolean;
  /** Frame rate of a raw input stream, [num, den]. Defaults to [30, 1]. */
  readonly rate?: readonly [number, number];
  /** Output muxer ('mp4', 'matroska', 'rawvideo'...); defaults from the output's extension, Matroska for '-'. */
  readonly format?: string;
  /** Full input queue: defaults to 'block' for files (every frame kept), 'drop-oldest' for stdin (live). */
  readonly policy?: FifoPolicy;
  /** Input queue length in frames. Defaults to 8. */
  readonly capacity?: number;
  /** Frames of the wrong size: 'resize' (default) or 'reject'. */
  readonly shapePolicy?: ShapePolicy;
  /** Frames per network run. Defaults to 1. */
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (0: onnxruntime's choice). Defaults to {@link defaultVideoThreads}' pick for this machine. */
  readonly threads?: number;
  /** ffmpeg decoder threads (0: ffmpeg's choice). Defaults to {@link defaultVideoThreads}' pick for this machine. */
  readonly decodeThreads?: number;
  /** ffmpeg encoder threads (0: ffmpeg's choice). Defaults to {@link defaultVideoThreads}' pick for this machine. */
  readonly encodeThreads?: number;
  /**
   * Frames per second to hold (live streams): frames are stylized at a lower resolution when the
   * network cannot keep up, in steps, and upsampled back to the output size (see ScaleController).
   * Defaults to none: every frame at full resolution.
   */
  readonly targetFps?: number;
  /** x264 CRF (0: lossless RGB). Defaults to 18. */
  readonly crf?: number;
  /** x264 preset. Defaults to 'veryfast'. */
  readonly preset?: string;
  readonly onEvent?: (e: VideoEvent) => void;
  /** Use this stylizer instead of running `model` on a worker thread (tests, other backends). */
  readonly stylizer?: FrameStylizer;
  /** Streams behind '-'. Default to process.stdin / process.stdout. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

/** With a target frame rate, progress and done events carry the scale frames are stylized at now. */
export interface ScaleReport {
  readonly scale?: number;
  readonly targetFps?: number;
}

export type VideoEvent =
  | { readonly type: 'start'; readonly source: VideoInfo; readonly width: number; readonly height: number; readonly model: string; readonly threads: VideoThreads }
  | (PipelineEvent & ScaleReport);

export interface VideoResult {
  readonly source: VideoInfo;
  readonly width: number;
  readonly height: number;
  readonly pipeline: PipelineStats;
  readonly decode: DecodeStats;
  readonly encode: EncodeStats;
  /** Copies and network time of the stylizer run for `model` (zeros when one was given). */
  readonly stylizer: StylizerTiming;
  /** Threads each stage was given (unused where the stage did not run: a given stylizer, raw frames in or out). */
  readonly threads: VideoThreads;
  /** With a target frame rate: the scale at the end, how often it changed, the last measured time per frame. */
  readonly adaptive?: ScaleState;
}

/** How much of a piped container to buffer for ffprobe before decoding starts. */
const PROBE_BYTES = 4 << 20;

/** Up to `max` bytes from the start of a stream (fewer when it ends first: `ended`). */
function readHead(stream: Readable, max: number): Promise<{ head: Uint8Array; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const done = (ended: boolean) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      resolve({ head: Buffer.concat(chunks), ended });
    };
    const onData = (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= max) done(false);
    };
    const onEnd = () => done(true);
    const onError = (e: Error) => reject(new Error(`cannot read stdin: ${e.message}`));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/**
 * Fails when a file decoded to clearly fewer frames than its container promised and ffmpeg reported
 * errors on the way: a truncated or corrupt file must not pass for a short one.
 */
async function* checked(frames: AsyncIterable<RawImage>, stats: DecodeStats, name: string, expected: number | undefined): AsyncGenerator<RawImage> {
  yield* frames;
  const tolerance = expected === undefined ? 0 : Math.max(2, Math.round(expected * 0.02));
  if (stats.frames === 0) throw new Error(`${name} has no decodable frames${stats.errors[0] ? ` (${stats.errors[0]})` : ''}`);
  if (expected !== undefined && stats.frames < expected - tolerance && stats.errors.length > 0) {
    throw new Error(`${name} is truncated or corrupt: decoded ${stats.frames} of ${expected} frames (${stats.errors[0]})`);
  }
}

/** The options' threads over the machine's defaults; a bad count is a one-line error before anything starts. */
function resolveThreads(opts: VideoOptions): VideoThreads {
  const d = defaultVideoThreads();
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 0)) {
    throw new Error(`threads must be a whole number of onnxruntime threads, or 0 for its choice; got ${opts.threads}`);
  }
  return {
    inference: opts.threads ?? d.inference,
    decode: opts.decodeThreads === undefined ? d.decode : checkFfmpegThreads(opts.decodeThreads, 'decodeThreads'),
    encode: opts.encodeThreads === undefined ? d.encode : checkFfmpegThreads(opts.encodeThreads, 'encodeThreads'),
  };
}

/**
 * Stylize `input` (a video file, or '-' for stdin) into `output` (a file, or '-' for stdout), keeping
 * frame rate, frame count, duration and audio. A failed run leaves no partial output file.
 *
 * @example
 * const r = await stylizeVideo('clip.mkv', 'styled.mp4', { model: 'candy', onEvent: (e) => console.log(e.type) });
 * console.log(r.pipeline.fps);
 */
export async function stylizeVideo(input: string, output: string, opts: VideoOptions = {}): Promise<VideoResult> {
  const fromStdin = input === '-';
  if (opts.targetFps !== undefined) checkTargetFps(opts.targetFps);
  const threads = resolveThreads(opts);
  const muxer = muxerFor(output, opts.format);
  const model = opts.stylizer ? undefined : typeof opts.model === 'object' ? opts.model : await loadModel(opts.model ?? DEFAULT_MODEL);
  // Before ffmpeg starts: a wrong style is a one-line error, not a half-run pipeline.
  if (model) checkStyleOption(model, opts.style);
  const stdin = opts.stdin ?? process.stdin;

  let source: VideoInfo;
  let frames: AsyncIterable<RawImage>;
  let decode: DecodeStats;
  let abortDecode = () => {};
  let audio: { audioFrom?: string; audioStream?: Readable; audioCodec?: string } = {};
  let width: number;
  let height: number;
  if (fromStdin && opts.rawInput) {
    if (!opts.size) throw new Error('raw frames on stdin need --size WxH');
    ({ width, height } = opts.size);
    source = { width, height, rate: opts.rate ?? [30, 1], videoCodec: 'rawvideo' };
    const stats = { frames: 0, partialBytes: 0, errors: [] as string[] };
    decode = stats;
    frames = readRawFrames(stdin, width, height, stats);
  } else {
    let head: { head: Uint8Array; ended: boolean } | undefined;
    if (fromStdin) {
      head = await readHead(stdin, PROBE_BYTES);
      source = await probeVideo(head.head, 'stdin');
    } else source = await probeVideo(input);
    width = opts.size?.width ?? source.width;
    height = opts.size?.height ?? source.height;
    const side = fromStdin && source.audioCodec && muxer !== 'rawvideo' ? new PassThrough() : undefined;
    const decoder = decodeVideo(input, {
      sourceSize: source,
      ...(opts.size && (opts.size.width !== source.width || opts.size.height !== source.height) ? { size: opts.size } : {}),
      ...(fromStdin ? { stream: stdin, head: head!.head, streamEnded: head!.ended } : {}),
      ...(side ? { audioTo: side } : {}),
      threads: threads.decode,
    });
    decode = decoder.stats;
    abortDecode = () => decoder.abort();
    frames = fromStdin ? decoder : checked(decoder, decoder.stats, input, source.frames);
    if (source.audioCodec) audio = { ...(side ? { audioStream: side } : { audioFrom: input }), audioCodec: source.audioCodec };
  }
  if (muxer === 'rawvideo') audio = {};

  const own = model ? await WorkerStylizer.create(model, { ...(threads.inference ? { threads: threads.inference } : {}), ...bodyOptions(opts), batchSize: opts.batchSize ?? 1 }) : undefined;
  const network = own ?? opts.stylizer!;
  const stylizer = opts.targetFps !== undefined ? new ScaledStylizer(network, { targetFps: opts.targetFps, ...(model ? { stride: model.stride, minSide: model.minSide } : {}) }) : network;
  const onEvent = opts.onEvent;
  const report = (): ScaleReport => (stylizer instanceof ScaledStylizer ? { scale: stylizer.scale, targetFps: stylizer.state.targetFps } : {});
  let encoder: FrameEncoder | undefined;
  try {
    // rgb24 in, rgb24 out: open that session now, so a model that cannot run fails before encoding starts.
    await own?.session({ input: 3, output: 3 });
    encoder = encodeVideo(output, {
      width,
      height,
      rate: source.rate,
      ...(opts.format ? { format: opts.format } : {}),
      ...audio,
      ...(opts.crf !== undefined ? { crf: opts.crf } : {}),
      ...(opts.preset ? { preset: opts.preset } : {}),
      ...(opts.stdout ? { stdout: opts.stdout } : {}),
      threads: threads.encode,
    });
    opts.onEvent?.({ type: 'start', source, width, height, model: model?.info.name ?? 'custom', threads });
    const pipeline = await runPipeline(frames, stylizer, encoder, {
      width,
      height,
      policy: opts.policy ?? (fromStdin ? 'drop-oldest' : 'block'),
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
      ...(opts.shapePolicy ? { shapePolicy: opts.shapePolicy } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      // Decoded frames are fresh buffers nobody reads again: they move to the network's thread.
      transferFrames: true,
      ...(source.frames !== undefined ? { total: source.frames } : {}),
      ...(onEvent ? { onEvent: (e: PipelineEvent) => onEvent({ ...e, ...report() }) } : {}),
    });
    const encode = await encoder.finish();
    return {
      source,
      width,
      height,
      pipeline,
      decode,
      encode,
      stylizer: own?.timing ?? { copy: 0, run: 0, frames: 0 },
      threads,
      ...(stylizer instanceof ScaledStylizer ? { adaptive: stylizer.state } : {}),
    };
  } catch (e) {
    abortDecode();
    await encoder?.abort();
    throw e;
  } finally {
    await own?.close();
  }
}
