import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantile, summarize } from '../../src/perf/stats.js';

test('summarize gives mean, median, p95 (linear interpolation), min, max, std', () => {
  const s = summarize([3, 1, 2]);
  assert.deepEqual({ ...s, p95: Number(s.p95.toFixed(10)) }, { n: 3, mean: 2, median: 2, p95: 2.9, min: 1, max: 3, std: 1 });
  const h = summarize(Array.from({ length: 100 }, (_, i) => 100 - i)); // 1..100, unsorted
  assert.equal(h.median, 50.5);
  assert.equal(Number(h.p95.toFixed(10)), 95.05);
  assert.equal(h.min, 1);
  assert.equal(h.max, 100);
  assert.equal(summarize([7]).std, 0);
  assert.equal(quantile([10, 20], 0.25), 12.5);
});

test('summarize rejects empty and non-finite samples', () => {
  assert.throws(() => summarize([]), /no samples/);
  assert.throws(() => summarize([1, NaN]), /finite/);
});
