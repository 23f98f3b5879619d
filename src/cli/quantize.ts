import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel } from '../models/load.js';
import { quantizeModel, type QuantizedPrecision } from '../compress/quantize.js';
import { positiveInt } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';

interface Flags {
  model: string;
  precision: QuantizedPrecision;
  output: string;
  calibration?: string;
  calibrationCount: number;
  threads?: number;
  overwrite?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('quantize')
    .description('convert a style model to float16 or int8 (int8 calibrated on photos) and write it as a model file')
    .requiredOption('-m, --model <name|file.onnx>', 'registered model name or stylecast .onnx file (float32)')
    .addOption(new Option('--precision <p>', 'numeric format of the written model').choices(['fp16', 'int8']).makeOptionMandatory())
    .requiredOption('-o, --output <file.onnx>', 'output model file')
    .option('--calibration <dir>', 'int8: folder of photos to measure activation ranges on (defaults to $STYLECAST_MIRROR/photos/train)')
    .option('--calibration-count <n>', 'int8: photos to calibrate on (defaults to 16)', positiveInt, 16)
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt);
  overwriteOption(cmd)
    .action(async (f: Flags) => {
      await checkOutputs([f.output], { inputs: [f.model], ...(f.overwrite ? { overwrite: true } : {}) });
      const mirror = process.env.STYLECAST_MIRROR;
      const folder = f.calibration ?? (mirror ? join(mirror, 'photos', 'train') : undefined);
      if (f.precision === 'int8' && !folder) throw new Error('int8 needs calibration photos: pass --calibration <photo-dir> (or set STYLECAST_MIRROR)');
      const model = await loadModel(f.model);
      const q = await quantizeModel(model, f.precision, {
        ...(f.precision === 'int8' ? { calibration: { folder: folder!, count: f.calibrationCount } } : {}),
        ...(f.threads ? { threads: f.threads } : {}),
        onSkip: (file, reason) => process.stderr.write(`warning: calibration photo ${file} skipped (${reason})\n`),
      });
      await writeFileAtomic(f.output, q.onnx);
      const c = q.quantization?.calibration;
      const calibrated = c ? `, calibrated on ${c.photos} photos from ${c.folder}` : '';
      process.stdout.write(`${f.output}: ${q.info.name} ${model.precision} ${model.onnx.length} bytes -> ${q.precision} ${q.onnx.length} bytes (${(q.onnx.length / model.onnx.length).toFixed(2)}x)${calibrated}\n`);
    });
}
