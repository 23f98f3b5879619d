import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readProfile, summarizeProfile } from '../../src/perf/profile.js';
import { tempDir } from '../helpers/tmp.js';

const k = (name: string, op: string, dur: number) => ({ cat: 'Node', name: `${name}_kernel_time`, dur, args: { op_name: op } });
const run = (dur: number) => ({ cat: 'Session', name: 'model_run', dur });
// Two runs of a 3-node graph, with onnxruntime's non-kernel node events that must be ignored.
const trace = [
  { cat: 'Session', name: 'session_initialization', dur: 5000 },
  k('conv1', 'Conv', 900), { cat: 'Node', name: 'conv1_fence_before', dur: 1 }, k('conv2', 'Conv', 300), k('relu', 'Relu', 100), run(1400),
  k('conv1', 'Conv', 700), k('conv2', 'Conv', 300), k('relu', 'Relu', 200), run(1300),
];

test('summarizeProfile averages kernel time per run, by node and by op type, largest first', () => {
  const p = summarizeProfile(trace);
  assert.equal(p.runs, 2);
  assert.equal(p.kernelMs, 1.25);
  assert.equal(p.runMs, 1.35);
  assert.deepEqual(p.byNode.map((r) => [r.name, r.opType, r.ms]), [['conv1', 'Conv', 0.8], ['conv2', 'Conv', 0.3], ['relu', 'Relu', 0.15]]);
  assert.deepEqual(p.byOpType.map((r) => [r.name, r.calls, r.ms, r.share]), [['Conv', 2, 1.1, 0.88], ['Relu', 1, 0.15, 0.12]]);
});

test('summarizeProfile can skip warm-up runs', () => {
  const p = summarizeProfile(trace, 1);
  assert.equal(p.runs, 1);
  assert.deepEqual(p.byNode.map((r) => r.ms), [0.7, 0.3, 0.2]);
  assert.throws(() => summarizeProfile(trace, 2), /2 model runs, none left/);
});

test('readProfile names the file it cannot parse', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(trace));
  assert.equal((await readProfile(join(dir, 'ok.json'))).runs, 2);
  writeFileSync(join(dir, 'bad.json'), '{"not": "a trace"}');
  await assert.rejects(readProfile(join(dir, 'bad.json')), /bad\.json: not an onnxruntime trace/);
});
