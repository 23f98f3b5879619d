import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseBackend, isSoftwareAdapter, type AdapterLike } from '../../src/web/backend.js';
import { BackendUnavailableError, CameraLostError, fromWire, ModelCorruptError, StylecastError, toWire } from '../../src/web/errors.js';

const REAL: AdapterLike = { info: { architecture: 'rdna-3', description: 'AMD Radeon', isFallbackAdapter: false } };
const SWIFTSHADER: AdapterLike = { info: { architecture: 'swiftshader', description: '', isFallbackAdapter: false } };
const FALLBACK: AdapterLike = { info: { architecture: '', isFallbackAdapter: true } };
const OLD_FALLBACK: AdapterLike = { isFallbackAdapter: true, info: {} };
const adapter = (a: AdapterLike | undefined) => () => Promise.resolve(a);

test('software adapters are recognised by architecture or fallback flag', () => {
  assert.equal(isSoftwareAdapter(REAL), false);
  assert.equal(isSoftwareAdapter(SWIFTSHADER), true);
  assert.equal(isSoftwareAdapter({ info: { description: 'Google SwiftShader' } }), true);
  assert.equal(isSoftwareAdapter(FALLBACK), true);
  assert.equal(isSoftwareAdapter(OLD_FALLBACK), true);
});

test("'auto' takes WebGPU only on a real adapter", async () => {
  assert.equal(await chooseBackend('auto', adapter(REAL)), 'webgpu');
  for (const a of [SWIFTSHADER, FALLBACK, OLD_FALLBACK, undefined]) assert.equal(await chooseBackend('auto', adapter(a)), 'wasm');
});

test("an explicit 'webgpu' takes any adapter, and without one says so", async () => {
  assert.equal(await chooseBackend('webgpu', adapter(SWIFTSHADER)), 'webgpu');
  await assert.rejects(chooseBackend('webgpu', adapter(undefined)), (e) => e instanceof BackendUnavailableError && /^WebGPU is not available/.test(e.message));
  let asked = false;
  assert.equal(await chooseBackend('wasm', () => ((asked = true), Promise.resolve(REAL))), 'wasm');
  assert.equal(asked, false, "'wasm' never touches the GPU");
});

test('typed errors survive the trip through postMessage by code', () => {
  const back = fromWire(structuredClone(toWire(new ModelCorruptError('bad bytes'))));
  assert.ok(back instanceof ModelCorruptError && back instanceof StylecastError);
  assert.equal(back.message, 'bad bytes');
  assert.ok(fromWire(toWire(new CameraLostError('gone'))) instanceof CameraLostError);
  const plain = fromWire(toWire(new RangeError('first line\nsecond')));
  assert.ok(!(plain instanceof StylecastError));
  assert.equal(plain.message, 'first line');
});
