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
  | { readonly type: 'run'; readonly id: number; readonly feeds: Feeds; readonly outputs?: readonly string[] };

export type FromWorker =
  | { readonly type: 'ready'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly fetches: Fetches; readonly ms: number }
  | { readonly type: 'error'; readonly id?: number; readonly message: string };

const port = parentPort;
if (!port) throw new Error('infer-worker must run in a worker thread');

let session: Session | undefined;
// Runs one at a time, in arrival order, even though run() is async.
let chain: Promise<void> = Promise.resolve();

async function handle(msg: ToWorker): Promise<void> {
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
  chain = chain.then(() => handle(msg));
});
