import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { f32, type Tensor } from '../graph/tensor.js';
import { DecodeError, decodeImage } from '../io/decode.js';
import { rng } from '../models/transformer.js';
import { imagesToTensor } from '../io/pixels.js';

const EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Photos (JPEG/PNG/WebP) under dir, recursively, sorted so a seed fixes the order. */
export async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      throw new Error(`content folder ${d}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Where the loader is in its shuffled epochs; saved in checkpoints so a resumed run sees the same data. */
export interface LoaderPosition {
  readonly epoch: number;
  /** Index of the next file in this epoch's order. */
  readonly index: number;
}

export interface Batch {
  /** [batch, 3, size, size], RGB 0..255. */
  readonly tensor: Tensor<'float32'>;
  readonly files: readonly string[];
  /** Position after this batch. */
  readonly position: LoaderPosition;
}

export interface LoaderOptions {
  readonly size: number;
  readonly batch: number;
  readonly seed: number;
  /** Batches decoded ahead of the trainer. Defaults to 2. */
  readonly prefetch?: number;
  readonly start?: LoaderPosition;
  /** Called once per unreadable file (it is then skipped for the rest of the run). */
  readonly onSkip?: (file: string, reason: string) => void;
}

/**
 * Decode, take a random square crop of the largest square size, resize to size x size RGB; planar.
 * Errors are the reason alone: the loader and calibration report the file next to it.
 */
export async function randomCrop(file: string, size: number, rand: () => number): Promise<Float32Array> {
  try {
    const crop = await decodeImage(file, { fit: { mode: 'random-crop', size, rand }, pixels: 'rgb' });
    return imagesToTensor([crop]).data;
  } catch (e) {
    throw e instanceof DecodeError ? new Error(e.reason) : e;
  }
}

/**
 * Endless shuffled epochs of random crops, decoded ahead (sharp decodes on libuv's thread pool, so
 * decoding overlaps the training step). Unreadable files are reported once and dropped.
 */
export class ImageLoader {
  private readonly queue: Promise<Batch>[] = [];
  private epoch: number;
  private index: number;
  private order: string[] = [];
  private readonly bad = new Set<string>();

  private constructor(private readonly files: readonly string[], private readonly o: LoaderOptions) {
    this.epoch = o.start?.epoch ?? 0;
    this.index = o.start?.index ?? 0;
    this.order = this.shuffled(this.epoch);
  }

  static async open(dir: string, o: LoaderOptions): Promise<ImageLoader> {
    const files = await listImages(dir);
    if (!files.length) throw new Error(`content folder ${dir} has no JPEG, PNG or WebP photos`);
    return new ImageLoader(files, o);
  }

  get fileCount(): number {
    return this.files.length;
  }

  /** Files skipped as unreadable so far. */
  get skipped(): readonly string[] {
    return [...this.bad];
  }

  private shuffled(epoch: number): string[] {
    const r = rng(this.o.seed * 1000003 + epoch);
    const a = [...this.files];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  /** The next batch; keeps `prefetch` more in flight. */
  next(): Promise<Batch> {
    while (this.queue.length < 1 + (this.o.prefetch ?? 2)) this.queue.push(this.load());
    return this.queue.shift()!;
  }

  private claim(): { file: string; epoch: number; index: number } {
    for (;;) {
      if (this.bad.size >= this.files.length) throw new Error('no readable photos left in the content folder');
      if (this.index >= this.order.length) {
        this.epoch++;
        this.index = 0;
        this.order = this.shuffled(this.epoch);
      }
      const file = this.order[this.index++]!;
      if (!this.bad.has(file)) return { file, epoch: this.epoch, index: this.index };
    }
  }

  private async load(): Promise<Batch> {
    const { size, batch } = this.o;
    const tensor = f32([batch, 3, size, size]);
    const files: string[] = [];
    let position: LoaderPosition = { epoch: this.epoch, index: this.index };
    // Claim files synchronously so batches in flight never share files; replace unreadable ones.
    let slot = 0;
    while (slot < batch) {
      const claims = Array.from({ length: batch - slot }, () => this.claim());
      const results = await Promise.allSettled(claims.map((c) => randomCrop(c.file, size, rng(hash(`${this.o.seed}:${c.epoch}:${c.file}`)))));
      results.forEach((r, i) => {
        const c = claims[i]!;
        position = { epoch: c.epoch, index: c.index };
        if (r.status === 'fulfilled') {
          tensor.data.set(r.value, slot * 3 * size * size);
          files.push(c.file);
          slot++;
        } else if (!this.bad.has(c.file)) {
          this.bad.add(c.file);
          this.o.onSkip?.(c.file, ((r.reason as Error).message ?? String(r.reason)).split('\n')[0]!);
        }
      });
    }
    return { tensor, files, position };
  }
}

/** FNV-1a: a stable seed per (run seed, epoch, file), so crops do not depend on decode timing. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
