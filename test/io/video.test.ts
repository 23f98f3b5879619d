import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { checkFfmpegThreads, decodeVideo, encodeVideo, muxerFor, probeVideo, readRawFrames } from '../../src/io/video.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip, probeCounted } from '../video/clips.js';

const dir = tempDir();
const clip = makeClip(dir, 'clip.mkv', { width: 64, height: 48, seconds: 1 });

test('probe reads size, rate, frame count and audio codec', async () => {
  const info = await probeVideo(clip);
  assert.deepEqual([info.width, info.height, info.rate, info.audioCodec], [64, 48, [30, 1], 'aac']);
  // Matroska stores no frame count: duration x rate is an estimate.
  assert.ok(Math.abs(info.frames! - 30) <= 1, `frames ${info.frames}`);
  assert.ok(Math.abs(info.duration! - 1) < 0.05);
});

test('probe names the problem for a file that is not a video', async () => {
  const junk = join(dir, 'junk.mp4');
  writeFileSync(junk, Buffer.from('this is not a video at all'.repeat(10)));
  await assert.rejects(probeVideo(junk), /^Error: cannot read video .*junk\.mp4: \w+/);
  await assert.rejects(probeVideo(join(dir, 'missing.mkv')), /cannot read video .*missing\.mkv: No such file/);
});

test('decode yields every frame as rgb24, scaled when asked', async () => {
  const d = decodeVideo(clip, { sourceSize: { width: 64, height: 48 }, size: { width: 32, height: 24 } });
  let n = 0;
  for await (const f of d) {
    assert.deepEqual([f.width, f.height, f.channels, f.data.length], [32, 24, 3, 32 * 24 * 3]);
    n++;
  }
  assert.equal(n, 30);
  assert.equal(d.stats.frames, 30);
  assert.ok(d.stats.cpu && d.stats.cpu.user >= 0);
});

test('raw frame reader cuts arbitrary chunks into frames and counts a trailing partial frame', async () => {
  const bytes = new Uint8Array(2 * 3 * 3 * 2 + 5).map((_, i) => i);
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 20), bytes.subarray(20)];
  const stats = { frames: 0, partialBytes: 0 };
  const out = [];
  for await (const f of readRawFrames(Readable.from(chunks), 2, 3, stats)) out.push(f);
  assert.equal(out.length, 2);
  assert.deepEqual([...out[1]!.data], [...bytes.subarray(18, 36)]);
  assert.deepEqual(stats, { frames: 2, partialBytes: 5 });
});

test('encode muxes the source audio and keeps frame count and duration; abort leaves nothing', async () => {
  const out = join(dir, 'out.mp4');
  const enc = encodeVideo(out, { width: 64, height: 48, rate: [30, 1], audioFrom: clip, audioCodec: 'aac' });
  for (let i = 0; i < 30; i++) await enc.write({ width: 64, height: 48, channels: 3, data: new Uint8Array(64 * 48 * 3).fill(i * 8) });
  await enc.finish();
  const p = probeCounted(out);
  assert.equal(p.frames, 30);
  assert.ok(p.audio);
  assert.ok(Math.abs(p.duration - 1) <= 1 / 30, `duration ${p.duration}`);

  const gone = join(dir, 'gone.mkv');
  const enc2 = encodeVideo(gone, { width: 64, height: 48, rate: [30, 1] });
  await enc2.write({ width: 64, height: 48, channels: 3, data: new Uint8Array(64 * 48 * 3) });
  await enc2.abort();
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('gone')), []);
});

test('output format comes from the extension, Matroska for stdout', () => {
  assert.equal(muxerFor('a.mp4'), 'mp4');
  assert.equal(muxerFor('-'), 'matroska');
  assert.equal(muxerFor('x.rgb'), 'rawvideo');
  assert.throws(() => muxerFor('a.xyz'), /cannot tell the video format of a\.xyz/);
});

test('one decoder thread decodes the same frames as ffmpeg\'s choice; one encoder thread writes every frame', async () => {
  const decodeAll = async (threads: number) => {
    const frames: Uint8Array[] = [];
    for await (const f of decodeVideo(clip, { sourceSize: { width: 64, height: 48 }, threads })) frames.push(f.data as Uint8Array);
    return frames;
  };
  const [one, auto] = [await decodeAll(1), await decodeAll(0)];
  assert.equal(one.length, 30);
  assert.ok(one.every((f, i) => Buffer.from(f).equals(auto[i]!)), 'H.264 decoding does not depend on the thread count');
  const out = join(dir, 'one-thread.mkv');
  const enc = encodeVideo(out, { width: 64, height: 48, rate: [30, 1], threads: 1 });
  for (const f of one) await enc.write({ width: 64, height: 48, channels: 3, data: f });
  await enc.finish();
  assert.equal(probeCounted(out).frames, 30);
});

test('a thread count that is not a whole number >= 0 is a one-line error before ffmpeg starts, and leaves no file', () => {
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => decodeVideo(clip, { sourceSize: { width: 64, height: 48 }, threads: bad }), { message: `decode threads must be a whole number of threads, or 0 for ffmpeg's choice; got ${bad}` });
    for (const out of [join(dir, 'bad-threads.mp4'), join(dir, 'bad-threads.rgb')]) {
      assert.throws(() => encodeVideo(out, { width: 64, height: 48, rate: [30, 1], threads: bad }), { message: `encode threads must be a whole number of threads, or 0 for ffmpeg's choice; got ${bad}` });
    }
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('bad-threads')), []);
  assert.equal(checkFfmpegThreads(0, 'x'), 0);
  assert.equal(checkFfmpegThreads(16, 'x'), 16);
});
