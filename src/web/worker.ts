/**
 * The inference worker of Stylizer and LiveStylizer: owns the onnxruntime-web session so the page's
 * main thread only captures and draws. Messages are handled strictly in order, one frame at a time.
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
    const stylizer = await ThreadStylizer.create(model, msg.backend, msg.style);
    current = { id: msg.id, stylizer };
    post({ type: 'ready', id: msg.id, backend: stylizer.backend, threads: stylizer.threads, sessions: openSessions(), styles: stylizer.styles });
  } catch (e) {
    post({ type: 'load-error', id: msg.id, error: toWire(e), sessions: openSessions() });
  }
}

async function run(msg: Extract<ToWorker, { type: 'frame' }>): Promise<void> {
  const m = current;
  if (!m) {
    // No style (released or failed): hand the buffer back so the page can count and reuse it.
    post({ type: 'run-error', id: -1, seq: msg.seq, error: { message: 'no style loaded' }, pixels: msg.pixels }, [msg.pixels]);
    return;
  }
  const t0 = performance.now();
  try {
    const out = await m.stylizer.stylizeRgba(new Uint8ClampedArray(msg.pixels), msg.width, msg.height);
    // onnxruntime-web hands each output its own buffer: it moves to the page as it is.
    const output = (ownsBuffer(out) ? out.buffer : out.slice().buffer) as ArrayBuffer;
    post(
      { type: 'result', id: m.id, seq: msg.seq, width: msg.width, height: msg.height, output, input: msg.pixels, runMs: m.stylizer.lastRunMs, totalMs: performance.now() - t0 },
      [output, msg.pixels],
    );
  } catch (e) {
    post({ type: 'run-error', id: m.id, seq: msg.seq, error: toWire(e), pixels: msg.pixels }, [msg.pixels]);
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
    if (msg.type === 'mix') return mix(msg);
    return release().then(() => post({ type: 'released', sessions: openSessions() }));
  });
}

// onnxruntime-web names its WASM threads 'em-pthread'; such a thread owns onmessage.
if (scope.name.startsWith('em-pthread')) startWasmThread();
else scope.onmessage = handle;
