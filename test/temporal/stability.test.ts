import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { gatherElements } from '../../src/ops/index.js';
import { PRESETS, paramSpecs, randomWeights, rng } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';
import { maskedMse, motionBatch, DEFAULT_MOTION } from '../../src/temporal/stability.js';
import { motionTaps, warpFeeds, warpGraph, warpPlanar } from '../../src/temporal/warp.js';
import { buildTrainGraph, TRAIN_IO } from '../../src/train/graph.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';
import { tinyVgg } from '../helpers/train.js';

test('motion taps: no motion is the identity, an integer shift moves pixels and masks what it uncovers', () => {
  const [w, h] = [7, 5];
  const img = randomTensor([2, h, w], 3, 0, 255).data;
  const still = motionTaps(w, h, { dx: 0, dy: 0, angle: 0, zoom: 1 });
  assert.deepEqual(Array.from(warpPlanar(img, 2, still)).map((v) => Math.round(v * 1e3)), Array.from(img).map((v) => Math.round(v * 1e3)));
  assert.equal(still.mask.reduce((a, b) => a + b, 0), w * h);

  const moved = motionTaps(w, h, { dx: 2, dy: -1, angle: 0, zoom: 1 });
  const out = warpPlanar(img, 2, moved);
  for (let c = 0; c < 2; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const kept = x >= 2 && y <= h - 2;
        assert.equal(moved.mask[y * w + x], kept ? 1 : 0, `mask at ${x},${y}`);
        if (kept) assert.ok(Math.abs(out[c * w * h + y * w + x]! - img[c * w * h + (y + 1) * w + (x - 2)]!) < 1e-3);
      }
    }
  }
});

test('a small rotation keeps most pixels and loses the corners', () => {
  const t = motionTaps(64, 64, { dx: 0, dy: 0, angle: (3 * Math.PI) / 180, zoom: 1 });
  const kept = t.mask.reduce((a, b) => a + b, 0) / (64 * 64);
  assert.ok(kept > 0.85 && kept < 1, `kept ${kept}`);
  assert.equal(t.mask[0], 0);
  assert.equal(t.mask[32 * 64 + 32], 1);
});

test('GatherElements: gradient (a ScatterElements-add) matches finite differences, repeated indices included', async () => {
  const data = randomTensor([2, 3, 10], 1);
  const r = rng(5);
  const idx = f32([2, 3, 16], Array.from({ length: 96 }, () => Math.floor(r() * 10)));
  const errors = await checkGradients((x) => {
    const g = x.graph;
    const indices = g.constant({ dtype: 'int64', dims: idx.dims, data: BigInt64Array.from(idx.data, (v) => BigInt(v)) } as Tensor<'int64'>, 'idx');
    return gatherElements(x, indices, 2);
  }, { data });
  assert.ok(errors.data! < 2e-3);
});

test('the stability term: gradients of the masked warp error match finite differences for both frames', async () => {
  const [n, c, h, w] = [2, 3, 6, 7];
  const r = rng(11);
  const feeds = warpFeeds([0, 1].map(() => motionTaps(w, h, { dx: 1.3 * (2 * r() - 1), dy: 0.7, angle: 0.05, zoom: 1.03 })), c);
  await checkGradients((y, moved) => {
    const g = y.graph;
    return maskedMse(moved, warpGraph(y, g.constant(feeds.index, 'index'), g.constant(feeds.weight, 'weight')), g.constant(feeds.mask, 'mask'));
  }, { y: randomTensor([n, c, h, w], 2), moved: randomTensor([n, c, h, w], 4) }, { tol: 5e-3 });
});

/** Runs a temporal-only training graph on tiny inputs; returns total loss and grads per parameter. */
async function temporalStep() {
  const config = { ...PRESETS.torch, width: 4, blocks: 1, head: 'tanh' as const };
  const [batch, size] = [2, 16];
  const graph = buildTrainGraph({
    config, batch, height: size, width: size, vgg: tinyVgg(), contentLayer: 'relu2_2', styleLayers: [],
    weights: { content: 0, style: 0, tv: 0, distill: 0, temporal: 1 },
  });
  assert.deepEqual(graph.terms, ['temporal']);
  const session = await createSession(graph.onnx, { threads: 1 });
  const m = motionBatch(batch, size, size, DEFAULT_MOTION, rng(1));
  const io = TRAIN_IO.motion;
  const feeds: Record<string, Tensor> = {
    [TRAIN_IO.content]: randomTensor([batch, 3, size, size], 8, 0, 255),
    [io.index]: m.index, [io.weight]: m.weight, [io.mask]: m.mask, [io.noise]: m.noise,
  };
  const specs = paramSpecs(config);
  for (const [k, t] of randomWeights(config, 3)) feeds[k] = f32(t.dims, Float32Array.from(t.data));
  return { session, feeds, specs };
}

test('the stability term in the training graph: parameter gradients match finite differences', async () => {
  const { session, feeds, specs } = await temporalStep();
  const out = await session.run(feeds);
  const loss = () => session.run(feeds, [TRAIN_IO.loss('total')]).then((o) => o[TRAIN_IO.loss('total')]!.data[0] as number);
  assert.ok((out[TRAIN_IO.loss('temporal')]!.data[0] as number) > 0);
  // A few entries of the first conv, a residual conv and the output conv: central differences in float32.
  const names = [specs[0]!.name, specs.find((s) => s.name.includes('res'))!.name, specs.at(-2)!.name];
  for (const name of names) {
    const x = feeds[name]!.data as Float32Array;
    const g = out[TRAIN_IO.grad(name)]!.data as Float32Array;
    const picks = [0, Math.floor(x.length / 2), x.length - 1];
    for (const i of picks) {
      const eps = 1e-2 * Math.max(1e-2, Math.abs(x[i]!));
      const orig = x[i]!;
      x[i] = orig + eps;
      const up = await loss();
      x[i] = orig - eps;
      const down = await loss();
      x[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const scale = Math.max(Math.abs(numeric), 1e-3 * Math.max(...Array.from(g, Math.abs)));
      assert.ok(Math.abs(g[i]! - numeric) <= 0.05 * scale, `${name}[${i}]: analytic ${g[i]} vs numeric ${numeric}`);
    }
  }
  await session.release();
});
