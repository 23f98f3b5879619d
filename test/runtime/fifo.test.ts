import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Fifo } from '../../src/runtime/fifo.js';

test('block: a full queue holds the producer until the consumer takes an item; order is kept', async () => {
  const q = new Fifo<number>(2, 'block');
  await q.push(1);
  await q.push(2);
  let third = false;
  const p = q.push(3).then(() => (third = true));
  await sleep(5);
  assert.equal(third, false);
  assert.equal(await q.pop(), 1);
  await p;
  assert.equal(third, true);
  q.close();
  const rest: number[] = [];
  for await (const x of q) rest.push(x);
  assert.deepEqual(rest, [2, 3]);
  assert.deepEqual({ ...q.stats }, { capacity: 2, policy: 'block', pushed: 3, popped: 3, dropped: 0, maxLength: 2 });
});

test('drop-oldest: under a slow consumer the queue never exceeds its bound and counts what it dropped', async () => {
  const cap = 4;
  const dropped: number[] = [];
  const q = new Fifo<number>(cap, 'drop-oldest', (x) => dropped.push(x));
  let maxSeen = 0;
  const producer = (async () => {
    for (let i = 0; i < 300; i++) {
      await q.push(i); // never waits with drop-oldest
      maxSeen = Math.max(maxSeen, q.length);
      if (i % 10 === 0) await sleep(0);
    }
    q.close();
  })();
  const got: number[] = [];
  for await (const x of q) {
    got.push(x);
    await sleep(2); // slow consumer
  }
  await producer;
  const s = q.stats;
  assert.ok(maxSeen <= cap && s.maxLength <= cap, `queue reached ${Math.max(maxSeen, s.maxLength)} > ${cap}`);
  assert.ok(s.dropped > 0, 'a slow consumer must cause drops');
  assert.equal(s.dropped, dropped.length);
  assert.equal(s.pushed, 300);
  assert.equal(s.popped + s.dropped, s.pushed);
  assert.equal(got.length, s.popped);
  // What survives is in order and includes the newest item.
  assert.deepEqual([...got].sort((a, b) => a - b), got);
  assert.equal(got.at(-1), 299);
  assert.deepEqual([...got, ...dropped].sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i));
});

test('popAvailable takes only what is queued', async () => {
  const q = new Fifo<string>(3);
  await q.push('a');
  await q.push('b');
  assert.deepEqual(q.popAvailable(5), ['a', 'b']);
  assert.deepEqual(q.popAvailable(5), []);
});

test('fail rejects a waiting consumer and a blocked producer', async () => {
  const q = new Fifo<number>(1, 'block');
  const waiting = q.pop();
  q.fail(new Error('boom'));
  await assert.rejects(waiting, /boom/);
  const q2 = new Fifo<number>(1, 'block');
  await q2.push(1);
  const blocked = q2.push(2);
  q2.fail(new Error('stop'));
  await assert.rejects(blocked, /stop/);
  await assert.rejects(q2.push(3), /stop/);
});

// The live loop's use (src/web/live.ts): push never waits, the consumer takes what is queued now.
test('drop-oldest keeps the newest items and counts what it drops', async () => {
  const evicted: number[] = [];
  const q = new Fifo<number>(2, 'drop-oldest', (x) => evicted.push(x));
  await q.push(1);
  await q.push(2);
  assert.deepEqual(evicted, []);
  await q.push(3);
  assert.deepEqual(evicted, [1]);
  await q.push(4);
  assert.deepEqual(evicted, [1, 2]);
  assert.equal(q.stats.dropped, 2);
  assert.equal(q.length, 2);
  assert.deepEqual(q.popAvailable(1), [3]);
  assert.deepEqual(q.popAvailable(1), [4]);
  assert.deepEqual(q.popAvailable(1), []);
  assert.equal(q.stats.dropped, 2);
});

test('drop-oldest queue of one always holds the latest frame', async () => {
  const q = new Fifo<string>(1, 'drop-oldest');
  for (const s of ['a', 'b', 'c']) await q.push(s);
  assert.equal(q.length, 1);
  assert.deepEqual(q.popAvailable(1), ['c']);
  assert.equal(q.stats.dropped, 2);
});

test('clear discards queued items as dropped and leaves the queue open', async () => {
  const evicted: number[] = [];
  const q = new Fifo<number>(3, 'drop-oldest', (x) => evicted.push(x));
  await q.push(1);
  await q.push(2);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.stats.dropped, 2);
  assert.deepEqual(evicted, [1, 2]);
  await q.push(5);
  assert.deepEqual(q.popAvailable(1), [5]);
});

test('rejects a capacity that is not a positive integer', () => {
  for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new Fifo(c), /queue capacity must be a positive integer/);
});
