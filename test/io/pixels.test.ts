import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imagesToTensor, reflectIndex, toColor8, type RawImage } from '../../src/io/pixels.js';

test('reflectIndex mirrors without repeating the edge, for any overshoot', () => {
  assert.deepEqual([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7].map((i) => reflectIndex(i, 3)), [2, 1, 0, 1, 2, 1, 0, 1, 2, 1]);
  assert.equal(reflectIndex(5, 1), 0);
});

test('RGB pixels become NCHW planes, reflect-padded to the stride grid', () => {
  // 3x1 image, red channel 10,20,30; padded width 4 reflects pixel 1.
  const img: RawImage = { width: 3, height: 1, channels: 3, data: Uint8Array.from([10, 1, 2, 20, 3, 4, 30, 5, 6]) };
  const t = imagesToTensor([img], 4);
  assert.deepEqual(t.dims, [1, 3, 4, 4]);
  assert.deepEqual(Array.from(t.data.subarray(0, 4)), [10, 20, 30, 20]); // row 0, red
  assert.deepEqual(Array.from(t.data.subarray(16, 20)), [1, 3, 5, 3]); // row 0, green
  assert.deepEqual(Array.from(t.data.subarray(4, 8)), [10, 20, 30, 20]); // row 1 reflects row 0 (height 1)
});

test('grey, grey+alpha, RGBA and 16-bit inputs become RGB 0..255', () => {
  const grey: RawImage = { width: 1, height: 1, channels: 1, data: Uint8Array.from([77]) };
  assert.deepEqual(Array.from(imagesToTensor([grey]).data), [77, 77, 77]);
  const ga: RawImage = { width: 1, height: 1, channels: 2, data: Uint8Array.from([50, 0]) };
  assert.deepEqual(Array.from(imagesToTensor([ga]).data), [50, 50, 50]);
  const rgba: RawImage = { width: 1, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 128]) };
  assert.deepEqual(Array.from(imagesToTensor([rgba]).data), [1, 2, 3]);
  const deep: RawImage = { width: 1, height: 1, channels: 3, data: Uint16Array.from([65535, 0, 257 * 100]) };
  assert.deepEqual(Array.from(imagesToTensor([deep]).data).map((v) => Math.round(v * 1000) / 1000), [255, 0, 100]);
});

test('mixed sizes in one batch and malformed images are refused', () => {
  const a: RawImage = { width: 2, height: 2, channels: 3, data: new Uint8Array(12) };
  const b: RawImage = { width: 3, height: 2, channels: 3, data: new Uint8Array(18) };
  assert.throws(() => imagesToTensor([a, b]), /batch mixes sizes 2x2 and 3x2/);
  assert.throws(() => imagesToTensor([{ ...a, data: new Uint8Array(5) }]), /5 samples for 2x2x3/);
  assert.throws(() => imagesToTensor([{ ...a, width: 0, data: new Uint8Array(0) }]), /no pixels/);
});

test('toColor8: 8-bit RGB(A) passes through; grey is replicated, 16-bit scaled and rounded, alpha kept or dropped', () => {
  const rgb: RawImage = { width: 1, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3) };
  assert.equal(toColor8(rgb, true), rgb);
  const ga: RawImage = { width: 2, height: 1, channels: 2, data: Uint8Array.of(50, 9, 60, 200) };
  assert.deepEqual(Array.from(toColor8(ga, true).data), [50, 50, 50, 9, 60, 60, 60, 200]);
  assert.deepEqual(Array.from(toColor8(ga, false).data), [50, 50, 50, 60, 60, 60]);
  const deep: RawImage = { width: 1, height: 1, channels: 4, data: Uint16Array.of(65535, 0, 257 * 100, 32767) };
  assert.deepEqual(toColor8(deep, true), { width: 1, height: 1, channels: 4, data: Uint8Array.of(255, 0, 100, 127) });
});
