import type { Command } from 'commander';
import { transformerOf } from '../models/codec.js';
import { loadModel } from '../models/load.js';
import { basename } from 'node:path';
import { replicateStyle } from '../models/styles.js';
import { PRESETS, type TransformerConfig } from '../models/transformer.js';
import type { TrainStyle } from '../train/spec.js';
import { train, type TrainOptions } from '../train/trainer.js';
import { checkOutputs, overwriteOption } from './outputs.js';
import { addArchitectureOptions, addTrainingOptions, architectureChanges, choice, given, list, reporter, runOptions, type FlagValues } from './training.js';

/** The flags this command reads itself; the shared ones reach the options through runOptions. */
interface Flags extends FlagValues {
  style: string[];
  styleNames?: string[];
  content: string;
  preset: 'torch' | 'engstrom';
  blocks?: number;
  teacher?: string[];
  init?: string;
  resume?: string;
  json?: boolean;
  output: string;
  chart?: string;
  overwrite?: boolean;
}

/** Whether any flag picks the architecture (the preset's default 'torch' does not count). */
const architectureFlags = (f: Flags) => f.preset !== 'torch' || f.blocks !== undefined || Object.keys(architectureChanges(f)).length > 0;

/**
 * Fine-tuning: the model's architecture and weights are the start; its metadata carries over, and its
 * name and sha256 go into the provenance.
 */
async function initOptions(name: string, styles: number | undefined): Promise<Pick<TrainOptions, 'config' | 'init' | 'info'>> {
  const m = transformerOf(await loadModel(name), `train --init ${name}`);
  if (m.precision !== 'fp32') throw new Error(`--init ${name}: a ${m.precision} model cannot be trained; start from its float32 file`);
  if (m.config.styles !== undefined && m.config.styles !== styles) throw new Error(`--init ${name}: a network of ${m.config.styles} styles; train it with ${m.config.styles} styles (--style and --style-names)`);
  // A single-style model starts every style of a multi-style one: its norms become each row.
  const start = styles !== undefined && m.config.styles === undefined ? replicateStyle(m, styles) : m;
  const { name: _name, provenance, style: _style, ...rest } = m.info;
  const info = { ...rest, ...(styles === undefined ? { style: m.info.style } : {}), source: `fine-tuned from ${m.info.name} by stylecast train`, provenance: { fineTunedFrom: m.info.name, fineTunedFromSha256: m.sha256, base: provenance ?? {} } };
  return { config: start.config, init: start.weights, info };
}

/**
 * The styles of a multi-style run: `--style a.jpg,b.jpg` with `--teacher t1,t2` (one per style, or
 * none) and `--style-names` (defaults to the teachers' names, else the images'). Undefined for a
 * single-style run: one image and no --style-names.
 */
export function trainStyles(f: Pick<Flags, 'style' | 'teacher' | 'styleNames'>): TrainStyle[] | undefined {
  if (f.style.length === 1 && f.styleNames === undefined) {
    if ((f.teacher?.length ?? 0) > 1) throw new Error(`--teacher: ${f.teacher!.length} teachers for one style image; a multi-style run gives one style image per teacher`);
    return undefined;
  }
  const n = f.style.length;
  if (f.teacher && f.teacher.length !== n) throw new Error(`--teacher: give one teacher per style (${n} style images, ${f.teacher.length} teachers)`);
  if (f.styleNames && f.styleNames.length !== n) throw new Error(`--style-names: give one name per style (${n} style images, ${f.styleNames.length} names)`);
  const stem = (p: string) => basename(p).replace(/\.(onnx|jpe?g|png|webp)$/i, '');
  return f.style.map((image, i) => ({ name: f.styleNames?.[i] ?? stem(f.teacher?.[i] ?? image), image, ...(f.teacher ? { teacher: f.teacher[i]! } : {}) }));
}

/** Flags -> library options; only flags given override the library's defaults. */
async function toOptions(f: Flags): Promise<TrainOptions> {
  // With --resume too, the checkpoint's weights win and --init still supplies the metadata.
  if (f.init && architectureFlags(f)) throw new Error('--init takes the architecture from the model: drop --preset, --blocks and the architecture flags');
  const styles = trainStyles(f);
  const run = { ...runOptions(f), ...(styles ? { styles } : { style: f.style[0]!, ...given({ teacher: f.teacher?.[0] }) }) };
  if (f.init) return { ...run, ...(await initOptions(f.init, styles?.length)) };
  const config: TransformerConfig = { ...PRESETS[f.preset], ...architectureChanges(f), ...given({ blocks: f.blocks }), ...(styles ? { styles: styles.length } : {}) };
  // A resumed run takes the checkpoint's architecture unless one is asked for explicitly.
  return f.resume && !architectureFlags(f) ? run : { ...run, config };
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a style network on a folder of photos (perceptual losses, Johnson et al. 2016)')
    .requiredOption('--style <images>', 'style image (JPEG/PNG/WebP); several, comma-separated, train a multi-style network (one style each, round-robin)', list)
    .option('--style-names <names>', "a multi-style network's style names, one per image (defaults to the teachers' names, else the images'); with one image, a one-style multi-style network", list)
    .requiredOption('--content <dir>', 'folder of content photos, searched recursively')
    .option('--preset <name>', 'architecture preset: torch or engstrom', choice('torch', 'engstrom'), 'torch')
    .option('--blocks <n>', 'residual blocks (defaults to the preset\'s 5)', (v) => Number(v));
  addArchitectureOptions(cmd);
  addTrainingOptions(cmd)
    .option('--teacher <names>', 'teacher model for distillation: a registered name or model file; one per style image, comma-separated', list)
    .option('--init <name|model.onnx>', 'fine-tune: start from this model (its architecture, weights and metadata)');
  overwriteOption(cmd)
    .action(async (f: Flags) => {
      const inputs = [...f.style, f.content, ...(f.teacher ?? []), ...[f.resume, f.init].filter((i) => i !== undefined)];
      await checkOutputs([f.output, ...(f.chart ? [f.chart] : [])], { inputs, ...(f.overwrite ? { overwrite: true } : {}) });
      await train(await toOptions(f), reporter(f));
    });
}
