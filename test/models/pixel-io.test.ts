import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32, tensor, type Tensor } from '../../src/graph/tensor.js';
import { imagesToTensor, reflectIndex, roundUp, type RawImage } from '../../src/io/pixels.js';
import { inferenceOnnx } from '../../src/models/inference.js';
import { loadModel } from '../../src/models/load.js';
import type { LoadedModel } from '../../src/models/modelfile.js';
import { checkContext, layoutKey, MAX_CONTEXT, pixelOnnx, withPixelIO, type PixelChannels, type PixelLayout } from '../../src/models/pixel-io.js';
import { div, mul, sub } from '../../src/ops/index.js';
import { createSession, type Session } from '../../src/runtime/ort.js';
import { needsMirror } from '../helpers/assets.js';
import { tinyModel } from '../helpers/models.js';

function noise(width: number, height: number, channels: PixelChannels, seed = 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  return { width, height, channels, data };
}

/**
 * The JS path the pixel graphs replace, as it was: pack to float NCHW reflect-padded to the stride
 * grid, run the float graph, crop, clamp (NaN -> 0), round with Math.round, alpha from the input
 * (255 when it has none).
 */
async function jsPath(float: Session, model: LoadedModel, img: RawImage, output: PixelLayout['output']): Promise<Uint8Array | Float32Array> {
  const y = (await float.run({ input: imagesToTensor([img], model.stride, model.minSide) })).output as Tensor<'float32'>;
  const [, , H, W] = y.dims as [number, number, number, number];
  const { width: w, height: h } = img;
  const clamp = (v: number) => (v > 0 ? (v < 255 ? v : 255) : 0);
  if (output === 'planes') return Float32Array.from({ length: 3 * h * w }, (_, i) => clamp(y.data[Math.floor(i / (h * w)) * H * W + Math.floor((i % (h * w)) / w) * W + (i % w)]!));
  const out = new Uint8Array(w * h * output);
  for (let p = 0; p < w * h; p++) {
    const at = Math.floor(p / w) * W + (p % w);
    for (let k = 0; k < 3; k++) out[p * output + k] = Math.round(clamp(y.data[k * H * W + at]!));
    if (output === 4) out[p * output + 3] = img.channels === 4 ? img.data[p * 4 + 3]! : 255;
  }
  return out;
}

const LAYOUTS: readonly PixelLayout[] = [
  { input: 3, output: 3 },
  { input: 4, output: 4 },
  { input: 3, output: 4 },
  { input: 4, output: 3 },
  { input: 3, output: 'planes' },
];

/** Largest difference between the pixel graph and the JS path for every layout and size. */
async function compare(model: LoadedModel, sizes: readonly (readonly [number, number])[], layouts = LAYOUTS): Promise<void> {
  const float = await createSession(inferenceOnnx(model), { threads: 1 });
  try {
    for (const layout of layouts) {
      const session = await createSession(pixelOnnx(model, layout), { threads: 1 });
      try {
        for (const [w, h] of sizes) {
          const img = noise(w, h, layout.input, w * 31 + h);
          const got = (await session.run({ pixels: tensor('uint8', [1, h, w, layout.input], img.data as Uint8Array) })).stylized!;
          assert.deepEqual(got.dims, layout.output === 'planes' ? [1, 3, h, w] : [1, h, w, layout.output]);
          const want = await jsPath(float, model, img, layout.output);
          let diff = 0;
          want.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - Number(got.data[i])))));
          // Same network, other graph: float rounding may differ, by at most a level after rounding.
          assert.ok(diff <= (layout.output === 'planes' ? 0.01 : 1), `${model.info.name} ${w}x${h} ${layout.input}>${layout.output}: differs by ${diff}`);
        }
      } finally {
        await session.release();
      }
    }
  } finally {
    await float.release();
  }
}

const ODD = [[1, 1], [2, 3], [33, 17], [5, 41]] as const;

for (const [family, overrides] of [
  ['torch', {}],
  ['engstrom', { padding: 'same', upsample: 'transpose', head: 'tanh', finalNorm: true, bias: false }],
] as const) {
  test(`pixel graph = JS path within 1 level, any size and layout (tiny ${family}-family network)`, async () => {
    await compare(tinyModel(overrides), [...ODD, [64, 48]]);
  });
}

for (const name of ['candy_rt', 'la_muse_rt']) {
  test(`pixel graph = JS path within 1 level for the built-in ${name} (half-resolution rewrite inside)`, async () => {
    await compare(await loadModel(name), [[33, 17], [1, 1], [640, 480]]);
  });
}

test('pixel graph = JS path within 1 level for a teacher (the stored float graph inside)', { skip: needsMirror('teachers/pytorch-examples/candy') }, async () => {
  await compare(await loadModel('candy'), [[33, 17], [640, 480]], [LAYOUTS[0]!, LAYOUTS[1]!]);
});

/** A float network `f` over input [N, 3, H, W] (stride 1: nothing to pad). */
function network(f: (x: ReturnType<Graph['input']>, g: Graph) => ReturnType<Graph['input']>): Uint8Array {
  const g = new Graph('net');
  const x = g.input('input', 'float32', ['n', 3, 'h', 'w']);
  g.output(f(x, g), 'output');
  return toOnnx(g);
}

