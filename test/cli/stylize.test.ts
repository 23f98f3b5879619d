import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { test } from 'node:test';
import sharp from 'sharp';
import { writeModelFile } from '../../src/models/modelfile.js';
import { contextFor } from '../../src/cli/options.js';
import { TEACHER_CONTEXT } from '../../src/io/registry.js';
import { runCli } from '../helpers/cli.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const model = join(dir, 'tiny.onnx');
const cache = join(dir, 'cache');

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid PNG header claiming width x height, with almost no pixel data behind it. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

const photo = join(dir, 'photo.jpg');

test('setup', async () => {
  await writeModelFile(model, tinyModel());
  const noise = Buffer.alloc(40 * 30 * 3).map((_, i) => (i * 37) % 251);
  await sharp(noise, { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(photo);
  mkdirSync(join(dir, 'out'));
});

test('stylizes a JPEG to PNG at the input size', async () => {
  const out = join(dir, 'out', 'styled.png');
  const r = await runCli(['stylize', photo, '-m', model, '-o', out], { STYLECAST_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height, meta.format], [40, 30, 'png']);
});

test('many inputs into a directory, with --max-side', async () => {
  const rgba = join(dir, 'rgba.png');
  await sharp({ create: { width: 50, height: 20, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toFile(rgba);
  const r = await runCli(['stylize', photo, rgba, '-m', model, '-o', join(dir, 'many'), '--max-side', '25']);
  assert.equal(r.code, 0, r.stderr);
  // A folder output names each file <name>-<model>.<ext> (issue 20: models sharing a folder overwrote each other).
  const a = await sharp(join(dir, 'many', 'photo-tiny.jpg')).metadata();
  const b = await sharp(join(dir, 'many', 'rgba-tiny.png')).metadata();
  assert.deepEqual([a.width, a.height], [25, 19]);
  assert.deepEqual([b.width, b.height, b.channels], [25, 10, 4]);
});

interface Case {
  readonly name: string;
  readonly args: () => string[];
  readonly error: RegExp;
  readonly env?: () => Record<string, string>;
  readonly skip?: string | false;
}

const out = () => join(dir, 'out', 'result.png');
const cases: Case[] = [
  { name: 'missing file', args: () => ['stylize', join(dir, 'nope.jpg'), '-m', model, '-o', out()], error: /nope\.jpg: no such file/ },
  {
    name: 'truncated JPEG',
    args: () => {
      const p = join(dir, 'truncated.jpg');
      const b = readFileSync(photo);
      writeFileSync(p, b.subarray(0, b.length >> 1));
      return ['stylize', p, '-m', model, '-o', out()];
    },
    error: /truncated\.jpg: corrupt or truncated image/,
  },
  {
    name: 'text file named .png',
    args: () => {
      writeFileSync(join(dir, 'notes.png'), 'these are my notes\n');
      return ['stylize', join(dir, 'notes.png'), '-m', model, '-o', out()];
    },
    error: /notes\.png: not a supported image/,
  },
  {
    name: 'zero-size image',
    args: () => {
      writeFileSync(join(dir, 'empty.jpg'), '');
      return ['stylize', join(dir, 'empty.jpg'), '-m', model, '-o', out()];
    },
    error: /empty\.jpg: empty file/,
  },
  {
    name: 'header claiming 30000x30000',
    args: () => {
      writeFileSync(join(dir, 'bomb.png'), bombPng(30000, 30000));
      return ['stylize', join(dir, 'bomb.png'), '-m', model, '-o', out()];
    },
    error: /bomb\.png: 30000x30000 is over the \d+-megapixel limit/,
  },
  { name: 'unknown model name', args: () => ['stylize', photo, '-m', 'no_such_style', '-o', out()], error: /unknown model 'no_such_style'/ },
  {
    name: 'corrupt ONNX',
    args: () => {
      const p = join(dir, 'corrupt.onnx');
      writeFileSync(p, readFileSync(model).subarray(0, 2000));
      return ['stylize', photo, '-m', p, '-o', out()];
    },
    error: /corrupt\.onnx: not a valid ONNX model/,
  },
  {
    name: 'checksum mismatch',
    skip: needsMirror('teachers/pytorch-examples/candy'),
    args: () => ['stylize', photo, '-m', 'candy', '-o', out()],
    env: () => {
      const mirror = join(dir, 'bad-mirror');
      const d = join(mirror, 'teachers/pytorch-examples/candy');
      cpSync(mirrorPath('teachers/pytorch-examples/candy'), d, { recursive: true });
      const f = join(d, 'in2.weight.bin');
      const b = readFileSync(f);
      b[0] ^= 0xff;
      writeFileSync(f, b);
      return { STYLECAST_MIRROR: mirror, STYLECAST_CACHE: join(dir, 'fresh-cache') };
    },
    error: /model candy: checksum mismatch for .*in2\.weight\.bin .*the file was not used/,
  },
  {
    name: 'output dir not writable',
    args: () => {
      // root ignores permission bits, so use a read-only filesystem there
      const target = process.getuid?.() === 0 ? '/sys/kernel/' : join(dir, 'readonly/');
      if (process.getuid?.() !== 0) {
        mkdirSync(target, { mode: 0o555 });
      }
      return ['stylize', photo, '-m', model, '-o', target];
    },
    error: /cannot (write|create output directory) .*\((EACCES|EROFS|EPERM)\)/,
  },
];

for (const c of cases) {
  test(`bad input: ${c.name} -> one-line error, exit 1, no output`, { skip: c.skip ?? false }, async () => {
    const before = readdirSync(join(dir, 'out')).sort();
    const r = await runCli(c.args(), c.env?.() ?? { STYLECAST_CACHE: cache });
    assert.equal(r.code, 1, `exit code ${r.code}; stderr: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
    assert.match(lines[0]!, c.error);
    assert.ok(!existsSync(out()), 'no output file');
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), before, 'no partial or temp files');
  });
}

test('--context: the border sees mirrored pixels (it changes there), the size stays; the built-in teachers get 32 unless told', async () => {
  const read = async (args: string[]) => {
    const o = join(dir, 'out', `ctx-${args.join('')}.png`);
    const r = await runCli(['stylize', photo, '-m', model, '-o', o, '--threads', '1', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const { data, info } = await sharp(o).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [40, 30]);
    return data;
  };
  const [plain, zero, wide] = [await read([]), await read(['--context', '0']), await read(['--context', '12'])];
  assert.ok(plain.equals(zero), 'a file model gets no context by default');
  assert.ok(!plain.subarray(0, 40 * 3).equals(wide.subarray(0, 40 * 3)), 'the top row changes with context');
  assert.equal(contextFor('la_muse', undefined), TEACHER_CONTEXT);
  assert.equal(contextFor('candy', 0), 0);
  assert.equal(contextFor('candy_rt', undefined), 0);
  assert.equal(contextFor('./la_muse.onnx', undefined), 0);
});

test('--context refuses negatives, fractions, words and more than 256 in one line (beside the usage hint), writing nothing', async () => {
  for (const bad of ['-4', '2.5', 'wide', '1000', '']) {
    const r = await runCli(['stylize', photo, '-m', model, '-o', out(), `--context=${bad}`]);
    assert.equal(r.code, 1, bad);
    assert.match(r.stderr, new RegExp(`--context <px>' argument '${bad.replace('.', '\\.')}' is invalid\\. context must be a whole number of pixels from 0 to 256, got '${bad.replace('.', '\\.')}'`));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('--help for usage')).length, 1, r.stderr);
    assert.ok(!existsSync(out()));
  }
});

test('a folder keeps one file per input and model: three models, three results', async () => {
  const folder = join(dir, 'three');
  for (const name of ['one', 'two', 'three']) {
    cpSync(model, join(dir, `${name}.onnx`));
    const r = await runCli(['stylize', photo, '-m', join(dir, `${name}.onnx`), '-o', `${folder}/`, '--threads', '1']);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(readdirSync(folder).sort(), ['photo-one.jpg', 'photo-three.jpg', 'photo-two.jpg']);
});

test('an output that exists is refused, untouched, unless --overwrite', async () => {
  const out = join(dir, 'kept.png');
  writeFileSync(out, 'precious');
  const r = await runCli(['stylize', photo, '-m', model, '-o', out, '--threads', '1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: ${out} exists; pass --overwrite to replace it\n`);
  assert.equal(readFileSync(out, 'utf8'), 'precious');
  const o = await runCli(['stylize', photo, '-m', model, '-o', out, '--threads', '1', '--overwrite']);
  assert.equal(o.code, 0, o.stderr);
  assert.equal((await sharp(out).metadata()).format, 'png');
});

test('the input is never the output, even with --overwrite, by any spelling (relative, symlink)', async () => {
  const original = readFileSync(photo);
  const link = join(dir, 'link.jpg');
  symlinkSync(photo, link);
  const spellings: [string[], string, string][] = [
    [[photo, '-o', photo], photo, photo],
    [[photo, '-o', join(dir, 'out', '..', 'photo.jpg')], join(dir, 'out', '..', 'photo.jpg'), photo],
    [[link, '-o', photo], photo, link],
  ];
  for (const [args, out, input] of spellings) {
    const r = await runCli(['stylize', ...args, '-m', model, '--threads', '1', '--overwrite']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `stylecast: ${out} is the input ${input}: write the output elsewhere\n`);
  }
  assert.deepEqual(readFileSync(photo), original);
});

test('two inputs with one name into one folder are refused before any work', async () => {
  const sub = join(dir, 'sub');
  mkdirSync(sub, { recursive: true });
  cpSync(photo, join(sub, 'photo.jpg'));
  const folder = join(dir, 'twins');
  const r = await runCli(['stylize', photo, join(sub, 'photo.jpg'), '-m', model, '-o', folder, '--threads', '1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: ${join(folder, 'photo-tiny.jpg')} would be written twice: give each input its own output\n`);
  assert.ok(!existsSync(folder));
});
