/**
 * The worker: takes jobs from the queue and runs them with the same code as `stylecast video` and
 * `stylecast stylize` (stylizeVideo, stylizeFiles). Outputs go to fixed paths through a temp file and
 * a rename, so a job run twice (a retry, or a stalled job another worker picked up) rewrites the same
 * bytes and a reader never sees half a file. Job data comes from Redis, so every path in it is checked
 * against the worker's storage folders before the job runs.
 */
import { access, rm } from 'node:fs/promises';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { concatVideos, probeVideo } from '../io/video.js';
import { loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import { stylizeFiles } from '../runtime/files.js';
import { stylizeVideo } from '../video/stylize.js';
import { checkJob } from './confine.js';
import { StylizerPool } from './pool.js';
import { Storage } from './storage.js';
import { checkRedis, DEFAULT_QUEUE, redisOptions, type QueueTarget } from './connection.js';
import { unitLabel, type AssembleData, type CollectData, type JobName, type JobResult, type JobTypes, type PhotosData, type SegmentData, type SegmentProgress } from './jobs.js';

export interface WorkerOptions extends QueueTarget {
  /**
   * Folders every path of a job (inputs, outputs, work directories and their temp files, model files)
   * must lead into once symlinks and '..' are resolved; a job naming another path fails without retries
   * and touches nothing. Required: whoever can write to the queue chooses the paths.
   */
  readonly storage: readonly string[];
  /** Jobs run at once in this process. Defaults to 1 (one job keeps a core busy per onnxruntime thread). */
  readonly concurrency?: number;
  /** onnxruntime intra-op threads per job. Defaults to all cores. */
  readonly threads?: number;
  /**
   * A running job's lock lasts this long (renewed at half); a worker that dies loses it and the job
   * goes back to the queue at the next stalled check. Defaults to 30000 ms (BullMQ's).
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs. Defaults to 30000 ms (BullMQ's). */
  readonly stalledIntervalMs?: number;
  readonly onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { readonly type: 'start'; readonly job: string; readonly label: string; readonly attempt: number }
  | { readonly type: 'done'; readonly job: string; readonly label: string; readonly frames: number; readonly ms: number; readonly skipped: boolean }
  | { readonly type: 'failed'; readonly job: string; readonly label: string; readonly reason: string; readonly final: boolean }
  /** Redis went away (the worker keeps reconnecting) or another engine error. */
  | { readonly type: 'error'; readonly message: string };

export interface ScaleWorker {
  /** Take no new jobs, finish the running ones, disconnect. */
  close(): Promise<void>;
}

const exists = (p: string) => access(p).then(() => true, () => false);

function label(job: Job): string {
  const d = job.data as { index?: number; count?: number; output?: string };
  return job.name === 'segment' || job.name === 'photos' ? `${unitLabel(job.name, d.index!, d.count!)} of ${job.parent?.id ?? '?'}` : `${job.name} ${job.id} -> ${d.output}`;
}

/**
 * Start a worker that processes stylecast jobs until `close()`.
 *
 * @example
 * const w = await startWorker({ redis: 'redis://queue:6379', storage: ['/mnt/shared'], threads: 2, onEvent: (e) => console.log(e.type) });
 * process.on('SIGTERM', () => void w.close());
 */
export async function startWorker(o: WorkerOptions): Promise<ScaleWorker> {
  const storage = await Storage.open(o.storage);
  await checkRedis(o.redis);
  const models = new Map<string, Promise<LoadedModel>>();
  const model = (spec: string) => {
    let m = models.get(spec);
    if (!m) {
      m = loadModel(spec);
      models.set(spec, m);
      m.catch(() => models.delete(spec));
    }
    return m;
  };
  const pool = new StylizerPool(o.threads);
  const name = o.queue ?? DEFAULT_QUEUE;
  const queue = new Queue(name, { connection: redisOptions(o.redis) });
  queue.on('error', () => {}); // the worker reports connection errors once

  const handlers: { [N in JobName]: (job: Job<JobTypes[N]>) => Promise<JobResult> } = {
    async segment(job) {
      const d: SegmentData = job.data;
      // A sibling already failed its video for good: the work directory is gone, nothing to do.
      if (job.parent?.id && (await queue.getJobState(job.parent.id)) === 'failed') throw new UnrecoverableError('its video already failed');
      if (await exists(d.output)) return { frames: (await probeVideo(d.output)).frames ?? 0, skipped: true };
      let last = 0;
      const r = await pool.use(d.model, () => model(d.model), (stylizer) =>
        stylizeVideo(d.input, d.output, {
          stylizer,
          ...(d.size ? { size: d.size } : {}),
          ...(d.crf !== undefined ? { crf: d.crf } : {}),
          onEvent: (e) => {
            // Progress is a Redis write plus an event: at most once a second per part.
            if (e.type !== 'progress' || Date.now() - last < 1000) return;
            last = Date.now();
            job.updateProgress({ frames: e.frames.stylized } satisfies SegmentProgress).catch(() => {});
          },
        }),
      );
      return { frames: r.encode.frames };
    },
    async assemble(job) {
      const d: AssembleData = job.data;
      // A retry after the output was renamed into place and the parts removed: already done.
      if (!(await exists(d.work)) && (await exists(d.output))) return { frames: d.frames ?? 0, skipped: true };
      for (const p of d.parts) if (!(await exists(p))) throw new Error(`part ${p} is missing`);
      await concatVideos(d.parts, d.output, d.audioCodec ? { audioFrom: d.input, audioCodec: d.audioCodec } : {});
      await rm(d.work, { recursive: true, force: true });
      const values = Object.values(await job.getChildrenValues<JobResult>());
      return { frames: values.reduce((a, v) => a + v.frames, 0) };
    },
    async photos(job) {
      const d: PhotosData = job.data;
      const errors: string[] = [];
      // The network runs on the pool's thread: a long inference must not block the lock renewals.
      const r = await pool.use(d.model, () => model(d.model), (stylizer) =>
        stylizeFiles(d.inputs, d.outputs, {
          stylizer,
          ...(d.maxSide ? { maxSide: d.maxSide } : {}),
          onFile: (e) => (e.ok ? undefined : errors.push(e.error)),
        }),
      );
      if (r.failed > 0) throw new Error(`${errors[0]}${r.failed > 1 ? ` (and ${r.failed - 1} more)` : ''}`);
      return { frames: r.done };
    },
    async collect(job) {
      const d: CollectData = job.data;
      const values = Object.values(await job.getChildrenValues<JobResult>());
      const frames = values.reduce((a, v) => a + v.frames, 0);
      if (frames !== d.photos) throw new Error(`${d.output}: ${frames} of ${d.photos} photos written`);
      return { frames };
    },
  };

  const worker = new Worker(
    name,
    async (job: Job) => {
      const handler = handlers[job.name as JobName] as ((j: Job) => Promise<JobResult>) | undefined;
      if (!handler) throw new UnrecoverableError(`unknown job type '${job.name}'`);
      const t0 = Date.now();
      o.onEvent?.({ type: 'start', job: job.id!, label: label(job), attempt: job.attemptsMade + 1 });
      // A path outside the storage stays outside on every retry.
      await checkJob(storage, job.name as JobName, job.data).catch((e: Error) => {
        throw new UnrecoverableError(`refused: ${e.message}`);
      });
      const r = await handler(job);
      o.onEvent?.({ type: 'done', job: job.id!, label: label(job), frames: r.frames, ms: Date.now() - t0, skipped: r.skipped ?? false });
      return r;
    },
    {
      connection: redisOptions(o.redis),
      concurrency: o.concurrency ?? 1,
      ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
      ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
    },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    o.onEvent?.({ type: 'failed', job: job.id!, label: label(job), reason: err.message, final });
    // A part that failed for good failed its whole video: its parts will never be joined. A refused
    // job's work directory may be anyone's, so it is checked again before anything is removed.
    if (final && job.name === 'segment') {
      void storage.checkWork((job.data as Partial<SegmentData>).work).then((work) => rm(work, { recursive: true, force: true }), () => {});
    }
  });
  worker.on('error', (e) => o.onEvent?.({ type: 'error', message: e.message }));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await queue.close();
      await pool.closeIdle();
    },
  };
}
