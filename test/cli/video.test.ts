import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeModelFile } from '../../src/models/modelfile.js';
import { ladderFor } from '../../src/runtime/adaptive.js';
import { ffmpegThreads } from '../../src/cli/options.js';
import { runCli } from '../helpers/cli.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip, probeCounted } from '../video/clips.js';

const dir = tempDir();
const model = join(dir, 'tiny.onnx');
const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
let clip = '';

test('setup', async () => {
  await writeModelFile(model, tinyModel());
  clip = makeClip(dir, 'clip.mp4', { width: 96, height: 64, seconds: 1 });
});

test('video: file to file at --size, with audio, summary on stderr', async () => {
  const out = join(dir, 'out.mkv');
  const r = await runCli(['video', clip, '-o', out, '-m', model, '--size', '48x32', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /out\.mkv: 30 frames 48x32, [\d.]+ fps, network busy \d+%/);
  const p = probeCounted(out);
  assert.deepEqual([p.frames, p.width, p.height, p.audio], [30, 48, 32, true]);
});

test('video: raw rgb24 frames through stdin and stdout in a pipe', () => {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-vf', 'scale=32:16', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'video', '-', '--raw', '--size', '32x16', '-o', '-', '-f', 'rawvideo', '-m', model, '--policy', 'block'], {
    input: raw,
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stdout.length, 30 * 32 * 16 * 3);
});

test('video --json: events as JSON lines, progress with per-frame stage times', async () => {
  const r = await runCli(['video', clip, '-o', join(dir, 'json.mkv'), '-m', model, '--size', '48x32', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no bar and no summary beside the JSON');
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; perFrame?: Record<string, number>; stats?: { perFrame: Record<string, number>; frames: { stylized: number } } });
  assert.deepEqual([events[0]!.type, events.at(-1)!.type], ['start', 'done']);
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 1);
  for (const per of [...progress.map((e) => e.perFrame!), events.at(-1)!.stats!.perFrame]) {
    assert.deepEqual(Object.keys(per).sort(), ['copy', 'decodeWait', 'encodeWait', 'inference']);
    assert.ok(Object.values(per).every((v) => Number.isFinite(v) && v >= 0), JSON.stringify(per));
  }
  assert.ok(events.at(-1)!.stats!.perFrame.inference! > 0);
  assert.equal(events.at(-1)!.stats!.frames.stylized, 30);
});

test('video: a raw stream on stdin with --target-fps is stylized smaller, written at its own size, and reports its scale', () => {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  // No network holds 100000 fps: after two windows of frames the scale drops to the ladder's bottom.
  const args = ['video', '-', '--raw', '--size', '96x64', '-o', '-', '-f', 'rawvideo', '-m', model, '--policy', 'block', '--threads', '1', '--target-fps', '100000', '--json'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { input: raw, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stdout.length, 30 * 96 * 64 * 3, 'every frame, at the stream size');
  const events = r.stderr.toString().trim().split('\n').map((l) => JSON.parse(l) as { type: string; scale?: number; targetFps?: number; stats?: { frames: { written: number } } });
  const ladder = ladderFor({ width: 96, height: 64 });
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 1);
  for (const e of progress) {
    assert.ok(ladder.includes(e.scale!), `scale ${e.scale}`);
    assert.equal(e.targetFps, 100000);
  }
  const done = events.find((e) => e.type === 'done')!;
  assert.equal(done.scale, ladder.at(-1));
  assert.equal(done.stats!.frames.written, 30);
  assert.equal(events[0]!.type, 'start');
});

test('video: --target-fps refuses 0, negatives and non-numbers in one line', async () => {
  for (const bad of ['0', '-5', 'NaN', 'fast', 'Infinity']) {
    const r = await runCli(['video', clip, '-o', join(dir, 'never.mp4'), '-m', model, `--target-fps=${bad}`]);
    assert.equal(r.code, 1, bad);
    assert.match(r.stderr, new RegExp(`--target-fps <fps>' argument '${bad}' is invalid\\. expected a positive number of frames per second, got '${bad}'`));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('--help for usage')).length, 1, r.stderr);
  }
});

test('video: a truncated input is one clear error line and no output file', async () => {
  const outDir = tempDir();
  const junk = join(dir, 'junk.mkv');
  execFileSync('sh', ['-c', `head -c 3000 ${clip} > ${junk}`]);
  const r = await runCli(['video', junk, '-o', join(outDir, 'x.mp4'), '-m', model, '--no-progress']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^stylecast: cannot read video .*junk\.mkv: .+\n$/);
  assert.deepEqual(readdirSync(outDir), []);
});

