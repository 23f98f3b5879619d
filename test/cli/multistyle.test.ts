import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../src/io/decode.js';
import { runCli } from '../helpers/cli.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tinyMultiModel } from '../helpers/multistyle.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const multi = join(dir, 'multi.onnx');
const cache = join(dir, 'cache');
const photo = join(dir, 'photo.png');
const env = { STYLECAST_CACHE: cache };

async function pixels(path: string): Promise<Uint8Array> {
  return (await decodeImage(path, { pixels: 'rgb' })).data as Uint8Array;
}

test('setup', async () => {
  writeFileSync(multi, tinyMultiModel(['candy', 'mosaic']).onnx);
  const noise = Buffer.alloc(40 * 32 * 3).map((_, i) => (i * 37) % 251);
  await sharp(noise, { raw: { width: 40, height: 32, channels: 3 } }).png().toFile(photo);
});

test('stylize --style picks a style or a blend of a multi-style model; the default is its first style; a 50/50 mix lies between', async () => {
  const out = (s: string) => join(dir, `out-${s}.png`);
  for (const [name, style] of [['candy', 'candy'], ['mosaic', 'mosaic'], ['mix', 'candy=0.5,mosaic=0.5']] as const) {
    const r = await runCli(['stylize', photo, '-m', multi, '--style', style, '-o', out(name)], env);
    assert.equal(r.code, 0, r.stderr);
  }
  const r = await runCli(['stylize', photo, '-m', multi, '-o', out('default')], env);
  assert.equal(r.code, 0, r.stderr);
  const [a, b, m, d] = await Promise.all(['candy', 'mosaic', 'mix', 'default'].map((n) => pixels(out(n))));
  assert.deepEqual(d, a, 'no --style: the first style');
  const dist = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0) / x.length;
  const ab = dist(a!, b!);
  assert.ok(ab > 8, `the styles differ by ${ab} levels on average`);
  // Mixing the norms is not mixing the pixels (relu and tanh follow), but the blend is nearer to each style than they are to each other.
  assert.ok(dist(m!, a!) < ab && dist(m!, b!) < ab, `mix-candy ${dist(m!, a!)}, mix-mosaic ${dist(m!, b!)}, candy-mosaic ${ab}`);
  // A directory output names the style.
  const folder = join(dir, 'styled');
  mkdirSync(folder);
  const r2 = await runCli(['stylize', photo, '-m', multi, '--style', 'mosaic=0.7,candy=0.3', '-o', `${folder}/`], env);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(existsSync(join(folder, 'photo-multi-mosaic0.7-candy0.3.png')), r2.stdout);
});

test('stylize --style errors are one line, before any output is written', async () => {
  const cases: [string[], RegExp][] = [
    [['--style', 'scream'], /^stylecast: unknown style 'scream'; tiny-multi's styles are candy, mosaic\n$/],
    [['--style', 'candy=-0.5,mosaic=1.5'], /^stylecast: style weight of 'candy' must be a number >= 0, got -0.5\n$/],
    [['--style', 'candy=0,mosaic=0'], /^stylecast: style weights are all zero: give at least one style a positive weight\n$/],
    [['--style', 'candy=,mosaic'], /error: option '--style <name\|mix>' argument 'candy=,mosaic' is invalid\. malformed style 'candy=,mosaic': expected a style name or name=weight pairs/],
  ];
  for (const [args, want] of cases) {
    const out = join(dir, 'never.png');
    const r = await runCli(['stylize', photo, '-m', multi, '-o', out, ...args], env);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, want);
    assert.equal(existsSync(out), false);
  }
  const single = await runCli(['stylize', photo, '-m', 'candy_rt', '--style', 'candy', '-o', join(dir, 'never.png')], env);
  assert.equal(single.code, 1);
  assert.match(single.stderr, /^stylecast: candy_rt is a single-style network: it takes no style selection \(drop --style\)\n$/);
});

const CLIP = 'video/asl_again.mkv';
test('video --style: a blend runs, and an unknown style fails before ffmpeg starts', { skip: needsMirror(CLIP) }, async () => {
  const out = join(dir, 'clip.mp4');
  const bad = await runCli(['video', mirrorPath(CLIP), '-o', out, '-m', multi, '--style', 'wave', '--size', '64x48', '--no-progress'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^stylecast: unknown style 'wave'; tiny-multi's styles are candy, mosaic\n$/);
  assert.equal(existsSync(out), false);
  const ok = await runCli(['video', mirrorPath(CLIP), '-o', out, '-m', multi, '--style', 'candy=0.3,mosaic=0.7', '--size', '64x48', '--no-progress'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(out));
});

test('video --style on raw stdin frames, with and without --target-fps: the pipeline feeds the style to the worker sessions', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { Stylizer } = await import('../../src/runtime/stylizer.js');
  const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
  const model = tinyMultiModel(['candy', 'mosaic']);
  const [w, h, n] = [32, 16, 6];
  const raw = Buffer.from(Uint8Array.from({ length: n * w * h * 3 }, (_, i) => (i * 41 + (i >> 7)) % 256));
  const frames = Array.from({ length: n }, (_, k) => ({ width: w, height: h, channels: 3 as const, data: new Uint8Array(raw.subarray(k * w * h * 3, (k + 1) * w * h * 3)) }));
  const ref = await Stylizer.create(model, { shared: false });
  try {
    const want = async (style: string | Record<string, number>) => Buffer.concat(await Promise.all(frames.map(async (f) => (await ref.stylize(f, { style })).data as Uint8Array)));
    const mosaic = await want('mosaic');
    assert.notDeepEqual(mosaic, await want('candy'));
    // Under a target frame rate the first frames run at full scale (the controller judges windows of frames first).
    for (const [style, extra, expected] of [['mosaic', [], mosaic], ['mosaic', ['--target-fps', '100000'], mosaic], ['candy=1,mosaic=1', ['--target-fps', '100000'], await want({ candy: 1, mosaic: 1 })]] as const) {
      const args = ['video', '-', '--raw', '--size', `${w}x${h}`, '-o', '-', '-f', 'rawvideo', '-m', multi, '--style', style, '--policy', 'block', '--threads', '1', '--no-progress', ...extra];
      const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { input: raw, maxBuffer: 1 << 24, env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.ok(r.stdout.equals(expected), `${style} ${extra.join(' ')}: the stream equals the Node Stylizer's frames`);
    }
  } finally {
    await ref.release();
  }
});

test("models --json lists a multi-style model's styles", async () => {
  mkdirSync(join(cache, 'local'), { recursive: true });
  writeFileSync(join(cache, 'local', 'mine.onnx'), tinyMultiModel(['candy', 'wave']).onnx);
  const r = await runCli(['models', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; styles?: unknown }[];
  assert.deepEqual(rows.find((x) => x.name === 'mine')!.styles, [{ name: 'candy', teacher: 'candy' }, { name: 'wave', teacher: 'wave' }]);
  assert.equal(rows.find((x) => x.name === 'candy_rt')!.styles, undefined);
  const table = await runCli(['models'], env);
  assert.match(table.stdout, /^mine .*\(styles: candy, wave\)$/m);
});
