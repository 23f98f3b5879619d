/**
 * The job engine end to end: a real redis-server on a free port, workers as child processes of the
 * CLI, `stylecast submit` as users run it. The default real-time student at 160x120 keeps it fast.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { psnr } from '../../src/eval/metrics.js';
import { readImage } from '../../src/io/image.js';
import { stylizeFiles } from '../../src/runtime/files.js';
import { runCli } from '../helpers/cli.js';
import { startCli } from '../helpers/procs.js';
import { needsRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip, probeCounted } from '../video/clips.js';

const skip = needsRedis();
const dir = tempDir('stylecast-scale-');
const W = 160;
const H = 120;
let redis: TestRedis | undefined;
after(() => redis?.stop());
let clip = '';
let reference = '';
let lossless = '';

/** A worker on `queue` with short locks, so a killed worker's job is retaken within seconds. */
const worker = (queue: string) =>
  startCli(['worker', '--redis', redis!.url, '--storage', dir, '--queue', queue, '--threads', '1', '--lock-duration', '4000', '--stalled-interval', '1000']);

function frames(video: string): Buffer[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
  const size = W * H * 3;
  return Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}

const audioMd5 = (video: string) => execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-map', '0:a:0', '-c', 'copy', '-f', 'md5', '-'], { encoding: 'utf8' }).trim();

/** Per-frame luma PSNR of two videos' decoded frames (ffmpeg's psnr filter); Infinity for identical frames. */
function lumaPsnr(a: string, b: string): number[] {
  const stats = execFileSync('ffmpeg', ['-v', 'error', '-i', a, '-i', b, '-lavfi', 'psnr=stats_file=-', '-f', 'null', '-'], { encoding: 'utf8' });
  return [...stats.matchAll(/psnr_y:(inf|[\d.]+)/g)].map((m) => (m[1] === 'inf' ? Infinity : Number(m[1])));
}

/**
 * Same frame count, duration, frame rate and audio as `stylecast video` made. Lossless (`--crf 0` on
 * both sides): every decoded frame identical. Lossy (the default CRF 18): the parts and the reference are
 * independent x264 encodes of the same stylized frames, so they differ by codec noise only: mean luma
 * PSNR >= 40 dB (measured 43.4; the worst frame 41.0).
 */
function assertMatches(out: string, ref: string, lossless: boolean) {
  const got = probeCounted(out);
  const want = probeCounted(ref);
  assert.deepEqual([got.frames, got.width, got.height, got.audio], [want.frames, W, H, true]);
  assert.equal(got.frames, 180);
  assert.ok(Math.abs(got.duration - want.duration) <= 1 / 30, `duration ${got.duration} vs ${want.duration}`);
  const rate = (v: string) => execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate', '-of', 'csv=p=0', v], { encoding: 'utf8' }).trim();
  assert.equal(rate(out), rate(ref));
  assert.equal(audioMd5(out), audioMd5(ref));
  if (lossless) {
    const [a, b] = [frames(out), frames(ref)];
    assert.equal(a.length, 180);
    a.forEach((f, i) => assert.ok(f.equals(b[i]!), `frame ${i} differs`));
    return;
  }
  const scores = lumaPsnr(out, ref);
  assert.equal(scores.length, 180);
  const finite = scores.map((x) => Math.min(x, 99));
  const mean = finite.reduce((x, y) => x + y, 0) / finite.length;
  assert.ok(mean >= 40, `mean luma PSNR ${mean.toFixed(1)} dB`);
  assert.ok(Math.min(...scores) >= 38, `worst frame ${Math.min(...scores).toFixed(1)} dB`);
}

