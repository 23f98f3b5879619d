import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_MODEL } from '../io/registry.js';
import { loadModel } from '../models/load.js';
import { stylizeFiles } from '../runtime/files.js';
import { checkStyleOption } from '../runtime/session-stylizer.js';
import { formatStyleMix, type StyleMix } from '../models/styles.js';
import { CONTEXT_HELP, contextFor, contextPx, positiveInt, STYLE_HELP, styleMix } from './options.js';
import { checkOutputs, overwriteOption } from './outputs.js';

interface Flags {
  model: string;
  output?: string;
  maxSide?: number;
  threads?: number;
  batch?: number;
  style?: StyleMix;
  context?: number;
  overwrite?: boolean;
}

async function isDir(p: string) {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/**
 * `<name>-<model>[-<style>].<ext>`: several models (or styles of one) stylizing one photo into one
 * folder keep every result; a mix reads candy0.7-mosaic0.3.
 */
function styledName(input: string, model: string, style: StyleMix | undefined): string {
  const ext = extname(input);
  const suffix = style === undefined ? '' : `-${formatStyleMix(style).replaceAll('=', '').replaceAll(',', '-')}`;
  return `${basename(input, ext)}-${basename(model, '.onnx')}${suffix}${ext || '.png'}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('stylize')
    .description('stylize JPEG/PNG/WebP images with a style model')
    .argument('<inputs...>', 'image files')
    .option('-m, --model <name|file.onnx>', `registered model name or stylecast .onnx file (defaults to the real-time ${DEFAULT_MODEL})`, DEFAULT_MODEL)
    .option('-o, --output <file|dir>', 'output file (one input) or directory, where each is <name>-<model>.<ext> (defaults to that name beside each input)')
    .option('--max-side <n>', 'downscale so the longer side is at most n pixels', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt)
    .option('--batch <n>', 'images per network run (same-size images only; defaults to 4)', positiveInt)
    .option('--style <name|mix>', STYLE_HELP, styleMix)
    .option('--context <px>', CONTEXT_HELP, contextPx);
  overwriteOption(cmd).action(async (inputs: string[], f: Flags) => {
    const outDir = f.output && (inputs.length > 1 || f.output.endsWith('/') || (await isDir(f.output))) ? f.output : undefined;
    const targets = inputs.map((input) => (outDir ? join(outDir, styledName(input, f.model, f.style)) : f.output ?? join(dirname(input), styledName(input, f.model, f.style))));
    await checkOutputs(targets, { inputs, ...(f.overwrite ? { overwrite: true } : {}) });
    if (outDir) {
      await mkdir(outDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`cannot create output directory ${outDir} (${e.code ?? e.message})`);
      });
    }
    const model = await loadModel(f.model);
    // Before any image is read: an unknown style or a style for a single-style model is one line.
    checkStyleOption(model, f.style);
    const res = await stylizeFiles(inputs, targets, {
      model,
      ...(f.style === undefined ? {} : { style: f.style }),
      ...(f.maxSide ? { maxSide: f.maxSide } : {}),
      ...(f.threads ? { threads: f.threads } : {}),
      ...(f.batch ? { batchSize: f.batch } : {}),
      context: contextFor(f.model, f.context),
      onFile: (e) => {
        if (e.ok) process.stdout.write(`${e.output}  (${e.width}x${e.height}, ${e.ms.toFixed(0)} ms)\n`);
        else process.stderr.write(`stylecast: ${e.error}\n`);
      },
    });
    if (res.failed > 0) {
      process.exitCode = 1;
      if (inputs.length > 1) process.stderr.write(`stylecast: ${res.failed} of ${inputs.length} images failed\n`);
    }
  });
}
