import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { TransformerConfig } from '../models/transformer.js';
import type { TrainEvent, TrainOptions } from '../train/trainer.js';
import type { LrSchedule } from '../train/adam.js';
import { positiveInt } from './options.js';

/** Flags shared by `train` and `compress`: architecture changes, losses, optimizer, run control. */
export interface TrainingFlags {
  content: string;
  output: string;
  size: number;
  batch: number;
  steps: number;
  width?: number;
  residual?: 'full' | 'separable';
  upsample?: 'nearest' | 'transpose';
  head?: 'raw' | 'tanh';
  padding?: 'reflect' | 'same';
  firstKernel?: number;
  lastKernel?: number;
  vgg?: string;
  contentLayer?: string;
  styleLayers?: string[];
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  distillWeight?: number;
  temporalWeight?: number;
  motionShift?: number;
  motionAngle?: number;
  motionZoom?: number;
  motionNoise?: number;
  styleSize?: number;
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  schedule?: LrSchedule;
  clipNorm?: number;
  seed: number;
  checkpoint?: string;
  checkpointEvery: number;
  resume?: string;
  previewDir?: string;
  previewEvery: number;
  preview?: string[];
  chart?: string;
  threads?: number;
  json?: boolean;
}

export function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

export const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

export const choice = <T extends string>(...options: T[]) => (value: string): T => {
  if (!options.includes(value as T)) throw new InvalidArgumentError(`expected one of ${options.join(', ')}, got '${value}'`);
  return value as T;
};

const oddKernel = (value: string): number => {
  const n = positiveInt(value);
  if (n % 2 === 0) throw new InvalidArgumentError(`expected an odd kernel size, got '${value}'`);
  return n;
};

/** Architecture changes the flags ask for (only those given). */
export function architectureChanges(f: TrainingFlags): Partial<TransformerConfig> {
  return {
    ...(f.width ? { width: f.width } : {}),
    ...(f.residual ? { residual: f.residual } : {}),
    ...(f.upsample ? { upsample: f.upsample } : {}),
    ...(f.head ? { head: f.head } : {}),
    ...(f.padding ? { padding: f.padding } : {}),
    ...(f.firstKernel ? { firstKernel: f.firstKernel } : {}),
    ...(f.lastKernel ? { lastKernel: f.lastKernel } : {}),
  };
}

/** Flags -> library options, without style, architecture or initialization; only flags given override the library's defaults. */
export function runOptions(f: TrainingFlags): Omit<TrainOptions, 'style'> {
  const weights = {
    ...(f.contentWeight !== undefined ? { content: f.contentWeight } : {}),
    ...(f.styleWeight !== undefined ? { style: f.styleWeight } : {}),
    ...(f.tvWeight !== undefined ? { tv: f.tvWeight } : {}),
    ...(f.distillWeight !== undefined ? { distill: f.distillWeight } : {}),
    ...(f.temporalWeight !== undefined ? { temporal: f.temporalWeight } : {}),
  };
  const motion = {
    ...(f.motionShift !== undefined ? { shift: f.motionShift } : {}),
    ...(f.motionAngle !== undefined ? { angle: f.motionAngle } : {}),
    ...(f.motionZoom !== undefined ? { zoom: f.motionZoom } : {}),
    ...(f.motionNoise !== undefined ? { noise: f.motionNoise } : {}),
  };
  const adam = {
    ...(f.lr !== undefined ? { lr: f.lr } : {}),
    ...(f.beta1 !== undefined ? { beta1: f.beta1 } : {}),
    ...(f.beta2 !== undefined ? { beta2: f.beta2 } : {}),
    ...(f.eps !== undefined ? { eps: f.eps } : {}),
  };
  return {
    content: f.content, output: f.output, size: f.size, batch: f.batch, steps: f.steps,
    vgg: f.vgg ?? 'vgg19-block1-3', weights, adam, motion, seed: f.seed, checkpointEvery: f.checkpointEvery, previewEvery: f.previewEvery,
    ...(f.contentLayer ? { contentLayer: f.contentLayer } : {}),
    ...(f.styleLayers ? { styleLayers: f.styleLayers } : {}),
    ...(f.styleSize ? { styleSize: f.styleSize } : {}),
    ...(f.schedule ? { schedule: f.schedule } : {}),
    ...(f.clipNorm !== undefined ? { clipNorm: f.clipNorm } : {}),
    ...(f.checkpoint ? { checkpoint: f.checkpoint } : {}),
    ...(f.resume ? { resume: f.resume } : {}),
    ...(f.previewDir ? { previewDir: f.previewDir } : {}),
    ...(f.preview ? { previewImages: f.preview } : {}),
    ...(f.chart ? { chart: f.chart } : {}),
    ...(f.threads ? { threads: f.threads } : {}),
  };
}

/** Architecture-change flags (the preset or teacher gives the rest). */
export function addArchitectureOptions(cmd: Command): Command {
  return cmd
    .option('--width <n>', 'channels of the first conv (they double twice)', positiveInt)
    .option('--first-kernel <k>', 'kernel of the first conv (odd)', oddKernel)
    .option('--last-kernel <k>', 'kernel of the last conv (odd)', oddKernel)
    .option('--residual <kind>', 'residual convs: full or separable', choice('full', 'separable'))
    .option('--upsample <kind>', 'nearest or transpose', choice('nearest', 'transpose'))
    .option('--head <kind>', 'output head: raw, or tanh (starts at mid-grey, converges faster)', choice('raw', 'tanh'))
    .option('--padding <kind>', 'reflect or same (zero) padding', choice('reflect', 'same'));
}

