/**
 * Worker-thread side of {@link WorkerStylizer}'s session: owns one onnxruntime session and runs the
 * feeds the main thread sends. onnxruntime-node's run() blocks the calling thread, so running it here
 * keeps the main thread free for decoding, pre/post-processing and encoding.
 */
import { parentPort } from 'node:worker_threads';
import { createSession, type Feeds, type Fetches, type Session } from './ort.js';
import { buffersOf } from './transfer.js';

export type ToWorker =
  | { readonly type: 'init'; readonly onnx: Uint8Array; readonly threads?: number }
  | { readonly type: 'run'; readonly id: number; readonly feeds: Feeds; readonly outputs?: readonly string[] }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'ready'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly fetches: Fetches; readonly ms: number }
  | { readonly type: 'error'; readonly id?: number; readonly message: string }
  | { readonly type: 'closed' };

const port = parentPort;
if (!port) throw new Error('infer-worker must run in a worker thread');

let session: Session | undefined;
// Runs one at a time, in arrival order, even though run() is async.
let chain: Promise<void> = Promise.resolve();
// Set by 'close': queued runs are skipped, so the thread can be terminated as soon as the current one ends.
let closing = false;

async function handle(msg: Exclude<ToWorker, { type: 'close' }>): Promise<void> {
  if (msg.type === 'init') {
    try {
      session = await createSession(msg.onnx, msg.threads ? { threads: msg.threads } : {});
      port!.postMessage({ type: 'ready', inputNames: session.inputNames, outputNames: session.outputNames } satisfies FromWorker);
    } catch (e) {
      port!.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker);
    }
    return;
  }
  try {
    if (closing) throw new Error('inference worker is closing');
    if (!session) throw new Error('inference worker has no model');
    const t0 = performance.now();
    const fetches = await session.run(msg.feeds, msg.outputs);
    const reply: FromWorker = { type: 'result', id: msg.id, fetches, ms: performance.now() - t0 };
    port!.postMessage(reply, buffersOf(fetches));
  } catch (e) {
    port!.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies FromWorker);
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    // Terminating the thread while onnxruntime-node runs aborts the whole process (its completion
    // callback throws into a torn-down environment): say when the run in progress has ended.
    closing = true;
    chain = chain.then(() => port!.postMessage({ type: 'closed' } satisfies FromWorker));
  } else chain = chain.then(() => handle(msg));
});
