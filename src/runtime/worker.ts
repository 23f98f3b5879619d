import { Worker } from 'node:worker_threads';
import { inferenceOnnx } from '../models/inference.js';
import type { LoadedModel } from '../models/modelfile.js';
import type { FromWorker, ToWorker } from './infer-worker.js';
import type { Feeds, Fetches, Session } from './session.js';
import { checkBatchSize, checkStyleOption, SessionStylizer, type SessionStylizerOptions, type StylizerTiming } from './session-stylizer.js';
import type { StylizerOptions } from './stylizer.js';
import { buffersOf } from './transfer.js';

export type { FrameStylizer, StylizerTiming } from './session-stylizer.js';

function spawn(): Worker {
  const here = import.meta.url;
  // From TypeScript sources (tsx), the worker must register tsx itself: loader hooks do not reach workers.
  if (here.endsWith('.ts')) {
    const entry = new URL('./infer-worker.ts', here).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(code, { eval: true });
  }
  return new Worker(new URL('./infer-worker.js', here));
}

/** A session on a worker thread. The feeds' buffers are moved there, so they are detached here after run(). */
class WorkerSession implements Session {
  /** Time the worker spent in session.run, summed (queueing and transfers excluded). */
  runMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: Fetches) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  /** Resolves when the worker has no run in progress after a 'close' (or has exited). */
  private readonly closed: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    let onClosed = () => {};
    this.closed = new Promise((resolve) => (onClosed = resolve));
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'closed') onClosed();
      if (m.type === 'ready' || m.type === 'closed' || m.id === undefined) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(m.message));
      else {
        this.runMs += m.ms;
        p.resolve(m.fetches);
      }
    });
    worker.on('error', (e) => this.stop(new Error(`inference worker failed: ${e.message}`)));
    worker.on('exit', () => {
      this.stop(new Error('inference worker exited'));
      onClosed();
    });
  }

  static async create(onnx: Uint8Array, threads: number | undefined): Promise<WorkerSession> {
    const worker = spawn();
    let onMsg: (m: FromWorker) => void = () => {};
    let onError: (e: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    try {
      const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
        onMsg = (m) => (m.type === 'ready' ? resolve(m) : m.type === 'error' ? reject(new Error(m.message)) : undefined);
        onError = (e) => reject(new Error(`inference worker failed: ${e.message}`));
        onExit = (code) => reject(new Error(`inference worker exited (code ${code})`));
        worker.on('message', onMsg).on('error', onError).on('exit', onExit);
        worker.postMessage({ type: 'init', onnx, ...(threads ? { threads } : {}) } satisfies ToWorker);
      });
      return new WorkerSession(worker, ready.inputNames, ready.outputNames);
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      // Only our own listeners: removeAllListeners() would also drop the Worker's internal ones.
      worker.off('message', onMsg).off('error', onError).off('exit', onExit);
    }
  }

  run(feeds: Feeds, outputs?: readonly string[]): Promise<Fetches> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker = { type: 'run', id, feeds, ...(outputs ? { outputs } : {}) };
      this.worker.postMessage(msg, buffersOf(feeds));
    });
  }

  endProfiling(): undefined {
    return undefined;
  }

  release(): Promise<void> {
    return this.terminate(new Error('session was released'));
  }

  /** Stop the thread once its run in progress ends; pending and later runs fail with `reason` now. */
  async terminate(reason: Error): Promise<void> {
    this.stop(reason);
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await this.closed;
    await this.worker.terminate();
  }

  private stop(reason: Error): void {
    this.failure ??= reason;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * A stylizer whose network runs on a worker thread. Packing and unpacking happen on the calling thread,
 * so with two calls in flight one batch is prepared while the other runs and the network never waits.
 *
 * @example
 * const s = await WorkerStylizer.create(await loadModel('candy'));
 * const [out] = await s.stylizeMany([frame]);
 * await s.close();
 */
export class WorkerStylizer extends SessionStylizer<WorkerSession> {
  private constructor(model: LoadedModel, session: WorkerSession, opts: SessionStylizerOptions) {
    super(model, session, opts);
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<WorkerStylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 1);
    checkStyleOption(model, opts.style);
    const session = await WorkerSession.create(inferenceOnnx(model), opts.threads);
    // Every batch of a call goes to the worker at once: it runs them in order while the next are packed.
    return new WorkerStylizer(model, session, { batchSize, inFlight: Infinity, ...(opts.style === undefined ? {} : { style: opts.style }) });
  }

  /** Packing and unpacking here, network runs on the worker thread. */
  get timing(): StylizerTiming {
    return { ...this.packTiming, run: this.session.runMs };
  }

  /** Stop the worker thread; later calls fail. */
  close(): Promise<void> {
    return this.session.terminate(new Error('stylizer is closed'));
  }
}
