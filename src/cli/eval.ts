import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { evaluate, formatEvalJson, formatEvalMarkdown, type EvalEvent } from '../eval/index.js';
import type { StyleMix } from '../models/styles.js';
import { positiveInt, size, styleMix } from './options.js';

interface Flags {
  model: string[];
  reference?: string;
  photos: string;
  size: [number, number];
  json?: boolean;
  trials: number;
  threads?: number;
  style?: string;
  styleMix?: StyleMix;
  styleSize: number;
  limit?: number;
  peakRuns: number;
  renderScale?: number[];
}

const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
};

/** One render scale in (0, 1]; repeated values collect into a list. */
const renderScale = (value: string, previous: number[] | undefined): number[] => {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a scale in (0, 1], got '${value}'`);
  return [...(previous ?? []), n];
};

/** Progress on stderr: a bar over photos then timed runs on a terminal, one line per stage in logs. */
function progress(): { onEvent: (e: EvalEvent) => void; stop: () => void } {
  const interactive = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: 'eval [{bar}] {value}/{total} {stage} | {what}', hideCursor: true, noTTYOutput: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const log = (line: string) => {
    if (!interactive) process.stderr.write(`${line}\n`);
  };
  const onEvent = (e: EvalEvent) => {
    switch (e.type) {
      case 'start':
        bar.start(e.photos, 0, { stage: 'photos', what: '' });
        started = true;
        break;
      case 'photo':
        bar.update(e.index, { what: e.file });
        log(`photo ${e.index + 1}/${e.total} ${e.file}`);
        break;
      case 'peak':
        bar.update({ what: `MatMul peak (${e.when} timing)` });
        log(`MatMul peak (${e.when} timing)`);
        break;
      case 'trial':
        if (e.trial === 0) {
          bar.setTotal(e.trials);
          log(`timing ${e.trials} runs per model, in turn`);
        }
        bar.update(e.trial + 1, { stage: 'timed runs', what: '' });
        break;
      case 'note':
        // Notes come while setting up, before the bar starts.
        process.stderr.write(`note: ${e.message}\n`);
        break;
    }
  };
  return { onEvent, stop: () => { if (started) bar.stop(); } };
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('compare style models with a reference: speed, PSNR/SSIM of their outputs, content and style losses')
    .requiredOption('-m, --model <m...>', 'registered name or stylecast .onnx file (several give a row each)')
    .option('--reference <teacher>', "what outputs are compared with (defaults to the models' registered teacher)")
    .requiredOption('--photos <dir>', 'folder of JPEG/PNG/WebP photos, searched recursively')
    .option('--size <WxH>', 'photos are cover-resized and centre-cropped to this (defaults to 640x480)', size, [640, 480] as [number, number])
    .option('--limit <n>', 'use only the first n photos', positiveInt)
    .option('--trials <n>', 'timed runs per model (defaults to 100)', positiveInt, 100)
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt)
    .option('--style <image>', "style image for the style loss (defaults to the reference's registered one)")
    .option('--style-mix <name|mix>', "the style or blend a multi-style model paints in (candy, candy=0.7,mosaic=0.3; defaults to its first style)", styleMix)
    .option('--style-size <n>', 'longer side of the style image for its Grams (defaults to 512)', positiveInt, 512)
    .option('--peak-runs <n>', 'timed runs of the 2048^3 MatMul before and after the timing (defaults to 10; 0 skips it)', nonNegativeInt, 10)
    .option('--render-scale <s...>', 'stylize the photos resized to s (0 < s <= 1) and resize the output back: one scale for all models or one per model (the reference runs at full size)', renderScale)
    .option('--json', 'print the results as JSON instead of a Markdown table')
    .action(async (f: Flags) => {
      const { onEvent, stop } = progress();
      let report;
      try {
        report = await evaluate(
          {
            models: f.model,
            photos: f.photos,
            width: f.size[0],
            height: f.size[1],
            trials: f.trials,
            styleSize: f.styleSize,
            peak: f.peakRuns ? { runs: f.peakRuns } : false,
            command: `stylecast ${process.argv.slice(2).join(' ')}`,
            ...(f.reference ? { reference: f.reference } : {}),
            ...(f.threads ? { threads: f.threads } : {}),
            ...(f.style ? { style: f.style } : {}),
            ...(f.styleMix !== undefined ? { modelStyle: f.styleMix } : {}),
            ...(f.limit ? { limit: f.limit } : {}),
            ...(f.renderScale ? { renderScales: f.renderScale } : {}),
          },
          onEvent,
        );
      } finally {
        stop();
      }
      process.stdout.write(f.json ? formatEvalJson(report) : formatEvalMarkdown(report));
    });
}
