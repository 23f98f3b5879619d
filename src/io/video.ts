/**
 * Video in and out through Debian's `ffmpeg`/`ffprobe` binaries: probe, a raw rgb24 frame decoder
 * (async iterator), and an encoder that takes rgb24 frames and muxes the source's audio back in.
 * '-' means stdin/stdout so the pipeline can sit in a live pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { RawImage } from './pixels.js';

const FFMPEG = process.env.STYLECAST_FFMPEG ?? 'ffmpeg';
const FFPROBE = process.env.STYLECAST_FFPROBE ?? 'ffprobe';

export interface VideoInfo {
  readonly width: number;
  readonly height: number;
  /** Frame rate as a fraction [numerator, denominator] (ffprobe r_frame_rate), e.g. [30000, 1001]. */
  readonly rate: readonly [number, number];
  /** Seconds, when the container knows it. */
  readonly duration?: number;
  /** Frame count: the container's when stored, else duration x rate (an estimate). */
  readonly frames?: number;
  readonly videoCodec: string;
  /** First audio stream's codec ('aac', 'opus'...), undefined when there is none. */
  readonly audioCodec?: string;
}

export const fps = (rate: readonly [number, number]) => rate[0] / rate[1];

/** CPU seconds an ffmpeg process reported (-benchmark), for the per-stage time split. */
export interface ProcessCpu {
  readonly user: number;
  readonly system: number;
  readonly real: number;
}

function parseRate(s: string | undefined): [number, number] | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) return undefined;
  return [Number(m[1]), Number(m[2])];
}

/** First line of an ffmpeg/ffprobe message, without the '[demuxer @ 0x..]' prefix or the file name. */
function cleanMessage(line: string, input?: string): string {
  let s = line.replace(/^(\[[^\]]*@ 0x[0-9a-f]+\]\s*)+/, '').replace(/^\[(error|fatal|panic)\]\s*/, '').trim();
  if (input && s.startsWith(`${input}: `)) s = s.slice(input.length + 2);
  return s;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], stdin?: Uint8Array): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT' ? `${cmd} not found: install ffmpeg` : `${cmd}: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin) {
      child.stdin!.on('error', () => {}); // ffprobe may stop reading early
      child.stdin!.end(stdin);
    }
  });
}

interface ProbeJson {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    tags?: Record<string, string>;
  }[];
  format?: { duration?: string };
}

/**
 * Read a video's size, frame rate, duration and audio codec with ffprobe. `input` is a path, or bytes
 * (the head of a stream) for stdin.
 */
export async function probeVideo(input: string | Uint8Array, name = typeof input === 'string' ? input : 'stdin'): Promise<VideoInfo> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', typeof input === 'string' ? input : 'pipe:0'];
  const r = await run(FFPROBE, args, typeof input === 'string' ? undefined : input);
  let json: ProbeJson = {};
  try {
    json = JSON.parse(r.stdout || '{}') as ProbeJson;
  } catch {
    // fall through to the error below
  }
  const v = json.streams?.find((s) => s.codec_type === 'video' && s.width && s.height);
  if (!v) {
    const why = r.stderr.split('\n').map((l) => cleanMessage(l, typeof input === 'string' ? input : 'pipe:0')).find((l) => l) ?? 'no video stream';
    throw new Error(`cannot read video ${name}: ${why}`);
  }
  const rate = parseRate(v.r_frame_rate) ?? parseRate(v.avg_frame_rate);
  if (!rate) throw new Error(`cannot read video ${name}: no frame rate`);
  // Matroska keeps the video stream's own duration in a tag; the format's may include an audio tail.
  const tag = /^(\d+):(\d+):([\d.]+)$/.exec(v.tags?.DURATION ?? v.tags?.duration ?? '');
  const tagged = tag ? Number(tag[1]) * 3600 + Number(tag[2]) * 60 + Number(tag[3]) : undefined;
  const durStr = v.duration ?? tagged ?? json.format?.duration;
  const duration = durStr !== undefined && Number.isFinite(Number(durStr)) ? Number(durStr) : undefined;
  const nb = v.nb_frames !== undefined ? Number(v.nb_frames) : NaN;
  const frames = Number.isInteger(nb) && nb > 0 ? nb : duration !== undefined ? Math.round(duration * fps(rate)) : undefined;
  const audio = json.streams?.find((s) => s.codec_type === 'audio');
  return {
    width: v.width!,
    height: v.height!,
    rate,
    ...(duration !== undefined ? { duration } : {}),
    ...(frames !== undefined ? { frames } : {}),
    videoCodec: v.codec_name ?? 'unknown',
    ...(audio ? { audioCodec: audio.codec_name ?? 'unknown' } : {}),
  };
}

