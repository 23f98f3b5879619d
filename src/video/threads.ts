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
 * On 2 cores or fewer the network is the slow stage by far (about 80 ms a frame for the default
 * student at 640x480, against about 2 ms of decoding and 15 ms of x264 veryfast encoding): it gets
 * every core (one thread lost 8-15% in three bench runs). The decoder runs one thread, which keeps
 * up alone; the encoder keeps ffmpeg's own choice. The ffmpeg thread counts changed sides in every
 * run, within the machine's noise (bench/results/video.md). Above 2 cores
 * onnxruntime and ffmpeg keep their own choices (not measured).
 */
export function defaultVideoThreads(cores: number = availableParallelism()): VideoThreads {
  if (cores <= 2) return { inference: Math.max(1, cores), decode: 1, encode: 0 };
  return { inference: 0, decode: 0, encode: 0 };
}