async function runPixels(onnx: Uint8Array, layout: PixelLayout, data: number[], extra: Record<string, Tensor> = {}): Promise<number[]> {
  const s = await createSession(onnx, { threads: 1 });
  try {
    const out = (await s.run({ pixels: tensor('uint8', [1, 1, data.length / layout.input, layout.input], Uint8Array.from(data)), ...extra })).stylized!;
    return Array.from(out.data as ArrayLike<number>);
  } finally {
    await s.release();
  }
}

test('clamp, Math.round rounding (halves up) and NaN -> 0, as the JS path did', async () => {
  const grid = { stride: 1, minSide: 1 };
  // 2x - 100 leaves 0..255 at both ends; x / 2 lands on halves; (x / 2) * x / x is NaN at 0.
  const spread = network((x) => sub(mul(x, 2), 100));
  assert.deepEqual(await runPixels(withPixelIO(spread, { input: 3, output: 3 }, grid), { input: 3, output: 3 }, [0, 49, 50, 177, 178, 255]), [0, 0, 0, 254, 255, 255]);
  const halves = network((x) => div(mul(mul(x, 0.5), x), x));
  const rgb = [0, 1, 3, 5, 7, 255];
  assert.deepEqual(await runPixels(withPixelIO(halves, { input: 3, output: 3 }, grid), { input: 3, output: 3 }, rgb), [0, 1, 2, 3, 4, 128]);
  // Planes: the red of both pixels, then green, then blue.
  assert.deepEqual(await runPixels(withPixelIO(halves, { input: 3, output: 'planes' }, grid), { input: 3, output: 'planes' }, rgb), [0, 2.5, 0.5, 3.5, 1.5, 127.5]);
});

test('alpha: carried from RGBA input, 255 for RGB input, dropped for RGB output; the network never sees it', async () => {
  const grid = { stride: 4, minSide: 8 };
  const identity = network((x) => mul(x, 1));
  const rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255];
  assert.deepEqual(await runPixels(withPixelIO(identity, { input: 4, output: 4 }, grid), { input: 4, output: 4 }, rgba), rgba);
  assert.deepEqual(await runPixels(withPixelIO(identity, { input: 4, output: 3 }, grid), { input: 4, output: 3 }, rgba), [10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.deepEqual(await runPixels(withPixelIO(identity, { input: 3, output: 4 }, grid), { input: 3, output: 4 }, [1, 2, 3, 4, 5, 6]), [1, 2, 3, 255, 4, 5, 6, 255]);
});

test("the network's other inputs pass through (a style choice, say); its input range is honoured", async () => {
  const g = new Graph('net');
  const x = g.input('input', 'float32', ['n', 3, 'h', 'w']);
  const weight = g.input('style', 'float32', [1]);
  g.output(mul(x, weight), 'output');
  const wrapped = withPixelIO(toOnnx(g), { input: 3, output: 3 }, { stride: 1, minSide: 1 });
  const s = await createSession(wrapped, { threads: 1 });
  assert.deepEqual([...s.inputNames], ['pixels', 'style']);
  await s.release();
  assert.deepEqual(await runPixels(wrapped, { input: 3, output: 3 }, [10, 20, 30], { style: f32([1], [2]) }), [20, 40, 60]);
  // A network on 0..1 pixels that returns 0..255: x * 255 back.
  const unit = withPixelIO(network((v) => mul(v, 255)), { input: 3, output: 3 }, { stride: 1, minSide: 1, inputRange: [0, 1] });
  assert.deepEqual(await runPixels(unit, { input: 3, output: 3 }, [10, 20, 30]), [10, 20, 30]);
});

test('a graph it cannot wrap is refused in one line: old opset, a name it needs', () => {
  const m = onnxProto.onnx.ModelProto.decode(network((x) => mul(x, 1)));
  m.opsetImport = [{ domain: '', version: 10 }];
  const old = onnxProto.onnx.ModelProto.encode(m).finish();
  assert.throws(() => withPixelIO(old, { input: 3, output: 3 }, { stride: 1, minSide: 1 }), /the model's opset 10 is older than 11/);
  const clash = network((x, g) => mul(mul(x, 1), g.input('pixels', 'float32', [1])));
  assert.throws(() => withPixelIO(clash, { input: 3, output: 3 }, { stride: 1, minSide: 1 }), /already uses the name 'pixels'/);
  assert.throws(() => withPixelIO(network((x) => x), { input: 3, output: 3 }, { stride: 1, minSide: 1 }, { input: 'image', output: 'output' }), /no input 'image'/);
});

test('pixelOnnx is made once per model and layout; the model file keeps its float graph', () => {
  const model = tinyModel();
  const a = pixelOnnx(model, { input: 3, output: 3 });
  assert.equal(pixelOnnx(model, { input: 3, output: 3 }), a);
  assert.notEqual(pixelOnnx(model, { input: 4, output: 4 }), a);
  const parsed = onnxProto.onnx.ModelProto.decode(model.onnx);
  assert.deepEqual(parsed.graph!.input!.map((v) => v.name), ['input']);
});

/**
 * The context's reference: the frame as float NCHW at positions -m .. of its endless mirror (up to the
 * stride grid of the padded size), the float network, then its own area cut out, clamped and rounded.
 */
async function contextPath(float: Session, model: LoadedModel, img: RawImage, m: number): Promise<Uint8Array> {
  const { width: w, height: h, channels: c } = img;
  const H = roundUp(Math.max(h + 2 * m, model.minSide), model.stride);
  const W = roundUp(Math.max(w + 2 * m, model.minSide), model.stride);
  const x = f32([1, 3, H, W]);
  for (let k = 0; k < 3; k++)
    for (let y = 0; y < H; y++)
      for (let v = 0; v < W; v++) x.data[(k * H + y) * W + v] = img.data[(reflectIndex(y - m, h) * w + reflectIndex(v - m, w)) * c + k]!;
  const out = (await float.run({ input: x })).output as Tensor<'float32'>;
  const [, , oh, ow] = out.dims as [number, number, number, number];
  const got = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let v = 0; v < w; v++)
      for (let k = 0; k < 3; k++) {
        const o = out.data[(k * oh + y + m) * ow + v + m]!;
        got[(y * w + v) * 3 + k] = Math.round(o > 0 ? (o < 255 ? o : 255) : 0);
      }
  return got;
}

test('context: the network sees mirrored pixels on every side, cut off its output (= the JS reference within 1 level)', async () => {
  for (const model of [tinyModel(), tinyModel({ padding: 'same', upsample: 'transpose', head: 'tanh', finalNorm: true, bias: false })]) {
    const float = await createSession(inferenceOnnx(model), { threads: 1 });
    try {
      for (const m of [1, 5, 16]) {
        for (const input of [3, 4] as const) {
          const session = await createSession(pixelOnnx(model, { input, output: 3, context: m }), { threads: 1 });
          try {
            // 1x1 and 2x3 fold the mirror many times; 33x17 is off the stride grid.
            for (const [w, h] of [[1, 1], [2, 3], [33, 17], [12, 8]] as const) {
              const img = noise(w, h, input, m * 7 + w);
              const got = (await session.run({ pixels: tensor('uint8', [1, h, w, input], img.data as Uint8Array) })).stylized!;
              assert.deepEqual(got.dims, [1, h, w, 3]);
              const want = await contextPath(float, model, img, m);
              let diff = 0;
              want.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - Number(got.data[i])))));
              assert.ok(diff <= 1, `context ${m}, ${w}x${h}, ${input} channels: differs by ${diff}`);
            }
          } finally {
            await session.release();
          }
        }
      }
    } finally {
      await float.release();
    }
  }
});

