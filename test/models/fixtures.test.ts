import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { verifyTransformerFixture, OUTPUT_TOLERANCE } from '../../src/verify/transformer.js';
import { needsMirror, needsReference, REFERENCE, referencePath } from '../helpers/assets.js';

const skip = needsReference() || needsMirror('teachers');
const fixtures = skip ? [] : readdirSync(REFERENCE!).filter((d) => /^(engstrom|torchnet)_/.test(d));

test('reference fixtures exist for both teacher families', { skip }, () => {
  assert.ok(fixtures.some((f) => f.startsWith('engstrom_')));
  assert.ok(fixtures.some((f) => f.startsWith('torchnet_')));
});

for (const name of fixtures) {
  test(`teacher output matches PyTorch: ${name}`, async () => {
    const r = await verifyTransformerFixture(referencePath(name));
    assert.ok(r.maxAbsError <= OUTPUT_TOLERANCE, `max abs error ${r.maxAbsError} > ${OUTPUT_TOLERANCE}`);
    assert.ok(r.ok);
  });
}
