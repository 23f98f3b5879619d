import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL, REGISTRY, TEACHER_CONTEXT } from '../../src/io/registry.js';
import { decodeModel, encodeModel } from '../../src/models/modelfile.js';
import { isStale } from '../../src/serve/build.js';
import { startServer, type AppServer } from '../../src/serve/server.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('stylecast-serve-');
const dist = join(dir, 'dist');
const modelsDir = join(dir, 'models');
const model = tinyModel();
let app: AppServer;

before(async () => {
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, 'assets', 'main-abc.js'), 'export {}');
  mkdirSync(modelsDir);
  writeFileSync(join(modelsDir, 'tiny.onnx'), encodeModel(model));
  writeFileSync(join(modelsDir, 'broken.onnx'), 'not a model');
  writeFileSync(join(modelsDir, 'notes.txt'), 'ignored');
  // No mirror and an empty cache: only the directory's files are on offer.
  app = await startServer({ port: 0, distDir: dist, modelsDir, store: { cacheDir: join(dir, 'cache') } });
});
after(() => app?.close());

const get = (path: string, init?: RequestInit) => fetch(new URL(path, app.url), init);

test('every response is cross-origin isolated', async () => {
  for (const path of ['/', '/api/models', '/missing']) {
    const res = await get(path);
    await res.arrayBuffer();
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', path);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
  }
});

test('serves the built app and 404s what is not there', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type')!, /^text\/html/);
  assert.match(await index.text(), /<title>app<\/title>/);
  const js = await get('/assets/main-abc.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type')!, /^text\/javascript/);
  assert.equal(await js.text(), 'export {}');
  const missing = await get('/nope.js');
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /^not found: \/nope\.js\n$/);
});

test('refuses paths that climb out of the app and methods other than GET', async () => {
  const up = await get('/..%2F..%2Fetc%2Fpasswd');
  assert.equal(up.status, 403);
  assert.equal(await up.text(), 'path outside the app\n');
  const post = await get('/', { method: 'POST' });
  assert.equal(post.status, 405);
  await post.arrayBuffer();
});

test('lists the models directory, then the bundled models', async () => {
  const res = await get('/api/models');
  assert.equal(res.status, 200);
  const { models } = (await res.json()) as { models: { id: string; kind: string; speed?: string }[] };
  // No mirror or cache here, so of the registered models only those shipped in the package appear:
  // the default student first (the app starts with it), then the other real-time students.
  const bundled = REGISTRY.filter((e) => e.bundled).map((e) => e.name);
  assert.ok(bundled.length >= 6);
  assert.deepEqual(
    models.map((m) => [m.id, m.kind]),
    [['broken', 'file'], ['tiny', 'file'], [DEFAULT_MODEL, 'builtin'], ...bundled.filter((n) => n !== DEFAULT_MODEL).map((n) => [n, 'builtin'])],
  );
  assert.ok(models.filter((m) => m.kind === 'builtin').every((m) => m.speed === 'real-time'));
});

test('serves the model file itself, metadata included', async () => {
  const res = await get('/api/models/tiny.onnx');
  assert.equal(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.ok(Buffer.from(bytes).equals(Buffer.from(model.onnx)));
  // What the browser entry decodes: the same model, stride and padding included.
  const back = decodeModel(bytes, 'served');
  assert.equal(back.stride, model.stride);
  assert.equal(back.minSide, model.minSide);
});

test('model errors are one line naming the problem', async () => {
  const broken = await get('/api/models/broken.onnx');
  assert.equal(broken.status, 422);
  const text = await broken.text();
  assert.match(text, /broken\.onnx/);
  assert.equal(text.trim().split('\n').length, 1);
  const unknown = await get('/api/models/nope.onnx');
  assert.equal(unknown.status, 404);
  assert.equal(await unknown.text(), "unknown style model 'nope'\n");
});

test('a busy port is reported in one line', async () => {
  const port = Number(new URL(app.url).port);
  await assert.rejects(startServer({ port, distDir: dist }), /^Error: port \d+ on 127\.0\.0\.1 is in use; pick another with --port$/);
});

test('registered teachers from the mirror are listed', { skip: needsMirror('teachers/pytorch-examples/candy') }, async () => {
  const s = await startServer({ port: 0, distDir: dist, store: { mirror: mirrorPath('.'), cacheDir: join(dir, 'cache') } });
  try {
    const { models } = (await (await fetch(new URL('/api/models', s.url))).json()) as { models: { id: string; kind: string; context?: number }[] };
    assert.ok(models.some((m) => m.id === 'candy' && m.kind === 'builtin'));
    assert.ok(models.some((m) => m.id === 'udnie_tf' && m.kind === 'builtin'));
    // Teachers come with the context that keeps their border frames out; the app runs them with it.
    assert.ok(models.filter((m) => m.id === 'candy' || m.id === 'la_muse').every((m) => m.context === TEACHER_CONTEXT));
    assert.ok(models.filter((m) => m.id.endsWith('_rt')).every((m) => m.context === undefined));
  } finally {
    await s.close();
  }
});

test('the app counts as stale until built after its newest source', async () => {
  const root = join(dir, 'web');
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '');
  writeFileSync(join(root, 'src', 'main.ts'), '');
  assert.equal(await isStale(root), true);
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'dist', 'index.html'), '');
  const future = new Date(Date.now() + 3600_000);
  utimesSync(join(root, 'dist', 'index.html'), future, future);
  assert.equal(await isStale(root), false);
  utimesSync(join(root, 'src', 'main.ts'), new Date(Date.now() + 7200_000), new Date(Date.now() + 7200_000));
  assert.equal(await isStale(root), true);
});

test('stylecast serve prints its URL and serves the model list', async () => {
  const entry = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--port', '0', '--no-build', '--models', modelsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const { models } = (await (await fetch(new URL('/api/models', url))).json()) as { models: { id: string }[] };
    assert.ok(models.some((m) => m.id === 'tiny'));
  } finally {
    child.kill('SIGTERM');
  }
});

test('stylecast serve names a missing models directory', async () => {
  const { runCli } = await import('../helpers/cli.js');
  const r = await runCli(['serve', '--port', '0', '--no-build', '--models', join(dir, 'nowhere')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: models directory ${join(dir, 'nowhere')} does not exist\n`);
});
