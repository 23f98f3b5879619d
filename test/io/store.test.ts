import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findEntry, REGISTRY } from '../../src/io/registry.js';
import { resolveAsset } from '../../src/io/store.js';
import { loadModel } from '../../src/models/load.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

test('all 14 teachers are registered under distinct stable names', () => {
  const teachers = REGISTRY.filter((e) => e.kind === 'teacher');
  assert.equal(teachers.length, 14);
  assert.equal(new Set(teachers.map((e) => e.name)).size, 14);
  for (const e of REGISTRY) {
    assert.ok(Object.keys(e.files).length > 0, e.name);
    for (const h of Object.values(e.files)) assert.match(h, /^[0-9a-f]{64}$/);
    assert.ok(e.license && e.source, e.name);
  }
  assert.throws(() => findEntry('rain_princess'), /unknown model 'rain_princess'; did you mean rain_princess_tf or rain_princess_torch\?/);
});

/** A fetch that serves files from the offline mirror, optionally corrupting one. */
function mirrorFetch(corrupt?: string): typeof fetch {
  return (async (url: string | URL) => {
    const file = String(url).split('/').pop()!;
    const style = String(url).split('/').slice(-2)[0]!;
    const bytes = readFileSync(mirrorPath(`teachers/engstrom/${style}/${file}`));
    if (file === corrupt) bytes[0] ^= 1;
    return new Response(bytes);
  }) as typeof fetch;
}

test('downloads are verified file by file, cached, then served from the cache', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  const cacheDir = join(dir, 'cache');
  const e = findEntry('wave');
  let calls = 0;
  const counting: typeof fetch = (async (u: string | URL) => {
    calls++;
    return mirrorFetch()(u);
  }) as typeof fetch;
  const got = await resolveAsset(e, { cacheDir, fetch: counting });
  assert.equal(got, join(cacheDir, 'assets', e.path));
  assert.equal(calls, Object.keys(e.files).length);
  const again = await resolveAsset(e, { cacheDir, fetch: counting });
  assert.equal(again, got);
  assert.equal(calls, Object.keys(e.files).length, 'second resolve hits the cache');
});

test('a download with a wrong checksum is refused and nothing is cached', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  const cacheDir = join(dir, 'cache-bad');
  await assert.rejects(resolveAsset(findEntry('wave'), { cacheDir, fetch: mirrorFetch('Variable_7') }), /checksum mismatch for .*Variable_7.*the file was not used/);
  assert.ok(!existsSync(join(cacheDir, 'assets', 'teachers/engstrom/wave')));
  assert.deepEqual(readdirSync(join(cacheDir, 'assets', 'teachers/engstrom')), [], 'no temp dirs left');
});

test('an unreachable network names the URL and the mirror variable', async () => {
  const offline = (async () => {
    throw new Error('getaddrinfo ENOTFOUND raw.githubusercontent.com');
  }) as typeof fetch;
  await assert.rejects(resolveAsset(findEntry('scream'), { cacheDir: join(dir, 'c3'), fetch: offline }), /cannot download https:\/\/raw\.githubusercontent\.com\/.*scream\/.*ENOTFOUND.*STYLECAST_MIRROR/);
});

test('mirror-only assets need a mirror', async () => {
  await assert.rejects(resolveAsset(findEntry('candy'), { cacheDir: join(dir, 'c4') }), /model candy is not cached and has no download URL.*STYLECAST_MIRROR/);
});

test('loading a teacher by name caches its converted model file', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  const cacheDir = join(dir, 'c5');
  const store = { mirror: mirrorPath('.'), cacheDir };
  const a = await loadModel('wave', store);
  const files = readdirSync(join(cacheDir, 'models'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^wave-[0-9a-f]{16}\.onnx$/);
  const b = await loadModel('wave', { cacheDir }); // no mirror needed any more
  assert.equal(b.sha256, a.sha256);
  assert.equal(b.info.name, 'wave');
});
