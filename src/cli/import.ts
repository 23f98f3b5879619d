import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { readBytes } from '../io/read.js';
import { importForeign, INPUT_RANGES, type InputRange } from '../import/foreign.js';
import { checkLocalName, localModelPath, registerLocalModel } from '../models/load.js';
import { positiveInt } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';

interface Flags {
  output: string;
  name?: string;
  inputRange: InputRange;
  style?: string;
  threads?: number;
  overwrite?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('import')
    .description('turn a foreign ONNX style network (e.g. PyTorch fast_neural_style --export_onnx) into a stylecast model file')
    .argument('<model.onnx>', 'the foreign ONNX file: one float image input, one image output')
    .requiredOption('-o, --output <file.onnx>', 'the stylecast model file to write')
    .option('--name <name>', 'also keep it in the local model store under this name (then -m <name> finds it)')
    .addOption(new Option('--input-range <range>', 'pixel range the network takes and returns').choices(Object.keys(INPUT_RANGES)).default('0..255'))
    .option('--style <image>', 'the style image it was trained on (recorded with its sha256)')
    .option('--threads <n>', 'onnxruntime intra-op threads for the check (defaults to all cores)', positiveInt);
  overwriteOption(cmd)
    .action(async (input: string, f: Flags) => {
      if (f.name) checkLocalName(f.name); // before any work, so a bad name leaves no file behind
      await checkOutputs([f.output, ...(f.name ? [localModelPath(f.name)] : [])], { inputs: [input, ...(f.style ? [f.style] : [])], ...(f.overwrite ? { overwrite: true } : {}) });
      const bytes = await readBytes(input, 'cannot read model');
      const styleImage = f.style
        ? {
            path: f.style,
            bytes: new Uint8Array(
              await readFile(f.style).catch((e: NodeJS.ErrnoException) => {
                throw new Error(`cannot read style image ${f.style} (${e.code ?? e.message})`);
              }),
            ),
          }
        : undefined;
      const r = await importForeign(bytes, input, {
        inputRange: f.inputRange,
        ...(f.name ? { name: f.name } : {}),
        ...(styleImage ? { styleImage } : {}),
        ...(f.threads ? { threads: f.threads } : {}),
      });
      const { model } = r;
      const fixed = r.fixedSize ? `${r.fixedSize[0]}x${r.fixedSize[1]}` : undefined;
      if (fixed) {
        process.stderr.write(
          model.kind === 'opaque'
            ? `warning: ${input} takes a fixed ${fixed} input: the model runs at ${fixed}; frames are resized in and out\n`
            : `warning: ${input} takes a fixed ${fixed} input; its recognized weights run at any size in stylecast (no resizing needed)\n`,
        );
      }
      await writeFileAtomic(f.output, model.onnx);
      if (f.name) await registerLocalModel(f.name, model.onnx);
      const what =
        model.kind === 'transformer'
          ? `${model.config.padding}/${model.config.upsample}/${model.config.head} transformer (width ${model.config.width}, ${model.config.blocks} blocks)`
          : `opaque network (not a Johnson et al. transformer: ${r.opaqueBecause}; it stylizes and evaluates, but cannot be exported, trained, compressed or quantized)`;
      const match = `matches ${input} within ${r.maxAbsError.toExponential(1)} at ${r.checkedAt[0]}x${r.checkedAt[1]}`;
      process.stdout.write(`${f.output}: ${model.info.name}, ${what}, ${match}${f.name ? `; -m ${f.name} finds it` : ''}\n`);
    });
}