/** Collects an ffmpeg's error lines and its -benchmark CPU report from stderr (loglevel level+info). */
class FfmpegLog {
  readonly errors: string[] = [];
  cpu: ProcessCpu | undefined;
  private rest = '';

  constructor(
    child: ChildProcess,
    private readonly input?: string,
  ) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      const lines = (this.rest + d).split(/\r?\n/);
      this.rest = lines.pop() ?? '';
      for (const l of lines) this.line(l);
    });
  }

  private line(l: string) {
    const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(l);
    if (bench) this.cpu = { user: Number(bench[1]), system: Number(bench[2]), real: Number(bench[3]) };
    else if (/\[(error|fatal|panic)\]/.test(l) && this.errors.length < 20) this.errors.push(cleanMessage(l, this.input));
  }

  first(fallback: string): string {
    return this.errors.find((e) => e) ?? fallback;
  }
}

const LOG = ['-hide_banner', '-nostats', '-loglevel', 'level+info', '-benchmark'];

/**
 * Checks a decoder's or encoder's thread count: a whole number, 0 for ffmpeg's own choice (about one
 * thread per core). `what` names the option in the error.
 */
export function checkFfmpegThreads(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a whole number of threads, or 0 for ffmpeg's choice; got ${n}`);
  return n;
}

/** `-threads n` where it was given; ffmpeg's choice (0) leaves the command line as it always was. */
function threadArgs(n: number | undefined, what: string): string[] {
  return n === undefined || checkFfmpegThreads(n, what) === 0 ? [] : ['-threads', String(n)];
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else {
      child.once('close', (code) => resolve(code));
      child.once('error', reject);
    }
  });
}

function spawnFfmpeg(args: readonly string[], stdio: ('pipe' | 'ignore' | 'inherit')[]): ChildProcess {
  const child = spawn(FFMPEG, [...LOG, ...args], { stdio });
  child.on('error', () => {}); // reported through exited()
  return child;
}

export interface DecodeStats {
  frames: number;
  /** Bytes left over after the last whole frame (a raw stream that ended mid-frame). */
  partialBytes: number;
  cpu?: ProcessCpu;
  /** ffmpeg's error lines (a decode can end "successfully" with errors, e.g. a truncated file). */
  errors: readonly string[];
}

/** Cut a byte stream of packed rgb24 frames into images; a trailing partial frame is counted, not yielded. */
export async function* readRawFrames(stream: AsyncIterable<Uint8Array>, width: number, height: number, stats?: { frames: number; partialBytes: number }): AsyncGenerator<RawImage> {
  const size = width * height * 3;
  let frame = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of stream) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(size - filled, chunk.length - off);
      frame.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === size) {
        if (stats) stats.frames++;
        yield { width, height, channels: 3, data: frame };
        frame = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (stats) stats.partialBytes = filled;
}

export interface DecodeOptions {
  /** Scale every frame to this size in ffmpeg (bilinear). Defaults to the source size. */
  readonly size?: { readonly width: number; readonly height: number };
  /** The source's size; required with a stream input, probed otherwise. */
  readonly sourceSize?: { readonly width: number; readonly height: number };
  /** Stream the container bytes come from, when input is '-' (stdin). */
  readonly stream?: Readable;
  /** Demuxer name for a stream input when ffmpeg should not guess (e.g. 'matroska'). */
  readonly format?: string;
  /** Write the input's first audio stream (copied, in NUT) to this stream: the audio of a piped container. */
  readonly audioTo?: Writable;
  /** Bytes already read from `stream` (e.g. for probing) that must be decoded first. */
  readonly head?: Uint8Array;
  /** `stream` already ended while `head` was read: `head` is all there is. */
  readonly streamEnded?: boolean;
  /** Decoder threads; 0 (the default) lets ffmpeg choose. */
  readonly threads?: number;
}

export interface FrameDecoder extends AsyncIterable<RawImage> {
  readonly width: number;
  readonly height: number;
  readonly stats: DecodeStats;
  /** Kill ffmpeg (after an error elsewhere). */
  abort(): void;
}

