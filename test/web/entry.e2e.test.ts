/**
 * The published browser entry (`stylecast-nst/web`, built into dist/browser/) in headless Chromium, imported
 * through the import map of the minimal example page (examples/page/) on a plain static server: still
 * images match onnxruntime-node, the live loop runs from a fake camera and stops cleanly, style
 * switches do not leak, and every failure reaches the page as its typed exception.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { STUDENTS } from '../../src/io/students.js';
import { REPO_ROOT } from '../../src/serve/build.js';
import { loadModel } from '../../src/models/load.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { launchChromium, makeY4m, needsBrowser } from '../helpers/browser.js';
import type { StaticServer } from '../helpers/static.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBrowserEntry, meanDiffRgb, openExample, serveExamplePage, type WebApi } from '../helpers/web-entry.js';

const CLIP = 'video/asl_book.mkv';
const skip = needsBrowser() || needsMirror(CLIP);
const MODEL = 'candy_rt';

type Win = Window & { sc: WebApi; live?: InstanceType<WebApi['LiveStylizer']> };

const dir = tempDir('stylecast-entry-');
let server: StaticServer;
let browser: Browser;
let page: Page;
let clip: string;

before(async () => {
  if (skip) return;
  await ensureBrowserEntry();
  clip = makeY4m(mirrorPath(CLIP), join(dir, 'camera.y4m'), 45);
  server = await serveExamplePage();
  browser = await launchChromium({ camera: clip });
  page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await openExample(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Node's own output (onnxruntime-node, the same model file) for RGBA pixels. */
async function nodeOutput(width: number, height: number, rgba: Uint8Array, context = 0): Promise<Uint8Array> {
  const s = await Stylizer.create(await loadModel(MODEL), { context });
  return (await s.stylize({ width, height, channels: 4, data: rgba })).data as Uint8Array;
}

test('the example page itself runs: built-in styles listed, a photo stylized at its size', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(await page.locator('#style option').allTextContents(), STUDENTS.map((st) => st.name));
  await page.setInputFiles('#photo', join(REPO_ROOT, 'examples/webcam.jpg'));
  await page.waitForFunction(() => /stylized on|Error/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
  assert.equal(await page.textContent('#status'), 'stylized on wasm');
  assert.deepEqual(await page.evaluate(() => [(document.getElementById('view') as HTMLCanvasElement).width, (document.getElementById('view') as HTMLCanvasElement).height]), [640, 480]);
});

