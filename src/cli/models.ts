import type { Command } from 'commander';
import { listModels, type CatalogRow } from '../models/catalog.js';

/** Longest licence shown in full: longer ones (an imported model's explanation) are cut, see --json. */
const LICENSE_WIDTH = 16;

const cut = (s: string, width: number) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);

/** Rows as aligned columns under a header; the title comes last, so it may run long. */
export function modelTable(rows: readonly CatalogRow[]): string {
  const header = ['NAME', 'KIND', 'FAMILY', 'AVAILABLE', 'LICENCE', 'TITLE'];
  const title = (r: CatalogRow) => (r.styles ? `${r.title} (styles: ${r.styles.map((s) => s.name).join(', ')})` : r.title);
  const cells = [header, ...rows.map((r) => [r.name, r.kind, r.family, r.availability, cut(r.license, LICENSE_WIDTH), title(r)])];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells.map((row) => `${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}\n`).join('');
}

export function register(program: Command): void {
  program
    .command('models')
    .description('list registered models and where each is available')
    .option('--json', 'machine-readable output')
    .action(async (f: { json?: boolean }) => {
      const rows = await listModels();
      process.stdout.write(f.json ? `${JSON.stringify(rows, null, 2)}\n` : modelTable(rows));
    });
}
