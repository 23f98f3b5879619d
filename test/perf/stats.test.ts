import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianInterval, quantile, summarize } from '../../src/perf/stats.js';

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

test('medianInterval gives the order-statistic interval of the median and its coverage', () => {
  // n = 30: ranks 10 and 21 (the textbook table), coverage 1 - 2 P(Bin(30, 1/2) <= 9).
  const m = medianInterval(Array.from({ length: 30 }, (_, i) => 30 - i));
  assert.deepEqual([m.median, m.low, m.high], [15.5, 10, 21]);
  assert.ok(Math.abs(m.coverage - 0.9572) < 1e-4);
  // Too few samples for 95%: [min, max], saying what it covers.
  assert.deepEqual(medianInterval([3, 1, 2]), { median: 2, low: 1, high: 3, coverage: 0.75 });
  // Large n does not underflow: about median +- 1.96 sqrt(n) / 2.
  const big = medianInterval(Array.from({ length: 5000 }, (_, i) => i + 1));
  assert.deepEqual([big.low, big.high], [2431, 2570]);
  assert.ok(big.coverage >= 0.95);
  assert.throws(() => medianInterval([1, 2], 1), /confidence/);
  assert.throws(() => medianInterval([]), /no samples/);
});