test('a still image stylized in the page matches Node within 1 level, at any size', { skip, timeout: 180_000 }, async (t) => {
  // An <img> at 640x480 and a 301x203 canvas crop of it (not a multiple of the stride: pad and crop inside).
  const runs = await page.evaluate(async () => {
    const { sc } = window as unknown as Win;
    const b64 = (d: Uint8ClampedArray) => {
      let s = '';
      for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const img = new Image();
    img.src = '/photos/webcam.jpg';
    await img.decode();
    const crop = document.createElement('canvas');
    Object.assign(crop, { width: 301, height: 203 });
    crop.getContext('2d')!.drawImage(img, 17, 9, 301, 203, 0, 0, 301, 203);
    const stylizer = await sc.Stylizer.create(await sc.loadModel('candy_rt'));
    const out: { width: number; height: number; input: string; output: string; drawn: string; backend: string }[] = [];
    for (const source of [img, crop]) {
      const target = document.createElement('canvas');
      const o = await stylizer.stylize(source, target);
      const input = new OffscreenCanvas(o.width, o.height).getContext('2d')!;
      input.drawImage(source, 0, 0);
      const drawn = target.getContext('2d')!.getImageData(0, 0, target.width, target.height);
      out.push({ width: o.width, height: o.height, input: b64(input.getImageData(0, 0, o.width, o.height).data), output: b64(o.data), drawn: b64(drawn.data), backend: stylizer.backend });
    }
    await stylizer.release();
    return out;
  });
  assert.deepEqual(runs.map((r) => [r.width, r.height]), [[640, 480], [301, 203]]);
  for (const r of runs) {
    assert.equal(r.backend, 'wasm', 'no GPU here: auto picks WASM');
    const input = Buffer.from(r.input, 'base64');
    const output = Buffer.from(r.output, 'base64');
    assert.ok(output.equals(Buffer.from(r.drawn, 'base64')), 'the canvas shows the returned pixels');
    const want = await nodeOutput(r.width, r.height, input);
    const mad = meanDiffRgb(output, want);
    t.diagnostic(`${r.width}x${r.height}: mean abs diff vs onnxruntime-node ${mad.toFixed(4)}`);
    assert.ok(mad < 1, `within 1 level of Node (${mad.toFixed(3)})`);
    // Stylized, not passed through.
    assert.ok(meanDiffRgb(output, input) > 10);
  }
});

test('context in the page: mirrored pixels around the picture as in Node (within 1 level); a bad one is refused', { skip, timeout: 180_000 }, async (t) => {
  const r = await page.evaluate(async () => {
    const { sc } = window as unknown as Win;
    const b64 = (d: Uint8ClampedArray | Uint8Array) => {
      let s = '';
      for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const img = new Image();
    img.src = '/photos/webcam.jpg';
    await img.decode();
    const crop = new OffscreenCanvas(161, 97).getContext('2d')!;
    crop.drawImage(img, 40, 30, 161, 97, 0, 0, 161, 97);
    const input = crop.getImageData(0, 0, 161, 97);
    const model = await sc.loadModel('candy_rt');
    const wide = await sc.Stylizer.create(model, { context: 24 });
    const plain = await sc.Stylizer.create(model);
    const [a, b] = [await wide.stylize(input), await plain.stylize(input)];
    await Promise.all([wide.release(), plain.release()]);
    const live = new sc.LiveStylizer(document.createElement('canvas'));
    const bad = await live.setStyle(model, { context: -1 }).then(() => 'no error', (e: Error) => e.message);
    return { input: b64(input.data), wide: b64(a.data), plain: b64(b.data), bad };
  });
  const input = Buffer.from(r.input, 'base64');
  const wide = Buffer.from(r.wide, 'base64');
  const mad = meanDiffRgb(wide, await nodeOutput(161, 97, input, 24));
  t.diagnostic(`context 24, 161x97: mean abs diff vs onnxruntime-node ${mad.toFixed(4)}`);
  assert.ok(mad < 1, `within 1 level of Node (${mad.toFixed(3)})`);
  // The top row sees the mirrored context: it differs from the run without.
  assert.ok(meanDiffRgb(wide.subarray(0, 161 * 4), Buffer.from(r.plain, 'base64').subarray(0, 161 * 4)) > 1);
  assert.match(r.bad, /context must be a whole number of pixels from 0 to 256, got -1/);
});

test('the live loop runs from a fake camera, reports stats and stops cleanly', { skip, timeout: 180_000 }, async () => {
  const r = await page.evaluate(async () => {
    const w = window as unknown as Win;
    const live = new w.sc.LiveStylizer(document.createElement('canvas'), { size: { width: 320, height: 240 }, statsInterval: 100 });
    const events: { shown: number; captureFps: number; inferenceMs: number; shownFps: number; dropped: number; backend?: string; sessions: number }[] = [];
    live.addEventListener('stats', (e) => events.push(e.detail));
    let frames = 0;
    live.addEventListener('frame', () => frames++);
    const info = await live.setStyle('candy_rt');
    await live.start();
    const t0 = performance.now();
    while (frames < 3 && performance.now() - t0 < 90_000) await new Promise((ok) => setTimeout(ok, 100));
    const track = live.stream!.getVideoTracks()[0]!;
    const running = live.running;
    await live.stop();
    const afterStop = { frames, stats: live.stats(), events: events.length, track: track.readyState, running: live.running };
    await new Promise((ok) => setTimeout(ok, 1500));
    return { info, running, events, afterStop, later: { frames, events: events.length } };
  });
  assert.equal(r.info.backend, 'wasm');
  assert.equal(r.info.threads, 1, 'a plain static server is not cross-origin isolated: one WASM thread');
  assert.equal(r.running, true);
  assert.ok(r.afterStop.frames >= 3, `frames shown: ${r.afterStop.frames}`);
  const last = r.events.at(-1)!;
  assert.ok(last.captureFps > 5 && last.captureFps < 65, `capture ${last.captureFps} fps`);
  assert.ok(last.inferenceMs > 0 && last.shownFps > 0 && last.shown >= 2, JSON.stringify(last));
  assert.equal(last.backend, 'wasm');
  assert.equal(last.sessions, 1);
  assert.ok(r.events.every((e, i) => i === 0 || e.shown >= r.events[i - 1]!.shown), 'shown only grows');
  // Stopped: camera closed, session released, no more frames or stats.
  assert.equal(r.afterStop.track, 'ended');
  assert.equal(r.afterStop.running, false);
  assert.equal(r.afterStop.stats.sessions, 0);
  assert.deepEqual(r.later, { frames: r.afterStop.frames, events: r.afterStop.events });
});

for (const webCodecs of [true, false]) {
  const how = webCodecs ? 'VideoFrame' : 'createImageBitmap (no WebCodecs)';
  test(`the live loop reads and paints pixels in the worker only, frames sent as ${how}: the canvas and the frame event agree with onnxruntime-node`, { skip, timeout: 180_000 }, async (t) => {
    const r = await page.evaluate(async (webCodecs) => {
      const { sc } = window as unknown as Win;
      const { VideoFrame } = window;
      if (!webCodecs) Reflect.deleteProperty(window, 'VideoFrame');
      const b64 = (d: Uint8ClampedArray) => {
        let s = '';
        for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
        return btoa(s);
      };
      // Count the page's pixel reads and writes (the worker has its own prototypes).
      const calls = { get: 0, put: 0 };
      const protos = [CanvasRenderingContext2D.prototype, OffscreenCanvasRenderingContext2D.prototype];
      const originals = protos.map(({ getImageData, putImageData }) => ({ getImageData, putImageData }));
      for (const proto of protos) {
        const { getImageData, putImageData } = proto as CanvasRenderingContext2D;
        Object.assign(proto, {
          getImageData(this: CanvasRenderingContext2D, ...a: Parameters<typeof getImageData>) {
            calls.get++;
            return getImageData.apply(this, a);
          },
          putImageData(this: CanvasRenderingContext2D, ...a: Parameters<typeof putImageData>) {
            calls.put++;
            return putImageData.apply(this, a);
          },
        });
      }
      // 320x240 from the 640x480 camera: the worker crops and scales.
      const canvas = document.createElement('canvas');
      const live = new sc.LiveStylizer(canvas, { size: { width: 320, height: 240 } });
      const seen: { seq: number; scale: number; bitmap: [number, number] }[] = [];
      live.addEventListener('frame', (e) => seen.push({ seq: e.detail.seq, scale: e.detail.scale, bitmap: [e.detail.outputBitmap.width, e.detail.outputBitmap.height] }));
      await live.setStyle('candy_rt');
      await live.start();
      const t0 = performance.now();
      while (seen.length < 3 && performance.now() - t0 < 90_000) await new Promise((ok) => setTimeout(ok, 50));
      const steady = { ...calls };
      // A listener that asks for pixels gets them; the canvas holds that very frame when 'frame' fires.
      const asked = await new Promise<{ input: string; output: string; displayed: string; width: number; height: number }>((ok) =>
        live.addEventListener(
          'frame',
          (e) => {
            const { input, output } = e.detail;
            ok({ input: b64(input.data), output: b64(output.data), displayed: b64(canvas.getContext('2d')!.getImageData(0, 0, 320, 240).data), width: output.width, height: output.height });
          },
          { once: true },
        ),
      );
      const { mainThreadMs, shown } = live.stats();
      await live.stop();
      protos.forEach((proto, i) => Object.assign(proto, originals[i]));
      Object.assign(window, { VideoFrame });
      // The last frame's pixels, read after the loop stopped: read once, then kept.
      const last = live.lastFrame()!;
      const same = last.output === last.output && last.input.data.length === 320 * 240 * 4;
      return { seen, steady, asked, mainThreadMs, shown, same };
    }, webCodecs);
    t.diagnostic(`main thread ${r.mainThreadMs.toFixed(2)} ms per shown frame over ${r.shown} frames`);
    assert.ok(r.seen.length >= 3);
    for (const f of r.seen) assert.deepEqual([f.scale, ...f.bitmap], [1, 320, 240]);
    assert.deepEqual(r.steady, { get: 0, put: 0 }, 'no pixel is read or written on the page while nobody asks');
    assert.ok(r.mainThreadMs > 0, 'the page share is still measured');
    assert.deepEqual([r.asked.width, r.asked.height], [320, 240]);
    const input = Buffer.from(r.asked.input, 'base64');
    const output = Buffer.from(r.asked.output, 'base64');
    assert.ok(output.equals(Buffer.from(r.asked.displayed, 'base64')), 'the canvas shows the frame event\'s output');
    const mad = meanDiffRgb(output, await nodeOutput(320, 240, input));
    t.diagnostic(`live frame vs onnxruntime-node: mean abs diff ${mad.toFixed(4)}`);
    assert.ok(mad < 1.5, `within 1.5 levels of Node (${mad.toFixed(3)})`);
    assert.ok(meanDiffRgb(output, input) > 10, 'stylized, not passed through');
    assert.ok(r.same);
  });
}

test('switching styles 20 times keeps one session and does not grow the page memory', { skip, timeout: 400_000 }, async (t) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
  };
  // One style and frame through every code path first, so lazily created state counts as baseline.
  const switchTo = (names: string[]) =>
    page.evaluate(async (list) => {
      const w = window as unknown as Win;
      w.live ??= new w.sc.LiveStylizer(document.createElement('canvas'), { size: { width: 160, height: 120 } });
      const live = w.live;
      const sessions: number[] = [];
      for (const name of list) {
        await live.setStyle(name);
        if (!live.running) await live.start();
        // Wait for a frame of this style: its session really ran.
        await new Promise<void>((ok) => live.addEventListener('frame', () => ok(), { once: true }));
        sessions.push(live.stats().sessions);
      }
      return sessions;
    }, names);
  const styles = (await page.evaluate(() => (window as unknown as Win).sc.BUILTIN_MODELS)) as string[];
  await switchTo([styles[0]!, styles[1]!]);
  const before = await heap();
  const sessions = await switchTo(Array.from({ length: 20 }, (_, i) => styles[i % styles.length]!));
  const afterSwitches = await heap();
  assert.deepEqual(sessions, Array(20).fill(1), 'the previous style is released before the next loads');
  const grew = afterSwitches - before;
  t.diagnostic(`page JS heap ${(before / 1e6).toFixed(2)} MB -> ${(afterSwitches / 1e6).toFixed(2)} MB after 20 switches`);
  // A leaked frame (160x120 RGBA in and out) or model (200 KB) per switch would add 2-4 MB.
  assert.ok(grew < 1e6, `page heap grew ${(grew / 1e6).toFixed(2)} MB`);
  const stopped = await page.evaluate(async () => {
    const live = (window as unknown as Win).live!;
    await live.stop();
    return live.stats().sessions;
  });
  assert.equal(stopped, 0);
  await cdp.detach();
});

