/**
 * Worker-thread side of {@link WorkerStylizer}'s sessions: owns one onnxruntime session per graph it
 * was given and runs the feeds the main thread sends, one run at a time. onnxruntime-node's run()
 * blocks the calling thread, so running it here keeps the main thread free for decoding and encoding.
 */
import { parentPort } from 'node:worker_threads';
import { createSession, type Feeds, type Fetches, type Session } from './ort.js';
import { buffersOf } from './transfer.js';

export type ToWorker =
  | { readonly type: 'open'; readonly key: string; readonly onnx: Uint8Array; readonly threads?: number }
  | { readonly type: 'run'; readonly id: number; readonly key: string; readonly feeds: Feeds; readonly outputs?: readonly string[] }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'opened'; readonly key: string; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly fetches: Fetches; readonly ms: number }
  | { readonly type: 'error'; readonly id?: number; readonly key?: string; readonly message: string }
  | { readonly type: 'closed' };

const port = parentPort;
if (!port) throw new Error('infer-worker must run in a worker thread');

const sessions = new Map<string, Session>();
// Runs one at a time, in arrival order, even though run() is async.
let chain: Promise<void> = Promise.resolve();
// Set by 'close': queued runs are skipped, so the thread can be terminated as soon as the current one ends.
let closing = false;

async function handle(msg: Exclude<ToWorker, { type: 'close' }>): Promise<void> {
  if (msg.type === 'open') {
    try {
      const session = await createSession(msg.onnx, msg.threads ? { threads: msg.threads } : {});
      sessions.set(msg.key, session);
      port!.postMessage({ type: 'opened', key: msg.key, inputNames: session.inputNames, outputNames: session.outputNames } satisfies FromWorker);
    } catch (e) {
      port!.postMessage({ type: 'error', key: msg.key, message: (e as Error).message } satisfies FromWorker);
    }
    return;
  }
  try {
    if (closing) throw new Error('inference worker is closing');
    const session = sessions.get(msg.key);
    if (!session) throw new Error(`inference worker has no session '${msg.key}'`);
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
