import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_MODEL } from '../io/registry.js';
import { SingleBar } from 'cli-progress';
import { stylizeVideo, type VideoEvent } from '../video/stylize.js';
import type { StyleMix } from '../models/styles.js';
import { CONTEXT_HELP, contextFor, contextPx, ffmpegThreads, positiveInt, size, STYLE_HELP, styleMix, targetFps } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';

interface Flags {
  output: string;
  model: string;
  style?: StyleMix;
  context?: number;
  size?: [number, number];
  raw?: boolean;
  rate?: [number, number];
  format?: string;
  policy?: 'block' | 'drop-oldest';
  queue?: number;
  shape?: 'resize' | 'reject';
  batch?: number;
  threads?: number;
  decodeThreads?: number;
  encodeThreads?: number;
  crf?: number;
  preset?: string;
  targetFps?: number;
  progress: boolean;
  json?: boolean;
  overwrite?: boolean;
}

function rate(value: string): [number, number] {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(value.trim());
  if (!m || Number(m[1]) === 0 || (m[2] !== undefined && Number(m[2]) === 0)) throw new InvalidArgumentError(`expected a frame rate like 30 or 30000/1001, got '${value}'`);
  return [Number(m[1]), Number(m[2] ?? 1)];
}

function crf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 51) throw new InvalidArgumentError(`expected a CRF from 0 to 51, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('video')
    .description('stylize a video file or stream (keeps frame rate, duration and audio)')
    .argument('<input>', "video file, or '-' for stdin (a container, or raw rgb24 frames with --raw)")
    .requiredOption('-o, --output <file|->', "output video (.mp4, .mkv, .webm, .mov, .rgb...), or '-' for stdout")
    .option('-m, --model <name|file.onnx>', `registered model name or stylecast .onnx file (defaults to the real-time ${DEFAULT_MODEL})`, DEFAULT_MODEL)
    .option('--style <name|mix>', STYLE_HELP, styleMix)
    .option('--context <px>', CONTEXT_HELP, contextPx)
    .option('--size <WxH>', 'frame size to stylize and write (defaults to the source size; required with --raw)', size)
    .option('--raw', "stdin carries packed rgb24 frames of --size (no container)")
    .option('--rate <fps>', 'frame rate of raw stdin frames, e.g. 30 or 30000/1001 (defaults to 30)', rate)
    .option('-f, --format <muxer>', "output format, an ffmpeg muxer name (defaults from the extension; matroska for '-'; rawvideo writes rgb24 frames)")
    .addOption(new Option('--policy <policy>', 'full frame queue: block the source or drop the oldest frame (defaults to block for files, drop-oldest for stdin)').choices(['block', 'drop-oldest']))
    .option('--queue <n>', 'frames the input queue holds (defaults to 8)', positiveInt)
    .addOption(new Option('--shape <policy>', 'frames of the wrong size (defaults to resize)').choices(['resize', 'reject']))
    .option('--batch <n>', 'frames per network run (defaults to 1)', positiveInt)
    .option('--threads <n>', "onnxruntime intra-op threads (defaults to all cores on 2 cores or fewer, onnxruntime's choice above)", positiveInt)
    .option('--decode-threads <n|auto>', "ffmpeg decoder threads, auto for ffmpeg's choice (defaults to 1 on 2 cores or fewer, auto above)", ffmpegThreads)
    .option('--encode-threads <n|auto>', "ffmpeg encoder threads, auto for ffmpeg's choice (defaults to auto: it measured faster than 1 thread)", ffmpegThreads)
    .option('--crf <n>', 'x264 quality, 0 = lossless (defaults to 18)', crf)
    .option('--preset <name>', 'x264 preset (defaults to veryfast)')
    .option('--target-fps <fps>', 'frame rate to hold on a live stream: stylize at a lower resolution (in steps, upsampled back) when the network cannot keep up (defaults to none: full resolution)', targetFps)
    .option('--no-progress', 'no progress bar')
    .option('--json', 'events as JSON lines (progress with per-frame stage times and, under --target-fps, the scale; then the stats) instead of the bar and summary; on stderr when the video goes to stdout');
  overwriteOption(cmd)
    .action(async (input: string, f: Flags) => {
      await checkOutputs([f.output], { inputs: [input], ...(f.overwrite ? { overwrite: true } : {}) });
      let bar: SingleBar | undefined;
      const json = f.output === '-' ? process.stderr : process.stdout;
      const onEvent = (e: VideoEvent) => {
        if (f.json) json.write(`${JSON.stringify(e)}\n`);
        else if (e.type === 'start') {
          const total = e.source.frames ?? 0;
          if (f.progress && process.stderr.isTTY !== false && total > 0) {
            bar = new SingleBar({ format: 'video |{bar}| {value}/{total} frames | {fps} fps | ETA {eta_formatted} | dropped {dropped}', stream: process.stderr, etaBuffer: 30 });
            bar.start(total, 0, { fps: '0.0', dropped: 0 });
          }
        } else if (e.type === 'progress') {
          bar?.update(Math.min(e.frames.stylized, e.total ?? Infinity), { fps: e.fps.toFixed(1), dropped: e.frames.dropped });
        }
      };
      const r = await stylizeVideo(input, f.output, {
        model: f.model,
        ...(f.style === undefined ? {} : { style: f.style }),
        context: contextFor(f.model, f.context),
        ...(f.size ? { size: { width: f.size[0], height: f.size[1] } } : {}),
        ...(f.raw ? { rawInput: true } : {}),
        ...(f.rate ? { rate: f.rate } : {}),
        ...(f.format ? { format: f.format } : {}),
        ...(f.policy ? { policy: f.policy } : {}),
        ...(f.queue ? { capacity: f.queue } : {}),
        ...(f.shape ? { shapePolicy: f.shape } : {}),
        ...(f.batch ? { batchSize: f.batch } : {}),
        ...(f.threads ? { threads: f.threads } : {}),
        ...(f.decodeThreads !== undefined ? { decodeThreads: f.decodeThreads } : {}),
        ...(f.encodeThreads !== undefined ? { encodeThreads: f.encodeThreads } : {}),
        ...(f.crf !== undefined ? { crf: f.crf } : {}),
        ...(f.preset ? { preset: f.preset } : {}),
        ...(f.targetFps !== undefined ? { targetFps: f.targetFps } : {}),
        onEvent,
      }).finally(() => bar?.stop());
      if (f.json) return;
      const p = r.pipeline;
      const c = p.frames;
      const pad = r.encode.padded && `written as ${r.encode.padded.width}x${r.encode.padded.height}: H.264 needs even sides`;
      const a = r.adaptive;
      const scale = a && `scale ${a.scale} for ${a.targetFps} fps after ${a.changes} change${a.changes === 1 ? '' : 's'}`;
      const extra = [scale, c.dropped && `${c.dropped} dropped`, c.rejected && `${c.rejected} rejected`, c.resized && `${c.resized} resized`, c.held && `${c.held} held`, pad].filter(Boolean).join(', ');
      // stdout may carry the video itself: the summary goes to stderr.
      process.stderr.write(
        `${f.output === '-' ? 'stdout' : f.output}: ${c.written} frames ${r.width}x${r.height}, ${p.fps.toFixed(2)} fps, network busy ${(p.inferUtilization * 100).toFixed(0)}%${extra ? ` (${extra})` : ''}\n`,
      );
    });
}
