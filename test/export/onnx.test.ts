import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { psnr } from '../../src/eval/metrics.js';
import { exportModel } from '../../src/export/index.js';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../../src/export/onnx.js';
import { parseOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { loadModel } from '../../src/models/load.js';
import { decodeModel, transformerOf, type TransformerModel } from '../../src/models/modelfile.js';
import { createSession } from '../../src/runtime/ort.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';

function photo(h: number, w: number): Tensor<'float32'> {
  const t = f32([1, 3, h, w]);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(((Math.sin(i * 0.37) + Math.cos(i * 0.011)) / 4 + 0.5) * 255);
  return t;
}

async function run(onnx: Uint8Array, input: Tensor<'float32'>, name = 'input'): Promise<Float32Array> {
  const s = await createSession(onnx, { threads: 1 });
  try {
    return (await s.run({ [name]: input }))[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

test('onnx export: fixed and dynamic size, fp32 and fp16, same output as the model file; the I/O convention is in metadata_props', async () => {
  const m = transformerOf(await loadModel('candy_rt'), 'test');
  const x = photo(48, 64);
  const want = await run(m.onnx, x);
  const dynamic = exportOnnx(m);
  const p = parseOnnx(dynamic);
  assert.deepEqual([p.inputs[0]!.name, p.outputs[0]!.name], [ONNX_INPUT, ONNX_OUTPUT]);
  assert.deepEqual(p.inputs[0]!.shape, ['batch', 3, 'height', 'width']);
  assert.equal(p.metadata['io.layout'], 'NCHW');
  assert.equal(p.metadata['io.range'], '0..255');
  assert.match(p.metadata['io.input']!, /RGB, values 0\.\.255/);
  assert.equal(p.metadata['stylecast.sourceSha256'], m.sha256);
  assert.equal(p.metadata['stylecast.format'], undefined, 'a clean export, not a stylecast model file');
  assert.equal(maxAbs(await run(dynamic, x), want), 0);

  const fixed = exportModel(m, { format: 'onnx', size: [64, 48] });
  assert.deepEqual(parseOnnx(fixed).inputs[0]!.shape, [1, 3, 48, 64]);
  assert.equal(maxAbs(await run(fixed, x), want), 0);
  await assert.rejects(run(fixed, photo(64, 48)), /./, 'a fixed-size export refuses other sizes');

  const half = exportOnnx(m, { fp16: true, size: [64, 48] });
  assert.equal(parseOnnx(half).metadata['stylecast.precision'], 'fp16');
  assert.ok(half.length < fixed.length * 0.6, `fp16 file ${half.length} vs ${fixed.length} bytes`);
  const p16 = psnr(await run(half, x), want);
  console.log(`# fp16 ONNX export of candy_rt vs the model file: PSNR ${p16.toFixed(1)} dB`);
  assert.ok(p16 >= 40, `fp16 export PSNR ${p16.toFixed(1)} dB`);

  assert.throws(() => exportModel(m, { format: 'onnx', size: [66, 48] }), /^Error: size 66x48: width and height must be multiples of 4 \(the network's stride\)$/);
  assert.throws(() => exportModel(m, { format: 'tflite' as 'onnx' }), /^Error: unknown export format 'tflite' \(expected coreml or onnx\)$/);
});

const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const PAGE = `<!doctype html><script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;
window.stylize = async (data, dims) => {
  const s = await ort.InferenceSession.create('/model.onnx');
  const r = await s.run({ input: new ort.Tensor('float32', Float32Array.from(data), dims) });
  return Array.from(r[s.outputNames[0]].data);
};
window.ready = true;
</script>`;

/** A page that only loads onnxruntime-web and the exported file: no stylecast code in the browser. */
function serve(model: Uint8Array): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = req.url ?? '/';
    if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (url === '/model.onnx') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(model);
    const m = /^\/ort\/(ort[\w.-]*\.(mjs|wasm))$/.exec(url);
    if (m) {
      const body = await readFile(join(ORT_DIST, m[1]!)).catch(() => undefined);
      if (body) return res.writeHead(200, { 'content-type': m[2] === 'wasm' ? 'application/wasm' : 'text/javascript' }).end(body);
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('onnx export runs in onnxruntime-web in headless Chromium with the model file\'s output', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM}`, timeout: 120_000 }, async () => {
  const m: TransformerModel = transformerOf(await loadModel('la_muse_rt'), 'test');
  const x = photo(24, 32);
  const bytes = exportOnnx(m);
  const want = await run(m.onnx, x);
  const server = await serve(bytes);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const got = await page.evaluate(
      ([data, dims]) => (window as unknown as { stylize: (d: number[], s: number[]) => Promise<number[]> }).stylize(data, dims),
      [Array.from(x.data), x.dims as number[]] as const,
    );
    assert.equal(got.length, want.length);
    const err = maxAbs(got, want);
    console.log(`# onnxruntime-web vs onnxruntime-node on the exported la_muse_rt: max abs error ${err.toExponential(2)}`);
    assert.ok(err <= 0.05, `max abs error ${err}`);
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
  // The model file itself is what stylecast's own web app runs; the export must not depend on it.
  assert.throws(() => decodeModel(bytes, 'export.onnx'), /not a stylecast model/);
});