test('every failure reaches the page as its typed exception', { skip, timeout: 180_000 }, async () => {
  const r = await page.evaluate(async () => {
    const { sc } = window as unknown as Win;
    const caught = async (f: () => Promise<unknown>, type: abstract new (...a: never[]) => Error) => {
      try {
        await f();
        return 'no error';
      } catch (e) {
        return e instanceof type && e instanceof sc.StylecastError ? `${(e as Error).name}: ${(e as Error).message}` : `wrong error ${String(e)}`;
      }
    };
    const good = new Uint8Array(await (await fetch('/node_modules/stylecast-nst/models/candy_rt.onnx')).arrayBuffer());
    const live = new sc.LiveStylizer(document.createElement('canvas'), { size: { width: 160, height: 120 } });
    const gpuLive = new sc.LiveStylizer(document.createElement('canvas'), { backend: 'webgpu' });
    const lost = new Promise<string>((ok) => live.addEventListener('error', (e) => ok(e.detail instanceof sc.CameraLostError ? `${e.detail.name}: ${e.detail.message}` : String(e.detail))));
    const out = {
      unknownName: await caught(() => sc.loadModel('no_such_style'), sc.ModelNotFoundError),
      missingUrl: await caught(() => sc.loadModel('/models/missing.onnx'), sc.ModelNotFoundError),
      garbage: await caught(() => sc.loadModel(new TextEncoder().encode('not a model')), sc.ModelCorruptError),
      truncated: await caught(() => sc.loadModel(good.slice(0, good.length >> 1)), sc.ModelCorruptError),
      // Through the worker: the class survives the trip.
      liveMissing: await caught(() => live.setStyle('/models/missing.onnx'), sc.ModelNotFoundError),
      liveCorrupt: await caught(() => live.setStyle(good.slice(0, 1000)), sc.ModelCorruptError),
      webgpu: await caught(async () => sc.Stylizer.create(await sc.loadModel(good), { backend: 'webgpu' }), sc.BackendUnavailableError),
      liveWebgpu: await caught(() => gpuLive.setStyle(good), sc.BackendUnavailableError),
      lost: '',
      noOffscreen: '',
      sessions: sc.openSessions(),
    };
    await gpuLive.stop();
    const { OffscreenCanvas } = window;
    Reflect.deleteProperty(window, 'OffscreenCanvas');
    out.noOffscreen = await live.start().then(() => 'started', (e: Error) => e.message);
    Object.assign(window, { OffscreenCanvas });
    await live.setStyle(good);
    await live.start();
    live.stream!.getVideoTracks()[0]!.dispatchEvent(new Event('ended'));
    out.lost = await lost;
    await live.stop();
    return out;
  });
  assert.match(r.unknownName, /^ModelNotFoundError: unknown model 'no_such_style'; built-in models are candy_rt, /);
  assert.match(r.missingUrl, /^ModelNotFoundError: model not found: .*\/models\/missing\.onnx/);
  assert.match(r.garbage, /^ModelCorruptError: model bytes: /);
  assert.match(r.truncated, /^ModelCorruptError: /);
  assert.match(r.liveMissing, /^ModelNotFoundError: model not found: /);
  assert.match(r.liveCorrupt, /^ModelCorruptError: /);
  assert.match(r.webgpu, /^BackendUnavailableError: WebGPU is not available/);
  assert.match(r.liveWebgpu, /^BackendUnavailableError: WebGPU is not available/);
  assert.match(r.lost, /^CameraLostError: the camera stopped delivering frames/);
  assert.equal(r.noOffscreen, 'this browser has no OffscreenCanvas, which the live loop draws frames with');
  assert.equal(r.sessions, 0, 'failed loads leave no session behind');
});

