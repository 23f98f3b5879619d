import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { PRESETS, type TransformerConfig } from '../models/transformer.js';
import { train, type TrainEvent, type TrainOptions } from '../train/trainer.js';
import type { LrSchedule } from '../train/adam.js';
import { positiveInt } from './options.js';

interface Flags {
  style: string;
  content: string;
  output: string;
  size: number;
  batch: number;
  steps: number;
  preset: 'torch' | 'engstrom';
  width?: number;
  blocks?: number;
  residual?: 'full' | 'separable';
  upsample?: 'nearest' | 'transpose';
  head?: 'raw' | 'tanh';
  padding?: 'reflect' | 'same';
  vgg?: string;
  contentLayer?: string;
  styleLayers?: string[];
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  distillWeight?: number;
  teacher?: string;
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

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

const choice = <T extends string>(...options: T[]) => (value: string): T => {
  if (!options.includes(value as T)) throw new InvalidArgumentError(`expected one of ${options.join(', ')}, got '${value}'`);
  return value as T;
};

/** Whether any flag picks the architecture (the preset's default 'torch' does not count). */
const architectureFlags = (f: Flags) =>
  f.preset !== 'torch' || [f.width, f.blocks, f.residual, f.upsample, f.head, f.padding].some((v) => v !== undefined);

/** Flags -> library options; only flags given override the library's defaults. */
function toOptions(f: Flags): TrainOptions {
  const config: TransformerConfig = {
    ...PRESETS[f.preset],
    ...(f.width ? { width: f.width } : {}),
    ...(f.blocks !== undefined ? { blocks: f.blocks } : {}),
    ...(f.residual ? { residual: f.residual } : {}),
    ...(f.upsample ? { upsample: f.upsample } : {}),
    ...(f.head ? { head: f.head } : {}),
    ...(f.padding ? { padding: f.padding } : {}),
  };
  const vgg = f.vgg ?? 'vgg19-block1-3';
  const weights = {
    ...(f.contentWeight !== undefined ? { content: f.contentWeight } : {}),
    ...(f.styleWeight !== undefined ? { style: f.styleWeight } : {}),
    ...(f.tvWeight !== undefined ? { tv: f.tvWeight } : {}),
    ...(f.distillWeight !== undefined ? { distill: f.distillWeight } : {}),
  };
  const adam = {
    ...(f.lr !== undefined ? { lr: f.lr } : {}),
    ...(f.beta1 !== undefined ? { beta1: f.beta1 } : {}),
    ...(f.beta2 !== undefined ? { beta2: f.beta2 } : {}),
    ...(f.eps !== undefined ? { eps: f.eps } : {}),
  };
  return {
    style: f.style, content: f.content, output: f.output, size: f.size, batch: f.batch, steps: f.steps,
    // A resumed run takes the checkpoint's architecture unless one is asked for explicitly.
    ...(f.resume && !architectureFlags(f) ? {} : { config }),
    vgg, weights, adam, seed: f.seed, checkpointEvery: f.checkpointEvery, previewEvery: f.previewEvery,
    ...(f.contentLayer ? { contentLayer: f.contentLayer } : {}),
    ...(f.styleLayers ? { styleLayers: f.styleLayers } : {}),
    ...(f.teacher ? { teacher: f.teacher } : {}),
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

const short = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toFixed(2));

/** Human output: a progress bar on stderr (step, each loss term, it/s, ETA) and one line per event. */
function humanReporter(): (e: TrainEvent) => void {
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

export function register(program: Command): void {
  program
    .command('train')
    .description('train a style network on a folder of photos (perceptual losses, Johnson et al. 2016)')
    .requiredOption('--style <image>', 'style image (JPEG/PNG/WebP)')
    .requiredOption('--content <dir>', 'folder of content photos, searched recursively')
    .requiredOption('-o, --output <model.onnx>', 'final model file')
    .requiredOption('--steps <n>', 'total training steps', positiveInt)
    .option('--size <n>', 'training crop side, a multiple of 4', positiveInt, 256)
    .option('--batch <n>', 'photos per step', positiveInt, 4)
    .option('--preset <name>', 'architecture preset: torch or engstrom', choice('torch', 'engstrom'), 'torch')
    .option('--width <n>', 'channels of the first conv (defaults to the preset\'s 32)', positiveInt)
    .option('--blocks <n>', 'residual blocks (defaults to the preset\'s 5)', (v) => Number(v))
    .option('--residual <kind>', 'residual convs: full or separable (defaults to full)', choice('full', 'separable'))
    .option('--upsample <kind>', 'nearest or transpose (defaults to the preset\'s)', choice('nearest', 'transpose'))
    .option('--head <kind>', 'output head: raw, or tanh (starts at mid-grey, converges faster; defaults to the preset\'s)', choice('raw', 'tanh'))
    .option('--padding <kind>', 'reflect or same (zero) padding (defaults to the preset\'s)', choice('reflect', 'same'))
    .option('--vgg <dir|file.onnx>', 'VGG loss network: registered name, TF.js layers folder or ONNX file', 'vgg19-block1-3')
    .option('--content-layer <tap>', 'content layer (defaults to relu2_2)')
    .option('--style-layers <taps>', 'comma-separated style layers (defaults to relu1_2,relu2_2,relu3_3[,relu4_3])', list)
    .option('--content-weight <w>', 'content loss weight (defaults to 1e5, scaled for caffe-preprocessed VGGs)', number)
    .option('--style-weight <w>', 'style loss weight (defaults to 1e10, scaled for caffe-preprocessed VGGs)', number)
    .option('--tv-weight <w>', 'total-variation weight (defaults to 1e-6)', number)
    .option('--distill-weight <w>', 'distillation weight towards --teacher (defaults to 0)', number)
    .option('--teacher <model.onnx>', 'teacher model for distillation')
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
    .option('--json', 'print progress events as JSON lines on stdout')
    .action(async (f: Flags) => {
      const report = f.json ? (e: TrainEvent) => process.stdout.write(`${JSON.stringify(e)}\n`) : humanReporter();
      await train(toOptions(f), report);
    });
}
