import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { paramsHash, type TrainEvent } from '../../src/train/trainer.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { trainingSet, writeTinyVggOnnx } from '../helpers/train.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const dir = tempDir('stylecast-cli-train-');
const data = await trainingSet(dir);
const vgg = join(dir, 'vgg.onnx');
writeTinyVggOnnx(vgg);
const ckpt = join(dir, 'run.ckpt');
const common = ['train', '--style', data.style, '--content', data.content, '--size', '32', '--batch', '2', '--width', '4', '--blocks', '1', '--vgg', vgg, '--threads', '1', '--checkpoint', ckpt, '--json'];
const events = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainEvent);

/** Start a long run, SIGKILL it right after its third checkpoint event. */
function killAfterCheckpoints(n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...common, '-o', join(dir, 'killed.onnx'), '--steps', '100000', '--checkpoint-every', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.includes('"type":"checkpoint"') && ++seen === n) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`training exited with ${code} before the kill`))));
  });
}

test('kill -9 mid-run, then --resume continues from exactly the checkpointed parameters', async () => {
  await killAfterCheckpoints(3);
  const saved = await readCheckpoint(ckpt); // atomic writes: whatever is at the path is whole
  assert.ok(saved.step >= 3);

  // A checkpoint half written at the kill is never read: temp files are ignored and a cut file is refused.
  const cut = join(dir, 'cut.ckpt');
  const bytes = readFileSync(ckpt);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
  await assert.rejects(readCheckpoint(cut), /truncated checkpoint/);
  const r0 = await runCli([...common, '-o', join(dir, 'x.onnx'), '--steps', '9', '--resume', cut]);
  assert.equal(r0.code, 1);
  assert.match(r0.stderr, /cut\.ckpt: truncated checkpoint/);
  assert.ok(!existsSync(join(dir, 'x.onnx')));

  const out = join(dir, 'resumed.onnx');
  // Kept, so the next test resumes from it (a finished run removes its checkpoint by default).
  const r = await runCli([...common, '-o', out, '--steps', String(saved.step + 2), '--resume', ckpt, '--keep-checkpoint']);
  assert.equal(r.code, 0, r.stderr);
  const ev = events(r.stdout);
  const start = ev[0] as Extract<TrainEvent, { type: 'start' }>;
  assert.equal(start.type, 'start');
  assert.equal(start.resumed, true);
  assert.equal(start.startStep, saved.step);
  assert.equal(start.paramsSha256, paramsHash(saved.params));
  const steps = ev.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step);
  assert.deepEqual(steps, [saved.step + 1, saved.step + 2]);
  const model = transformerOf(await readModelFile(out), 'test');
  assert.equal((model.info.provenance as { steps: number }).steps, saved.step + 2);
  assert.match(String((model.info.provenance as { styleSha256: string }).styleSha256), /^[0-9a-f]{64}$/);
});

test('resuming at the checkpoint step writes exactly the checkpointed parameters', async () => {
  const saved = await readCheckpoint(ckpt);
  const out = join(dir, 'same.onnx');
  const r = await runCli([...common, '-o', out, '--steps', String(saved.step), '--resume', ckpt, '--chart', join(dir, 'loss.svg')]);
  assert.equal(r.code, 0, r.stderr);
  const model = transformerOf(await readModelFile(out), 'test');
  for (const [name, p] of saved.params) assert.deepEqual(model.weights.get(name)!.data, p, name);
  assert.match(readFileSync(join(dir, 'loss.svg'), 'utf8'), /<svg/);
});

test('human output: progress, preview sheets and the loss chart', async () => {
  const r = await runCli(['train', '--style', data.style, '--content', data.content, '--size', '32', '--batch', '2', '--width', '4', '--blocks', '1', '--vgg', vgg,
    '--threads', '1', '-o', join(dir, 'h.onnx'), '--steps', '4', '--preview-dir', join(dir, 'prev'), '--preview-every', '2', '--chart', join(dir, 'loss.png')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /step 4\/4 .*content .*style .*tv .*it\/s/);
  assert.deepEqual(readdirSync(join(dir, 'prev')).sort(), ['step-000002.png', 'step-000004.png']);
  assert.deepEqual([...readFileSync(join(dir, 'loss.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.match(r.stdout, /h\.onnx {2}\(4 steps; final /);
});

test('--init fine-tunes a model with the stability term: its weights are the start, its metadata carries over', async () => {
  const base = join(dir, 'base.onnx');
  assert.equal((await runCli([...common, '-o', base, '--steps', '2', '--checkpoint', join(dir, 'base.ckpt')])).code, 0);
  const out = join(dir, 'stable.onnx');
  const args = ['train', '--init', base, '--style', data.style, '--content', data.content, '--size', '32', '--batch', '2', '--vgg', vgg, '--threads', '1', '--json'];
  const r = await runCli([...args, '-o', out, '--steps', '3', '--temporal-weight', '2', '--motion-shift', '1.5', '--checkpoint', join(dir, 'stable.ckpt')]);
  assert.equal(r.code, 0, r.stderr);
  const ev = events(r.stdout);
  const start = ev.find((e) => e.type === 'start')!;
  assert.equal(start.type === 'start' && start.paramsSha256, paramsHash(new Map([...transformerOf(await readModelFile(base), 'test').weights].map(([k, t]) => [k, t.data as Float32Array]))));
  const steps = ev.filter((e) => e.type === 'step');
  assert.ok(steps.every((e) => e.type === 'step' && e.losses.temporal! > 0));
  const m = transformerOf(await readModelFile(out), 'test');
  assert.deepEqual(m.config, transformerOf(await readModelFile(base), 'test').config);
  const p = m.info.provenance as { fineTunedFrom: string; motion: { shift: number }; weights: { temporal: number } };
  assert.equal(p.fineTunedFrom, 'base');
  assert.equal(p.motion.shift, 1.5);
  assert.equal(p.weights.temporal, 2);
  const refused = await runCli([...args, '-o', join(dir, 'x.onnx'), '--steps', '1', '--width', '8']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--init takes the architecture from the model/);
});

test('train refuses an existing output or chart (untouched) unless --overwrite, and never writes over the style image', async () => {
  const out = join(dir, 'taken.onnx');
  writeFileSync(out, 'earlier model');
  const args = [...common, '--steps', '1', '--checkpoint', join(dir, 'taken.ckpt')];
  const r = await runCli([...args, '-o', out]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: ${out} exists; pass --overwrite to replace it\n`);
  assert.equal(readFileSync(out, 'utf8'), 'earlier model');
  const s = await runCli([...args, '-o', join(dir, 'fresh.onnx'), '--chart', data.style, '--overwrite']);
  assert.equal(s.code, 1);
  assert.equal(s.stderr, `stylecast: ${data.style} is the input ${data.style}: write the output elsewhere\n`);
  const o = await runCli([...args, '-o', out, '--overwrite']);
  assert.equal(o.code, 0, o.stderr);
  assert.ok(!existsSync(join(dir, 'taken.ckpt')), 'a finished run removes its checkpoint');
  assert.equal(transformerOf(await readModelFile(out), 'test').info.name, 'taken');
});
