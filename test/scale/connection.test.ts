import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkRedis, redactUrl, redisOptions } from '../../src/scale/connection.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { makeClip } from '../video/clips.js';

test('Redis URLs become connection options; malformed ones are one clear error', () => {
  assert.deepEqual(redisOptions('redis://u:p%40ss@queue.internal:6380/2'), { host: 'queue.internal', port: 6380, username: 'u', password: 'p@ss', db: 2, maxRetriesPerRequest: null });
  assert.deepEqual(redisOptions('rediss://h'), { host: 'h', port: 6379, tls: {}, maxRetriesPerRequest: null });
  assert.throws(() => redisOptions('localhost:6379'), /bad Redis URL 'localhost:6379': expected redis:\/\/host:port\[\/db\]/);
  assert.throws(() => redisOptions('redis://h/queue'), /the path must be a database number/);
  assert.equal(redactUrl('redis://:p%40ss@queue.internal:6380/2'), 'redis://:***@queue.internal:6380/2');
  assert.equal(redactUrl('redis://queue.internal'), 'redis://queue.internal');
});

test('an unreachable Redis is one error line, for the library and every command', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  await assert.rejects(checkRedis(url), new RegExp(`cannot reach Redis at ${url} \\(ECONNREFUSED\\)`));
  const dir = tempDir();
  const clip = makeClip(dir, 'clip.mp4', { width: 32, height: 24, seconds: 1 });
  const commands = [['submit', clip, '-o', join(dir, 'out.mp4'), '--storage', dir], ['jobs'], ['worker', '--storage', dir]];
  const results = await Promise.all(commands.map((args) => runCli([...args, '--redis', url])));
  for (const [k, r] of results.entries()) {
    assert.equal(r.code, 1, commands[k]![0]);
    assert.equal(r.stderr, `stylecast: cannot reach Redis at ${url} (ECONNREFUSED)\n`);
  }
  assert.deepEqual(readdirSync(dir), ['clip.mp4']);
});

test('submit refuses an unknown model and a non-video input before touching Redis or the output', async () => {
  const dir = tempDir();
  const clip = makeClip(dir, 'clip.mp4', { width: 32, height: 24, seconds: 1 });
  const url = `redis://127.0.0.1:${await freePort()}`;
  const [bad, raw] = await Promise.all([
    runCli(['submit', clip, '-o', join(dir, 'out.mp4'), '-m', 'no_such_style', '--redis', url, '--storage', dir]),
    runCli(['submit', clip, '-o', join(dir, 'out.rgb'), '--redis', url, '--storage', dir]),
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^stylecast: .*no_such_style.*\n$/);
  assert.equal(raw.code, 1);
  assert.match(raw.stderr, /^stylecast: .*out\.rgb: submit writes \.mp4, \.mkv, \.mov or \.webm videos\n$/);
  assert.deepEqual(readdirSync(dir), ['clip.mp4']);
});
