/**
 * The paper's experiment from training logs: loss vs step of several compression runs in one chart,
 * and the steps each run needs to reach the same loss.
 *
 *   npx tsx scripts/compression-report.ts -o bench/results/compression label=run/events.jsonl ...
 *
 * Each log is a `--json` event stream of `stylecast compress`/`train`. Curves are smoothed with a
 * centred moving average (training losses of single batches are noisy); "steps to reach" compares
 * the runs on one level of MSE to the teacher: the final one of the worst run that converged.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeChart } from '../src/io/chart.js';

const SMOOTH = 51;
const METRICS = [
  { key: 'distill', title: 'MSE to the teacher (0..255)' },
  { key: 'style', title: 'weighted style loss' },
  { key: 'content', title: 'weighted content loss' },
] as const;

interface Run {
  readonly label: string;
  readonly steps: number[];
  readonly series: Record<string, number[]>;
}

function readRun(label: string, path: string): Run {
  const steps: number[] = [];
  const series: Record<string, number[]> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.includes('"type":"step"')) continue;
    const e = JSON.parse(line) as { step: number; losses: Record<string, number> };
    steps.push(e.step);
    for (const m of METRICS) (series[m.key] ??= []).push(e.losses[m.key] ?? NaN);
  }
  if (!steps.length) throw new Error(`${path}: no step events`);
  return { label, steps, series };
}

function smooth(v: readonly number[]): number[] {
  const h = (SMOOTH - 1) / 2;
  return v.map((_, i) => {
    const w = v.slice(Math.max(0, i - h), i + h + 1).filter(Number.isFinite);
    return w.reduce((a, b) => a + b, 0) / w.length;
  });
}

const args = process.argv.slice(2);
const outIdx = args.indexOf('-o');
if (outIdx < 0 || !args[outIdx + 1]) throw new Error('usage: compression-report.ts -o <dir> label=events.jsonl ...');
const outDir = args[outIdx + 1]!;
const runs = args.filter((_, i) => i !== outIdx && i !== outIdx + 1).map((a) => {
  const [label, path] = a.split('=');
  return readRun(label!, path!);
});

const values = runs.flatMap((r) =>
  METRICS.flatMap((m) => smooth(r.series[m.key]!).map((value, i) => ({ run: r.label, metric: m.title, step: r.steps[i]!, value }))).filter((p) => Number.isFinite(p.value) && p.value > 0),
);
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title: `compression runs: loss vs step (moving average of ${SMOOTH} steps)`,
  background: 'white',
  data: { values },
  facet: { column: { field: 'metric', type: 'nominal', title: null, sort: METRICS.map((m) => m.title) } },
  resolve: { scale: { y: 'independent' } },
  spec: {
    width: 300,
    height: 260,
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: null },
      color: { field: 'run', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 400 } },
    },
  },
};
await mkdir(outDir, { recursive: true });
await writeChart(join(outDir, 'experiment.png'), spec);

// Steps to reach a level the converging runs all reach: the final smoothed teacher MSE of the worst
// run among those that ended below where they started (a run that drifts away from the teacher, as
// one without distillation can, reaches no common level).
const rows = runs.map((r) => ({ r, s: smooth(r.series.distill!) }));
const converging = rows.filter(({ s }) => s.at(-1)! < s[0]!);
const target = Math.max(...(converging.length ? converging : rows).map(({ s }) => s.at(-1)!));
const lines = [
  `| run | steps | final MSE to teacher | PSNR equiv. dB | final style | final content | steps to MSE <= ${target.toFixed(0)} |`,
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(({ r, s }) => {
    const last = (k: string) => smooth(r.series[k]!).at(-1)!;
    const reach = r.steps[s.findIndex((v) => v <= target)] ?? '-';
    const mse = s.at(-1)!;
    return `| ${r.label} | ${r.steps.at(-1)} | ${mse.toFixed(0)} | ${(10 * Math.log10(255 ** 2 / mse)).toFixed(2)} | ${last('style').toFixed(1)} | ${last('content').toFixed(2)} | ${reach} |`;
  }),
];
await writeFile(join(outDir, 'experiment.md'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
