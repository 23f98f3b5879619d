/**
 * What the queue holds. Every submitted input is one BullMQ flow: a parent ('assemble' for a video,
 * 'collect' for a photo folder) and one child per unit of work ('segment' or 'photos'). The parent runs
 * once all its children have succeeded; a child that fails for good fails its parent.
 * Paths are absolute and on storage every worker can read (the same mount point on every machine).
 */

/** Settings that decide the pixels, carried by every child so a retry anywhere produces the same output. */
export interface StyleSettings {
  /** Registered model name or absolute path of a stylecast .onnx file. */
  readonly model: string;
  /** Video frame size to stylize and write; the source's when absent. */
  readonly size?: { readonly width: number; readonly height: number };
  /** x264 CRF of the video parts. Defaults to stylizeVideo's (18). */
  readonly crf?: number;
  /** Photos: downscale so the longer side is at most this. */
  readonly maxSide?: number;
}

/** One keyframe-aligned part of a video: stylize `input` into `output`. */
export interface SegmentData extends StyleSettings {
  readonly index: number;
  readonly count: number;
  readonly input: string;
  readonly output: string;
  /** The flow's work directory, removed when the flow fails for good. */
  readonly work: string;
}

/** Join the stylized parts and the source's audio into the output. */
export interface AssembleData {
  readonly input: string;
  readonly output: string;
  readonly model: string;
  readonly work: string;
  /** Stylized parts, in order. */
  readonly parts: readonly string[];
  readonly audioCodec?: string;
  /** Source frames (container's count or duration x rate), for progress. */
  readonly frames?: number;
}

/** A few photos of a folder. */
export interface PhotosData extends StyleSettings {
  readonly index: number;
  readonly count: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** A photo folder is done once its batches are: nothing to join, the parent reports the count. */
export interface CollectData {
  readonly input: string;
  readonly output: string;
  readonly model: string;
  readonly photos: number;
}

export interface JobTypes {
  segment: SegmentData;
  assemble: AssembleData;
  photos: PhotosData;
  collect: CollectData;
}
export type JobName = keyof JobTypes;

/** What every job returns: frames (or photos) it wrote. */
export interface JobResult {
  readonly frames: number;
  /** The output already existed from an earlier run of the same job (a retry after a crash). */
  readonly skipped?: boolean;
}

/** Progress a video part reports while it runs. */
export interface SegmentProgress {
  readonly frames: number;
}

/** Child job id: the flow's id, the kind and the index (BullMQ ids may not contain ':'). */
export const childId = (flow: string, name: 'segment' | 'photos', index: number) => `${flow}-${name === 'segment' ? 'seg' : 'photos'}${String(index).padStart(5, '0')}`;

/** Label of a child in messages: 'segment 2 of 5'. */
export const unitLabel = (name: string, index: number, count: number) => `${name} ${index + 1} of ${count}`;
