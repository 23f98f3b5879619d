import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('stylecast sweep runs a config file and writes the table, CSV, JSON, chart and profile', async () => {
  const dir = tempDir();
  const config = join(dir, 'grid.json');
  writeFileSync(config, JSON.stringify({ preset: 'torch', grid: { width: [4, 8], blocks: [1], firstKernel: [3], lastKernel: [3] } }));
  const out = join(dir, 'out');
  const r = await runCli(['sweep', '--config', config, '--size', '48x32', '--trials', '3', '--warmup', '1', '--threads', '2', '--peak-runs', '1', '--profile', 'fastest', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2 configs timed; MatMul peak [\d.]+ GFLOP\/s\n/);
  // Not a terminal: one progress line per config instead of the bar.
  assert.match(r.stderr, /\[1\/2\] w4-b1-k3\/3-nearest-reflect-full-fp32: [\d.]+ ms\n\[2\/2\] w8-b1/);
  for (const f of ['results.md', 'results.csv', 'results.json', 'chart.svg', 'chart.png']) {
    assert.ok(existsSync(join(out, f)), f);
    assert.ok(r.stdout.includes(join(out, f)), `stdout names ${f}`);
  }
  assert.match(r.stdout, /trace-w\d-b1-k3_3-nearest-reflect-full-fp32\.json/);
  const md = readFileSync(join(out, 'results.md'), 'utf8');
  assert.ok(md.includes(`Command: \`stylecast sweep --config ${config} --size 48x32 --trials 3`), 'the exact command is in the header');
});

test('stylecast sweep fails in one line on a bad config', async () => {
  const dir = tempDir();
  const config = join(dir, 'grid.json');
  writeFileSync(config, JSON.stringify({ list: [{ width: 8, upsample: 'bilinear' }] }));
  const r = await runCli(['sweep', '--config', config, '-o', join(dir, 'out')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `stylecast: sweep config list[0]: invalid architecture: upsample must be nearest or transpose, got bilinear\n`);
  const bad = await runCli(['sweep', '--size', '640by480']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /expected WIDTHxHEIGHT, got '640by480'/);
});
