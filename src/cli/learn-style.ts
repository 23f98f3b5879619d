import { type Command } from 'commander';
import { DEFAULT_MULTI_MODEL } from '../io/registry.js';
import { LEARN_STYLE_DEFAULTS, learnStyle } from '../train/learn-style.js';
import { positiveInt } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';
import { number, reporter } from './training.js';

interface Flags {
  output: string;
  base: string;
  name?: string;
  minutes: number;
  content?: string;
  vgg: string;
  size?: number;
  batch?: number;
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  seed?: number;
  threads?: number;
  preview?: string;
  json?: boolean;
  overwrite?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('learn-style')
    .description("learn a new style from a painting in minutes: only the style's norm scales and shifts of a multi-style network are trained (the shared weights stay), and the network is written with the style added")
    .argument('<painting>', 'the painting (JPEG/PNG/WebP...; photos of art, textures, line drawings; transparency counts as white paper)')
    .requiredOption('-o, --output <model.onnx>', 'the multi-style network with the new style added')
    .option('--base <name|model.onnx>', `the multi-style network to add the style to (defaults to the built-in ${DEFAULT_MULTI_MODEL})`, DEFAULT_MULTI_MODEL)
    .option('--name <name>', 'the new style\'s name (defaults to the painting\'s file name)')
    .option('--minutes <n>', `training time, resumed runs included (defaults to ${LEARN_STYLE_DEFAULTS.minutes})`, number, LEARN_STYLE_DEFAULTS.minutes)
    .option('--content <dir>', 'training photos (defaults to $STYLECAST_MIRROR/photos/train)')
    .option('--vgg <dir|file.onnx>', 'VGG loss network: registered name, TF.js layers folder or ONNX file', 'vgg19-block1-3')
    .option('--size <n>', 'training crop side, a multiple of the network\'s stride (defaults to 256)', positiveInt)
    .option('--batch <n>', 'photos per step (defaults to 4)', positiveInt)
    .option('--lr <x>', `Adam learning rate (defaults to ${LEARN_STYLE_DEFAULTS.lr})`, number)
    .option('--content-weight <w>', 'content loss weight (defaults to train\'s)', number)
    .option('--style-weight <w>', 'style loss weight (defaults to train\'s)', number)
    .option('--tv-weight <w>', 'total-variation weight (defaults to train\'s)', number)
    .option('--seed <n>', 'seed for shuffling and crops', (v) => Number(v))
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt)
    .option('--preview <file.png>', `preview sheet, replaced every ${LEARN_STYLE_DEFAULTS.previewEvery} steps (defaults to <output>.preview.png)`)
    .option('--json', 'print progress events as JSON lines on stdout');
  overwriteOption(cmd).action(async (painting: string, f: Flags) => {
    const preview = f.preview ?? `${f.output}.preview.png`;
    // The preview is replaced during the run, so only the model counts as an existing output.
    await checkOutputs([f.output], { inputs: [painting, f.base], ...(f.overwrite ? { overwrite: true } : {}) });
    await checkOutputs([preview], { inputs: [painting, f.base, f.output], overwrite: true });
    const content = f.content ?? (process.env.STYLECAST_MIRROR ? `${process.env.STYLECAST_MIRROR}/photos/train` : undefined);
    if (!content) throw new Error('no training photos: pass --content <dir> or set STYLECAST_MIRROR');
    const weights = {
      ...(f.contentWeight !== undefined ? { content: f.contentWeight } : {}),
      ...(f.styleWeight !== undefined ? { style: f.styleWeight } : {}),
      ...(f.tvWeight !== undefined ? { tv: f.tvWeight } : {}),
    };
    const report = reporter(f);
    await learnStyle(
      {
        painting, base: f.base, output: f.output, minutes: f.minutes, content, vgg: f.vgg, preview, weights,
        ...(f.name !== undefined ? { name: f.name } : {}),
        ...(f.size ? { size: f.size } : {}),
        ...(f.batch ? { batch: f.batch } : {}),
        ...(f.lr !== undefined ? { adam: { lr: f.lr } } : {}),
        ...(f.seed !== undefined ? { seed: f.seed } : {}),
        ...(f.threads ? { threads: f.threads } : {}),
      },
      (e) => {
        if (e.type !== 'learn') return report(e);
        if (f.json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else process.stderr.write(`${e.resumed ? 'resuming' : 'learning'} style '${e.name}' for ${e.base} (styles: ${e.styles.join(', ')}); preview ${preview}\n`);
      },
    );
  });
}
