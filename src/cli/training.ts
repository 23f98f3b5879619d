import { InvalidArgumentError, Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { TransformerConfig } from '../models/transformer.js';
import type { MotionLimits } from '../temporal/stability.js';
import type { AdamOptions } from '../train/adam.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../train/options.js';
import { BUILT_IN_TERMS, type LossTermDef } from '../train/terms/index.js';
import type { TrainEvent } from '../train/trainer.js';
import { positiveInt } from './options.js';

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

/**
 * A flag that sets one option: commander's syntax, help, parser and default, and where the value goes
 * (a key, or [group, key] inside adam, motion or weights). Flags without `to` are read by the command.
 */
export interface OptionFlag<To = OptionPath> {
  readonly flags: string;
  readonly help: string;
  readonly parse?: (value: string) => unknown;
  readonly default?: string | number;
  readonly required?: boolean;
  readonly to?: To;
}

export type OptionPath =
  | Exclude<keyof TrainOptions, 'adam' | 'motion' | 'weights'>
  | readonly ['adam', keyof AdamOptions]
  | readonly ['motion', keyof MotionLimits]
  | readonly ['weights', string];

/** Parsed flags as commander hands them over, by attribute name. */
export type FlagValues = Readonly<Record<string, unknown>>;

const attribute = (f: OptionFlag<unknown>) => new Option(f.flags).attributeName();

/** A flag counts as given when it has a value; an empty string leaves the default (as `--checkpoint ''` always did). */
const isGiven = (v: unknown) => v !== undefined && v !== '';

/** The given fields of an object: the library applies its defaults to the others. */
export const given = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => isGiven(v))) as Partial<T>;

export function addFlags(cmd: Command, flags: readonly OptionFlag<unknown>[]): Command {
  for (const f of flags) {
    const o = new Option(f.flags, f.help);
    if (f.parse) o.argParser(f.parse);
    if (f.default !== undefined) o.default(f.default);
    if (f.required) o.makeOptionMandatory();
    cmd.addOption(o);
  }
  return cmd;
}

const ARCHITECTURE_FLAGS: readonly OptionFlag<keyof TransformerConfig>[] = [
  { flags: '--width <n>', help: 'channels of the first conv (they double twice)', parse: positiveInt, to: 'width' },
  { flags: '--widths <list>', help: 'channels at each resolution, full first (e.g. 8,32,64; a fourth level adds a 1/8 stage); sets --width', parse: widthList, to: 'widths' },
  { flags: '--first-kernel <k>', help: 'kernel of the first conv (odd)', parse: oddKernel, to: 'firstKernel' },
  { flags: '--last-kernel <k>', help: 'kernel of the last conv (odd)', parse: oddKernel, to: 'lastKernel' },
  { flags: '--residual <kind>', help: 'residual convs: full or separable', parse: choice('full', 'separable'), to: 'residual' },
  { flags: '--upsample <kind>', help: 'nearest or transpose', parse: choice('nearest', 'transpose'), to: 'upsample' },
  { flags: '--head <kind>', help: 'output head: raw, or tanh (starts at mid-grey, converges faster)', parse: choice('raw', 'tanh'), to: 'head' },
  { flags: '--padding <kind>', help: 'reflect or same (zero) padding', parse: choice('reflect', 'same'), to: 'padding' },
];

/** Architecture-change flags (the preset or teacher gives the rest). */
export const addArchitectureOptions = (cmd: Command): Command => addFlags(cmd, ARCHITECTURE_FLAGS);

/** Architecture changes the flags ask for (only those given); --widths also sets the width it starts with. */
export function architectureChanges(f: FlagValues): Partial<TransformerConfig> {
  const changes: Partial<TransformerConfig> = Object.fromEntries(ARCHITECTURE_FLAGS.filter((a) => isGiven(f[attribute(a)])).map((a) => [a.to, f[attribute(a)]]));
  return changes.widths ? { width: changes.widths[0]!, ...changes } : changes;
}

