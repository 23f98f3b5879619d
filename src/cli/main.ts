import { Command } from 'commander';
import { register as compress } from './compress.js';
import { register as evalCmd } from './eval.js';
import { register as exportCmd } from './export.js';
import { register as flicker } from './flicker.js';
import { helpConfiguration, VERSION } from './help.js';
import { register as importCmd } from './import.js';
import { register as jobs } from './jobs.js';
import { register as learnStyle } from './learn-style.js';
import { register as models } from './models.js';
import { register as quantize } from './quantize.js';
import { register as serve } from './serve.js';
import { register as stylize } from './stylize.js';
import { register as submit } from './submit.js';
import { register as sweep } from './sweep.js';
import { register as trainCmd } from './train.js';
import { register as verify } from './verify.js';
import { register as video } from './video.js';
import { register as worker } from './worker.js';

/** Build the `stylecast` program; each subcommand lives in its own module and registers itself here. */
export function program(): Command {
  const p = new Command('stylecast')
    .description('Real-time neural style transfer on onnxruntime')
    .version(VERSION)
    .configureHelp(helpConfiguration)
    .showHelpAfterError('(stylecast <command> --help for usage)');
  for (const register of [stylize, models, verify, trainCmd, learnStyle, compress, quantize, evalCmd, serve, sweep, video, flicker, exportCmd, importCmd, worker, submit, jobs]) register(p);
  return p;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv as string[]);
  } catch (e) {
    // One line, no stack: errors thrown by the library already name the problem.
    process.stderr.write(`stylecast: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
