import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stylizer } from '../../src/runtime/stylizer.js';
import type { RawImage } from '../../src/io/pixels.js';
import { tinyModel } from '../helpers/models.js';

function noise(width: number, height: number, channels: RawImage['channels'], seed = 5): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  return { width, height, channels, data };
}

for (const family of [{}, { padding: 'same', upsample: 'transpose', head: 'tanh', finalNorm: true, bias: false }] as const) {
  test(`odd sizes keep the input size (${family === undefined || !('padding' in family) ? 'reflect' : 'same'} padding)`, async () => {
    const s = await Stylizer.create(tinyModel(family));
    for (const [w, h] of [[1, 1], [2, 3], [63, 81], [30, 17]] as const) {
      const out = await s.stylize(noise(w, h, 3));
      assert.equal(out.width, w);
      assert.equal(out.height, h);
      assert.equal(out.channels, 3);
      assert.equal(out.data.length, w * h * 3);
    }
  });
}

test('RGBA keeps its alpha; grey becomes RGB; the style changes the pixels', async () => {
  const s = await Stylizer.create(tinyModel());
  const rgba = noise(9, 7, 4);
  const out = await s.stylize(rgba);
  assert.equal(out.channels, 4);
  for (let i = 3; i < out.data.length; i += 4) assert.equal(out.data[i], rgba.data[i]);
  const grey = await s.stylize(noise(9, 7, 1));
  assert.equal(grey.channels, 3);
  const rgb = noise(9, 7, 3);
  const styled = await s.stylize(rgb);
  assert.notDeepEqual(styled.data, rgb.data);
});

test('batched results equal one-at-a-time results and keep input order', async () => {
  const s = await Stylizer.create(tinyModel(), { batchSize: 3 });
  const imgs = [noise(8, 8, 3, 1), noise(5, 9, 3, 2), noise(8, 8, 3, 3), noise(8, 8, 3, 4), noise(8, 8, 3, 5)];
  const batched = await s.stylizeMany(imgs);
  for (const [i, img] of imgs.entries()) {
    const single = await s.stylize(img);
    assert.equal(batched[i]!.width, img.width);
    let diff = 0;
    single.data.forEach((v, k) => (diff = Math.max(diff, Math.abs(v - batched[i]!.data[k]!))));
    assert.ok(diff <= 1, `image ${i}: batch vs single differ by ${diff}`);
  }
});

test('invalid batch size is refused', async () => {
  await assert.rejects(Stylizer.create(tinyModel(), { batchSize: 0 }), /batch size must be a positive integer/);
});
