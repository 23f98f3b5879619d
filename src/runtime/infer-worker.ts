/**
 * Worker-thread side of {@link WorkerStylizer}: owns one onnxruntime session and runs tensors that the
 * main thread sends. onnxruntime-node's run() blocks the calling thread, so running it here keeps the
 * main thread free for decoding, pre/post-processing and encoding.
 */
import { parentPort } from 'node:worker_threads';
import type { Tensor } from '../graph/tensor.js';
import { createSession, type Session } from './ort.js';

export type ToWorker =
  | { readonly type: 'init'; readonly onnx: Uint8Array; readonly threads?: number }
  | { readonly type: 'run'; readonly id: number; readonly data: Float32Array; readonly dims: readonly number[] };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly data: Float32Array; readonly dims: readonly number[]; readonly ms: number }
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
      port!.postMessage({ type: 'ready' } satisfies FromWorker);
    } catch (e) {
      port!.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker);
    }
    return;
  }
  try {
    if (!session) throw new Error('inference worker has no model');
    const t0 = performance.now();
    const input: Tensor<'float32'> = { dtype: 'float32', dims: [...msg.dims], data: msg.data };
    const out = (await session.run({ input })).output;
    if (!out || out.dtype !== 'float32') throw new Error("model returned no float32 'output'");
    const data = out.data as Float32Array;
    const reply: FromWorker = { type: 'result', id: msg.id, data, dims: out.dims, ms: performance.now() - t0 };
    port!.postMessage(reply, [data.buffer as ArrayBuffer]);
  } catch (e) {
    port!.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies FromWorker);
  }
}

port.on('message', (msg: ToWorker) => {
  chain = chain.then(() => handle(msg));
});
