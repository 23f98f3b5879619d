/**
 * Network threads kept between jobs. Starting one (a worker thread and an onnxruntime session) takes
 * longer than stylizing a short segment, so a worker reuses idle ones. At most one per concurrent job
 * is alive: taking one for another model first closes the idle ones of other models.
 */
import type { LoadedModel } from '../models/modelfile.js';
import { WorkerStylizer } from '../runtime/worker.js';

export class StylizerPool {
  private readonly idle = new Map<string, WorkerStylizer[]>();

  constructor(private readonly threads?: number) {}

  /** Run `fn` with a stylizer for `spec`; it goes back to the pool when `fn` succeeds, and is closed when it throws. */
  async use<T>(spec: string, model: () => Promise<LoadedModel>, fn: (s: WorkerStylizer) => Promise<T>): Promise<T> {
    let s = this.idle.get(spec)?.pop();
    if (!s) {
      await this.closeIdle((k) => k !== spec);
      s = await WorkerStylizer.create(await model(), { ...(this.threads ? { threads: this.threads } : {}), batchSize: 1 });
    }
    let result: T;
    try {
      result = await fn(s);
    } catch (e) {
      // Its thread may be the reason (or mid-batch): never hand it to the next job.
      await s.close();
      throw e;
    }
    this.idle.set(spec, [...(this.idle.get(spec) ?? []), s]);
    return result;
  }

  async closeIdle(which: (spec: string) => boolean = () => true): Promise<void> {
    for (const [spec, list] of [...this.idle]) {
      if (!which(spec)) continue;
      this.idle.delete(spec);
      await Promise.all(list.map((s) => s.close()));
    }
  }
}
