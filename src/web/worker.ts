/**
 * The inference worker of Stylizer and LiveStylizer: owns the onnxruntime-web session, and for the live
 * loop also reads each camera frame and paints its result, so the page's main thread only hands frames
 * over and draws bitmaps. Messages are handled strictly in order, one frame at a time.
 *
 * onnxruntime-web runs only here, never in the page: its WASM threads are workers that load the module
 * onnxruntime-web ended up in, and a page's bundler may put it in a chunk that imports the page's own
 * entry (which touches `document`: the thread dies and the session never finishes loading). A worker is
 * bundled apart from the page, so those threads load worker code only, possibly this very module:
 * hence the thread check below.
 */
import { ownsBuffer } from '../runtime/session-stylizer.js';
import { toWire } from './errors.js';
import { loadModel } from './model.js';
import { env, openSessions, ortUrls, startWasmThread } from './ort.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ThreadStylizer } from './session.js';

// Typed by hand: the DOM and WebWorker libs cannot share one program, and the page needs DOM.
interface WorkerScope {
  readonly name: string;
  postMessage(msg: FromWorker, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

let current: { id: number; stylizer: ThreadStylizer } | undefined;
let chain: Promise<void> = Promise.resolve();

async function release(): Promise<void> {
  const old = current;
  current = undefined;
  await old?.stylizer.release().catch(() => undefined);
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  // The old session goes first: two styles never hold memory at once.
  await release();
  Object.assign(ortUrls, msg.ortUrls);
  if (msg.wasmPaths) env.wasmPaths = msg.wasmPaths;
  if (msg.threads !== undefined) env.threads = msg.threads;
  try {
    const model = await loadModel(msg.source);
    const stylizer = await ThreadStylizer.create(model, msg.backend, msg.style, msg.context);
    current = { id: msg.id, stylizer };
    post({ type: 'ready', id: msg.id, backend: stylizer.backend, threads: stylizer.threads, sessions: openSessions(), styles: stylizer.styles });
  } catch (e) {
    post({ type: 'load-error', id: msg.id, error: toWire(e), sessions: openSessions() });
  }
}

async function run(msg: Extract<ToWorker, { type: 'frame' }>): Promise<void> {
  const m = current;
  if (!m) {
    post({ type: 'run-error', id: -1, seq: msg.seq, error: { message: 'no style loaded' } });
    return;
  }
  const t0 = performance.now();
  try {
    const out = await m.stylizer.stylizeRgba(new Uint8ClampedArray(msg.pixels), msg.width, msg.height);
    // onnxruntime-web hands each output its own buffer: it moves to the page as it is.
    const output = (ownsBuffer(out) ? out.buffer : out.slice().buffer) as ArrayBuffer;
    post({ type: 'result', id: m.id, seq: msg.seq, width: msg.width, height: msg.height, output, runMs: m.stylizer.lastRunMs, totalMs: performance.now() - t0 }, [output]);
  } catch (e) {
    post({ type: 'run-error', id: m.id, seq: msg.seq, error: toWire(e) });
  }
}

/** The live loop's two canvases, kept across frames (a new size resizes them). */
const canvases: Partial<Record<'input' | 'output', OffscreenCanvasRenderingContext2D>> = {};

function canvas(which: 'input' | 'output', width: number, height: number): OffscreenCanvasRenderingContext2D {
  let ctx = canvases[which];
  if (!ctx) {
    // The input is read back every frame: keep it in CPU memory.
    const made = typeof OffscreenCanvas === 'undefined' ? null : new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: which === 'input' });
    if (!made) throw new Error('this browser cannot draw in a worker (no 2d OffscreenCanvas), which the live loop needs');
    ctx = canvases[which] = made;
  }
  if (ctx.canvas.width !== width || ctx.canvas.height !== height) Object.assign(ctx.canvas, { width, height });
  return ctx;
}

/**
 * A camera frame: cropped and scaled as it is drawn, read, stylized, and both sides sent back as
 * bitmaps, so the page neither reads nor writes a pixel to show it.
 */
async function runLive(msg: Extract<ToWorker, { type: 'live' }>): Promise<void> {
  const m = current;
  const t0 = performance.now();
  try {
    if (!m) throw new Error('no style loaded');
    const { width, height, crop } = msg;
    const input = canvas('input', width, height);
    input.drawImage(msg.image, crop.sx, crop.sy, crop.sw, crop.sh, 0, 0, width, height);
    // A VideoFrame holds one of the camera's few buffers: give it back before the run.
    msg.image.close();
    const out = await m.stylizer.stylizeRgba(input.getImageData(0, 0, width, height).data, width, height);
    const output = canvas('output', width, height);
    output.putImageData(new ImageData(new Uint8ClampedArray(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength), width, height), 0, 0);
    const bitmaps = { input: input.canvas.transferToImageBitmap(), output: output.canvas.transferToImageBitmap() };
    post({ type: 'shown', id: m.id, seq: msg.seq, ...bitmaps, runMs: m.stylizer.lastRunMs, totalMs: performance.now() - t0 }, [bitmaps.input, bitmaps.output]);
  } catch (e) {
    // Closing twice is a no-op.
    msg.image.close();
    post({ type: 'run-error', id: m?.id ?? -1, seq: msg.seq, error: toWire(e) });
  }
}

/** A new mix for the frames that follow (messages are handled in order): no session reload. */
function mix(msg: Extract<ToWorker, { type: 'mix' }>): void {
  try {
    if (!current) throw new Error('no style loaded');
    current.stylizer.setStyle(msg.style);
    post({ type: 'mixed', seq: msg.seq });
  } catch (e) {
    post({ type: 'mixed', seq: msg.seq, error: toWire(e) });
  }
}

function handle(ev: MessageEvent<ToWorker>): void {
  const msg = ev.data;
  chain = chain.then(() => {
    if (msg.type === 'load') return load(msg);
    if (msg.type === 'frame') return run(msg);
    if (msg.type === 'live') return runLive(msg);
    if (msg.type === 'mix') return mix(msg);
    return release().then(() => post({ type: 'released', sessions: openSessions() }));
  });
}

// onnxruntime-web names its WASM threads 'em-pthread'; such a thread owns onmessage.
if (scope.name.startsWith('em-pthread')) startWasmThread();
else scope.onmessage = handle;