test('flicker: a stylized video against its source', async () => {
  const out = join(dir, 'out.mkv');
  const r = await runCli(['flicker', out, '--source', clip, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { frames: number; ratio: number; source: number };
  assert.equal(j.frames, 30);
  assert.ok(j.source > 0 && Number.isFinite(j.ratio));
});

test('video: an odd-sized source (yuv444p, 51x33) round-trips; H.264 output gains a copied row and column', async () => {
  const odd = join(dir, 'odd.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=51x33:rate=30', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p', odd]);
  const mp4 = join(dir, 'odd.mp4');
  const r = await runCli(['video', odd, '-o', mp4, '-m', model, '--threads', '1', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /odd\.mp4: 30 frames 51x33, .*written as 52x34: H\.264 needs even sides/);
  const p = probeCounted(mp4);
  assert.deepEqual([p.frames, p.width, p.height], [30, 52, 34]);
  // Lossless RGB and VP9 take odd sides as they are.
  for (const [out, extra] of [[join(dir, 'odd-lossless.mkv'), ['--crf', '0']], [join(dir, 'odd.webm'), []]] as const) {
    const q = await runCli(['video', odd, '-o', out, '-m', model, '--threads', '1', '--no-progress', ...extra]);
    assert.equal(q.code, 0, q.stderr);
    const s = probeCounted(out);
    assert.deepEqual([s.frames, s.width, s.height], [30, 51, 33]);
  }
});

test('video: an existing output is refused unless --overwrite; the input never, even with it', async () => {
  const taken = join(dir, 'taken.mp4');
  writeFileSync(taken, 'earlier');
  const r = await runCli(['video', clip, '-o', taken, '-m', model, '--threads', '1', '--no-progress']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: ${taken} exists; pass --overwrite to replace it\n`);
  assert.equal(readFileSync(taken, 'utf8'), 'earlier');
  const before = readFileSync(clip);
  const self = await runCli(['video', clip, '-o', clip, '-m', model, '--threads', '1', '--no-progress', '--overwrite']);
  assert.equal(self.code, 1);
  assert.equal(self.stderr, `stylecast: ${clip} is the input ${clip}: write the output elsewhere\n`);
  assert.deepEqual(readFileSync(clip), before);
});

test('video: --decode-threads and --encode-threads reach ffmpeg (a count as -threads where it sets the decoder or encoder; auto adds none)', async () => {
  // ffmpeg behind a script that keeps each command line, one argument a line, a file per process.
  const wrapper = join(dir, 'ffmpeg-logged.sh');
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$@" > "$ARGS_DIR/$$.args"\nexec ffmpeg "$@"\n`);
  chmodSync(wrapper, 0o755);
  const run = async (flags: string[]) => {
    const logs = tempDir();
    const r = await runCli(['video', clip, '-o', join(dir, 'threads.mkv'), '-m', model, '--threads', '1', '--json', '--overwrite', ...flags], { STYLECAST_FFMPEG: wrapper, ARGS_DIR: logs });
    assert.equal(r.code, 0, r.stderr);
    const calls = readdirSync(logs).map((f) => readFileSync(join(logs, f), 'utf8').split('\n').slice(0, -1)).filter((a) => a.length > 0);
    const decoder = calls.find((a) => a[a.indexOf('-i') + 1] === clip)!;
    const encoder = calls.find((a) => a[a.indexOf('-i') + 1] === 'pipe:0')!;
    assert.ok(decoder && encoder, JSON.stringify(calls));
    const start = JSON.parse(r.stdout.split('\n')[0]!) as { type: string; threads: unknown };
    return { decoder, encoder, threads: start.threads };
  };
  const counted = await run(['--decode-threads', '1', '--encode-threads', '3']);
  assert.deepEqual(counted.threads, { inference: 1, decode: 1, encode: 3 });
  // An input option comes before its -i; an output option after every -i.
  const d = counted.decoder.indexOf('-threads');
  assert.ok(d >= 0 && d < counted.decoder.indexOf('-i') && counted.decoder[d + 1] === '1', counted.decoder.join(' '));
  const e = counted.encoder.indexOf('-threads');
  assert.ok(e > counted.encoder.lastIndexOf('-i') && counted.encoder[e + 1] === '3', counted.encoder.join(' '));
  assert.equal(counted.encoder.lastIndexOf('-threads'), e);
  const auto = await run(['--decode-threads', 'auto', '--encode-threads', '0']);
  assert.deepEqual(auto.threads, { inference: 1, decode: 0, encode: 0 });
  assert.ok(!auto.decoder.includes('-threads') && !auto.encoder.includes('-threads'), [...auto.decoder, '|', ...auto.encoder].join(' '));
});

test('video: --decode-threads and --encode-threads take a whole number or auto, anything else in one line', async () => {
  assert.deepEqual(['0', '1', '12', 'auto', ' 2 '].map(ffmpegThreads), [0, 1, 12, 0, 2]);
  for (const bad of ['-1', '1.5', 'many', '', '2x', 'AUTO']) assert.throws(() => ffmpegThreads(bad), { message: `expected a number of threads or 'auto', got '${bad}'` });
  for (const [flag, bad] of [['--decode-threads', '1.5'], ['--encode-threads', '-1']] as const) {
    const r = await runCli(['video', clip, '-o', join(dir, 'never.mp4'), '-m', model, `${flag}=${bad}`]);
    assert.equal(r.code, 1, bad);
    assert.match(r.stderr, new RegExp(`${flag} <n\\|auto>' argument '${bad.replace('.', '\\.')}' is invalid\\. expected a number of threads or 'auto', got '${bad.replace('.', '\\.')}'`));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('--help for usage')).length, 1, r.stderr);
  }
});
