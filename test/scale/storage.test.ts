/**
 * Confinement to the storage folders and a password on Redis: whoever can write to the queue chooses
 * the paths a worker reads and writes, so every path must lead into `--storage`, symlinks and '..'
 * resolved as the file system would. The queue tests run a real redis-server with `requirepass`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Job, Queue } from 'bullmq';
import sharp from 'sharp';
import { redisOptions } from '../../src/scale/connection.js';
import { Storage } from '../../src/scale/storage.js';
import { runCli } from '../helpers/cli.js';
import { startCli } from '../helpers/procs.js';
import { freePort, needsRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip } from '../video/clips.js';

const base = realpathSync(tempDir('stylecast-storage-'));
const store = join(base, 'store');
const outside = join(base, 'outside');
mkdirSync(join(store, 'sub'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(outside, 'secret.png'), 'not yours');
writeFileSync(join(outside, 'model.onnx'), 'not a model');
// A link out to a file, to a folder, a dangling link out (an output about to be created outside),
// a link to a folder inside, and inside the outside folder a link back in.
symlinkSync(join(outside, 'secret.png'), join(store, 'link-out.png'));
symlinkSync(outside, join(store, 'dir-out'));
symlinkSync(join(outside, 'new.mp4'), join(store, 'dangling.mp4'));
symlinkSync('../dir-out/../outside/rel.mp4', join(store, 'sub', 'rel-dangling.mp4'));
symlinkSync(join(store, 'sub'), join(store, 'dir-in'));
symlinkSync(join(store, 'back.mp4'), join(outside, 'back.mp4'));
const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

const skip = needsRedis();
/** Characters a URL must escape, so the test also covers decoding it. */
const PASSWORD = 'pa ss:w@rd';
let redis: TestRedis | undefined;
before(async () => {
  if (!skip) redis = await startRedis(base, { password: PASSWORD });
});
after(() => redis?.stop());

test('paths inside the storage pass, also through links that stay inside', async () => {
  const s = await Storage.open([store]);
  assert.equal(await s.check(join(store, 'sub', 'missing', 'new.png'), 'output'), join(store, 'sub', 'missing', 'new.png'));
  assert.equal(await s.check(join(store, 'dir-in', 'x.png'), 'input'), join(store, 'sub', 'x.png'));
  assert.equal(await s.check(`${store}/dir-in/../sub/x.png`, 'input'), join(store, 'sub', 'x.png'));
  assert.equal(await s.checkOutput(join(store, 'out.mp4')), join(store, 'out.mp4'));
  assert.equal(await s.checkWork(join(store, '.out.mp4.abc.parts')), join(store, '.out.mp4.abc.parts'));
});

test("symlink and '..' escapes are refused with where they lead", async () => {
  const s = await Storage.open([store]);
  const refuses = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: Error) => (assert.match(e.message, re), assert.doesNotMatch(e.message, /\n/), true));
  await refuses(s.check(join(store, 'link-out.png'), 'input'), new RegExp(`^input ${store}/link-out\\.png is outside the storage \\(${store}\\): it leads to ${outside}/secret\\.png$`));
  await refuses(s.check(`${store}/../outside/secret.png`, 'input'), /^input .*\/store\/\.\.\/outside\/secret\.png is outside the storage .*: it leads to .*\/outside\/secret\.png$/);
  // '..' after a link goes up from where the link leads, not lexically (which would stay inside).
  await refuses(s.check(`${store}/dir-out/../outside/secret.png`, 'input'), /it leads to .*\/outside\/secret\.png$/);
  await refuses(s.checkOutput(join(store, 'dangling.mp4')), /^output .*dangling\.mp4 is outside the storage .*: it leads to .*\/outside\/new\.mp4$/);
  // A relative link target: '..' after 'dir-out' climbs from the outside folder, not from the link.
  await refuses(s.checkOutput(join(store, 'sub', 'rel-dangling.mp4')), new RegExp(`it leads to ${base}/outside/rel\\.mp4$`));
  await refuses(s.checkOutput(join(store, 'dir-out', 'new.mp4')), /^output .*\/dir-out\/new\.mp4 is outside the storage/);
  // The entry leads back in, but the temp file and the rename would happen in the folder outside.
  await refuses(s.checkOutput(join(store, 'dir-out', 'back.mp4')), /^output folder .*\/dir-out is outside the storage/);
  await refuses(s.check('store/in.png', 'input'), /^input store\/in\.png is not an absolute path$/);
  await refuses(s.check(7, 'input'), /^input is not a path$/);
  await refuses(s.checkWork(store), /^work directory .* is not a '\.<output>\.<id>\.parts' folder$/);
  await refuses(s.checkWork(join(store, 'sub')), /is not a '\.<output>\.<id>\.parts' folder$/);
  await refuses(Storage.open([join(base, 'nowhere')]), /^cannot use storage .*nowhere \(ENOENT\)$/);
});

