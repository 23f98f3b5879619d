import type { Command } from 'commander';
import { transformerOf } from '../models/codec.js';
import { loadModel } from '../models/load.js';
import { PRESETS, type TransformerConfig } from '../models/transformer.js';
import { train, type TrainOptions } from '../train/trainer.js';
import { checkOutputs, overwriteOption } from './outputs.js';
import { addArchitectureOptions, addTrainingOptions, architectureChanges, choice, given, reporter, runOptions, type FlagValues } from './training.js';

/** The flags this command reads itself; the shared ones reach the options through runOptions. */
interface Flags extends FlagValues {
  style: string;
  content: string;
  preset: 'torch' | 'engstrom';
  blocks?: number;
  teacher?: string;
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
async function initOptions(name: string): Promise<Pick<TrainOptions, 'config' | 'init' | 'info'>> {
  const m = transformerOf(await loadModel(name), `train --init ${name}`);
  if (m.precision !== 'fp32') throw new Error(`--init ${name}: a ${m.precision} model cannot be trained; start from its float32 file`);
  const { name: _name, provenance, ...rest } = m.info;
  return { config: m.config, init: m.weights, info: { ...rest, source: `fine-tuned from ${m.info.name} by stylecast train`, provenance: { fineTunedFrom: m.info.name, fineTunedFromSha256: m.sha256, base: provenance ?? {} } } };
}

/** Flags -> library options; only flags given override the library's defaults. */
async function toOptions(f: Flags): Promise<TrainOptions> {
  // With --resume too, the checkpoint's weights win and --init still supplies the metadata.
  if (f.init && architectureFlags(f)) throw new Error('--init takes the architecture from the model: drop --preset, --blocks and the architecture flags');
  const run = { ...runOptions(f), style: f.style, ...given({ teacher: f.teacher }) };
  if (f.init) return { ...run, ...(await initOptions(f.init)) };
  const config: TransformerConfig = { ...PRESETS[f.preset], ...architectureChanges(f), ...given({ blocks: f.blocks }) };
  // A resumed run takes the checkpoint's architecture unless one is asked for explicitly.
  return f.resume && !architectureFlags(f) ? run : { ...run, config };
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a style network on a folder of photos (perceptual losses, Johnson et al. 2016)')
    .requiredOption('--style <image>', 'style image (JPEG/PNG/WebP)')
    .requiredOption('--content <dir>', 'folder of content photos, searched recursively')
    .option('--preset <name>', 'architecture preset: torch or engstrom', choice('torch', 'engstrom'), 'torch')
    .option('--blocks <n>', 'residual blocks (defaults to the preset\'s 5)', (v) => Number(v));
  addArchitectureOptions(cmd);
  addTrainingOptions(cmd)
    .option('--teacher <name|model.onnx>', 'teacher model for distillation')
    .option('--init <name|model.onnx>', 'fine-tune: start from this model (its architecture, weights and metadata)');
  overwriteOption(cmd)
    .action(async (f: Flags) => {
      const inputs = [f.style, f.content, ...[f.resume, f.init, f.teacher].filter((i) => i !== undefined)];
      await checkOutputs([f.output, ...(f.chart ? [f.chart] : [])], { inputs, ...(f.overwrite ? { overwrite: true } : {}) });
      await train(await toOptions(f), reporter(f));
    });
}
