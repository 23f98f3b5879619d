import type { Command } from 'commander';
import { PRESETS, type TransformerConfig } from '../models/transformer.js';
import { train, type TrainOptions } from '../train/trainer.js';
import { addArchitectureOptions, addTrainingOptions, architectureChanges, choice, number, reporter, runOptions, type TrainingFlags } from './training.js';

interface Flags extends TrainingFlags {
  style: string;
  preset: 'torch' | 'engstrom';
  blocks?: number;
  teacher?: string;
}

/** Whether any flag picks the architecture (the preset's default 'torch' does not count). */
const architectureFlags = (f: Flags) => f.preset !== 'torch' || f.blocks !== undefined || Object.keys(architectureChanges(f)).length > 0;

/** Flags -> library options; only flags given override the library's defaults. */
function toOptions(f: Flags): TrainOptions {
  const config: TransformerConfig = { ...PRESETS[f.preset], ...architectureChanges(f), ...(f.blocks !== undefined ? { blocks: f.blocks } : {}) };
  return {
    ...runOptions(f),
    style: f.style,
    // A resumed run takes the checkpoint's architecture unless one is asked for explicitly.
    ...(f.resume && !architectureFlags(f) ? {} : { config }),
    ...(f.teacher ? { teacher: f.teacher } : {}),
  };
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
    .option('--distill-weight <w>', 'distillation weight towards --teacher (defaults to 0)', number)
    .option('--teacher <name|model.onnx>', 'teacher model for distillation')
    .action(async (f: Flags) => {
      await train(toOptions(f), reporter(f));
    });
}
