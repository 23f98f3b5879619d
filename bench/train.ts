import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { f32, type Tensor } from '../src/graph/tensor.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { PRESETS, randomWeights } from '../src/models/transformer.js';
import { defaultLayers } from '../src/models/vgg.js';
import { formatMachine, machineInfo, type MachineInfo } from '../src/perf/machine.js';
import { createSession } from '../src/runtime/ort.js';
import { adamState, adamStep, DEFAULT_ADAM } from '../src/train/adam.js';
import { buildTrainGraph, TRAIN_IO } from '../src/train/graph.js';
import { defaultLossWeights } from '../src/train/losses.js';

const BATCH = 4;
const SIZE = 256;
/** Intra-op threads for both frameworks (the machine the issue targets has 2 cores). */
const THREADS = Number(process.env.STYLECAST_BENCH_THREADS ?? 2);
const STEPS = Number(process.env.STYLECAST_BENCH_STEPS ?? 5);
const COMMAND = 'STYLECAST_MIRROR=/work/shared/assets npx tsx bench/train.ts';

export interface TrainBench {
  readonly name: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly threads: number;
  readonly steps: number;
  /** Median wall ms of one step (graph run + Adam update) after one warm-up step. */
  readonly stepMs: number;
  readonly allMs: readonly number[];
  /** Median CPU ms (all threads) of one step: less sensitive than wall time to other load on the machine. */
  readonly cpuMs: number;
  readonly setupMs: number;
  readonly graphNodes: number;
  /** Peak RSS of this process (PyTorch runs in a child afterwards and is not counted). */
  readonly peakRssMB: number;
  readonly torch: TorchResult | { readonly skipped: string } | { readonly error: string };
  /** stepMs / torch stepMs (target <= 1). */
  readonly ratio?: number;
  /** 1-minute load average before and after (other work on the machine skews both timings). */
  readonly load: readonly [number, number];
}

interface TorchResult {
  readonly stepMs: number;
  readonly cpuMs: number;
  readonly allMs: readonly number[];
  readonly threads: number;
  readonly torch: string;
  readonly peakRssMB: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * One training step (forward, losses, all parameter gradients, Adam update) of the full network at
 * batch 4, 256x256, with the VGG-19 block1-3 loss; median ms over several steps after a warm-up, and
 * the process's peak RSS. Beside it PyTorch's time for the same step (same thread count) when
 * `/usr/bin/python3 -c 'import torch'` works.
 */
export async function benchTrain(): Promise<TrainBench | { skipped: string }> {
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) return { skipped: 'set STYLECAST_MIRROR for the VGG-19 weights' };
  const load0 = loadavg()[0]!;
  const vgg = await loadVgg(join(mirror, 'vgg', 'vgg19-block1-3'));
  const layers = defaultLayers(vgg);
  const config = PRESETS.torch;
  const t0 = performance.now();
  const graph = buildTrainGraph({ config, batch: BATCH, height: SIZE, width: SIZE, vgg, contentLayer: layers.content, styleLayers: layers.style, weights: defaultLossWeights(vgg.preprocess) });
  const session = await createSession(graph.onnx, { threads: THREADS });
  const setupMs = performance.now() - t0;

  const feeds: Record<string, Tensor> = { [TRAIN_IO.content]: f32([BATCH, 3, SIZE, SIZE], Float32Array.from({ length: BATCH * 3 * SIZE * SIZE }, (_, i) => (i * 7919) % 256)) };
  const params = new Map<string, Float32Array>();
  for (const [k, t] of randomWeights(config, 0)) {
    feeds[k] = t;
    params.set(k, t.data);
  }
  const channels: Record<string, number> = Object.fromEntries(vgg.convs.map((c) => [c.name.replace('conv', 'relu'), c.weight.dims[0]!]));
  for (const l of layers.style) feeds[TRAIN_IO.gram(l)] = f32([1, channels[l]!, channels[l]!], new Float32Array(channels[l]! ** 2).fill(1));
  const adam = adamState(params);
  const step = async () => {
    const out = await session.run(feeds);
    adamStep(params, new Map(graph.params.map((p) => [p, out[TRAIN_IO.grad(p)]!.data as Float32Array])), adam, DEFAULT_ADAM);
  };
  await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const c = process.cpuUsage();
    const s = performance.now();
    await step();
    wall.push(performance.now() - s);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e3);
  }
  await session.release();
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  const torch = torchStep();
  const stepMs = Math.round(median(wall));
  return {
    name: `train step (batch ${BATCH}, ${SIZE}x${SIZE}, full network, VGG-19 block1-3 loss)`,
    command: COMMAND,
    machine: machineInfo(),
    threads: THREADS,
    steps: STEPS,
    stepMs,
    allMs: wall.map(Math.round),
    cpuMs: Math.round(median(cpu)),
    setupMs: Math.round(setupMs),
    graphNodes: graph.nodes,
    peakRssMB,
    torch,
    ...('stepMs' in torch ? { ratio: Math.round((stepMs / torch.stepMs) * 100) / 100 } : {}),
    load: [load0, Math.round(loadavg()[0]! * 100) / 100],
  };
}

function torchStep(): TorchResult | { skipped: string } | { error: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'PyTorch is not installed for /usr/bin/python3' };
  const script = fileURLToPath(new URL('./torch_train_step.py', import.meta.url));
  const args = [script, '--batch', String(BATCH), '--size', String(SIZE), '--steps', String(STEPS), '--threads', String(THREADS)];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

/** bench/results/train.json and train.md. */
export function writeTrainResults(r: TrainBench, dir = fileURLToPath(new URL('./results/', import.meta.url))): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.json'), `${JSON.stringify(r, null, 2)}\n`);
  const t = r.torch;
  const torchLine = 'stepMs' in t
    ? `| PyTorch ${t.torch} (same step, ${t.threads} threads) | ${t.stepMs} | ${t.cpuMs} | ${t.peakRssMB} |`
    : `| PyTorch | ${'skipped' in t ? t.skipped : t.error} | | |`;
  const md = [
    `# ${r.name}`,
    '',
    `Machine: ${formatMachine(r.machine)}`,
    '',
    `Command: \`${r.command}\``,
    '',
    `Median of ${r.steps} steps after one warm-up, ${r.threads} intra-op threads; a step is forward, losses, every parameter gradient and the Adam update. Load average before/after: ${r.load[0]} / ${r.load[1]}.`,
    '',
    '| | ms per step | CPU ms per step | peak RSS MB |',
    '|---|---|---|---|',
    `| stylecast (onnxruntime-node, ${r.graphNodes} nodes) | ${r.stepMs} | ${r.cpuMs} | ${r.peakRssMB} |`,
    torchLine,
    '',
    r.ratio !== undefined ? `Ratio stylecast / PyTorch: **${r.ratio}** (target <= 1.0). Peak RSS target <= 4096 MB.` : '',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'train.md'), md);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchTrain();
  console.log(JSON.stringify(r, null, 2));
  if ('stepMs' in r) writeTrainResults(r);
}
