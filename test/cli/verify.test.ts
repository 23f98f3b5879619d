import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { needsMirror, needsReference, referencePath } from '../helpers/assets.js';
import { tempDir } from '../helpers/tmp.js';

const skip = needsReference('torchnet_mosaic_63x81') || needsMirror('teachers/pytorch-examples/mosaic');

test('verify prints the max error and exits 0 within tolerance, 1 above it', { skip }, async () => {
  const ok = await runCli(['verify', referencePath('torchnet_mosaic_63x81')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok .*mosaic output \[1x3x64x84\] max abs error \d\.\d+e-\d+ \(tolerance 0\.05\)/);

  const bad = join(tempDir(), 'fx');
  cpSync(referencePath('torchnet_mosaic_63x81'), bad, { recursive: true });
  const out = readFileSync(join(bad, 'output.bin'));
  const f = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  f[100]! += 0.5;
  writeFileSync(join(bad, 'output.bin'), out);
  const r = await runCli(['verify', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL .*max abs error 5\.0\de-1/);
});
