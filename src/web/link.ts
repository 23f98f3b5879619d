/**
 * The page's end of an inference worker: requests wait for the reply their `pick` recognises, and a
 * worker that fails to load, throws, or sends a message that cannot be read rejects every waiting
 * request (and any later one) with a WorkerFailedError instead of leaving it pending forever.
 */
import { WorkerFailedError } from './errors.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { preBundledHint } from './vite-dev.js';

/** What a waiting request makes of a reply: not its reply (undefined), its value, or its error. */
export type Pick<T> = (msg: FromWorker) => { value: T } | { error: Error } | undefined;

interface Waiter {
  readonly pick: Pick<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class WorkerLink {
  private readonly worker: Worker;
  private readonly waiting = new Set<Waiter>();
  /** Why no more requests go out: the failure, or the reason given to terminate(). */
  private ended: Error | undefined;

  /** `onMessage` sees every reply (after the waiting requests); `onFailure` the worker's death, once. */
  constructor(
    private readonly onMessage: (msg: FromWorker) => void = () => undefined,
    private readonly onFailure: (e: WorkerFailedError) => void = () => undefined,
  ) {
    // This exact form (a literal relative URL, type 'module') is what bundlers recognise and bundle
    // as a separate worker; scripts/browser-entry.ts maps the name to the built file.
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      // A script that fails to load fires a plain Event: no message, no file.
      const where = ev.filename ? ` (${ev.filename}:${ev.lineno})` : '';
      this.fail(ev.message ? `the inference worker failed: ${ev.message}${where}` : `the inference worker could not be loaded (its script failed to fetch or to evaluate)${preBundledHint()}`);
    };
    this.worker.onmessageerror = () => this.fail('a message from the inference worker could not be read');
  }

  /** True once the worker failed or was terminated. */
  get closed(): boolean {
    return this.ended !== undefined;
  }

  /** Send without waiting for a reply (frames the live loop tracks itself). */
  post(msg: ToWorker, transfer: Transferable[] = []): void {
    if (!this.ended) this.worker.postMessage(msg, transfer);
  }

  /** Send and wait for the reply `pick` accepts. */
  request<T>(msg: ToWorker, transfer: Transferable[], pick: Pick<T>): Promise<T> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise<T>((resolve, reject) => {
      this.waiting.add({ pick, resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Stop the worker; waiting requests reject with `reason`. */
  terminate(reason: Error): void {
    this.ended ??= reason;
    this.worker.terminate();
    this.rejectAll(reason);
  }

  private receive(msg: FromWorker): void {
    for (const w of this.waiting) {
      const r = w.pick(msg);
      if (!r) continue;
      this.waiting.delete(w);
      if ('error' in r) w.reject(r.error);
      else w.resolve(r.value);
      break;
    }
    this.onMessage(msg);
  }

  private fail(message: string): void {
    if (this.ended) return;
    const failure = new WorkerFailedError(message);
    this.terminate(failure);
    this.onFailure(failure);
  }

  private rejectAll(e: Error): void {
    for (const w of this.waiting) w.reject(e);
    this.waiting.clear();
  }
}
