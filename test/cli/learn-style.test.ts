import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import sharp from 'sharp';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainEvent } from '../../src/train/trainer.js';
import { runCli } from '../helpers/cli.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { trainingSet, writeTinyVggOnnx } from '../helpers/train.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const dir = tempDir('stylecast-cli-learn-');
const data = await trainingSet(dir);
const vgg = join(dir, 'vgg.onnx');
writeTinyVggOnnx(vgg);
const second = join(dir, 'second.png');
await sharp(Buffer.from(Array.from({ length: 40 * 32 * 3 }, (_, i) => (i % 7) * 36)), { raw: { width: 40, height: 32, channels: 3 } }).png().toFile(second);
const teachers = [join(dir, 't1.onnx'), join(dir, 't2.onnx')];
writeFileSync(teachers[0]!, tinyModel({}, 21).onnx);
writeFileSync(teachers[1]!, tinyModel({}, 22).onnx);
const multi = join(dir, 'multi.onnx');
const small = ['--content', data.content, '--size', '16', '--batch', '1', '--vgg', vgg, '--threads', '1'];

test('train --style a,b --teacher t1,t2 --style-names x,y trains a 2-style network; --init from a single-style model starts every row', async () => {
  const r = await runCli(['train', '--style', `${data.style},${second}`, '--teacher', teachers.join(','), '--style-names', 'blobs,bands', ...small,
    '--width', '4', '--blocks', '1', '--first-kernel', '3', '--last-kernel', '3', '--head', 'tanh', '--distill-weight', '0.001', '--steps', '4', '-o', multi, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as TrainEvent).filter((e) => e.type === 'step');
  assert.deepEqual(steps.map((e) => (e as { style?: string }).style), ['blobs', 'bands', 'blobs', 'bands']);
  const m = transformerOf(await readModelFile(multi), 't');
  assert.deepEqual(m.styles!.map((s) => [s.name, s.teacher]), [['blobs', teachers[0]], ['bands', teachers[1]]]);

  const student = join(dir, 'student.onnx');
  writeFileSync(student, tinyModel({ firstKernel: 3, lastKernel: 3, head: 'tanh' }, 5).onnx);
  const r2 = await runCli(['train', '--style', `${data.style},${second}`, '--init', student, ...small, '--steps', '2', '-o', join(dir, 'from-student.onnx')]);
  assert.equal(r2.code, 0, r2.stderr);
  const m2 = transformerOf(await readModelFile(join(dir, 'from-student.onnx')), 't');
  assert.deepEqual(m2.styles!.map((s) => s.name), ['style', 'second'], 'names default to the images\'');

  const errors: [string[], RegExp][] = [
    [['--style', `${data.style},${second}`, '--teacher', teachers[0]!], /--teacher: give one teacher per style \(2 style images, 1 teachers\)/],
    [['--style', `${data.style},${second}`, '--style-names', 'a,a'], /style name 'a' is used twice/],
    [['--style', `${data.style},${second}`, '--style-names', 'a'], /--style-names: give one name per style \(2 style images, 1 names\)/],
    [['--style', data.style, '--style-names', 'solo', '--init', multi], /--init .*multi\.onnx: a network of 2 styles; train it with 2 styles/],
  ];
  for (const [args, want] of errors) {
    const e = await runCli(['train', ...args, ...small, '--steps', '1', '-o', join(dir, 'never.onnx')]);
    assert.equal(e.code, 1, args.join(' '));
    assert.match(e.stderr, want);
  }
  assert.ok(!existsSync(join(dir, 'never.onnx')));
});

const learnArgs = (out: string, minutes: string) => ['learn-style', second, '-o', out, '--base', multi, '--name', 'dots', '--minutes', minutes, ...small, '--json'];

/** Start learn-style and SIGKILL it right after its n-th checkpoint. */
function killAfterCheckpoints(args: string[], n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.includes('"type":"checkpoint"') && ++seen === n) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`learn-style exited with ${code} before the kill`))));
  });
}

test('learn-style killed with -9 then rerun resumes from its checkpoint and writes the grown network', async () => {
  const out = join(dir, 'grown.onnx');
  await killAfterCheckpoints(learnArgs(out, '0.25'), 2);
  assert.ok(!existsSync(out), 'no model before the budget is spent');
  const saved = await readCheckpoint(`${out}.ckpt`);
  assert.ok(saved.step >= 20 && saved.elapsedSeconds! > 0);
  const r = await runCli(learnArgs(out, '0.25'));
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; resumed?: boolean; startStep?: number; elapsedSeconds?: number });
  assert.equal(events[0]!.type, 'learn');
  assert.equal(events[0]!.resumed, true);
  const start = events.find((e) => e.type === 'start')!;
  assert.equal(start.startStep, saved.step);
  assert.equal(start.elapsedSeconds, saved.elapsedSeconds);
  const m = transformerOf(await readModelFile(out), 't');
  assert.deepEqual(m.styles!.map((s) => s.name), ['blobs', 'bands', 'dots']);
  assert.ok(!existsSync(`${out}.ckpt`));
  assert.ok(existsSync(`${out}.preview.png`));
  // The new style is a --style like any other.
  const photo = join(dir, 'photo.png');
  await sharp(Buffer.alloc(24 * 16 * 3, 100), { raw: { width: 24, height: 16, channels: 3 } }).png().toFile(photo);
  const s = await runCli(['stylize', photo, '-m', out, '--style', 'dots=0.5,blobs=0.5', '-o', join(dir, 'styled.png')]);
  assert.equal(s.code, 0, s.stderr);
});

test('learn-style errors: a single-style --base, --minutes 0, an existing output, a checkpoint of another painting', async () => {
  const cases: [string[], RegExp][] = [
    [['learn-style', second, '-o', join(dir, 'n.onnx'), '--base', 'candy_rt', ...small], /^stylecast: --base candy_rt is a single-style network: learn-style adds a style row to a multi-style one\n$/],
    [learnArgs(join(dir, 'n.onnx'), '0'), /^stylecast: --minutes must be a number > 0 \(the training time\), got 0\n$/],
    [learnArgs(multi, '1'), /^stylecast: .*multi\.onnx is the input .*multi\.onnx: write the output elsewhere\n$/],
    [learnArgs(join(dir, 'grown.onnx'), '1'), /grown\.onnx exists; pass --overwrite to replace it/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, want);
  }
  assert.ok(!existsSync(join(dir, 'n.onnx')));
  // A checkpoint left by another painting's run is not resumed.
  const out = join(dir, 'other.onnx');
  await killAfterCheckpoints(learnArgs(out, '5'), 1);
  const r = await runCli(['learn-style', data.style, '-o', out, '--base', multi, '--name', 'dots', '--minutes', '1', ...small]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the checkpoint is of another run \(other inputs\); remove it to start over/);
});
