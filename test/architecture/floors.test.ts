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

test('the check fails on an upward import and on a folder cycle (a test of the test)', async () => {
  const dir = tempDir('stylecast-floors-');
  for (const f of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  // graph is the lowest floor: it must not know the network family.
  writeFileSync(join(dir, 'src/graph/upward.ts'), "import { PRESETS } from '../models/transformer.js';\nexport const p = PRESETS;\n");
  // train -> eval is allowed on its own; eval -> train too; both close a cycle between capabilities.
  writeFileSync(join(dir, 'src/temporal/loop.ts'), "import { train } from '../train/trainer.js';\nexport const t = train;\n");
  const { violations, folders } = await checkFloors(dir);
  assert.deepEqual(violations, ['graph-points-down: src/graph/upward.ts -> src/models/transformer.ts']);
  assert.deepEqual(folderCycle(folders)?.sort(), ['temporal', 'temporal', 'train'].sort());
});

test('folderCycle finds a cycle and accepts a DAG', () => {
  const g = (e: Record<string, string[]>) => new Map(Object.entries(e).map(([k, v]) => [k, new Set(v)]));
  assert.equal(folderCycle(g({ a: ['b'], b: ['c'], c: [] })), undefined);
  assert.deepEqual(folderCycle(g({ a: ['b'], b: ['c'], c: ['a'] })), ['a', 'b', 'c', 'a']);
});
