import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { FrameStylizer } from '../../src/runtime/worker.js';
import { stylizeVideo, type VideoEvent } from '../../src/video/stylize.js';
import { defaultVideoThreads, type VideoThreads } from '../../src/video/threads.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip, probeCounted } from './clips.js';

const dir = tempDir();
// The container/timing behaviour does not depend on the network: a cheap stand-in keeps 640x480 fast.
const invert: FrameStylizer = { stylizeMany: async (imgs) => imgs.map((i) => ({ ...i, data: i.data.map((v) => 255 - v) as Uint8Array })) };

test('a 3 s 640x480 clip with audio keeps its frame count, duration (within a frame) and audio', async () => {
  const clip = makeClip(dir, 'clip640.mp4');
  const src = probeCounted(clip);
  const out = join(dir, 'styled.mp4');
  const events: VideoEvent['type'][] = [];
  const r = await stylizeVideo(clip, out, { stylizer: invert, onEvent: (e) => events.push(e.type) });
  const got = probeCounted(out);
  assert.equal(src.frames, 90);
  assert.equal(got.frames, src.frames);
  assert.ok(Math.abs(got.duration - src.duration) <= 1 / 30, `duration ${got.duration} vs ${src.duration}`);
  assert.ok(got.audio, 'audio track missing');
  assert.deepEqual([got.width, got.height], [640, 480]);
  assert.equal(r.pipeline.frames.stylized, 90);
  assert.equal(r.encode.frames, 90);
  assert.equal(events[0], 'start');
  assert.equal(events.at(-1), 'done');
});

test('a truncated video fails with a clear error and leaves no partial output', async () => {
  const clip = makeClip(dir, 'long.mkv', { width: 160, height: 120, seconds: 4 });
  const bytes = readFileSync(clip);
  const cut = join(dir, 'cut.mkv');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const outDir = tempDir();
  await assert.rejects(stylizeVideo(cut, join(outDir, 'out.mp4'), { stylizer: invert }), /cut\.mkv is truncated or corrupt: decoded \d+ of \d+ frames/);
  assert.deepEqual(readdirSync(outDir), []);
});

test('a corrupt video fails with a clear error and leaves no output', async () => {
  const junk = join(dir, 'junk.mkv');
  writeFileSync(junk, Buffer.alloc(5000, 7));
  const outDir = tempDir();
  await assert.rejects(stylizeVideo(junk, join(outDir, 'out.mkv'), { stylizer: invert }), /cannot read video .*junk\.mkv/);
  assert.deepEqual(readdirSync(outDir), []);
});

test('raw rgb24 frames in, raw frames out, through a real model on a worker thread', async () => {
  const w = 24;
  const h = 16;
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (d: Buffer) => chunks.push(d));
  for (let i = 0; i < 5; i++) stdin.write(new Uint8Array(w * h * 3).fill(i * 40));
  stdin.end(new Uint8Array(7)); // a partial trailing frame is counted, not a crash
  const r = await stylizeVideo('-', '-', { model: tinyModel(), rawInput: true, size: { width: w, height: h }, format: 'rawvideo', policy: 'block', stdin, stdout });
  assert.equal(Buffer.concat(chunks).length, 5 * w * h * 3);
  assert.equal(r.pipeline.frames.stylized, 5);
  assert.equal(r.decode.partialBytes, 7);
  assert.equal(r.stylizer.frames, 5);
});

test('a container on stdin keeps its audio', async () => {
  const clip = makeClip(dir, 'piped.mkv', { width: 64, height: 48, seconds: 1 });
  const stdin = new PassThrough();
  stdin.end(readFileSync(clip));
  const out = join(dir, 'piped-out.mkv');
  await stylizeVideo('-', out, { stylizer: invert, policy: 'block', stdin });
  const got = probeCounted(out);
  assert.equal(got.frames, 30);
  assert.ok(got.audio);
});

test('raw stdin without a size is refused', async () => {
  await assert.rejects(stylizeVideo('-', join(dir, 'x.mkv'), { stylizer: invert, rawInput: true, stdin: new PassThrough() }), /raw frames on stdin need --size WxH/);
});

test('on 2 cores or fewer the network gets every core and the decoder one thread (the encoder its own choice); above, each library chooses', () => {
  assert.deepEqual(defaultVideoThreads(1), { inference: 1, decode: 1, encode: 0 });
  assert.deepEqual(defaultVideoThreads(2), { inference: 2, decode: 1, encode: 0 });
  assert.deepEqual(defaultVideoThreads(8), { inference: 0, decode: 0, encode: 0 });
});

test('thread options reach the result and the start event; left out, they are the machine\'s defaults', async () => {
  const clip = makeClip(dir, 'threads.mkv', { width: 64, height: 48, seconds: 1 });
  const run = async (opts: { threads?: number; decodeThreads?: number; encodeThreads?: number }) => {
    let started: VideoThreads | undefined;
    const r = await stylizeVideo(clip, join(dir, 'threads-out.mkv'), { stylizer: invert, ...opts, onEvent: (e) => (e.type === 'start' ? (started = e.threads) : undefined) });
    assert.equal(r.encode.frames, 30);
    assert.deepEqual(started, r.threads);
    return r.threads;
  };
  assert.deepEqual(await run({ threads: 1, decodeThreads: 0, encodeThreads: 2 }), { inference: 1, decode: 0, encode: 2 });
  assert.deepEqual(await run({}), defaultVideoThreads());
});

test('a bad thread count is a one-line error before anything starts, and leaves no output', async () => {
  const outDir = tempDir();
  const out = join(outDir, 'never.mp4');
  // A missing input: had the options passed, the error would name the file instead.
  const missing = join(dir, 'missing.mkv');
  for (const [opts, message] of [
    [{ decodeThreads: -1 }, "decodeThreads must be a whole number of threads, or 0 for ffmpeg's choice; got -1"],
    [{ encodeThreads: 2.5 }, "encodeThreads must be a whole number of threads, or 0 for ffmpeg's choice; got 2.5"],
    [{ threads: NaN }, 'threads must be a whole number of onnxruntime threads, or 0 for its choice; got NaN'],
  ] as const) {
    await assert.rejects(stylizeVideo(missing, out, { stylizer: invert, ...opts }), { message });
  }
  assert.deepEqual(readdirSync(outDir), []);
});