/**
 * Decode a video to rgb24 frames with ffmpeg, one RawImage per decoded frame (no frame rate
 * conversion). Iterate once; the iterator throws when ffmpeg fails.
 */
export function decodeVideo(input: string, opts: DecodeOptions = {}): FrameDecoder {
  const size = opts.size ?? opts.sourceSize;
  if (!size) throw new Error('decodeVideo needs a size (probe the input first)');
  const fromStream = input === '-';
  const args = [
    // Before -i: an input option, so it sets the decoder's threads.
    ...threadArgs(opts.threads, 'decode threads'),
    ...(opts.format ? ['-f', opts.format] : []),
    '-i', fromStream ? 'pipe:0' : input,
    '-map', '0:v:0', '-fps_mode', 'passthrough',
    ...(opts.size ? ['-vf', `scale=${size.width}:${size.height}:flags=bilinear`] : []),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    // NUT, flushed per packet: Matroska would hold audio back a whole cluster, and the encoder waits on it.
    ...(opts.audioTo ? ['-map', '0:a:0', '-c:a', 'copy', '-flush_packets', '1', '-f', 'nut', 'pipe:3'] : []),
  ];
  const child = spawnFfmpeg(args, [fromStream ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(opts.audioTo ? (['pipe'] as const) : [])]);
  const log = new FfmpegLog(child, fromStream ? 'pipe:0' : input);
  const stats: DecodeStats = { frames: 0, partialBytes: 0, errors: log.errors };
  const done = exited(child);
  done.catch(() => {});
  if (fromStream) {
    const src = opts.stream ?? process.stdin;
    const sink = child.stdin!;
    sink.on('error', () => {}); // ffmpeg closed its input early: its exit status tells why
    if (opts.head?.length) sink.write(opts.head);
    if (opts.streamEnded) sink.end();
    else src.pipe(sink);
  }
  if (opts.audioTo) {
    // Unbounded here on purpose: audio is small, and backpressure on it would stall the video output.
    const a = child.stdio[3] as Readable;
    const to = opts.audioTo;
    a.on('data', (d: Buffer) => to.write(d));
    a.on('end', () => to.end());
  }
  // Listen now: Node discards an unread child stdout when the child exits (ffmpeg may finish a short
  // clip before the consumer starts, e.g. while a model loads).
  // A 'readable' listener marks the stream as in use (it still only reads on demand).
  child.stdout!.on('readable', () => {});
  let aborted = false;
  async function* frames(): AsyncGenerator<RawImage> {
    try {
      yield* readRawFrames(child.stdout!, size!.width, size!.height, stats);
      const code = await done.catch((e: NodeJS.ErrnoException) => {
        throw new Error(e.code === 'ENOENT' ? `${FFMPEG} not found: install ffmpeg` : `${FFMPEG}: ${e.message}`);
      });
      stats.cpu = log.cpu;
      if (code !== 0 && !aborted) throw new Error(`cannot decode ${fromStream ? 'stdin' : input}: ${log.first(`ffmpeg exited with code ${code}`)}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
  const it = frames();
  return {
    width: size.width,
    height: size.height,
    stats,
    abort() {
      aborted = true;
      child.kill('SIGKILL');
    },
    [Symbol.asyncIterator]: () => it,
  };
}

/** ffmpeg muxer for an output file extension; undefined lets ffmpeg guess. */
const MUXERS: Readonly<Record<string, string>> = Object.freeze({
  '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'matroska', '.webm': 'webm', '.avi': 'avi', '.nut': 'nut',
  '.ts': 'mpegts', '.rgb': 'rawvideo', '.raw': 'rawvideo', '.y4m': 'yuv4mpegpipe',
});

/** Audio codecs each muxer takes as they are (no re-encode). */
const AUDIO_COPY: Readonly<Record<string, readonly string[]>> = Object.freeze({
  mp4: ['aac', 'mp3', 'alac'], mov: ['aac', 'mp3', 'alac', 'pcm_s16le'], matroska: ['aac', 'mp3', 'opus', 'vorbis', 'flac', 'ac3', 'pcm_s16le'],
  webm: ['opus', 'vorbis'], nut: ['aac', 'mp3', 'opus', 'vorbis', 'flac', 'pcm_s16le'], mpegts: ['aac', 'mp3', 'ac3'], avi: ['mp3', 'ac3', 'pcm_s16le'],
});

/** Muxer for an output path ('-' for stdout defaults to Matroska, which streams). */
export function muxerFor(output: string, format?: string): string {
  if (format) return format;
  if (output === '-') return 'matroska';
  const m = MUXERS[extname(output).toLowerCase()];
  if (!m) throw new Error(`cannot tell the video format of ${output}: use .mp4, .mkv, .webm, .mov, .rgb... or --format`);
  return m;
}

export interface EncodeOptions {
  readonly width: number;
  readonly height: number;
  readonly rate: readonly [number, number];
  /** Muxer name ('mp4', 'matroska', 'rawvideo'...); defaults from the output's extension. */
  readonly format?: string;
  /** Take the first audio stream from this file (the source video); missing audio is fine. */
  readonly audioFrom?: string;
  /** Or from this stream of NUT bytes (see DecodeOptions.audioTo). */
  readonly audioStream?: Readable;
  /** The source's audio codec, to copy it when the output format takes it; re-encoded otherwise. */
  readonly audioCodec?: string;
  /** x264 constant rate factor (0 = lossless). Defaults to 18. */
  readonly crf?: number;
  /** x264 preset. Defaults to 'veryfast' (encoding must not compete with inference for the CPU). */
  readonly preset?: string;
  /** Where '-' writes. Defaults to process.stdout. */
  readonly stdout?: Writable;
  /** Encoder threads; 0 (the default) lets ffmpeg choose. Raw output runs no encoder. */
  readonly threads?: number;
}

export interface EncodeStats {
  frames: number;
  cpu?: ProcessCpu;
  /** The written frame size when it differs from the frames': see {@link evenSize}. */
  padded?: { readonly width: number; readonly height: number };
}

/**
 * H.264 in 4:2:0 (what every player reads) needs even sides: an odd side gains one row or column,
 * a copy of its neighbour, so any frame size encodes. Undefined when no padding is needed.
 */
export function evenSize(muxer: string, o: Pick<EncodeOptions, 'width' | 'height' | 'crf'>): { width: number; height: number } | undefined {
  const h264yuv420 = muxer !== 'webm' && muxer !== 'yuv4mpegpipe' && muxer !== 'rawvideo' && (o.crf ?? 18) !== 0;
  if (!h264yuv420 || (o.width % 2 === 0 && o.height % 2 === 0)) return undefined;
  return { width: o.width + (o.width % 2), height: o.height + (o.height % 2) };
}

export interface FrameEncoder {
  /** Queue one rgb24 frame; resolves when the encoder has taken it (backpressure). */
  write(frame: RawImage): Promise<void>;
  /** Flush, wait for ffmpeg, then move the file into place. */
  finish(): Promise<EncodeStats>;
  /** Stop and remove the partial output. */
  abort(): Promise<void>;
  readonly stats: EncodeStats;
}

function videoArgs(muxer: string, o: EncodeOptions): string[] {
  if (muxer === 'webm') return ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-b:v', '0', '-crf', String(o.crf ?? 32), '-pix_fmt', 'yuv420p'];
  if (muxer === 'yuv4mpegpipe') return ['-pix_fmt', 'yuv420p'];
  const crf = o.crf ?? 18;
  // crf 0 in RGB keeps frames exact (flicker measurements); yuv420p otherwise, which every player reads.
  if (crf === 0) return ['-c:v', 'libx264rgb', '-preset', o.preset ?? 'veryfast', '-crf', '0', '-pix_fmt', 'rgb24'];
  const even = evenSize(muxer, o);
  const pad = even ? ['-vf', `pad=${even.width}:${even.height},fillborders=right=${even.width - o.width}:bottom=${even.height - o.height}:mode=smear`] : [];
  return [...pad, '-c:v', 'libx264', '-preset', o.preset ?? 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p'];
}

function audioArgs(muxer: string, codec: string | undefined): string[] {
  if (codec && AUDIO_COPY[muxer]?.includes(codec)) return ['-c:a', 'copy'];
  return muxer === 'webm' ? ['-c:a', 'libopus'] : ['-c:a', 'aac'];
}

/** Temp name beside the target, so the final rename is atomic and a failure leaves no partial target. */
function tempPath(path: string) {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
}

function writeTo(stream: Writable, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(data, (e) => (e ? reject(e) : undefined));
    if (ok) resolve();
    else {
      const onDrain = () => (stream.off('error', onError), resolve());
      const onError = (e: Error) => (stream.off('drain', onDrain), reject(e));
      stream.once('drain', onDrain);
      stream.once('error', onError);
    }
  });
}

/** Write rgb24 frames as they are (muxer 'rawvideo'): no ffmpeg, nothing to lose. */
function rawEncoder(output: string, o: EncodeOptions): FrameEncoder {
  const toStdout = output === '-';
  const tmp = toStdout ? '' : tempPath(output);
  const sink: Writable = toStdout ? (o.stdout ?? process.stdout) : createWriteStream(tmp, { flags: 'wx' });
  const stats: EncodeStats = { frames: 0 };
  let failure: Error | undefined;
  sink.on('error', (e: NodeJS.ErrnoException) => (failure ??= new Error(`cannot write ${toStdout ? 'stdout' : output} (${e.code ?? e.message})`)));
  return {
    stats,
    async write(f) {
      if (failure) throw failure;
      if (f.width !== o.width || f.height !== o.height || f.channels !== 3) throw new Error(`encoder expects ${o.width}x${o.height} RGB frames, got ${f.width}x${f.height}x${f.channels}`);
      await writeTo(sink, f.data as Uint8Array).catch((e: NodeJS.ErrnoException) => {
        throw failure ?? new Error(`cannot write ${toStdout ? 'stdout' : output} (${e.code ?? e.message})`);
      });
      stats.frames++;
    },
    async finish() {
      if (failure) throw failure;
      if (toStdout) return stats;
      await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (failure) throw failure;
      await rename(tmp, output);
      return stats;
    },
    async abort() {
      if (toStdout) return;
      sink.destroy();
      await rm(tmp, { force: true });
    },
  };
}

/**
 * Encode rgb24 frames to a video at a constant frame rate, muxing the source's audio back in
 * (cut to the video's length, so the duration stays within a frame of the source's).
 * A file output is written under a temp name and renamed at the end; abort() removes it.
 */
export function encodeVideo(output: string, o: EncodeOptions): FrameEncoder {
  const muxer = muxerFor(output, o.format);
  const threads = threadArgs(o.threads, 'encode threads');
  if (muxer === 'rawvideo') return rawEncoder(output, o);
  const toStdout = output === '-';
  const tmp = toStdout ? '' : tempPath(output);
  const audio = o.audioFrom !== undefined || o.audioStream !== undefined;
  const args = [
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-framerate', `${o.rate[0]}/${o.rate[1]}`, '-i', 'pipe:0',
    ...(o.audioFrom !== undefined ? ['-vn', '-i', o.audioFrom] : o.audioStream ? ['-thread_queue_size', '4096', '-f', 'nut', '-i', 'pipe:3'] : []),
    '-map', '0:v:0', ...(audio ? ['-map', '1:a:0?', ...audioArgs(muxer, o.audioCodec), '-shortest'] : []),
    ...videoArgs(muxer, o),
    // After the inputs: an output option, so it sets the encoders' threads.
    ...threads,
    ...(muxer === 'mp4' || muxer === 'mov' ? ['-movflags', toStdout ? 'frag_keyframe+empty_moov' : '+faststart'] : []),
    '-f', muxer, '-y', toStdout ? 'pipe:1' : tmp,
  ];
  const child = spawnFfmpeg(args, ['pipe', toStdout ? 'pipe' : 'ignore', 'pipe', ...(o.audioStream ? (['pipe'] as const) : [])]);
  const log = new FfmpegLog(child, toStdout ? 'pipe:1' : tmp);
  const done = exited(child);
  done.catch(() => {});
  if (toStdout) child.stdout!.pipe(o.stdout ?? process.stdout);
  if (o.audioStream) {
    const a = child.stdio[3] as Writable;
    a.on('error', () => {});
    o.audioStream.pipe(a);
  }
  const even = evenSize(muxer, o);
  const stats: EncodeStats = { frames: 0, ...(even ? { padded: even } : {}) };
  const name = toStdout ? 'stdout' : output;
  const failed = async (fallback: string): Promise<Error> => {
    // When the pipe breaks, ffmpeg's own message says why: wait for it briefly.
    await Promise.race([done.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    return new Error(`cannot encode ${name}: ${log.first(fallback)}`);
  };
  child.stdin!.on('error', () => {}); // surfaced by write()/finish() with ffmpeg's message
  const cleanup = () => (toStdout ? Promise.resolve() : rm(tmp, { force: true }));
  return {
    stats,
    async write(f) {
      if (f.width !== o.width || f.height !== o.height || f.channels !== 3) throw new Error(`encoder expects ${o.width}x${o.height} RGB frames, got ${f.width}x${f.height}x${f.channels}`);
      if (child.exitCode !== null) throw await failed(`ffmpeg exited with code ${child.exitCode}`);
      try {
        await writeTo(child.stdin!, f.data as Uint8Array);
      } catch (e) {
        throw await failed((e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
      stats.frames++;
    },
    async finish() {
      child.stdin!.end();
      let code: number | null;
      try {
        code = await done;
      } catch (e) {
        await cleanup();
        throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${FFMPEG} not found: install ffmpeg` : `${FFMPEG}: ${(e as Error).message}`);
      }
      stats.cpu = log.cpu;
      if (code !== 0) {
        await cleanup();
        throw new Error(`cannot encode ${name}: ${log.first(`ffmpeg exited with code ${code}`)}`);
      }
      if (!toStdout) await rename(tmp, output);
      return stats;
    },
    async abort() {
      child.kill('SIGKILL');
      await done.catch(() => {});
      await cleanup();
    },
  };
}