/** '8,32,64' -> [8, 32, 64]: 2 to 5 positive integers. */
function widthList(v: string): number[] {
  const w = v.split(',').map((s) => Number(s.trim()));
  if (w.length < 2 || w.length > 5 || w.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError(`expected 2 to 5 comma-separated positive integers, got '${v}'`);
  return w;
}

/** Each term's weight flag; `help` replaces a term's help where a command gives the weight another meaning or default. */
const weightFlags = (terms: readonly LossTermDef[], help: Readonly<Record<string, string>> = {}): OptionFlag[] =>
  terms.map((t) => ({ flags: `--${t.weight.flag} <w>`, help: help[t.name] ?? t.weight.help, parse: number, to: ['weights', t.name] as const }));

/** What the loss, optimizer and run-control flags are made of: the terms and, per command, help for their weights. */
export interface TrainingFlagSpec {
  /** Defaults to BUILT_IN_TERMS. */
  readonly terms?: readonly LossTermDef[];
  readonly weightHelp?: Readonly<Record<string, string>>;
}

/** Loss, optimizer, checkpoint, preview and progress flags, in help order. */
export function trainingFlags(spec: TrainingFlagSpec = {}): readonly OptionFlag[] {
  const D = TRAIN_DEFAULTS;
  return [
    { flags: '-o, --output <model.onnx>', help: 'final model file', required: true, to: 'output' },
    { flags: '--steps <n>', help: 'total training steps', parse: positiveInt, required: true, to: 'steps' },
    { flags: '--size <n>', help: 'training crop side, a multiple of 4', parse: positiveInt, default: D.size, to: 'size' },
    { flags: '--batch <n>', help: 'photos per step', parse: positiveInt, default: D.batch, to: 'batch' },
    { flags: '--vgg <dir|file.onnx>', help: 'VGG loss network: registered name, TF.js layers folder or ONNX file', default: 'vgg19-block1-3', to: 'vgg' },
    { flags: '--content-layer <tap>', help: 'content layer (defaults to relu2_2)', to: 'contentLayer' },
    { flags: '--style-layers <taps>', help: 'comma-separated style layers (defaults to relu1_2,relu2_2,relu3_3[,relu4_3])', parse: list, to: 'styleLayers' },
    ...weightFlags(spec.terms ?? BUILT_IN_TERMS, spec.weightHelp),
    { flags: '--motion-shift <px>', help: `stability term: largest random shift in pixels (defaults to ${D.motion.shift})`, parse: number, to: ['motion', 'shift'] },
    { flags: '--motion-angle <deg>', help: `stability term: largest random rotation in degrees (defaults to ${D.motion.angle})`, parse: number, to: ['motion', 'angle'] },
    { flags: '--motion-zoom <x>', help: `stability term: largest random relative zoom (defaults to ${D.motion.zoom})`, parse: number, to: ['motion', 'zoom'] },
    { flags: '--motion-noise <std>', help: `stability term: largest noise std on 0..255 (defaults to ${D.motion.noise})`, parse: number, to: ['motion', 'noise'] },
    { flags: '--style-size <n>', help: 'longer side of the style image for its Grams (defaults to --size)', parse: positiveInt, to: 'styleSize' },
    { flags: '--teacher-margin <px>', help: `mirrored context around each crop for the teacher's pass, cut off its output, so a student does not learn the frames teachers paint along borders (defaults to ${D.teacherMargin}; 0 = none)`, parse: (v) => Number(v), to: 'teacherMargin' },
    { flags: '--lr <x>', help: `Adam learning rate (defaults to ${D.adam.lr.toExponential()})`, parse: number, to: ['adam', 'lr'] },
    { flags: '--beta1 <x>', help: `Adam beta1 (defaults to ${D.adam.beta1})`, parse: number, to: ['adam', 'beta1'] },
    { flags: '--beta2 <x>', help: `Adam beta2 (defaults to ${D.adam.beta2})`, parse: number, to: ['adam', 'beta2'] },
    { flags: '--eps <x>', help: `Adam epsilon (defaults to ${D.adam.eps.toExponential()})`, parse: number, to: ['adam', 'eps'] },
    { flags: '--schedule <kind>', help: `learning-rate schedule: constant, cosine or linear (defaults to ${D.schedule})`, parse: choice('constant', 'cosine', 'linear'), to: 'schedule' },
    { flags: '--clip-norm <x>', help: 'clip the global gradient norm (off by default)', parse: number, to: 'clipNorm' },
    { flags: '--seed <n>', help: 'seed for initialization, shuffling and crops', parse: (v) => Number(v), default: D.seed, to: 'seed' },
    { flags: '--checkpoint <file>', help: 'checkpoint file (defaults to <output>.ckpt)', to: 'checkpoint' },
    { flags: '--checkpoint-every <k>', help: 'write a checkpoint every k steps', parse: positiveInt, default: D.checkpointEvery, to: 'checkpointEvery' },
    { flags: '--resume <checkpoint>', help: 'continue a run from its checkpoint', to: 'resume' },
    { flags: '--keep-checkpoint', help: 'keep the checkpoint after a finished run (a stopped run always keeps it)', to: 'keepCheckpoint' },
    { flags: '--preview-dir <dir>', help: 'write preview sheets of fixed photos here', to: 'previewDir' },
    { flags: '--preview-every <k>', help: 'preview every k steps', parse: positiveInt, default: D.previewEvery, to: 'previewEvery' },
    { flags: '--preview <files...>', help: `photos for previews (defaults to the first ${D.previewPhotos} content photos)`, to: 'previewImages' },
    { flags: '--chart <file>', help: 'loss chart at the end (.png or .svg)', to: 'chart' },
    { flags: '--threads <n>', help: 'onnxruntime intra-op threads (defaults to all cores)', parse: positiveInt, to: 'threads' },
    { flags: '--json', help: 'print progress events as JSON lines on stdout' },
  ];
}

/** Loss, optimizer, checkpoint, preview and progress flags. */
export const addTrainingOptions = (cmd: Command, spec: TrainingFlagSpec = {}): Command => addFlags(cmd, trainingFlags(spec));

/**
 * Flags -> library options, without style, architecture or initialization; only flags given override
 * the library's defaults. `content` is required by the library: a command without --content passes it in `f`.
 */
export function runOptions(f: FlagValues, spec: TrainingFlagSpec = {}): Omit<TrainOptions, 'style'> {
  const o: Record<string, unknown> = {};
  const groups: Record<'adam' | 'motion' | 'weights', Record<string, unknown>> = { weights: {}, adam: {}, motion: {} };
  for (const flag of trainingFlags(spec)) {
    const v = f[attribute(flag)];
    if (!flag.to || !isGiven(v)) continue;
    if (typeof flag.to === 'string') o[flag.to] = v;
    else groups[flag.to[0]][flag.to[1]] = v;
  }
  // commander has parsed and checked each value; the table ties each flag to its option's key.
  return { ...o, content: f.content, ...groups } as unknown as Omit<TrainOptions, 'style'>;
}

const short = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toFixed(2));

