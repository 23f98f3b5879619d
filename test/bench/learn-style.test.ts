import assert from 'node:assert/strict';
import { test } from 'node:test';
import { movementOf, teacherSummary, verdict, type Movement } from '../../bench/learn-style.js';

const movement = (ratio: number, content: number): Movement => ({ style: ratio, photoStyle: 1, ratio, content });

test('the movement ratio is the ratio of the means, not the mean of per-photo ratios', () => {
  const m = movementOf([
    { style: 1, photoStyle: 2, content: 10 },
    { style: 3, photoStyle: 2, content: 30 },
  ]);
  assert.deepEqual(m, { style: 2, photoStyle: 2, ratio: 1, content: 20 });
  assert.throws(() => movementOf([]), /no photos/);
});

test('learned styles are judged against the teachers\' mean; the range is the looser reading', () => {
  // Ratios exact in binary, so 1.5x lands on the target itself.
  const t = teacherSummary([movement(0.25, 100), movement(0.5, 200), movement(0.75, 300)]);
  assert.deepEqual(t.ratio, { mean: 0.5, min: 0.25, max: 0.75 });
  assert.deepEqual(t.content, { mean: 200, min: 100, max: 300 });

  const near = verdict(movement(0.75, 300), 600, t);
  assert.deepEqual([near.ratioX, near.contentX], [1.5, 1.5]);
  assert.equal(near.movement, true, '1.5x the mean is within the target');
  assert.equal(near.met, true);

  const far = verdict(movement(1, 100), 600, t);
  assert.equal(far.movement, false);
  assert.equal(far.movementRange, true, '1 <= 1.5 x the weakest teacher (0.75)');
  assert.equal(verdict(movement(1.2, 100), 600, t).movementRange, false);
  assert.equal(far.met, false);

  // Moving further toward the painting than the teachers is no miss.
  assert.equal(verdict(movement(0.01, 100), 600, t).movement, true);
  assert.equal(verdict(movement(0.5, 301), 600, t).content, false);
});

test('wall time: over 15 minutes misses, and an unknown time does not decide the verdict', () => {
  const t = teacherSummary([movement(0.5, 100)]);
  assert.equal(verdict(movement(0.5, 100), 901, t).met, false);
  const unknown = verdict(movement(0.5, 100), null, t);
  assert.equal(unknown.wall, null);
  assert.equal(unknown.met, true);
  assert.throws(() => teacherSummary([]), /no teacher/);
});
