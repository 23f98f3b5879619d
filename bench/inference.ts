import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { f32 } from '../src/graph/tensor.js';
import { transformerOf } from '../src/models/codec.js';
import { loadModel } from '../src/models/load.js';
import { countCost } from '../src/models/transformer.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import { measureMatmulPeak } from '../src/perf/peak.js';
import type { Summary } from '../src/perf/stats.js';
import { timeSession } from '../src/perf/time.js';
import { createSession } from '../src/runtime/ort.js';

const MODELS = ['candy', 'udnie_tf'] as const; // one teacher of each family
const SIZES = [
  [256, 256],
  [640, 480],
] as const;
const TRIALS = Number(process.env.STYLECAST_BENCH_TRIALS ?? 20);

interface Row {
  model: string;
  family: string;
  size: string;
  gflop: number;
  ms: Summary;
  gflops: number;
  ratioToPeak: number;
}

/**
 * ms/frame of one teacher per family at 256x256 and 640x480 (batch 1, all cores), its achieved
 * GFLOP/s (2 x conv MACs / median time) and the ratio to a 2048^3 float32 MatMul timed in the same
 * process before and after (the better of the two is the peak: it is what the machine could do).
 */
export async function benchInference(): Promise<object> {
  if (!process.env.STYLECAST_MIRROR) return { skipped: 'set STYLECAST_MIRROR for the teachers' };
  const threads = cpus().length;
  const before = await measureMatmulPeak({ threads });
  const rows: Row[] = [];
  for (const name of MODELS) {
    const model = transformerOf(await loadModel(name), 'the inference bench');
    const session = await createSession(model.onnx, { threads });
    for (const [w, h] of SIZES) {
      const input = f32([1, 3, h, w]);
      input.data.forEach((_, i) => (input.data[i] = (i * 2654435761) % 256));
      const { summary } = await timeSession(session, { input }, { warmup: 3, trials: TRIALS });
      const gflop = (2 * countCost(model.config, h, w).macs) / 1e9;
      rows.push({ model: name, family: model.config.upsample === 'nearest' ? 'torch' : 'engstrom', size: `${w}x${h}`, gflop, ms: summary, gflops: gflop / (summary.median / 1e3), ratioToPeak: 0 });
    }
    await session.release();
  }
  const after = await measureMatmulPeak({ threads });
  const peak = Math.max(before.gflops, after.gflops);
  for (const r of rows) r.ratioToPeak = r.gflops / peak;

  const machine = machineInfo();
  const f = (x: number, d = 1) => x.toFixed(d);
  const md = [
    '# Inference benchmark',
    '',
    `Command: \`npm run bench -- inference\` (${TRIALS} timed runs after 3 warm-up runs, batch 1, ${threads} threads)  `,
    `Machine: ${formatMachine(machine)}  `,
    `Date: ${new Date().toISOString()}  `,
    `2048^3 float32 MatMul peak: ${f(before.gflops)} GFLOP/s before, ${f(after.gflops)} GFLOP/s after the networks (ratios use ${f(peak)})`,
    '',
    '| model | family | size | GFLOP | mean ms | median ms | p95 ms | min ms | GFLOP/s | ratio to MatMul peak |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${r.family} | ${r.size} | ${f(r.gflop)} | ${f(r.ms.mean)} | ${f(r.ms.median)} | ${f(r.ms.p95)} | ${f(r.ms.min)} | ${f(r.gflops)} | ${f(r.ratioToPeak, 2)} |`),
    '',
    'GFLOP counts 2 x the multiply-accumulates of every conv (the usual convention; norms, pads and activations are not counted).',
    '',
  ].join('\n');
  const result = { machine, threads, trials: TRIALS, peak: { before: before.gflops, after: after.gflops }, rows };
  await writeFile(new URL('results/inference.md', import.meta.url), md);
  await writeFile(new URL('results/inference.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
