import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { f32, type Tensor } from '../src/graph/tensor.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { PRESETS, randomWeights } from '../src/models/transformer.js';
import { defaultLayers } from '../src/models/vgg.js';
import { createSession } from '../src/runtime/ort.js';
import { buildTrainGraph, TRAIN_IO } from '../src/train/graph.js';
import { defaultLossWeights } from '../src/train/losses.js';

const BATCH = 4;
const SIZE = 256;
const STEPS = Number(process.env.STYLECAST_BENCH_STEPS ?? 3);

/**
 * One training step (forward, losses, all parameter gradients) of the full network at batch 4,
 * 256x256, with the VGG-19 block1-3 loss; median ms over a few steps after a warm-up, and the
 * process's peak RSS. PyTorch's time for the same step when `/usr/bin/python3 -c 'import torch'` works.
 */
export async function benchTrain(): Promise<object> {
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) return { skipped: 'set STYLECAST_MIRROR for the VGG-19 weights' };
  const vgg = await loadVgg(join(mirror, 'vgg', 'vgg19-block1-3'));
  const layers = defaultLayers(vgg);
  const config = PRESETS.torch;
  const t0 = performance.now();
  const graph = buildTrainGraph({ config, batch: BATCH, height: SIZE, width: SIZE, vgg, contentLayer: layers.content, styleLayers: layers.style, weights: defaultLossWeights(vgg.preprocess) });
  const session = await createSession(graph.onnx);
  const setupMs = performance.now() - t0;

  const feeds: Record<string, Tensor> = { [TRAIN_IO.content]: f32([BATCH, 3, SIZE, SIZE], Float32Array.from({ length: BATCH * 3 * SIZE * SIZE }, (_, i) => (i * 7919) % 256)) };
  for (const [k, t] of randomWeights(config, 0)) feeds[k] = t;
  const channels: Record<string, number> = Object.fromEntries(vgg.convs.map((c) => [c.name.replace('conv', 'relu'), c.weight.dims[0]!]));
  for (const l of layers.style) feeds[TRAIN_IO.gram(l)] = f32([1, channels[l]!, channels[l]!], new Float32Array(channels[l]! ** 2).fill(1));
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const s = performance.now();
    await session.run(feeds);
    times.push(performance.now() - s);
  }
  await session.release();
  times.sort((a, b) => a - b);
  const stepMs = times[times.length >> 1]!;
  return {
    name: 'train step (batch 4, 256x256, full network, VGG-19 block1-3 loss)',
    stepMs: Math.round(stepMs),
    setupMs: Math.round(setupMs),
    graphNodes: graph.nodes,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    torch: torchStep(),
  };
}

function torchStep(): object {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'PyTorch is not installed for /usr/bin/python3' };
  const script = fileURLToPath(new URL('./torch_train_step.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '--batch', String(BATCH), '--size', String(SIZE), '--steps', String(STEPS)], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').pop() };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as object;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchTrain(), null, 2));
}