test('worker and submit refuse to start without --storage; submit refuses a linked input before Redis or any write', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const clip = makeClip(outside, 'clip.mp4', { width: 32, height: 24, seconds: 1 });
  symlinkSync(clip, join(store, 'clip-link.mp4'));
  const before = [listing(store), listing(outside)];
  const [worker, noStorage, linkIn] = await Promise.all([
    runCli(['worker', '--redis', url]),
    runCli(['submit', join(store, 'clip-link.mp4'), '-o', join(store, 'out.mp4'), '--redis', url]),
    runCli(['submit', join(store, 'clip-link.mp4'), '-o', join(store, 'out.mp4'), '--redis', url, '--storage', store]),
  ]);
  assert.deepEqual([worker.code, worker.stderr], [1, 'stylecast: worker needs --storage <dir>: the folders its jobs may read and write (repeatable)\n']);
  assert.equal(noStorage.code, 1);
  assert.match(noStorage.stderr, /^stylecast: submit needs --storage <dir>: .*\n$/);
  assert.equal(linkIn.code, 1);
  assert.equal(linkIn.stderr, `stylecast: input ${store}/clip-link.mp4 is outside the storage (${store}): it leads to ${clip}\n`);
  assert.deepEqual([listing(store), listing(outside)], before, 'nothing written');
});

test("submit: an output escaping by '..' or a symlinked folder is one error, nothing written", async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const clip = makeClip(store, 'own.mp4', { width: 32, height: 24, seconds: 1 });
  const before = [listing(store), listing(outside)];
  const [dotdot, linked] = await Promise.all([
    runCli(['submit', clip, '-o', `${store}/../outside/out.mp4`, '--redis', url, '--storage', store]),
    runCli(['submit', clip, '-o', join(store, 'dir-out', 'out.mp4'), '--redis', url, '--storage', store]),
  ]);
  assert.deepEqual([dotdot.code, dotdot.stderr], [1, `stylecast: output ${outside}/out.mp4 is outside the storage (${store})\n`]);
  assert.deepEqual([linked.code, linked.stderr], [1, `stylecast: output ${store}/dir-out/out.mp4 is outside the storage (${store}): it leads to ${outside}/out.mp4\n`]);
  assert.deepEqual([listing(store), listing(outside)], before, 'nothing written');
});