/** Loss, optimizer, checkpoint, preview and progress flags. */
export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-o, --output <model.onnx>', 'final model file')
    .requiredOption('--steps <n>', 'total training steps', positiveInt)
    .option('--size <n>', 'training crop side, a multiple of 4', positiveInt, 256)
    .option('--batch <n>', 'photos per step', positiveInt, 4)
    .option('--vgg <dir|file.onnx>', 'VGG loss network: registered name, TF.js layers folder or ONNX file', 'vgg19-block1-3')
    .option('--content-layer <tap>', 'content layer (defaults to relu2_2)')
    .option('--style-layers <taps>', 'comma-separated style layers (defaults to relu1_2,relu2_2,relu3_3[,relu4_3])', list)
    .option('--content-weight <w>', 'content loss weight (defaults to 1e5, scaled for caffe-preprocessed VGGs; 0 turns it off)', number)
    .option('--style-weight <w>', 'style loss weight (defaults to 1e10, scaled for caffe-preprocessed VGGs; 0 turns it off)', number)
    .option('--tv-weight <w>', 'total-variation weight (defaults to 1e-6)', number)
    .option('--temporal-weight <w>', 'stability under small camera motions and noise (0 = off, the default; try 10)', number)
    .option('--motion-shift <px>', 'stability term: largest random shift in pixels (defaults to 2)', number)
    .option('--motion-angle <deg>', 'stability term: largest random rotation in degrees (defaults to 1)', number)
    .option('--motion-zoom <x>', 'stability term: largest random relative zoom (defaults to 0.02)', number)
    .option('--motion-noise <std>', 'stability term: largest noise std on 0..255 (defaults to 4)', number)
    .option('--style-size <n>', 'longer side of the style image for its Grams (defaults to --size)', positiveInt)
    .option('--lr <x>', 'Adam learning rate (defaults to 1e-3)', number)
    .option('--beta1 <x>', 'Adam beta1 (defaults to 0.9)', number)
    .option('--beta2 <x>', 'Adam beta2 (defaults to 0.999)', number)
    .option('--eps <x>', 'Adam epsilon (defaults to 1e-8)', number)
    .option('--schedule <kind>', 'learning-rate schedule: constant, cosine or linear (defaults to constant)', choice('constant', 'cosine', 'linear'))
    .option('--clip-norm <x>', 'clip the global gradient norm (off by default)', number)
    .option('--seed <n>', 'seed for initialization, shuffling and crops', (v) => Number(v), 0)
    .option('--checkpoint <file>', 'checkpoint file (defaults to <output>.ckpt)')
    .option('--checkpoint-every <k>', 'write a checkpoint every k steps', positiveInt, 500)
    .option('--resume <checkpoint>', 'continue a run from its checkpoint')
    .option('--preview-dir <dir>', 'write preview sheets of fixed photos here')
    .option('--preview-every <k>', 'preview every k steps', positiveInt, 500)
    .option('--preview <files...>', 'photos for previews (defaults to the first 2 content photos)')
    .option('--chart <file>', 'loss chart at the end (.png or .svg)')
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt)
    .option('--json', 'print progress events as JSON lines on stdout');
}

const short = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toFixed(2));

/** Human output: a progress bar on stderr (step, each loss term, it/s, ETA) and one line per event. */
export function humanReporter(): (e: TrainEvent) => void {
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : process.stderr.write(`${line}\n`));
  return (e) => {
    switch (e.type) {
      case 'start':
        process.stderr.write(`${e.resumed ? 'resuming at' : 'training from'} step ${e.startStep} of ${e.steps}: ${e.files} photos, ${e.params} parameters, ${e.graphNodes}-node step graph\n`);
        bars = new cliProgress.MultiBar({
          format: 'step {value}/{total} |{bar}| {terms} | {ips} it/s | ETA {eta_formatted}',
          hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000, etaBuffer: 50,
        }, cliProgress.Presets.shades_classic);
        bar = bars.create(e.steps, e.startStep, { terms: '', ips: '-' });
        break;
      case 'step':
        bar?.update(e.step, { terms: Object.entries(e.losses).map(([k, v]) => `${k} ${short(v)}`).join(' '), ips: e.itPerSec.toFixed(2) });
        break;
      case 'skip':
        say(`warning: skipping unreadable photo ${e.file} (${e.reason})`);
        break;
      case 'checkpoint':
        break;
      case 'preview':
        say(`preview ${e.path}`);
        break;
      case 'done':
        bars?.stop();
        bars = undefined;
        process.stdout.write(`${e.output}  (${e.steps} steps; final ${Object.entries(e.losses).map(([k, v]) => `${k} ${short(v)}`).join(', ')})\n`);
        if (e.chart) process.stdout.write(`loss chart ${e.chart}\n`);
        if (e.skipped.length) process.stderr.write(`warning: ${e.skipped.length} unreadable photo(s) skipped: ${e.skipped.join(', ')}\n`);
        break;
    }
  };
}

/** Where progress goes: JSON lines on stdout, or the human reporter. */
export const reporter = (f: { json?: boolean }) =>
  f.json ? (e: TrainEvent) => process.stdout.write(`${JSON.stringify(e)}\n`) : humanReporter();