test('a worker that cannot load, throws or dies rejects the pending call with WorkerFailedError', { skip, timeout: 120_000 }, async () => {
  const p = await browser.newPage();
  // The worker's script as served: missing, throwing while it loads, or dying on its first message.
  const scripts: (string | undefined)[] = [
    undefined,
    "throw new Error('broken at load');",
    "self.onmessage = () => setTimeout(() => { throw new Error('died mid-call'); });",
  ];
  let script: string | undefined;
  await p.route('**/dist/browser/worker.js', (r) => (script === undefined ? r.fulfill({ status: 404 }) : r.fulfill({ contentType: 'text/javascript', body: script })));
  try {
    await openExample(p, server.url);
    const results: { stylizer: string; live: string; event: string }[] = [];
    for (const s of scripts) {
      script = s;
      results.push(
        await p.evaluate(async () => {
          const { sc } = window as unknown as Win;
          const good = new Uint8Array(await (await fetch('/node_modules/stylecast-nst/models/candy_rt.onnx')).arrayBuffer());
          const describe = (e: unknown) => (e instanceof sc.WorkerFailedError && e.code === 'worker-failed' ? `${e.name}: ${e.message}` : `wrong error ${String(e)}`);
          const model = await sc.loadModel(good);
          const stylizer = await sc.Stylizer.create(model).then(() => 'created', describe);
          const live = new sc.LiveStylizer(document.createElement('canvas'));
          const event = new Promise<string>((ok) => live.addEventListener('error', (e) => ok(describe(e.detail))));
          const setStyle = await live.setStyle(good).then(() => 'loaded', describe);
          return { stylizer, live: setStyle, event: await event };
        }),
      );
    }
    const [missing, throwing, dying] = results;
    assert.match(missing!.stylizer, /^WorkerFailedError: the inference worker could not be loaded/);
    assert.match(throwing!.stylizer, /^WorkerFailedError: the inference worker failed: Uncaught Error: broken at load/);
    assert.match(dying!.stylizer, /^WorkerFailedError: the inference worker failed: Uncaught Error: died mid-call/);
    for (const r of results) {
      assert.equal(r.live, r.stylizer, 'the live loop rejects the same way');
      assert.equal(r.event, r.stylizer, "and tells its 'error' listeners");
    }
  } finally {
    await p.close();
  }
});

