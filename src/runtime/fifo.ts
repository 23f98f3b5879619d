/**
 * The bounded queue of both frame loops: Node's video pipeline (either policy) and the browser's live
 * loop (drop-oldest: a live camera must never wait on a slow model). Node-free.
 */

/**
 * What a full queue does with a new item:
 * - 'block': the producer waits until the consumer takes one (files: every frame kept).
 * - 'drop-oldest': the oldest queued item is discarded and counted (live sources: latency stays bounded).
 */
export type FifoPolicy = 'block' | 'drop-oldest';

export interface FifoStats {
  readonly capacity: number;
  readonly policy: FifoPolicy;
  /** Items accepted by push(). */
  readonly pushed: number;
  /** Items handed to the consumer. */
  readonly popped: number;
  /** Items discarded by 'drop-oldest' or clear(). */
  readonly dropped: number;
  /** Most items ever queued at once (never above capacity). */
  readonly maxLength: number;
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/**
 * A bounded first-in-first-out queue between one async producer and one async consumer.
 * The producer calls push() then close() (or fail()); the consumer iterates or calls pop().
 *
 * @example
 * const q = new Fifo<number>(2, 'drop-oldest');
 * await q.push(1); await q.push(2); await q.push(3); q.close();
 * for await (const x of q) console.log(x); // 2, 3 (1 was dropped)
 */
export class Fifo<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly takers: Waiter<T | undefined>[] = [];
  private readonly putters: { item: T; w: Waiter<void> }[] = [];
  private closed = false;
  private error: unknown = undefined;
  private counts = { pushed: 0, popped: 0, dropped: 0, maxLength: 0 };

  /** @param onDrop receives each item 'drop-oldest' or clear() discards (e.g. to count it against a frame index). */
  constructor(
    readonly capacity: number,
    readonly policy: FifoPolicy = 'block',
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  get stats(): FifoStats {
    return { capacity: this.capacity, policy: this.policy, ...this.counts };
  }

  /** Queue an item; with 'block' the promise resolves once there is room. */
  push(item: T): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed) return Promise.reject(new Error('push to a closed queue'));
    this.counts.pushed++;
    const taker = this.takers.shift();
    if (taker) {
      // A consumer is already waiting: hand over directly, the item never sits in the queue.
      this.counts.popped++;
      taker.resolve(item);
      return Promise.resolve();
    }
    if (this.items.length < this.capacity) {
      this.enqueue(item);
      return Promise.resolve();
    }
    if (this.policy === 'drop-oldest') {
      const old = this.items.shift()!;
      this.counts.dropped++;
      this.onDrop?.(old);
      this.enqueue(item);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.putters.push({ item, w: { resolve, reject } }));
  }

  /** Next item, waiting for one; undefined once the queue is closed and empty. */
  pop(): Promise<T | undefined> {
    const item = this.take();
    if (item.ok) return Promise.resolve(item.value);
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => this.takers.push({ resolve, reject }));
  }

  /** Take up to `max` items that are queued now, without waiting (may return none). */
  popAvailable(max: number): T[] {
    const out: T[] = [];
    while (out.length < max) {
      const item = this.take();
      if (!item.ok) break;
      out.push(item.value);
    }
    return out;
  }

  /** Discard what is queued, counted as dropped (and passed to onDrop); the queue stays open. */
  clear(): void {
    for (const item of this.items.splice(0)) {
      this.counts.dropped++;
      this.onDrop?.(item);
    }
  }

  /** No more items will be pushed; the consumer drains what is queued, then sees the end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.takers.splice(0)) t.resolve(undefined);
  }

  /** Abort both sides: pending and later push()/pop() reject with `err`; queued items are discarded. */
  fail(err: unknown): void {
    if (this.error !== undefined) return;
    this.error = err ?? new Error('queue failed');
    this.closed = true;
    this.items.length = 0;
    for (const t of this.takers.splice(0)) t.reject(this.error);
    for (const p of this.putters.splice(0)) p.w.reject(this.error);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      // Items are never undefined, so undefined only means closed and drained.
      const item = await this.pop();
      if (item === undefined) return;
      yield item;
    }
  }

  private enqueue(item: T) {
    this.items.push(item);
    if (this.items.length > this.counts.maxLength) this.counts.maxLength = this.items.length;
  }

  private take(): { ok: true; value: T } | { ok: false } {
    if (this.items.length === 0) return { ok: false };
    const value = this.items.shift()!;
    this.counts.popped++;
    // Room freed: admit the longest-waiting blocked producer.
    const p = this.putters.shift();
    if (p) {
      this.enqueue(p.item);
      p.w.resolve();
    }
    return { ok: true, value };
  }
}
