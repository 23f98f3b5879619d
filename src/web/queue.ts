/**
 * A bounded FIFO that drops its oldest item when full: a live camera must never wait on a slow
 * model, and the freshest frame is the one worth stylizing. Counts what it dropped so the HUD can show it.
 */
export class DropOldestQueue<T> {
  private items: T[] = [];
  private droppedCount = 0;

  /** `onDrop` sees each evicted item (e.g. to recycle its buffer). */
  constructor(
    readonly capacity: number,
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  /** Items evicted since creation (or the last clear with reset). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Add an item; returns the item it evicted, if any. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.items.length >= this.capacity) {
      evicted = this.items.shift();
      this.droppedCount++;
      this.onDrop?.(evicted as T);
    }
    this.items.push(item);
    return evicted;
  }

  /** Oldest item, or undefined when empty. */
  shift(): T | undefined {
    return this.items.shift();
  }

  /** Discard everything queued (counted as dropped: those frames were never shown). */
  clear(): void {
    for (const it of this.items) {
      this.droppedCount++;
      this.onDrop?.(it);
    }
    this.items = [];
  }
}
