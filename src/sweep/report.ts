import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { chartSvg, svgToPng } from '../io/chart.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatMachine } from '../perf/machine.js';
import type { ProfileSummary } from '../perf/profile.js';
import { pointName } from './grid.js';
import type { SweepReport, SweepResult } from './sweep.js';

const fmt = (x: number | undefined, digits = 1) => (x === undefined ? '' : x.toFixed(digits));

/** Column order shared by the Markdown table and the CSV. */
const COLUMNS: readonly { readonly title: string; readonly csv: string; readonly get: (r: SweepResult) => string | number }[] = [
  { title: 'config', csv: 'name', get: (r) => r.name },
  { title: 'width', csv: 'width', get: (r) => r.point.config.width },
  { title: 'blocks', csv: 'blocks', get: (r) => r.point.config.blocks },
  { title: 'kernels', csv: 'kernels', get: (r) => `${r.point.config.firstKernel}/${r.point.config.lastKernel}` },
  { title: 'upsample', csv: 'upsample', get: (r) => r.point.config.upsample },
  { title: 'padding', csv: 'padding', get: (r) => r.point.config.padding },
  { title: 'residual', csv: 'residual', get: (r) => r.point.config.residual },
  { title: 'precision', csv: 'precision', get: (r) => r.point.precision },
  { title: 'params', csv: 'params', get: (r) => r.params },
  { title: 'GMACs', csv: 'gmacs', get: (r) => (Number.isNaN(r.macs) ? '' : (r.macs / 1e9).toFixed(3)) },
  { title: 'mean ms', csv: 'mean_ms', get: (r) => fmt(r.summary?.mean) },
  { title: 'median ms', csv: 'median_ms', get: (r) => fmt(r.summary?.median) },
  { title: 'p95 ms', csv: 'p95_ms', get: (r) => fmt(r.summary?.p95) },
  { title: 'min ms', csv: 'min_ms', get: (r) => fmt(r.summary?.min) },
  { title: 'fps', csv: 'fps', get: (r) => fmt(r.fps, 2) },
  { title: 'GFLOP/s', csv: 'gflops', get: (r) => fmt(r.gflops) },
  { title: 'MatMul GFLOP/s', csv: 'matmul_gflops', get: (r) => fmt(r.peakGflops) },
  { title: 'x MatMul', csv: 'peak_ratio', get: (r) => fmt(r.peakRatio, 3) },
  { title: 'err vs fp32', csv: 'rel_err_vs_fp32', get: (r) => (r.relErrVsFp32 === undefined ? '' : r.relErrVsFp32.toExponential(1)) },
  { title: 'Pareto', csv: 'pareto', get: (r) => (r.pareto ? 'yes' : '') },
  { title: 'status', csv: 'status', get: (r) => (r.status === 'ok' ? 'ok' : `unsupported: ${r.reason}`) },
];

const peakLine = (r: SweepReport) =>
  `MatMul ${r.peakBefore.n}^3 float32: ${r.peakBefore.gflops.toFixed(1)} GFLOP/s before, ${r.peakAfter.gflops.toFixed(1)} after (median of ${r.peakBefore.summary.n}); each config's ratio uses the MatMul measured just before and after it`;

/** A profile's top rows as a Markdown table. */
export function profileMarkdown(p: ProfileSummary, top = 12): string {
  const rows = (list: ProfileSummary['byNode'], n: number) =>
    list.slice(0, n).map((r) => `| ${r.name} | ${r.opType} | ${r.ms.toFixed(2)} | ${(r.share * 100).toFixed(1)}% |`).join('\n');
  return [
    `Mean run ${p.runMs.toFixed(1)} ms, kernels ${p.kernelMs.toFixed(1)} ms, over ${p.runs} profiled runs.`,
    '',
    '| op type | | ms/run | share |',
    '|---|---|---:|---:|',
    rows(p.byOpType.map((r) => ({ ...r, opType: `${r.calls} nodes` })), 20),
    '',
    '| node (optimized graph) | op | ms/run | share |',
    '|---|---|---:|---:|',
    rows(p.byNode, top),
  ].join('\n');
}

