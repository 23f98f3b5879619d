import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropOldestQueue } from '../../src/web/queue.js';

test('queue keeps the newest items and counts what it drops', () => {
  const evicted: number[] = [];
  const q = new DropOldestQueue<number>(2, (x) => evicted.push(x));
  assert.equal(q.push(1), undefined);
  assert.equal(q.push(2), undefined);
  assert.equal(q.push(3), 1);
  assert.equal(q.push(4), 2);
  assert.deepEqual(evicted, [1, 2]);
  assert.equal(q.dropped, 2);
  assert.equal(q.length, 2);
  assert.equal(q.shift(), 3);
  assert.equal(q.shift(), 4);
  assert.equal(q.shift(), undefined);
  assert.equal(q.dropped, 2);
});

test('queue of one always holds the latest frame', () => {
  const q = new DropOldestQueue<string>(1);
  for (const s of ['a', 'b', 'c']) q.push(s);
  assert.equal(q.length, 1);
  assert.equal(q.shift(), 'c');
  assert.equal(q.dropped, 2);
});

test('clear discards queued items as dropped', () => {
  const evicted: number[] = [];
  const q = new DropOldestQueue<number>(3, (x) => evicted.push(x));
  q.push(1);
  q.push(2);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.dropped, 2);
  assert.deepEqual(evicted, [1, 2]);
  q.push(5);
  assert.equal(q.shift(), 5);
});

test('queue rejects a capacity that is not a positive integer', () => {
  for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new DropOldestQueue(c), /queue capacity must be a positive integer/);
});
