import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32 } from '../../src/graph/tensor.js';
import { formatMachine, machineInfo } from '../../src/perf/machine.js';
import { matmulModel, measureMatmulPeak } from '../../src/perf/peak.js';
import { timeInTurn, timeSession } from '../../src/perf/time.js';
import { createSession } from '../../src/runtime/ort.js';

test('timeSession runs warm-up runs untimed, then one sample per trial', async () => {
  let calls = 0;
  const seen: number[] = [];
  const fake = { run: async () => (calls++, {}) };
  const t = await timeSession(fake, {}, { warmup: 2, trials: 5, onTrial: (i) => seen.push(i) });
  assert.equal(calls, 7);
  assert.equal(t.samples.length, 5);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(t.summary.n, 5);
  await assert.rejects(timeSession(fake, {}, { trials: 0 }), /trials must be a positive integer/);
});

test('timeInTurn warms each session, then times one run of each per round right after an untimed one, rotating the order', async () => {
  const calls: string[] = [];
  const fake = (name: string) => ({ run: async () => (calls.push(name), {}) });
  const rounds: number[] = [];
  const t = await timeInTurn([{ session: fake('a'), feeds: {} }, { session: fake('b'), feeds: {} }], { trials: 2, warmup: 1, onTrial: (i) => rounds.push(i) });
  // Warm-up (1 untimed + 1 timed, discarded) of a then b; round 0: a, b; round 1: b, a (each an untimed then a timed run).
  assert.deepEqual(calls, ['a', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'b', 'b', 'a', 'a']);
  assert.deepEqual(rounds, [0, 1]);
  assert.deepEqual(t.map((x) => x.samples.length), [2, 2]);
  await assert.rejects(timeInTurn([], { trials: 0 }), /trials must be a positive integer/);
});

test('the MatMul peak graph computes a matrix product', async () => {
  const n = 4;
  const s = await createSession(matmulModel(n, 3), { threads: 1 });
  const eye = f32([n, n], Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)));
  const twice = f32([n, n], Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 2 : 0)));
  const b = (await s.run({ a: eye })).c!.data as Float32Array;
  const b2 = (await s.run({ a: twice })).c!.data as Float32Array;
  assert.deepEqual(Array.from(b2), Array.from(b, (x) => 2 * x));
  await s.release();
});

test('measureMatmulPeak reports GFLOP/s of a 2048^3 MatMul by default', async () => {
  const p = await measureMatmulPeak({ threads: 2, runs: 2, warmup: 1 });
  assert.equal(p.n, 2048);
  assert.equal(p.gflop, (2 * 2048 ** 3) / 1e9);
  assert.equal(p.summary.n, 2);
  assert.ok(p.gflops > 0 && Math.abs(p.gflops - p.gflop / (p.msMedian / 1e3)) < 1e-9);
  assert.ok(p.gflopsBest >= p.gflops);
});

test('machineInfo names the CPU, cores, memory and runtime versions', () => {
  const m = machineInfo();
  assert.ok(m.cores >= 1 && m.memoryGiB > 0);
  assert.match(m.onnxruntime, /^\d+\.\d+\.\d+/);
  assert.match(m.node, /^v\d+/);
  assert.match(formatMachine(m), new RegExp(`${m.cores} cores.*onnxruntime-node ${m.onnxruntime.replace(/\./g, '\\.')}`));
});
