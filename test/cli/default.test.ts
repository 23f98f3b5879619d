import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import sharp from 'sharp';
import { DEFAULT_MODEL, findEntry } from '../../src/io/registry.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const PHOTO = fileURLToPath(new URL('../../examples/webcam.jpg', import.meta.url));

test('the default model is a built-in real-time student', () => {
  const e = findEntry(DEFAULT_MODEL);
  assert.equal(e.kind, 'student');
  assert.equal(e.bundled, true);
  assert.equal(e.speed, 'real-time');
});

test('the README main command works on a fresh machine: no mirror, empty cache, the example photo', async () => {
  const dir = tempDir('stylecast-default-');
  const out = join(dir, 'webcam-styled.jpg');
  const r = await runCli(['stylize', PHOTO, '-o', out], { STYLECAST_MIRROR: undefined, STYLECAST_CACHE: join(dir, 'cache') });
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = await Promise.all([PHOTO, out].map((p) => sharp(p).raw().toBuffer({ resolveWithObject: true })));
  assert.deepEqual([b!.info.width, b!.info.height], [640, 480]);
  // Stylized, not copied: the mean absolute change is far above JPEG noise.
  let diff = 0;
  for (let i = 0; i < a!.data.length; i++) diff += Math.abs(a!.data[i]! - b!.data[i]!);
  assert.ok(diff / a!.data.length > 10, `mean change ${diff / a!.data.length}`);
});
