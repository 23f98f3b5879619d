/**
 * WebGPU in the published browser entry, on Chromium's software adapter (SwiftShader, ~1000x slower
 * than WASM, so a tiny input): an explicit 'webgpu' request runs and matches Node, while 'auto'
 * refuses the software adapter and picks WASM.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadModel } from '../../src/models/load.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { launchChromium, needsBrowser } from '../helpers/browser.js';
import type { StaticServer } from '../helpers/static.js';
import { ensureBrowserEntry, meanDiffRgb, openExample, serveExamplePage, type WebApi } from '../helpers/web-entry.js';

const skip = needsBrowser();
type Win = Window & { sc: WebApi };
type Gpu = { requestAdapter(): Promise<Parameters<WebApi['isSoftwareAdapter']>[0] | null> };

let server: StaticServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  await ensureBrowserEntry();
  server = await serveExamplePage();
  browser = await launchChromium({ softwareWebGpu: true });
  page = await browser.newPage();
  await openExample(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("'auto' refuses the software adapter", { skip, timeout: 120_000 }, async () => {
  const r = await page.evaluate(async () => {
    const { sc } = window as unknown as Win;
    const adapter = await (navigator as unknown as { gpu: Gpu }).gpu.requestAdapter();
    const s = await sc.Stylizer.create(await sc.loadModel('candy_rt'));
    const out = { adapter: adapter?.info?.architecture ?? null, software: adapter ? sc.isSoftwareAdapter(adapter) : null, backend: s.backend };
    await s.release();
    return out;
  });
  assert.deepEqual(r, { adapter: 'swiftshader', software: true, backend: 'wasm' });
});

test("an explicit 'webgpu' runs on it and matches Node within 1 level", { skip, timeout: 300_000 }, async (t) => {
  const r = await page.evaluate(async () => {
    const { sc } = window as unknown as Win;
    const input = new ImageData(30, 22);
    for (let i = 0; i < input.data.length; i++) input.data[i] = i % 4 === 3 ? 255 : (i * 37 + ((i >> 7) & 63)) % 256;
    const s = await sc.Stylizer.create(await sc.loadModel('candy_rt'), { backend: 'webgpu' });
    const out = await s.stylize(input);
    await s.release();
    return { backend: s.backend, input: Array.from(input.data), output: Array.from(out.data), sessions: sc.openSessions() };
  });
  assert.equal(r.backend, 'webgpu');
  assert.equal(r.sessions, 0);
  const node = await Stylizer.create(await loadModel('candy_rt'));
  const want = (await node.stylize({ width: 30, height: 22, channels: 4, data: Uint8Array.from(r.input) })).data as Uint8Array;
  const mad = meanDiffRgb(Uint8Array.from(r.output), want);
  t.diagnostic(`WebGPU (SwiftShader) vs onnxruntime-node, 30x22: mean abs diff ${mad.toFixed(4)}`);
  assert.ok(mad < 1, `within 1 level (${mad.toFixed(3)})`);
});
