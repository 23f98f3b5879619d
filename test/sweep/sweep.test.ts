import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { expandSweep } from '../../src/sweep/grid.js';
import { writeSweepReport } from '../../src/sweep/report.js';
import type { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { buildTransformer, PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';
import { buildPoint, markPareto, randomImage, runSweep, type SweepEvent, type SweepResult } from '../../src/sweep/sweep.js';
import { tempDir } from '../helpers/tmp.js';

test('a 2-config x 3-trial sweep times both configs, profiles the fastest and writes every output', async () => {
  const dir = tempDir();
  const points = expandSweep({ list: [{ width: 8, blocks: 1, firstKernel: 3, lastKernel: 3 }, { width: 4, blocks: 0, firstKernel: 3, lastKernel: 3, precision: 'fp16' }] });
  const events: SweepEvent['type'][] = [];
  const report = await runSweep(points, { width: 64, height: 48, trials: 3, warmup: 1, threads: 2, peakRuns: 1, peakSize: 512, profile: ['fastest'], profileDir: dir, command: 'stylecast sweep test', onEvent: (e) => events.push(e.type) });
  assert.deepEqual(events.filter((t) => t !== 'trial'), ['peak', 'config', 'peak', 'result', 'config', 'result', 'peak', 'profile']);
  assert.equal(events.filter((t) => t === 'trial').length, 6);
  assert.equal(report.results.length, 2);
  for (const r of report.results) {
    assert.equal(r.status, 'ok', r.reason);
    assert.equal(r.summary!.n, 3);
    assert.ok(r.gflops! > 0 && r.peakRatio! > 0 && r.fps! > 0);
    assert.equal(r.peakRatio, r.gflops! / r.peakGflops!);
  }
  assert.equal(report.results[0]!.relErrVsFp32, undefined);
  assert.ok(report.results[1]!.relErrVsFp32! < 1e-2);
  assert.equal(report.profiles.length, 1);
  assert.ok(report.profiles[0]!.summary.byOpType.some((r) => r.opType === 'Conv'));
  assert.ok(existsSync(report.profiles[0]!.trace));

  const files = await writeSweepReport(dir, report);
  const md = readFileSync(files.markdown, 'utf8');
  assert.match(md, /^# stylecast sweep: 2 configs at 64x48\n\nCommand: `stylecast sweep test`/);
  assert.match(md, /- Machine: .* cores, .*onnxruntime-node \d/);
  assert.match(md, /MatMul 512\^3 float32: [\d.]+ GFLOP\/s before/);
  assert.match(md, /\| w8-b1-k3\/3-nearest-reflect-full-fp32 \| 8 \| 1 \| 3\/3 \|/);
  assert.match(md, /## Profile: w/);
  const csv = readFileSync(files.csv, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(csv.length, 3);
  assert.match(csv[0]!, /^name,width,blocks,.*,median_ms,.*,peak_ratio,/);
  assert.deepEqual(JSON.parse(readFileSync(files.json, 'utf8')).results.map((r: SweepResult) => r.name), points.map((p) => p.name));
  assert.match(readFileSync(files.svg, 'utf8'), /^<svg[^>]*>[\s\S]*median latency, ms/);
  assert.deepEqual([...readFileSync(files.png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});

test('a config that cannot run is reported as unsupported with its reason, not thrown', async () => {
  // Reflection padding of a 9x9 conv pads 4 pixels and needs a longer axis: 4x4 inputs cannot run it.
  const points = expandSweep({ list: [{ width: 4, blocks: 0 }] });
  const report = await runSweep(points, { width: 4, height: 4, trials: 1, warmup: 1, threads: 1, peakRuns: 1, peakSize: 256 });
  assert.equal(report.peakBefore.n, 256);
  const [r] = report.results;
  assert.equal(r!.status, 'unsupported');
  assert.match(r!.reason!, /reflect padding/);
  assert.ok(!r!.reason!.includes('\n'));
});

test('the Pareto front keeps configs no other beats on both MACs and latency', () => {
  const r = (name: string, macs: number, median: number) => ({ name, macs, status: 'ok', summary: { median } }) as unknown as SweepResult;
  const marked = markPareto([r('a', 10, 5), r('b', 20, 4), r('c', 5, 1), r('d', 5, 2), { ...r('e', 1, 0), status: 'unsupported' }]);
  assert.deepEqual(marked.map((m) => [m.name, m.pareto]), [['a', false], ['b', true], ['c', true], ['d', false], ['e', undefined]]);
});

test("an fp32 point is timed as the graph Stylizer's session runs (the half-resolution rewrite at student widths)", async () => {
  const student = { ...PRESETS.torch, width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, head: 'tanh' as const };
  const ops = async (config: TransformerConfig) => new Set((await buildPoint({ name: 'p', config, precision: 'fp32' }, 32, 48)).nodes.map((n) => n.def.type));
  assert.ok((await ops(student)).has('SpaceToDepth'), 'the student point is the rewrite');
  assert.ok(!(await ops(PRESETS.torch)).has('SpaceToDepth'), 'a teacher-width point is the stored graph');
  // Same function as the stored graph.
  const input = randomImage(32, 48, 3);
  const run = async (g: Graph) => {
    const s = await createSession(toOnnx(g), { threads: 1 });
    const out = (await s.run({ input })).output!.data as Float32Array;
    await s.release();
    return out;
  };
  const a = await run(await buildPoint({ name: 'p', config: student, precision: 'fp32' }, 32, 48, 5));
  const b = await run(buildTransformer(student, randomWeights(student, 5), { shape: [1, 32, 48] }));
  assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 1e-3));
});
