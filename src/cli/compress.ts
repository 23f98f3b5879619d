import { InvalidArgumentError, type Command } from 'commander';
import { compress, DEFAULT_DISTILL_WEIGHT } from '../compress/index.js';
import { checkOutputs, overwriteOption } from './outputs.js';
import { addArchitectureOptions, addTrainingOptions, architectureChanges, choice, given, reporter, runOptions, type FlagValues, type TrainingFlagSpec } from './training.js';

/** The flags this command reads itself; the shared ones reach the options through runOptions. */
interface Flags extends FlagValues {
  teacher: string;
  content?: string;
  style?: string;
  dropBlocks?: number[];
  init: 'transfer' | 'random';
  json?: boolean;
  output: string;
  chart?: string;
  resume?: string;
  overwrite?: boolean;
}

/** Distillation is compression's point: its weight flag says so, with compress's default. */
const FLAGS: TrainingFlagSpec = {
  weightHelp: { distill: `weight of MSE(student, teacher) on 0..255 (defaults to ${DEFAULT_DISTILL_WEIGHT}; 0 turns it off)` },
};

const blockList = (value: string): number[] =>
  value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected comma-separated block indices from 0, got '${value}'`);
    return n;
  });

export function register(program: Command): void {
  const cmd = program
    .command('compress')
    .description('compress a teacher into a small student: drop residual blocks, narrow, start from the teacher\'s weights, distill')
    .requiredOption('--teacher <name|model.onnx>', 'teacher: a registered name or a stylecast model file')
    .option('--style <image>', 'style image for the style loss (defaults to the registered teacher\'s, from the mirror)')
    .option('--content <dir>', 'folder of content photos (defaults to $STYLECAST_MIRROR/photos/train)')
    .option('--drop-blocks <list>', 'teacher residual blocks to remove, 0-based (defaults to the middle three: 1,2,3)', blockList)
    .option('--init <kind>', 'transfer (from the teacher) or random', choice('transfer', 'random'), 'transfer');
  addArchitectureOptions(cmd);
  addTrainingOptions(cmd, FLAGS);
  overwriteOption(cmd)
    .action(async (f: Flags) => {
      const inputs = [f.teacher, ...[f.style, f.content, f.resume].filter((i) => i !== undefined)];
      await checkOutputs([f.output, ...(f.chart ? [f.chart] : [])], { inputs, ...(f.overwrite ? { overwrite: true } : {}) });
      const content = f.content ?? (process.env.STYLECAST_MIRROR ? `${process.env.STYLECAST_MIRROR}/photos/train` : undefined);
      if (!content) throw new Error('no training photos: pass --content <dir> or set STYLECAST_MIRROR');
      const changes = architectureChanges(f);
      const report = reporter(f);
      await compress(
        {
          ...runOptions({ ...f, content }, FLAGS),
          teacher: f.teacher,
          initFrom: f.init,
          ...given({ style: f.style, dropBlocks: f.dropBlocks }),
          ...(Object.keys(changes).length ? { changes } : {}),
        },
        (e) => {
          if (e.type !== 'transfer') return report(e);
          const fresh = e.report.fresh.length ? `; fresh: ${e.report.fresh.join(', ')}` : '';
          process.stderr.write(`student: width ${e.config.width}, ${e.config.blocks} blocks, kernels ${e.config.firstKernel}/${e.config.lastKernel}; ${e.report.copied.size} tensors from the teacher${fresh}\n`);
        },
      );
    });
}