before(async () => {
  if (skip) return;
  redis = await startRedis(dir);
  clip = makeClip(dir, 'clip.mp4', { width: W, height: H, seconds: 6, keyint: 30 });
  reference = join(dir, 'reference.mp4');
  lossless = join(dir, 'reference-lossless.mp4');
  for (const [out, crf] of [[reference, '18'], [lossless, '0']] as const) {
    const r = await runCli(['video', clip, '-o', out, '--crf', crf, '--threads', '1', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
  }
});

test('a 6 s clip in 2 s segments through 2 workers matches `stylecast video`', { skip }, async () => {
  const workers = [worker('main'), worker('main')];
  await Promise.all(workers.map((w) => w.waitFor(/worker ready/)));
  const out = join(dir, 'out.mp4');
  const r = await runCli(['submit', clip, '-o', out, '--redis', redis!.url, '--storage', dir, '--queue', 'main', '--segment-seconds', '2', '--wait']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /queued (\w+): .*clip\.mp4 -> .*out\.mp4 \(3 segments\)/);
  assert.match(r.stderr, /progress: 3\/3 parts, 180\/180 frames, [\d.]+ fps, ETA 0 s/);
  assertMatches(out, reference, false);
  // Both workers stylized segments, and the parts are gone once joined.
  for (const w of workers) assert.match(w.output(), /done \w+-seg\d+ segment \d of 3/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.parts')), []);
  const jobs = await runCli(['jobs', '--redis', redis!.url, '--queue', 'main']);
  assert.match(jobs.stdout, /completed\s+3\/3 segments\s+.*clip\.mp4 -> .*out\.mp4/);
  for (const w of workers) w.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
});

test('a photo folder becomes jobs of a few photos, each output exactly as `stylecast stylize` writes it', { skip }, async () => {
  const photos = join(dir, 'photos');
  mkdirSync(join(photos, 'sub'), { recursive: true });
  const names = ['a.png', 'b.png', 'c.png', 'sub/d.png', 'sub/e.png'];
  for (const [k, n] of names.entries()) {
    await sharp({ create: { width: 40 + 8 * k, height: 32, channels: 3, background: { r: 40 * k, g: 200 - 30 * k, b: 90 } } }).png().toFile(join(photos, n));
  }
  writeFileSync(join(photos, 'notes.txt'), 'not a photo');
  const w = worker('photos');
  await w.waitFor(/worker ready/);
  const out = join(dir, 'styled-photos');
  const r = await runCli(['submit', photos, '-o', out, '--redis', redis!.url, '--storage', dir, '--queue', 'photos', '--photos-per-job', '2', '--wait']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(3 photo jobs\)/);
  const local = join(dir, 'local');
  mkdirSync(join(local, 'sub'), { recursive: true });
  await stylizeFiles(names.map((n) => join(photos, n)), names.map((n) => join(local, n)), { model: 'candy_rt', threads: 1 });
  for (const n of names) {
    const [a, b] = [await readImage(join(out, n)), await readImage(join(local, n))];
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
    assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)), `${n}: pixels differ (${psnr(a.data, b.data).toFixed(1)} dB)`);
  }
  assert.deepEqual(readdirSync(out).sort(), ['a.png', 'b.png', 'c.png', 'sub']);
});

test('a worker killed (kill -9) mid-segment: another worker retakes the job and the output is exactly right', { skip }, async () => {
  const a = worker('kill');
  await a.waitFor(/worker ready/);
  const out = join(dir, 'killed.mp4');
  const submit = startCli(['submit', clip, '-o', out, '--redis', redis!.url, '--storage', dir, '--queue', 'kill', '--segment-seconds', '2', '--crf', '0', '--wait']);
  const [, id] = (await submit.waitFor(/queued (\w+):/))!;
  await a.waitFor(new RegExp(`start ${id}-seg00000`));
  a.child.kill('SIGKILL');
  await a.exited;
  assert.doesNotMatch(a.output(), /done \w+-seg00000/, 'the worker finished its segment before the kill');
  const b = worker('kill');
  assert.equal(await submit.exited, 0, submit.output());
  assert.match(b.output(), new RegExp(`done ${id}-seg00000 segment 1 of 3`));
  assertMatches(out, lossless, true);
});

test('a corrupt input segment fails its job after the retries; submit --wait exits 1 with the reason', { skip }, async () => {
  const out = join(dir, 'corrupt.mp4');
  // Nothing serves this queue yet: damage a part on "shared storage" before any worker reads it.
  const submit = startCli(['submit', clip, '-o', out, '--redis', redis!.url, '--storage', dir, '--queue', 'corrupt', '--segment-seconds', '2', '--attempts', '2', '--wait']);
  const [, id] = (await submit.waitFor(/queued (\w+):/))!;
  const work = join(dir, `.corrupt.mp4.${id}.parts`);
  writeFileSync(join(work, 'in', 'seg00001.mkv'), Buffer.alloc(4000, 7));
  const w = worker('corrupt');
  assert.equal(await submit.exited, 1);
  assert.match(submit.output(), new RegExp(`stylecast: .*clip\\.mp4: segment 2 of 3 failed after 2 attempts: cannot read video .*seg00001\\.mkv: .+\\n$`));
  assert.match(w.output(), /failed \w+-seg00001 segment 2 of 3 .*\(will retry\)/);
  assert.ok(!existsSync(out), 'no output for a failed video');
  assert.ok(!existsSync(work), 'the parts of a failed video are removed');
  const jobs = await runCli(['jobs', '--redis', redis!.url, '--queue', 'corrupt']);
  assert.match(jobs.stdout, new RegExp(`${id}  failed .*\\(segment 2 of 3 failed after 2 attempts: cannot read video`));
});

test('Redis going away and coming back: the worker reconnects and takes new jobs', { skip }, async () => {
  const w = worker('restart');
  await w.waitFor(/worker ready/);
  await redis!.stop();
  await w.waitFor(/stylecast worker: .*\(retrying\)/);
  await redis!.start();
  const r = await runCli(['submit', join(dir, 'photos'), '-o', join(dir, 'after-restart'), '--redis', redis!.url, '--storage', dir, '--queue', 'restart', '--wait']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(w.output(), /done \w+-photos00000 photos 1 of 1 .*: 5 frames/);
  assert.equal(w.child.exitCode, null, 'the worker is still running');
});
