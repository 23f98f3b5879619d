import type { Command } from 'commander';
import { flickerOfFiles } from '../video/flicker.js';

export function register(program: Command): void {
  program
    .command('flicker')
    .description('temporal stability of a stylized video: flicker ratio and warping error along the source\'s optical flow')
    .argument('<stylized>', 'stylized video')
    .requiredOption('--source <video>', 'the original video it was made from')
    .option('--no-warp', 'skip the warping error (it computes optical flow: slower)')
    .option('--json', 'print the result as JSON')
    .action(async (stylized: string, f: { source: string; warp: boolean; json?: boolean }) => {
      const r = await flickerOfFiles(stylized, f.source, { warp: f.warp });
      if (f.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const warp = r.warpError === undefined ? '' : `; warping error ${(r.warpError * 1e3).toFixed(3)}e-3 (source ${(r.sourceWarpError! * 1e3).toFixed(3)}e-3)`;
        process.stdout.write(
          `${stylized}: flicker ${r.ratio.toFixed(3)} (mean frame-to-frame change ${r.output.toFixed(2)} stylized vs ${r.source.toFixed(2)} source, ${r.frames} frames)${warp}\n`,
        );
      }
    });
}
