import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';
import { checkFloors, folderCycle } from './floors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every import in src/ points down a floor, and no folders import each other in a cycle', async () => {
  const { violations, folders } = await checkFloors();
  assert.deepEqual(violations, []);
  assert.ok(folders.get('models')?.has('graph'), 'the cruise saw the imports');
  assert.equal(folderCycle(folders)?.join(' -> '), undefined);
});

/** A copy of the sources with one file added, cruised with the project's rules. */
async function checkWith(file: string, code: string) {
  const dir = tempDir('stylecast-floors-');
  for (const f of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  writeFileSync(join(dir, file), code);
  return checkFloors(dir);
}

test('the check fails on an upward import (a test of the test)', async () => {
  // graph is the lowest floor: it must not know the network family.
  const { violations } = await checkWith('src/graph/upward.ts', "import { PRESETS } from '../models/transformer.js';\nexport const p = PRESETS;\n");
  assert.deepEqual(violations, ['graph-points-down: src/graph/upward.ts -> src/models/transformer.ts']);
});

test('the check fails on a cycle between capability folders (a test of the test)', async () => {
  // train imports temporal (the stability term); temporal importing train closes a folder cycle
  // although each import alone is allowed by the floors.
  const { violations, folders } = await checkWith('src/temporal/loop.ts', "import { train } from '../train/trainer.js';\nexport const t = train;\n");
  assert.deepEqual(violations, []);
  const cycle = folderCycle(folders);
  assert.ok(cycle, 'a cycle is found');
  assert.deepEqual([...new Set(cycle)].sort(), ['temporal', 'train']);
});

test('folderCycle finds a cycle and accepts a DAG', () => {
  const g = (e: Record<string, string[]>) => new Map(Object.entries(e).map(([k, v]) => [k, new Set(v)]));
  assert.equal(folderCycle(g({ a: ['b'], b: ['c'], c: [] })), undefined);
  assert.deepEqual(folderCycle(g({ a: ['b'], b: ['c'], c: ['a'] })), ['a', 'b', 'c', 'a']);
});
