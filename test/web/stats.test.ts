import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ema, parseSize, planFrame, RateMeter } from '../../src/web/stats.js';

test('rate meter measures events per second from given times', () => {
  const m = new RateMeter(4000);
  assert.equal(m.rate(0), 0);
  for (let i = 0; i <= 30; i++) m.tick(i * (1000 / 30));
  assert.ok(Math.abs(m.rate(1000) - 30) < 1e-9);
  // Slow producers (one event every 1.5 s) still show a rate rather than zero.
  const slow = new RateMeter(4000);
  slow.tick(0);
  slow.tick(1500);
  slow.tick(3000);
  assert.ok(Math.abs(slow.rate(3000) - 2 / 3) < 1e-9);
});

test('rate meter decays when events stop and forgets them after its window', () => {
  const m = new RateMeter(4000);
  for (let i = 0; i < 10; i++) m.tick(i * 100);
  const steady = m.rate(900);
  assert.ok(Math.abs(steady - 10) < 1e-9);
  assert.ok(m.rate(2000) < steady);
  assert.equal(m.rate(5000), 0);
  m.tick(6000);
  m.reset();
  assert.equal(m.rate(6000), 0);
});

test('ema starts at the first sample and moves toward new ones', () => {
  const e = new Ema(0.5);
  assert.equal(e.value, 0);
  assert.equal(e.add(10), 10);
  assert.equal(e.add(20), 15);
  e.reset();
  assert.equal(e.add(4), 4);
});

test('frame plan passes the expected size and centre-crops others to its aspect', () => {
  const dst = { width: 640, height: 480 };
  assert.deepEqual(planFrame({ width: 640, height: 480 }, dst), { kind: 'exact', sx: 0, sy: 0, sw: 640, sh: 480 });
  // 16:9 camera: crop the sides to 4:3.
  assert.deepEqual(planFrame({ width: 1280, height: 720 }, dst), { kind: 'resize', sx: 160, sy: 0, sw: 960, sh: 720 });
  // Portrait: crop top and bottom.
  assert.deepEqual(planFrame({ width: 480, height: 640 }, dst), { kind: 'resize', sx: 0, sy: 140, sw: 480, sh: 360 });
  assert.deepEqual(planFrame({ width: 320, height: 240 }, dst), { kind: 'resize', sx: 0, sy: 0, sw: 320, sh: 240 });
});

test('frame plan rejects empty and absurd frames', () => {
  const dst = { width: 640, height: 480 };
  assert.equal(planFrame({ width: 0, height: 0 }, dst).kind, 'reject');
  assert.equal(planFrame({ width: NaN, height: 480 }, dst).kind, 'reject');
  assert.equal(planFrame({ width: 4000, height: 10 }, dst).kind, 'reject');
});

test('parseSize reads WIDTHxHEIGHT and names a bad value', () => {
  assert.deepEqual(parseSize('160x120'), { width: 160, height: 120 });
  for (const bad of ['160', '0x0', '10x10', 'axb', '99999x2']) assert.throws(() => parseSize(bad), /frame size '.*' is not WIDTHxHEIGHT/);
});
