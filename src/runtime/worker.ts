import { Worker } from 'node:worker_threads';
import { inferenceOnnx } from '../models/inference.js';
import type { Tensor } from '../graph/tensor.js';
import type { LoadedModel } from '../models/modelfile.js';
import { imagesToTensor, sizeBatches, tensorToImage, type RawImage } from './image.js';
import type { FromWorker, ToWorker } from './infer-worker.js';
import type { StylizerOptions } from './stylizer.js';

/** Anything that stylizes a list of frames, keeping order and sizes (Stylizer, WorkerStylizer, test fakes). */
export interface FrameStylizer {
  stylizeMany(images: readonly RawImage[]): Promise<RawImage[]>;
}

/** Time spent per step, in milliseconds, summed over all calls. */
export interface StylizerTiming {
  /** Packing frames into tensors (main thread). */
  pre: number;
  /** Network runs (inference thread). */
  run: number;
  /** Unpacking outputs into frames (main thread). */
  post: number;
  frames: number;
}

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

/**
 * A stylizer whose network runs on a worker thread. Packing and unpacking happen on the calling thread,
 * so with two calls in flight one batch is prepared while the other runs and the network never waits.
 *
 * @example
 * const s = await WorkerStylizer.create(await loadModel('candy'));
 * const [out] = await s.stylizeMany([frame]);
 * await s.close();
 */
export class WorkerStylizer implements FrameStylizer {
  readonly timing: StylizerTiming = { pre: 0, run: 0, post: 0, frames: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (t: Tensor<'float32'>) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    readonly model: LoadedModel,
    private readonly worker: Worker,
    private readonly batchSize: number,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return;
      const id = m.type === 'result' || m.type === 'error' ? m.id : undefined;
      const p = id === undefined ? undefined : this.pending.get(id);
      if (!p) return;
      this.pending.delete(id!);
      if (m.type === 'error') p.reject(new Error(m.message));
      else if (m.type === 'result') {
        this.timing.run += m.ms;
        p.resolve({ dtype: 'float32', dims: m.dims, data: m.data });
      }
    });
    const die = (e: Error) => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', (e) => die(new Error(`inference worker failed: ${e.message}`)));
    worker.on('exit', () => die(new Error('inference worker exited')));
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<WorkerStylizer> {
    const batch = opts.batchSize ?? 1;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
    const worker = spawn();
    let onMsg: (m: FromWorker) => void = () => {};
    let onError: (e: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        onMsg = (m) => (m.type === 'ready' ? resolve() : m.type === 'error' ? reject(new Error(m.message)) : undefined);
        onError = (e) => reject(new Error(`inference worker failed: ${e.message}`));
        onExit = (code) => reject(new Error(`inference worker exited (code ${code})`));
        worker.on('message', onMsg).on('error', onError).on('exit', onExit);
        const init: ToWorker = { type: 'init', onnx: inferenceOnnx(model), ...(opts.threads ? { threads: opts.threads } : {}) };
        worker.postMessage(init);
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      // Only our own listeners: removeAllListeners() would also drop the Worker's internal ones.
      worker.off('message', onMsg).off('error', onError).off('exit', onExit);
    }
    return new WorkerStylizer(model, worker, batch);
  }

  async stylizeMany(images: readonly RawImage[]): Promise<RawImage[]> {
    const results: RawImage[] = new Array(images.length);
    const runs: Promise<void>[] = [];
    for (const chunk of sizeBatches(images, this.batchSize)) {
      const batch = chunk.map((i) => images[i]!);
      const t0 = performance.now();
      const input = imagesToTensor(batch, this.model.stride, this.model.minSide);
      this.timing.pre += performance.now() - t0;
      runs.push(
        this.run(input).then((out) => {
          const t1 = performance.now();
          chunk.forEach((i, k) => (results[i] = tensorToImage(out, k, batch[k]!.width, batch[k]!.height, batch[k])));
          this.timing.post += performance.now() - t1;
          this.timing.frames += chunk.length;
        }),
      );
    }
    await Promise.all(runs);
    return results;
  }

  /** Stop the worker thread; later calls fail. */
  async close(): Promise<void> {
    this.failure ??= new Error('stylizer is closed');
    await this.worker.terminate();
  }

  private run(input: Tensor<'float32'>): Promise<Tensor<'float32'>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const data = input.data as Float32Array;
      const msg: ToWorker = { type: 'run', id, data, dims: input.dims };
      this.worker.postMessage(msg, [data.buffer as ArrayBuffer]);
    });
  }
}
