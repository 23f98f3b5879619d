import assert from 'node:assert/strict';
import { test } from 'node:test';
import { psnr, ssim } from '../../src/eval/metrics.js';

// Constants of Wang et al. 2004 with L = 255.
const C1 = (0.01 * 255) ** 2; // 6.5025
const C2 = (0.03 * 255) ** 2; // 58.5225

/** A planar image of `channels` planes, pixel (c, y, x) = f(c, y, x). */
function image(width: number, height: number, channels: number, f: (c: number, y: number, x: number) => number): Float32Array {
  const out = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[(c * height + y) * width + x] = f(c, y, x);
  return out;
}

const close = (actual: number, expected: number, tol = 1e-10) => assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

/** The 11 taps of a 1-D Gaussian (sigma 1.5) normalized to sum 1; the 2-D window is their outer product. */
const taps = (() => {
  const g = Array.from({ length: 11 }, (_, k) => Math.exp(-((k - 5) ** 2) / (2 * 1.5 ** 2)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
})();

test('psnr: identical images are Infinity dB; a constant offset of 10 gives 10 log10(255^2 / 100)', () => {
  const a = image(7, 5, 3, (c, y, x) => (c * 50 + y * 13 + x * 7) % 256);
  assert.equal(psnr(a, a), Infinity);
  // Every value differs by 10, so MSE = 100 and PSNR = 10 log10(65025 / 100) = 28.1308... dB.
  const b = a.map((v) => v + 10);
  close(psnr(a, b), 10 * Math.log10(255 ** 2 / 100));
  close(psnr(a, b), 28.130803608679106, 1e-12);
  // One value of four off by 20: MSE = 400 / 4 = 100 again; with peak 1 the ratio is 1 / 100 -> -20 dB.
  close(psnr([0, 0, 0, 0], [0, 0, 0, 20]), 10 * Math.log10(255 ** 2 / 100));
  close(psnr([0, 0, 0, 0], [0, 0, 0, 20], 1), -20);
  assert.throws(() => psnr([1, 2], [1, 2, 3]), /2 and 3 values/);
});

test('ssim: identical images score exactly 1', () => {
  const a = image(16, 13, 3, (c, y, x) => (c * 97 + y * y * 5 + x * 31) % 256);
  assert.equal(ssim(a, a, 16, 13), 1);
});

test('ssim: constant images reduce to the luminance term', () => {
  // Both images are flat, so every window has sigma_a = sigma_b = sigma_ab = 0 and the
  // contrast-structure factor is C2 / C2 = 1: SSIM = (2 * 100 * 110 + C1) / (100^2 + 110^2 + C1).
  const a = image(12, 12, 1, () => 100);
  const b = image(12, 12, 1, () => 110);
  const expected = (2 * 100 * 110 + C1) / (100 ** 2 + 110 ** 2 + C1);
  close(ssim(a, b, 12, 12), expected);
  close(expected, 0.9954764, 1e-6); // 22006.5025 / 22106.5025 = 1 - 100 / 22106.5025
  // Symmetric in its arguments.
  close(ssim(b, a, 12, 12), expected);
});

test('ssim: a ramp shifted by a constant keeps structure; only the luminance of each valid window changes', () => {
  // a(x) = 100 + 4 (x - 5) on 13x11: three valid window positions (x0 = 0, 1, 2) in one row. The
  // Gaussian is symmetric about the window centre xc = x0 + 5, so the window mean is exactly the
  // centre value mu = 100 + 4 x0. b = a + 10 has the same variance and sigma_ab = sigma_a^2, so the
  // contrast-structure factor is 1 and SSIM = mean over x0 of (2 mu (mu + 10) + C1) / (mu^2 + (mu + 10)^2 + C1).
  const a = image(13, 11, 1, (_c, _y, x) => 100 + 4 * (x - 5));
  const b = a.map((v) => v + 10);
  const lum = (mu: number) => (2 * mu * (mu + 10) + C1) / (mu ** 2 + (mu + 10) ** 2 + C1);
  close(ssim(a, b, 13, 11), (lum(100) + lum(104) + lum(108)) / 3);
});

test('ssim: doubling the contrast about the same mean gives (4 V + C2 / 16) / (5 V + C2 / 16) with V the window variance of (x - 5)', () => {
  // One 11x11 window. a = 100 + 4 (x - 5), b = 100 + 8 (x - 5): both means are 100 (symmetric
  // window), so luminance = 1. With V = sum_k g_k (k - 5)^2 (the rows sum to 1 and drop out):
  // sigma_a^2 = 16 V, sigma_b^2 = 64 V, sigma_ab = 32 V, so SSIM = (64 V + C2) / (80 V + C2).
  const a = image(11, 11, 1, (_c, _y, x) => 100 + 4 * (x - 5));
  const b = image(11, 11, 1, (_c, _y, x) => 100 + 8 * (x - 5));
  const V = taps.reduce((s, g, k) => s + g * (k - 5) ** 2, 0);
  assert.ok(V > 2.1 && V < 2.25, `truncated Gaussian variance ${V} is just under sigma^2 = 2.25`);
  close(ssim(a, b, 11, 11), (64 * V + C2) / (80 * V + C2));
});

test('ssim: the score is the mean over RGB channels', () => {
  // Channel 0 identical (1), channel 1 flat 100 vs 110 (the luminance term), channel 2 identical (1).
  const a = image(11, 11, 3, (c, y, x) => (c === 1 ? 100 : 20 + 3 * x + 5 * y));
  const b = image(11, 11, 3, (c, y, x) => (c === 1 ? 110 : 20 + 3 * x + 5 * y));
  const lum = (2 * 100 * 110 + C1) / (100 ** 2 + 110 ** 2 + C1);
  close(ssim(a, b, 11, 11), (1 + lum + 1) / 3);
});

test('ssim: an image against its negative is anti-correlated, so SSIM < 0', () => {
  // b = 255 - a: sigma_ab = -sigma_a^2 and the structure factor (-2 sigma^2 + C2) / (2 sigma^2 + C2)
  // is negative wherever sigma^2 > C2 / 2 (about 29), which a high-contrast pattern has in every window.
  const a = image(20, 16, 3, (c, y, x) => ((x + y + c) % 2 ? 230 : 25));
  const b = a.map((v) => 255 - v);
  const s = ssim(a, b, 20, 16);
  assert.ok(s < 0, `ssim ${s}`);
  assert.ok(s >= -1);
});

test('ssim: refuses images smaller than the window or of mismatched sizes', () => {
  assert.throws(() => ssim(new Float32Array(30), new Float32Array(30), 10, 1), /10x1 is smaller than the 11x11 window/);
  assert.throws(() => ssim(new Float32Array(363), new Float32Array(300), 11, 11), /363 and 300 values/);
  assert.throws(() => ssim(new Float32Array(130), new Float32Array(130), 11, 11), /do not make whole 11x11 planes/);
});
