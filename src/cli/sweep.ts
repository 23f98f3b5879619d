import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { DEFAULT_SWEEP, expandSweep, readSweepSpec } from '../sweep/grid.js';
import { writeSweepReport } from '../sweep/report.js';
import { runSweep } from '../sweep/sweep.js';
import { positiveInt, size } from './options.js';

interface Flags {
  config?: string;
  size: [number, number];
  trials: number;
  warmup: number;
  threads?: number;
  output: string;
  profile: string[];
  peakRuns: number;
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

export function register(program: Command): void {
  program
    .command('sweep')
    .description('time transformer architectures on random weights and report latency, throughput and a Pareto chart')
    .option('--config <grid.json>', 'sweep description: {preset, grid: {field: [values]}, list: [{field: value}]} (defaults to the built-in sweep of 26 configs)')
    .option('--size <WxH>', 'input size (defaults to 640x480)', size, [640, 480] as [number, number])
    .option('--trials <n>', 'timed runs per config (defaults to 100)', positiveInt, 100)
    .option('--warmup <n>', 'untimed runs per config first (defaults to 3)', positiveInt, 3)
    .option('--threads <n>', 'onnxruntime intra-op threads (defaults to all cores)', positiveInt)
    .option('--peak-runs <n>', 'timed runs of the 2048^3 MatMul before and after (defaults to 10)', positiveInt, 10)
    .option('--profile <names>', "comma-separated config names to profile per layer; 'fastest' for the fastest (defaults to none)", list, [] as string[])
    .option('-o, --output <dir>', 'directory for results.md/.csv/.json, chart.svg/.png and traces (defaults to sweep-results)', 'sweep-results')
    .action(async (f: Flags) => {
      const spec = f.config ? await readSweepSpec(f.config) : DEFAULT_SWEEP;
      const points = expandSweep(spec);
      const [width, height] = f.size;
      const interactive = process.stderr.isTTY;
      const bar = new cliProgress.SingleBar(
        { format: 'sweep [{bar}] {value}/{total} configs | {name} {trial} | eta {eta_formatted}', hideCursor: true, noTTYOutput: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      bar.start(points.length, 0, { name: 'MatMul peak', trial: '' });
      const report = await runSweep(points, {
        width,
        height,
        trials: f.trials,
        warmup: f.warmup,
        peakRuns: f.peakRuns,
        profile: f.profile,
        profileDir: f.output,
        command: `stylecast ${process.argv.slice(2).join(' ')}`,
        ...(f.threads ? { threads: f.threads } : {}),
        onEvent: (e) => {
          if (e.type === 'config') bar.update(e.index, { name: e.point.name, trial: '' });
          else if (e.type === 'trial' && interactive && (e.trial % 5 === 4 || e.trial + 1 === e.trials)) bar.update({ trial: `${e.trial + 1}/${e.trials}` });
          else if (e.type === 'result') {
            const what = e.result.status === 'ok' ? `${e.result.summary!.median.toFixed(1)} ms` : `unsupported (${e.result.reason})`;
            bar.update(e.index + 1, { trial: what });
            // The bar draws only on a terminal; logs get one line per config instead.
            if (!interactive) process.stderr.write(`[${e.index + 1}/${points.length}] ${e.result.name}: ${what}\n`);
          }
          else if (e.type === 'peak' && e.when === 'after') bar.update({ name: 'MatMul peak', trial: '' });
          else if (e.type === 'profile') bar.update({ name: `profiled ${e.name}`, trial: '' });
        },
      });
      bar.stop();
      const files = await writeSweepReport(f.output, report);
      const ok = report.results.filter((r) => r.status === 'ok');
      const failed = report.results.length - ok.length;
      process.stdout.write(`${ok.length} configs timed${failed ? `, ${failed} unsupported` : ''}; MatMul peak ${report.peakGflops.toFixed(1)} GFLOP/s\n`);
      for (const p of Object.values(files)) process.stdout.write(`${p}\n`);
      for (const p of report.profiles) process.stdout.write(`${p.trace}\n`);
    });
}
