/**
 * A training run's loss chart from its `--json` log (the step events), as training draws it with
 * --chart: to redraw a committed model's chart after the chart changes, or from a log alone.
 * Usage: npx tsx scripts/loss-chart.ts <run.jsonl> <out.png|svg>
 */
import { readFile } from 'node:fs/promises';
import type { HistoryEntry } from '../src/train/checkpoint.js';
import { writeLossChart } from '../src/train/chart.js';

const [log, out] = process.argv.slice(2);
if (!log || !out) throw new Error('usage: loss-chart.ts <run.jsonl> <out.png|svg>');
const history: HistoryEntry[] = [];
for (const line of (await readFile(log, 'utf8')).split('\n')) {
  if (!line.startsWith('{')) continue;
  const e = JSON.parse(line) as { type: string; step: number; losses: Record<string, number>; style?: string };
  if (e.type !== 'step') continue;
  // A resumed run logs the steps after its checkpoint again: the later entry wins.
  while (history.length && history.at(-1)!.step >= e.step) history.pop();
  history.push({ step: e.step, losses: e.losses, ...(e.style !== undefined ? { style: e.style } : {}) });
}
await writeLossChart(out, history);
console.log(`${out}: ${history.length} steps`);