/** Run one ffmpeg to the end; failure is `what: <ffmpeg's first error line>`. */
async function runFfmpeg(args: readonly string[], what: string, input?: string): Promise<void> {
  const child = spawnFfmpeg(args, ['ignore', 'ignore', 'pipe']);
  const log = new FfmpegLog(child, input);
  const code = await exited(child).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === 'ENOENT' ? `${FFMPEG} not found: install ffmpeg` : `${FFMPEG}: ${e.message}`);
  });
  if (code !== 0) throw new Error(`${what}: ${log.first(`ffmpeg exited with code ${code}`)}`);
}

/**
 * Split a video's first video stream into Matroska files `seg00000.mkv`, ... in `dir` (stream copy:
 * no decode, no quality loss; Matroska takes any codec). Each part starts at a keyframe: the first one
 * at or after every multiple of `seconds`, so sparse keyframes make longer parts. Returns the paths in order.
 */
export async function splitVideo(input: string, dir: string, seconds: number): Promise<string[]> {
  await runFfmpeg(
    ['-i', input, '-map', '0:v:0', '-c', 'copy', '-f', 'segment', '-segment_time', String(seconds), '-reset_timestamps', '1', '-segment_format', 'matroska', join(dir, 'seg%05d.mkv')],
    `cannot split ${input}`,
    input,
  );
  const parts = (await readdir(dir)).filter((f) => /^seg\d{5}\.mkv$/.test(f)).sort();
  if (parts.length === 0) throw new Error(`cannot split ${input}: no video packets`);
  return parts.map((f) => join(dir, f));
}

