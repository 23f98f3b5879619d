import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogRow } from '../../src/models/catalog.js';
import { transformerOf } from '../../src/models/codec.js';
import { loadModel } from '../../src/models/load.js';
import { runCli } from '../helpers/cli.js';

test('models --json marks each stable student and names its per-frame base; the file says it was fine-tuned from that base', async () => {
  const r = await runCli(['models', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as CatalogRow[];
  const stable = rows.filter((m) => m.stable);
  assert.ok(stable.length >= 1, 'no stable student registered');
  for (const s of stable) {
    const base = rows.find((m) => m.name === s.base);
    assert.ok(base && base.kind === 'student' && !base.stable, `${s.name}: base ${s.base} is not a per-frame student`);
    assert.equal(s.teacher, base.teacher);
    assert.equal(s.speed, base.speed);
    assert.ok(s.builtin);
    const [m, b] = [transformerOf(await loadModel(s.name), 'test'), transformerOf(await loadModel(base.name), 'test')];
    // Same architecture (so the same speed), different weights, and the provenance names the base's exact file.
    assert.deepEqual(m.config, b.config);
    const first = [...m.weights.keys()][0]!;
    assert.notDeepEqual(m.weights.get(first)!.data, b.weights.get(first)!.data);
    const p = m.info.provenance as { fineTunedFrom: string; fineTunedFromSha256: string; weights: { temporal: number } };
    assert.equal(p.fineTunedFrom, base.name);
    assert.equal(p.fineTunedFromSha256, b.sha256);
    assert.ok(p.weights.temporal > 0);
  }
});
