import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogRow } from '../../src/models/catalog.js';
import { stylesOf, transformerOf } from '../../src/models/codec.js';
import { loadModel } from '../../src/models/load.js';
import { runCli } from '../helpers/cli.js';

test('models --json lists the built-in multi-style network with the styles its file holds; it is a single student\'s architecture plus the style rows', async () => {
  const r = await runCli(['models', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as CatalogRow[];
  const multi = rows.filter((m) => m.styles && m.builtin);
  assert.equal(multi.length, 1, 'one built-in multi-style network');
  const row = multi[0]!;
  assert.equal(row.kind, 'student');
  assert.equal(row.speed, 'real-time');
  const model = await loadModel(row.name);
  // The registry's names and teachers are the ones the file was trained with, in its row order.
  assert.deepEqual(row.styles, stylesOf(model)!.map((s) => ({ name: s.name, teacher: s.teacher })));
  for (const s of row.styles!) assert.ok(rows.some((t) => t.kind === 'teacher' && t.name === s.teacher), `${s.name}: teacher ${s.teacher} is registered`);
  // Same layers as the student it started from (so the same speed); only the norms gained a row per style.
  const m = transformerOf(model, 'test');
  const base = transformerOf(await loadModel('candy_rt'), 'test');
  assert.deepEqual({ ...m.config, styles: undefined }, { ...base.config, styles: undefined });
  assert.equal(m.config.styles, row.styles!.length);
});
