/**
 * How the video pipeline shares the machine's cores between its three stages: ffmpeg decoding,
 * the network (onnxruntime intra-op threads) and ffmpeg encoding. bench/video.ts measures the
 * combinations (bench/results/video.md).
 */
import { availableParallelism } from 'node:os';

/** Threads per stage; 0 in any of them leaves the choice to onnxruntime or ffmpeg. */
export interface VideoThreads {
  /** onnxruntime intra-op threads (0: onnxruntime's choice, one per physical core). */
  readonly inference: number;
  /** ffmpeg decoder threads (0: ffmpeg's choice, about one per core). */
  readonly decode: number;
  /** ffmpeg encoder threads (0: ffmpeg's choice; x264 takes about 1.5 per core). */
  readonly encode: number;
}

/**
 * The default threads on a machine with `cores` logical cores.
 *
 * On 2 cores or fewer the network is the slow stage by far (about 75 ms a frame for the default
 * student at 640x480, against about 4 ms of decoding and 12 ms of x264 veryfast encoding): it gets
 * every core, and each ffmpeg runs one thread, which keeps up alone. ffmpeg's own choice would start
 * about 3 decoder and 3 encoder threads there to preempt the network's, and an intra-op step waits
 * for its slowest thread. bench/video.ts checks this against every other combination on a quiet
 * machine; change the rule if it loses there. Above 2 cores onnxruntime and ffmpeg keep their own
 * choices (not measured).
 */
export function defaultVideoThreads(cores: number = availableParallelism()): VideoThreads {
  if (cores <= 2) return { inference: Math.max(1, cores), decode: 1, encode: 1 };
  return { inference: 0, decode: 0, encode: 0 };
}
