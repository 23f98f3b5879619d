import type { Command } from 'commander';
import { verifyFixture } from '../verify/index.js';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check this implementation against reference fixture folders (PyTorch outputs)')
    .argument('<fixture-dirs...>', 'folders with manifest.json + raw float32 tensors')
    .option('--json', 'machine-readable output')
    .action(async (dirs: string[], f: { json?: boolean }) => {
      let bad = 0;
      for (const dir of dirs) {
        const r = await verifyFixture(dir);
        if (!r.ok) bad++;
        if (f.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.summary}\n${r.details.map((d) => `     ${d}\n`).join('')}`);
      }
      if (bad) process.exitCode = 1;
    });
}
