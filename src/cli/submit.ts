import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MODEL } from '../io/registry.js';
import { DEFAULT_QUEUE } from '../scale/connection.js';
import { submit } from '../scale/submit.js';
import { waitFor, type SubmitEvent } from '../scale/wait.js';
import { positiveInt, size } from './options.js';
import { redisOption, storageOption } from './worker.js';

interface Flags {
  output: string;
  model: string;
  redis: string;
  storage?: string[];
  queue: string;
  segmentSeconds?: number;
  photosPerJob?: number;
  attempts?: number;
  size?: [number, number];
  crf?: number;
  maxSide?: number;
  wait?: boolean;
  progress: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number of seconds, got '${value}'`);
  return n;
}

function crf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 51) throw new InvalidArgumentError(`expected a CRF from 0 to 51, got '${value}'`);
  return n;
}

const eta = (s: number | undefined) => (s === undefined ? '?' : s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export function register(program: Command): void {
  program
    .command('submit')
    .description('queue videos and photo folders for the workers (paths on storage every worker can read)')
    .argument('<inputs...>', 'video files and photo folders')
    .requiredOption('-o, --output <file|dir>', 'output video (one video input), or directory (photo folders, several inputs)')
    .option('-m, --model <name|file.onnx>', `registered model name or stylecast .onnx file on shared storage (defaults to the real-time ${DEFAULT_MODEL})`, DEFAULT_MODEL)
    .addOption(redisOption())
    .addOption(storageOption("the workers' storage folder (repeatable; required): inputs, outputs and model files must lead into one"))
    .option('--queue <name>', `queue name (defaults to ${DEFAULT_QUEUE})`, DEFAULT_QUEUE)
    .option('--segment-seconds <s>', 'video part length; parts start at keyframes (defaults to 10)', seconds)
    .option('--photos-per-job <n>', 'photos per job (defaults to 8)', positiveInt)
    .option('--attempts <n>', 'tries per job before the input fails (defaults to 3)', positiveInt)
    .option('--size <WxH>', 'video frame size to stylize and write (defaults to the source size)', size)
    .option('--crf <n>', 'x264 quality of the video, 0 = lossless (defaults to 18)', crf)
    .option('--max-side <n>', 'photos: downscale so the longer side is at most n pixels', positiveInt)
    .option('--wait', 'follow progress (parts done, fps, ETA); exit 0 only when every output is complete')
    .option('--no-progress', 'with --wait: no progress bar or lines')
    .action(async (inputs: string[], f: Flags) => {
      if (!f.storage) throw new Error("submit needs --storage <dir>: the workers' storage folders, checked here before anything is queued (repeatable)");
      const subs = await submit(inputs, {
        storage: f.storage,
        output: f.output,
        model: f.model,
        redis: f.redis,
        queue: f.queue,
        ...(f.segmentSeconds ? { segmentSeconds: f.segmentSeconds } : {}),
        ...(f.photosPerJob ? { photosPerJob: f.photosPerJob } : {}),
        ...(f.attempts ? { attempts: f.attempts } : {}),
        ...(f.size ? { size: { width: f.size[0], height: f.size[1] } } : {}),
        ...(f.crf !== undefined ? { crf: f.crf } : {}),
        ...(f.maxSide ? { maxSide: f.maxSide } : {}),
      });
      for (const s of subs) process.stdout.write(`queued ${s.id}: ${s.input} -> ${s.output} (${s.units} ${s.kind === 'video' ? 'segments' : 'photo jobs'})\n`);
      if (!f.wait) return;
      let bar: SingleBar | undefined;
      let lastLine = 0;
      const onEvent = (e: SubmitEvent) => {
        if (e.type === 'completed') {
          bar?.stop();
          bar = undefined;
          process.stdout.write(`${e.submission.output}: complete\n`);
          return;
        }
        if (e.type !== 'progress' || !f.progress) return;
        const fields = { fps: e.fps.toFixed(1), frames: `${e.frames}/${e.totalFrames}`, eta: eta(e.etaS) };
        if (process.stderr.isTTY) {
          bar ??= new SingleBar({ format: 'submit |{bar}| {value}/{total} parts | {frames} frames | {fps} fps | ETA {eta}', stream: process.stderr });
          if (!bar.isActive) bar.start(e.total, e.done, fields);
          bar.update(e.done, fields);
        } else if (Date.now() - lastLine > 2000 || e.done === e.total) {
          // Logs (no terminal): a line at most every 2 s.
          lastLine = Date.now();
          process.stderr.write(`progress: ${e.done}/${e.total} parts, ${fields.frames} frames, ${fields.fps} fps, ETA ${fields.eta}\n`);
        }
      };
      await waitFor(subs, { redis: f.redis, queue: f.queue, onEvent }).finally(() => bar?.stop());
    });
}
