import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);

// In a child process: before the fix, onnxruntime-node aborted the whole process (exit 134,
// "terminate called after throwing an instance of 'Napi::Error'"), test runner included.
test('closing a WorkerStylizer while its network runs waits for the run: no native abort', () => {
  const script = join(tempDir(), 'close-mid-run.mts');
  writeFileSync(
    script,
    `import { WorkerStylizer } from ${url('../../src/runtime/worker.ts')};
import { tinyModel } from ${url('../helpers/models.ts')};
const s = await WorkerStylizer.create(tinyModel(), { threads: 1, batchSize: 1 });
const img = { width: 1024, height: 1024, channels: 3, data: new Uint8Array(1024 * 1024 * 3) };
const runs = [img, img, img].map((i) => s.stylizeMany([i]).then(() => 'done', (e) => e.message));
await new Promise((r) => setTimeout(r, 50));
await s.close();
console.log(JSON.stringify(await Promise.all(runs)));
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(r.stdout) as string[];
  assert.ok(results.every((m) => m === 'done' || m === 'stylizer is closed'), r.stdout);
  assert.ok(results.includes('stylizer is closed'), r.stdout);
});