/**
 * Human output: a progress bar on stderr (step, each loss term, it/s, ETA) and one line per event.
 * A time-budgeted run's bar counts seconds of its budget instead of steps.
 */
export function humanReporter(): (e: TrainEvent) => void {
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let budget: number | undefined;
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : process.stderr.write(`${line}\n`));
  return (e) => {
    switch (e.type) {
      case 'start':
        process.stderr.write(`${e.resumed ? 'resuming at' : 'training from'} step ${e.startStep} of ${e.steps}: ${e.files} photos, ${e.params} parameters, ${e.graphNodes}-node step graph\n`);
        budget = e.budgetSeconds;
        bars = new cliProgress.MultiBar({
          format: budget ? '{value}/{total} s |{bar}| step {step} | {terms} | {ips} it/s | ETA {eta_formatted}' : 'step {value}/{total} |{bar}| {terms} | {ips} it/s | ETA {eta_formatted}',
          hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000, etaBuffer: 50,
        }, cliProgress.Presets.shades_classic);
        bar = budget ? bars.create(Math.ceil(budget), Math.floor(e.elapsedSeconds), { terms: '', ips: '-', step: e.startStep }) : bars.create(e.steps, e.startStep, { terms: '', ips: '-' });
        break;
      case 'step':
        bar?.update(budget ? Math.min(Math.floor(e.elapsedSeconds), Math.ceil(budget)) : e.step, {
          terms: `${e.style ? `${e.style}: ` : ''}${Object.entries(e.losses).map(([k, v]) => `${k} ${short(v)}`).join(' ')}`,
          ips: e.itPerSec.toFixed(2),
          step: e.step,
        });
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
