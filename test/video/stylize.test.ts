import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { FrameStylizer } from '../../src/runtime/worker.js';
import { stylizeVideo, type VideoEvent } from '../../src/video/stylize.js';
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
