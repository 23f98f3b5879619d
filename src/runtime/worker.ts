import { Worker } from 'node:worker_threads';
import type { LoadedModel } from '../models/modelfile.js';
import { layoutKey, pixelOnnx } from '../models/pixel-io.js';
import type { FromWorker, ToWorker } from './infer-worker.js';
import type { Feeds, Fetches, Session } from './session.js';
import { bodyOptions, checkBatchSize, checkStyleOption, SessionStylizer, type SessionStylizerOptions, type StylizerTiming } from './session-stylizer.js';
import type { StylizerOptions } from './stylizer.js';
import { buffersOf } from './transfer.js';

export type { FrameStylizer, StylizeOptions, StylizerTiming } from './session-stylizer.js';

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

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

function take<K, V>(map: Map<K, V>, key: K): V | undefined {
  const v = map.get(key);
  map.delete(key);
  return v;
}

/**
 * A worker thread holding sessions by key and running them one at a time. Feeds' buffers are moved
 * there (detached here once run() is called) and results moved back.
 */
class NetworkThread {
  /** Time the thread spent in session.run, summed (queueing and transfers excluded). */
  runMs = 0;
  private readonly worker = spawn();
  private nextId = 1;
  private readonly pending = new Map<number, Waiter<Fetches>>();
  private readonly opening = new Map<string, Waiter<Session>>();
  private failure: Error | undefined;
  /** Resolves when the thread has no run in progress after a 'close' (or has exited). */
  private readonly closed: Promise<void>;

  constructor() {
    let onClosed = () => {};
    this.closed = new Promise((resolve) => (onClosed = resolve));
    this.worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'closed':
          return onClosed();
        case 'opened':
          return take(this.opening, m.key)?.resolve(this.session(m.key, m.inputNames, m.outputNames));
        case 'result':
          this.runMs += m.ms;
          return take(this.pending, m.id)?.resolve(m.fetches);
        case 'error':
          return (m.key !== undefined ? take(this.opening, m.key) : m.id !== undefined ? take(this.pending, m.id) : undefined)?.reject(new Error(m.message));
      }
    });
    this.worker.on('error', (e) => this.stop(new Error(`inference worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => {
      this.stop(new Error(`inference worker exited (code ${code})`));
      onClosed();
    });
  }

  /** Create a session on the thread from ONNX bytes (copied there). */
  open(key: string, onnx: Uint8Array, threads: number | undefined): Promise<Session> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.opening.set(key, { resolve, reject });
      this.worker.postMessage({ type: 'open', key, onnx, ...(threads ? { threads } : {}) } satisfies ToWorker);
    });
  }

  private session(key: string, inputNames: readonly string[], outputNames: readonly string[]): Session {
    return {
      inputNames,
      outputNames,
      movesFeeds: true,
      run: (feeds, outputs) => this.run(key, feeds, outputs),
      endProfiling: () => undefined,
      // The thread owns its sessions until it is terminated.
      release: async () => undefined,
    };
  }

  private run(key: string, feeds: Feeds, outputs?: readonly string[]): Promise<Fetches> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker = { type: 'run', id, key, feeds, ...(outputs ? { outputs } : {}) };
      this.worker.postMessage(msg, buffersOf(feeds));
    });
  }

  /** Stop the thread once its run in progress ends; pending and later calls fail with `reason` now. */
  async terminate(reason: Error): Promise<void> {
    this.stop(reason);
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await this.closed;
    await this.worker.terminate();
  }

  private stop(reason: Error): void {
    this.failure ??= reason;
    for (const p of [...this.pending.values(), ...this.opening.values()]) p.reject(this.failure);
    this.pending.clear();
    this.opening.clear();
  }
}

/**
 * A stylizer whose network runs on a worker thread, with two or more batches in flight so the next is
 * ready when one ends. Pass `{ transfer: true }` to stylizeMany for frames that are yours to give away:
 * their buffers then move to the thread instead of being copied.
 *
 * @example
 * const s = await WorkerStylizer.create(await loadModel('candy'));
 * const [out] = await s.stylizeMany([frame]);
 * await s.close();
 */
export class WorkerStylizer extends SessionStylizer {
  private constructor(
    model: LoadedModel,
    private readonly thread: NetworkThread,
    threads: number | undefined,
    opts: SessionStylizerOptions,
  ) {
    super(model, (layout) => thread.open(layoutKey(layout), pixelOnnx(model, layout), threads), opts);
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<WorkerStylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 1);
    checkStyleOption(model, opts.style);
    // Every batch of a call goes to the thread at once: it runs them in order while the next are prepared.
    return new WorkerStylizer(model, new NetworkThread(), opts.threads, { batchSize, inFlight: Infinity, ...bodyOptions(opts) });
  }

  /** Copies here; network runs as the thread measured them (waiting behind other runs excluded). */
  override get timing(): StylizerTiming {
    return { ...super.timing, run: this.thread.runMs };
  }

  /** Stop the worker thread; later calls fail. */
  close(): Promise<void> {
    return this.thread.terminate(new Error('stylizer is closed'));
  }
}
