/**
 * What the rest of stylecast needs from an onnxruntime session, on either platform: onnxruntime-node
 * implements it in ./ort.ts, onnxruntime-web in ../web/ort.ts. Node-free, so the browser entry shares
 * everything written against it (the Stylizer body above all).
 */
import type { Tensor } from '../graph/tensor.js';

export type Feeds = Readonly<Record<string, Tensor>>;
export type Fetches = Record<string, Tensor>;

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** run() moves the feeds' buffers to another thread: they are detached once it is called. */
  readonly movesFeeds?: boolean;
  run(feeds: Feeds, outputs?: readonly string[]): Promise<Fetches>;
  /** Stop profiling and return the profile file path (undefined when profiling was off or is unsupported). */
  endProfiling(): string | undefined;
  release(): Promise<void>;
}
