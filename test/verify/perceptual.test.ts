import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyPerceptualFixture, PERCEPTUAL_TOLERANCE } from '../../src/verify/perceptual.js';
import { needsReference, referencePath } from '../helpers/assets.js';

const FIXTURE = 'perceptual_loss_seed0';

test('training graph matches PyTorch on perceptual_loss_seed0: loss terms and every parameter gradient', { skip: needsReference(FIXTURE) }, async () => {
  const r = await verifyPerceptualFixture(referencePath(FIXTURE));
  assert.deepEqual(r.terms.map((t) => t.name), ['content', 'style', 'tv', 'distill', 'total']);
  for (const t of r.terms) assert.ok(t.relErr <= 1e-5, `${t.name}: ${t.value} vs ${t.reference}`);
  assert.equal(r.grads.length, 38);
  for (const g of r.grads) assert.ok(g.relErr <= PERCEPTUAL_TOLERANCE, `${g.name}: relative error ${g.relErr}`);
  // Gradients with a real (non-zero) reference agree far better than the tolerance.
  const real = r.grads.filter((g) => !g.zeroReference);
  // 11 are analytically zero: the 9 conv biases before an instance norm and the 2 biases of each block's last norm.
  assert.equal(real.length, 27);
  for (const g of real) assert.ok(g.relErr <= 1e-4, `${g.name}: relative error ${g.relErr}`);
  for (const g of r.grams) assert.ok(g.relErr <= 1e-5, `gram ${g.name}: ${g.relErr}`);
  assert.ok(r.outputMaxAbsError < 1e-3);
  assert.ok(r.ok && r.maxRelErr <= PERCEPTUAL_TOLERANCE);
});