test('without onnxruntime-web installed, the error names the install command', { skip, timeout: 60_000 }, async () => {
  const p = await browser.newPage();
  await p.route('**/node_modules/onnxruntime-web/**', (r) => r.fulfill({ status: 404 }));
  try {
    await openExample(p, server.url);
    const message = await p.evaluate(async () => {
      const { sc } = window as unknown as Win;
      return sc.Stylizer.create(await sc.loadModel('candy_rt')).then(
        () => 'created',
        (e: unknown) => (e instanceof sc.BackendUnavailableError ? `${e.name}: ${e.message}` : `wrong error ${String(e)}`),
      );
    });
    assert.match(message, /^BackendUnavailableError: cannot load onnxruntime-web's wasm build 'onnxruntime-web\/wasm' .*: run `npm install onnxruntime-web`/);
  } finally {
    await p.close();
  }
});

async function startOnFreshBrowser(opts: Parameters<typeof launchChromium>[0]): Promise<string> {
  const b = await launchChromium(opts);
  try {
    const p = await b.newPage();
    await openExample(p, server.url);
    return await p.evaluate(async () => {
      const { sc } = window as unknown as Win;
      try {
        await new sc.LiveStylizer(document.createElement('canvas')).start();
        return 'started';
      } catch (e) {
        const ok = e instanceof sc.NoCameraError || e instanceof sc.CameraPermissionError;
        return ok ? `${(e as Error).name}: ${(e as Error).message}` : `wrong error ${String(e)}`;
      }
    });
  } finally {
    await b.close();
  }
}

test('no camera and a denied camera are typed errors', { skip, timeout: 120_000 }, async () => {
  assert.match(await startOnFreshBrowser({ autoAllow: true }), /^NoCameraError: no camera found/);
  // A camera exists, but without the auto-accept flag playwright dismisses the permission prompt.
  assert.match(await startOnFreshBrowser({ camera: clip, autoAllow: false }), /^CameraPermissionError: camera permission denied/);
});

test('a cross-origin isolated page gets threaded WASM', { skip, timeout: 120_000 }, async () => {
  const isolated = await serveExamplePage({ isolate: true });
  const p = await browser.newPage();
  try {
    await openExample(p, isolated.url);
    const r = await p.evaluate(async () => {
      const { sc } = window as unknown as Win;
      const s = await sc.Stylizer.create(await sc.loadModel('candy_rt'));
      const out = { backend: s.backend, threads: s.threads, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
      await s.release();
      return out;
    });
    assert.equal(r.isolated, true);
    assert.equal(r.backend, 'wasm');
    assert.equal(r.threads, Math.min(8, r.cores));
  } finally {
    await p.close();
    await isolated.close();
  }
});