export interface ConcatOptions {
  /** Take the first audio stream from this file (the source video), cut to the video's length. */
  readonly audioFrom?: string;
  /** The source's audio codec, copied when the output format takes it, re-encoded otherwise. */
  readonly audioCodec?: string;
}

/**
 * Join videos encoded alike (same codec, size and rate: the parts of one stylized video) into
 * `output` without re-encoding (ffmpeg's concat demuxer), muxing in the source's audio. Written to a
 * temp file and renamed, so `output` is either whole or untouched.
 */
export async function concatVideos(parts: readonly string[], output: string, opts: ConcatOptions = {}): Promise<void> {
  const muxer = muxerFor(output);
  const tmp = tempPath(output);
  const list = `${tmp}.txt`;
  // The concat demuxer's list syntax: one quoted path per line, a quote written as '\''.
  await writeFile(list, parts.map((p) => `file '${p.replaceAll("'", "'\\''")}'\n`).join(''));
  try {
    await runFfmpeg(
      [
        '-f', 'concat', '-safe', '0', '-i', list,
        ...(opts.audioFrom !== undefined ? ['-vn', '-i', opts.audioFrom] : []),
        '-map', '0:v:0', '-c:v', 'copy',
        ...(opts.audioFrom !== undefined ? ['-map', '1:a:0?', ...audioArgs(muxer, opts.audioCodec), '-shortest'] : []),
        ...(muxer === 'mp4' || muxer === 'mov' ? ['-movflags', '+faststart'] : []),
        '-f', muxer, '-y', tmp,
      ],
      `cannot join the parts of ${output}`,
    );
    await rename(tmp, output);
  } finally {
    await rm(tmp, { force: true });
    await rm(list, { force: true });
  }
}
