import type { Command } from 'commander';
import { flickerOfFiles } from '../video/flicker.js';

export function register(program: Command): void {
  program
    .command('flicker')
    .description('temporal flicker: mean absolute change between consecutive stylized frames, relative to the source')
    .argument('<stylized>', 'stylized video')
    .requiredOption('--source <video>', 'the original video it was made from')
    .option('--json', 'print the result as JSON')
    .action(async (stylized: string, f: { source: string; json?: boolean }) => {
      const r = await flickerOfFiles(stylized, f.source);
      if (f.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        process.stdout.write(
          `${stylized}: flicker ${r.ratio.toFixed(3)} (mean frame-to-frame change ${r.output.toFixed(2)} stylized vs ${r.source.toFixed(2)} source, ${r.frames} frames)\n`,
        );
      }
    });
}