test('context: an identity network gives the frame back exactly; the context changes what a neighbourhood network sees at the border', async () => {
  const identity = network((x) => mul(x, 1));
  const img = noise(5, 3, 3, 11);
  const grid = { stride: 4, minSide: 8 };
  assert.deepEqual(await runPixels(withPixelIO(identity, { input: 3, output: 3, context: 3 }, grid), { input: 3, output: 3 }, Array.from(img.data)), Array.from(img.data));
  // A model whose output at a pixel depends on its neighbours: its border pixels change with context.
  const model = tinyModel();
  const frame = noise(40, 40, 3, 5);
  const run = async (context: number) => {
    const s = await createSession(pixelOnnx(model, { input: 3, output: 3, context }), { threads: 1 });
    try {
      return (await s.run({ pixels: tensor('uint8', [1, 40, 40, 3], frame.data as Uint8Array) })).stylized!.data as Uint8Array;
    } finally {
      await s.release();
    }
  };
  const [plain, wide] = [await run(0), await run(8)];
  assert.notDeepEqual(plain.subarray(0, 40 * 3), wide.subarray(0, 40 * 3), 'the top row sees the mirrored context');
});

test('context: refused in one line unless a whole number of pixels from 0 to the maximum; sessions are kept per context', () => {
  assert.equal(checkContext(0), 0);
  assert.equal(checkContext(MAX_CONTEXT), MAX_CONTEXT);
  for (const bad of [-1, 1.5, MAX_CONTEXT + 1, Number.NaN]) assert.throws(() => checkContext(bad), /^Error: context must be a whole number of pixels from 0 to 256, got/);
  assert.throws(() => withPixelIO(network((x) => x), { input: 3, output: 3, context: -2 }, { stride: 1, minSide: 1 }), /context must be/);
  assert.equal(layoutKey({ input: 3, output: 3, context: 0 }), layoutKey({ input: 3, output: 3 }));
  assert.notEqual(layoutKey({ input: 3, output: 3, context: 32 }), layoutKey({ input: 3, output: 3 }));
  const model = tinyModel();
  assert.notEqual(pixelOnnx(model, { input: 3, output: 3, context: 32 }), pixelOnnx(model, { input: 3, output: 3 }));
  assert.equal(pixelOnnx(model, { input: 3, output: 3, context: 32 }), pixelOnnx(model, { input: 3, output: 3, context: 32 }));
});
