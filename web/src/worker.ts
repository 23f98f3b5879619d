/**
 * Inference worker: owns the onnxruntime-web session so the page's main thread only captures and
 * draws. One frame at a time; the page queues (and drops) frames while this one is busy.
 */
import type * as Ort from 'onnxruntime-web';
import { imagesToTensor, tensorToImage } from '../../src/runtime/image.js';
import type { Backend, FromWorker, ToWorker } from './protocol.js';

// Typed by hand: the DOM and WebWorker libs cannot share one program, and the page needs DOM.
interface WorkerScope {
  postMessage(msg: FromWorker, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

type OrtModule = typeof Ort;

interface Loaded {
  readonly id: string;
  readonly session: Ort.InferenceSession;
  readonly ort: OrtModule;
  readonly stride: number;
  readonly minSide: number;
}

let current: Loaded | undefined;
// Messages are handled strictly in order, so a frame never runs on a session being replaced.
let chain: Promise<void> = Promise.resolve();
const ortModules = new Map<string, Promise<OrtModule>>();

const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);
const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 300);

/**
 * onnxruntime-web is loaded from the app's own server at run time (never a CDN), in the build that
 * fits the backend: the WebGPU build, or the smaller plain WASM build.
 */
function loadOrt(ortPath: string, backend: Backend): Promise<OrtModule> {
  const file = backend === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
  let m = ortModules.get(file);
  if (!m) {
    m = (import(/* @vite-ignore */ `${ortPath}${file}`) as Promise<OrtModule>).then((ort) => {
      ort.env.wasm.wasmPaths = ortPath;
      // Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP from the server).
      ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
      ort.env.wasm.proxy = false;
      return ort;
    });
    m.catch(() => ortModules.delete(file));
    ortModules.set(file, m);
  }
  return m;
}

async function webgpuUsable(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

async function fetchModel(url: string): Promise<{ bytes: Uint8Array; stride: number; minSide: number }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch ${url} (${firstLine(e)})`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().split('\n')[0];
    throw new Error(text || `HTTP ${res.status} for ${url}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const stride = Number(res.headers.get('x-stylecast-stride') ?? 4) || 4;
  const minSide = Number(res.headers.get('x-stylecast-min-side') ?? 1) || 1;
  return { bytes, stride, minSide };
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const t0 = performance.now();
  const old = current;
  current = undefined;
  await old?.session.release().catch(() => undefined);
  try {
    const model = await fetchModel(msg.url);
    const order: Backend[] = msg.backend === 'auto' ? ((await webgpuUsable()) ? ['webgpu', 'wasm'] : ['wasm']) : [msg.backend];
    let lastError: unknown;
    for (const backend of order) {
      try {
        const ort = await loadOrt(msg.ortPath, backend);
        const session = await ort.InferenceSession.create(model.bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
        if (!session.inputNames.includes('input') || !session.outputNames.includes('output')) {
          await session.release();
          throw new Error(`model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; expected 'input' and 'output'`);
        }
        current = { id: msg.id, session, ort, stride: model.stride, minSide: model.minSide };
        const threads = backend === 'wasm' ? (ort.env.wasm.numThreads ?? 1) : 0;
        post({ type: 'ready', id: msg.id, backend, threads, loadMs: performance.now() - t0 });
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  } catch (e) {
    post({ type: 'error', phase: 'load', id: msg.id, message: firstLine(e) });
  }
}

async function run(msg: Extract<ToWorker, { type: 'frame' }>): Promise<void> {
  const m = current;
  if (!m) {
    // No model (loading or failed): hand the buffer back so the page can count and reuse it.
    post({ type: 'error', phase: 'run', id: '', seq: msg.seq, message: 'no model loaded', pixels: msg.pixels }, [msg.pixels]);
    return;
  }
  const t0 = performance.now();
  try {
    const frame = { width: msg.width, height: msg.height, channels: 4 as const, data: new Uint8ClampedArray(msg.pixels) };
    const x = imagesToTensor([frame], m.stride, m.minSide);
    const t1 = performance.now();
    const res = await m.session.run({ input: new m.ort.Tensor('float32', x.data, x.dims) });
    const t2 = performance.now();
    const y = res.output!;
    const data = (y.location === 'cpu' ? y.data : await y.getData()) as Float32Array;
    // Passing the RGBA frame as alphaFrom makes tensorToImage emit RGBA, ready for ImageData.
    const out = tensorToImage({ dtype: 'float32', dims: y.dims, data }, 0, msg.width, msg.height, frame);
    y.dispose();
    const output = out.data.buffer as ArrayBuffer;
    post(
      { type: 'result', id: m.id, seq: msg.seq, width: msg.width, height: msg.height, output, input: msg.pixels, runMs: t2 - t1, totalMs: performance.now() - t0 },
      [output, msg.pixels],
    );
  } catch (e) {
    post({ type: 'error', phase: 'run', id: m.id, seq: msg.seq, message: firstLine(e), pixels: msg.pixels }, [msg.pixels]);
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  chain = chain.then(() => (msg.type === 'load' ? load(msg) : run(msg)));
};
