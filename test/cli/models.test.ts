import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelTable } from '../../src/cli/models.js';
import { TEACHER_CONTEXT } from '../../src/io/registry.js';
import { listModels, type CatalogRow } from '../../src/models/catalog.js';
import { loadModel } from '../../src/models/load.js';
import { runCli } from '../helpers/cli.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tempDir } from '../helpers/tmp.js';

test('a teacher loaded once shows as cached, with no mirror, and loads from the cache', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  const cacheDir = join(tempDir(), 'cache');
  const availability = async (store: { mirror?: string; cacheDir: string }) => (await listModels(store)).find((r) => r.name === 'wave')!.availability;
  assert.equal(await availability({ cacheDir }), 'download');
  await loadModel('wave', { mirror: mirrorPath('.'), cacheDir });
  assert.equal(await availability({ cacheDir }), 'cached');
  assert.equal(await availability({ mirror: mirrorPath('.'), cacheDir }), 'cached');
  assert.equal((await loadModel('wave', { cacheDir })).info.name, 'wave');
});

test('the catalog says which models run with context by default: the teachers, not the students', async () => {
  const rows = await listModels({ cacheDir: join(tempDir(), 'cache') });
  const teachers = rows.filter((r) => r.kind === 'teacher');
  assert.ok(teachers.length >= 14 && teachers.every((r) => r.context === TEACHER_CONTEXT));
  assert.ok(rows.filter((r) => r.kind === 'student').every((r) => r.context === undefined));
});

test('models prints a header row and aligned columns; a long licence is cut, not spilled', async () => {
  const r = await runCli(['models'], { STYLECAST_CACHE: join(tempDir(), 'empty-cache') });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +KIND +FAMILY +AVAILABLE +LICENCE +TITLE$/);
  const titleAt = lines[0]!.indexOf('TITLE');
  const candy = lines.find((l) => l.startsWith('candy_rt '))!;
  assert.equal(candy.indexOf('Candy, real-time student'), titleAt);

  const long: CatalogRow = { name: 'imported_one', kind: 'imported', family: 'opaque', title: 'Mine', license: 'unknown: the foreign model carries none; check where it came from', source: 'x', availability: 'cached', url: null, builtin: false };
  const short: CatalogRow = { ...long, name: 'b', license: 'MIT', title: 'Other' };
  const [header, a, b] = modelTable([long, short]).trimEnd().split('\n');
  assert.equal(a!.indexOf('Mine'), header!.indexOf('TITLE'));
  assert.equal(b!.indexOf('Other'), header!.indexOf('TITLE'));
  assert.match(a!, / unknown: the fo… +Mine$/); // cut to 16 characters
});