/** The report as Markdown: header (command, machine, peak), the table, the profiles. */
export function sweepMarkdown(r: SweepReport): string {
  const head = [
    `# stylecast sweep: ${r.results.length} configs at ${r.width}x${r.height}`,
    '',
    ...(r.command ? [`Command: \`${r.command}\``, ''] : []),
    `- Machine: ${formatMachine(r.machine)}`,
    `- Threads: ${r.threads ?? 'onnxruntime default'}; ${r.warmup} warm-up + ${r.trials} timed runs per config, batch 1, random weights`,
    `- ${peakLine(r)}`,
    `- Started ${r.startedAt}, finished ${r.finishedAt}`,
    '- GMACs: conv multiply-accumulates per frame; GFLOP/s = 2 x MACs / median; MatMul GFLOP/s = mean of the MatMul medians measured just before and after the config; x MatMul = GFLOP/s over it; err vs fp32 = relative RMS output difference; Pareto: no other config has as many MACs for less time',
    '',
  ];
  const table = [
    `| ${COLUMNS.map((c) => c.title).join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (i >= 8 && i <= 18 ? '---:' : '---')).join('|')}|`,
    ...r.results.map((res) => `| ${COLUMNS.map((c) => String(c.get(res)).replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
  const profiles = r.profiles.flatMap((p) => ['', `## Profile: ${p.name}`, '', profileMarkdown(p.summary)]);
  return [...head, ...table, ...profiles, ''].join('\n');
}

const csvCell = (v: string | number) => (typeof v === 'number' || !/[",\n]/.test(v) ? String(v) : `"${v.replace(/"/g, '""')}"`);

/** One row per config; the header comment lines carry the command, machine and peak. */
export function sweepCsv(r: SweepReport): string {
  return [
    `# ${r.command ?? 'stylecast sweep'}`,
    `# ${formatMachine(r.machine)}`,
    `# ${peakLine(r)}`,
    COLUMNS.map((c) => c.csv).join(','),
    ...r.results.map((res) => COLUMNS.map((c) => csvCell(c.get(res))).join(',')),
    '',
  ].join('\n');
}

/** A chart label: the name when it was given, else only the knobs that differ from the torch teacher. */
export function shortLabel(r: SweepResult): string {
  const c = r.point.config;
  if (r.name !== pointName(c, r.point.precision)) return r.name;
  const parts = [`w${c.width}`, `b${c.blocks}`, `k${c.firstKernel}/${c.lastKernel}`];
  if (c.upsample === 'transpose') parts.push('tconv');
  if (c.padding === 'same') parts.push('same');
  if (c.residual === 'separable') parts.push('sep');
  if (r.point.precision !== 'fp32') parts.push(r.point.precision);
  return parts.join(' ');
}

/** Median latency against MACs (log-log), colored by precision, the Pareto front drawn as a line. */
export async function sweepChartSvg(r: SweepReport): Promise<string> {
  const values = r.results
    .filter((x) => x.status === 'ok')
      .map((x) => ({ name: shortLabel(x), gmacs: x.macs / 1e9, ms: x.summary!.median, precision: x.point.precision, front: x.pareto ? 'Pareto front' : 'dominated' }));
  const front = values.filter((v) => v.front === 'Pareto front').sort((a, b) => a.gmacs - b.gmacs);
  const x = { field: 'gmacs', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'GMACs per frame (convs)' };
  const y = { field: 'ms', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'median latency, ms' };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `stylecast sweep at ${r.width}x${r.height}, ${r.threads ?? 'default'} threads, ${r.trials} trials`, subtitle: `${r.machine.cpu}; MatMul peak ${r.peakGflops.toFixed(0)} GFLOP/s` },
    width: 720,
    height: 440,
    background: 'white',
    layer: [
      { data: { values: front }, mark: { type: 'line', color: '#999', strokeDash: [4, 3] }, encoding: { x, y } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y,
          color: { field: 'precision', type: 'nominal', title: 'precision' },
          shape: { field: 'front', type: 'nominal', title: '', scale: { domain: ['Pareto front', 'dominated'], range: ['diamond', 'circle'] } },
        },
      },
      // Front points only, alternating above and below the line so neighbours overlap less.
      {
        data: { values: front.map((v, i) => ({ ...v, above: i % 2 === 0 })) },
        layer: [
          { transform: [{ filter: 'datum.above' }], mark: { type: 'text', align: 'right', dx: -6, dy: -7, fontSize: 10 }, encoding: { x, y, text: { field: 'name' } } },
          { transform: [{ filter: '!datum.above' }], mark: { type: 'text', align: 'left', dx: 7, dy: 8, fontSize: 10 }, encoding: { x, y, text: { field: 'name' } } },
        ],
      },
    ],
  };
  return chartSvg(spec);
}

export interface WrittenFiles {
  readonly markdown: string;
  readonly csv: string;
  readonly json: string;
  readonly svg: string;
  readonly png: string;
}

/** Write results.md, results.csv, results.json, chart.svg and chart.png into `dir`. */
export async function writeSweepReport(dir: string, r: SweepReport): Promise<WrittenFiles> {
  await mkdir(dir, { recursive: true });
  const files: WrittenFiles = {
    markdown: join(dir, 'results.md'),
    csv: join(dir, 'results.csv'),
    json: join(dir, 'results.json'),
    svg: join(dir, 'chart.svg'),
    png: join(dir, 'chart.png'),
  };
  const svg = await sweepChartSvg(r);
  await writeFileAtomic(files.markdown, sweepMarkdown(r));
  await writeFileAtomic(files.csv, sweepCsv(r));
  await writeFileAtomic(files.json, `${JSON.stringify(r, null, 1)}\n`);
  await writeFileAtomic(files.svg, svg);
  await writeFileAtomic(files.png, svgToPng(svg));
  return files;
}
