import type { Command } from 'commander';
import { EXPORT_FORMATS, exportModel, type ExportFormat } from '../export/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel } from '../models/load.js';
import type { StyleMix } from '../models/styles.js';
import { size, styleMix } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';

interface Flags {
  model: string;
  format: string;
  output: string;
  size?: [number, number];
  fp16?: boolean;
  style?: StyleMix;
  overwrite?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('write a style model for another runtime: CoreML (.mlmodel, Apple devices) or clean ONNX (any ONNX runtime)')
    .requiredOption('-m, --model <name|file.onnx>', 'registered model name or stylecast .onnx file')
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(' or ')}`)
    .requiredOption('-o, --output <file>', 'output file (e.g. Style.mlmodel, style.onnx)')
    .option('--size <WxH>', 'fixed input and output size, multiples of 4 (defaults to any size: a flexible CoreML range, dynamic ONNX axes)', size)
    .option('--fp16', 'float16 weights (CoreML) or float16 computation (ONNX)')
    .option('--style <name|mix>', "a multi-style model's style or blend (candy, candy=0.7,mosaic=0.3) baked in; required for CoreML, ONNX keeps every style behind its 'style' input without it", styleMix);
  overwriteOption(cmd)
    .action(async (f: Flags) => {
      // Checked before loading so a typo fails fast, with the same message the library gives.
      if (!(EXPORT_FORMATS as readonly string[]).includes(f.format)) throw new Error(`unknown export format '${f.format}' (expected ${EXPORT_FORMATS.join(' or ')})`);
      await checkOutputs([f.output], { inputs: [f.model], ...(f.overwrite ? { overwrite: true } : {}) });
      const model = await loadModel(f.model);
      const bytes = exportModel(model, { format: f.format as ExportFormat, ...(f.size ? { size: f.size } : {}), ...(f.fp16 ? { fp16: true } : {}), ...(f.style === undefined ? {} : { style: f.style }) });
      await writeFileAtomic(f.output, bytes);
      const sz = f.size ? `${f.size[0]}x${f.size[1]}` : 'any size';
      process.stdout.write(`${f.output}: ${model.info.name} as ${f.format === 'coreml' ? 'CoreML NeuralNetwork' : 'ONNX'}, ${sz}, ${f.fp16 ? 'fp16' : 'fp32'}, ${bytes.length} bytes\n`);
    });
}
