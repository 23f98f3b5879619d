import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countCost, PRESETS } from '../../src/models/transformer.js';

// Conv MACs = Cout * (Cin / group) * kh * kw * output pixels; a transposed conv does its weights once per input pixel.
const px = (h: number, w: number) => h * w;

test('the pytorch-examples teacher has 1,679,235 params and 10.08 G conv MACs at 256x256', () => {
  const conv1 = 32 * 3 * 9 * 9 * px(256, 256); //      509,607,936  (9x9, 3 -> 32, full resolution)
  const conv2 = 64 * 32 * 3 * 3 * px(128, 128); //     301,989,888  (stride 2)
  const conv3 = 128 * 64 * 3 * 3 * px(64, 64); //      301,989,888  (stride 2)
  const res = 5 * 2 * 128 * 128 * 3 * 3 * px(64, 64); // 6,039,797,760 (5 blocks x 2 convs at 1/4 resolution)
  const deconv1 = 64 * 128 * 3 * 3 * px(128, 128); // 1,207,959,552 (3x3 conv after nearest x2)
  const deconv2 = 32 * 64 * 3 * 3 * px(256, 256); //  1,207,959,552
  const deconv3 = 3 * 32 * 9 * 9 * px(256, 256); //     509,607,936 (9x9, 32 -> 3)
  const macs = conv1 + conv2 + conv3 + res + deconv1 + deconv2 + deconv3;
  assert.equal(macs, 10_078_912_512);
  assert.deepEqual(countCost(PRESETS.torch, 256, 256), { params: 1_679_235, macs });
});

test('params of the pytorch-examples teacher, written out', () => {
  const conv = (cout: number, cin: number, k: number) => cout * cin * k * k + cout; // with bias
  const norm = (c: number) => 2 * c;
  const params = conv(32, 3, 9) + norm(32) + conv(64, 32, 3) + norm(64) + conv(128, 64, 3) + norm(128)
    + 5 * 2 * (conv(128, 128, 3) + norm(128))
    + conv(64, 128, 3) + norm(64) + conv(32, 64, 3) + norm(32) + conv(3, 32, 9);
  assert.equal(params, 1_679_235);
});

test('transposed-conv upsampling costs a quarter of nearest + conv; separable residuals cost (9 + C) / 9C', () => {
  const base = countCost(PRESETS.torch, 256, 256).macs;
  const nearestUp = 64 * 128 * 9 * px(128, 128) + 32 * 64 * 9 * px(256, 256);
  const transposeUp = 128 * 64 * 9 * px(64, 64) + 64 * 32 * 9 * px(128, 128); // weights once per input pixel
  assert.equal(countCost({ ...PRESETS.torch, upsample: 'transpose' }, 256, 256).macs, base - nearestUp + transposeUp);
  assert.equal(transposeUp * 4, nearestUp);

  const full = 10 * 128 * 128 * 9 * px(64, 64);
  const separable = 10 * (128 * 9 + 128 * 128) * px(64, 64); // depthwise 3x3, then pointwise 1x1
  assert.equal(countCost({ ...PRESETS.torch, residual: 'separable' }, 256, 256).macs, base - full + separable);
});

test('MACs scale with the pixel count; the teacher is 94.5 GFLOP at 640x480', () => {
  const { macs } = countCost(PRESETS.torch, 480, 640);
  assert.equal(macs, (10_078_912_512 * px(480, 640)) / px(256, 256));
  assert.equal(((2 * macs) / 1e9).toFixed(1), '94.5');
});
