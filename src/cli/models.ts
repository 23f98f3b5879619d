import type { Command } from 'commander';
import { listModels } from '../models/catalog.js';

export function register(program: Command): void {
  program
    .command('models')
    .description('list registered models and where each is available')
    .option('--json', 'machine-readable output')
    .action(async (f: { json?: boolean }) => {
      const rows = await listModels();
      if (f.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        process.stdout.write(`${r.name.padEnd(w)}  ${r.kind.padEnd(12)} ${r.family.padEnd(8)} ${r.availability.padEnd(9)} ${r.license.padEnd(12)} ${r.title}\n`);
      }
    });
}