test('forged jobs (added with BullMQ, bypassing submit) naming paths outside fail once with the reason and write nothing', { skip }, async (t) => {
  await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toFile(join(store, 'in.png'));
  mkdirSync(join(outside, '.victim.parts'));
  writeFileSync(join(outside, '.victim.parts', 'keep.txt'), 'must survive');
  const before = [listing(store), listing(outside)];
  const w = startCli(['worker', '--redis', redis!.url, '--storage', store, '--queue', 'forged', '--threads', '1']);
  await w.waitFor(/worker ready: queue 'forged' at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+, storage /);
  const queue = new Queue('forged', { connection: redisOptions(redis!.url) });
  t.after(() => queue.close());
  const settings = { model: 'candy_rt', index: 0, count: 1 };
  const forged = {
    'photos-dotdot': ['photos', { ...settings, inputs: [join(store, 'in.png')], outputs: [`${store}/../outside/stolen.png`] }],
    'photos-model': ['photos', { ...settings, model: join(outside, 'model.onnx'), inputs: [join(store, 'in.png')], outputs: [join(store, 'ok.png')] }],
    'segment-link': ['segment', { ...settings, input: join(store, 'link-out.png'), output: join(store, 'seg.mp4'), work: join(outside, '.victim.parts') }],
    'assemble-link': ['assemble', { model: 'candy_rt', input: join(store, 'own.mp4'), output: join(store, 'dangling.mp4'), work: join(store, '.dangling.mp4.x.parts'), parts: [] }],
  } as const;
  const reasons = {
    'photos-dotdot': /^refused: output .*\/store\/\.\.\/outside\/stolen\.png is outside the storage .*: it leads to .*\/outside\/stolen\.png$/,
    'photos-model': /^refused: model .*\/outside\/model\.onnx is outside the storage/,
    'segment-link': /^refused: input .*\/store\/link-out\.png is outside the storage .*: it leads to .*\/outside\/secret\.png$/,
    'assemble-link': /^refused: output .*\/store\/dangling\.mp4 is outside the storage .*: it leads to .*\/outside\/new\.mp4$/,
  };
  for (const [id, [name, data]] of Object.entries(forged)) await queue.add(name, data, { jobId: id, attempts: 3 });
  for (const id of Object.keys(forged)) await w.waitFor(new RegExp(`failed ${id} .*: refused: `));
  for (const [id, reason] of Object.entries(reasons)) {
    const job = (await Job.fromId(queue, id))!;
    assert.equal(await job.getState(), 'failed', id);
    assert.match(job.failedReason, reason);
    assert.equal(job.attemptsMade, 1, `${id}: not retried`);
  }
  assert.doesNotMatch(w.output(), /will retry/);
  assert.deepEqual([listing(store), listing(outside)], before, 'nothing written or removed');
  assert.ok(existsSync(join(outside, '.victim.parts', 'keep.txt')));
  const jobs = await runCli(['jobs', '--redis', redis!.url, '--queue', 'forged']);
  assert.match(jobs.stdout, /assemble-link  failed .*\(assembling failed: refused: output .*dangling\.mp4 is outside the storage/);
  w.child.kill('SIGTERM');
  assert.equal(await w.exited, 0);
});

test('Redis with requirepass: worker (STYLECAST_REDIS), submit and jobs end to end; a wrong or missing password is one line', { skip }, async () => {
  const photos = join(store, 'photos');
  mkdirSync(photos);
  for (const n of ['a.png', 'b.png']) await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 30, g: 160, b: 90 } } }).png().toFile(join(photos, n));
  const w = startCli(['worker', '--storage', store, '--queue', 'auth', '--threads', '1'], { STYLECAST_REDIS: redis!.url });
  await w.waitFor(/worker ready/);
  const out = join(store, 'photos-out');
  const r = await runCli(['submit', photos, '-o', out, '--redis', redis!.url, '--storage', store, '--queue', 'auth', '--wait']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['a.png', 'b.png']);
  const jobs = await runCli(['jobs', '--queue', 'auth'], { STYLECAST_REDIS: redis!.url });
  assert.match(jobs.stdout, /completed\s+1\/1 photo jobs\s+.*\/photos -> .*\/photos-out/);
  assert.ok(!w.output().includes(PASSWORD) && !w.output().includes(encodeURIComponent(PASSWORD)), 'the password is not logged');

  const wrong = redis!.url.replace(/:[^:@/]+@/, ':wrong@');
  const missing = redis!.url.replace(/\/\/:[^@]+@/, '//');
  const shown = wrong.replace(':wrong@', ':***@');
  const results = await Promise.all([
    runCli(['jobs', '--redis', wrong]),
    runCli(['worker', '--redis', wrong, '--storage', store]),
    runCli(['submit', photos, '-o', join(store, 'never'), '--redis', wrong, '--storage', store]),
    runCli(['jobs', '--redis', missing]),
    runCli(['submit', photos, '-o', join(store, 'never'), '--redis', missing, '--storage', store]),
  ]);
  for (const r of results.slice(0, 3)) assert.deepEqual([r.code, r.stderr], [1, `stylecast: Redis at ${shown} refused the user name or password\n`]);
  for (const r of results.slice(3)) assert.deepEqual([r.code, r.stderr], [1, `stylecast: Redis at ${missing} requires a password (redis://:PASSWORD@host:port)\n`]);
  assert.ok(!existsSync(join(store, 'never')), 'submit wrote nothing');
  w.child.kill('SIGTERM');
  assert.equal(await w.exited, 0);
});
