/**
 * Follow submitted flows to the end: progress from the queue's event stream (QueueEvents), the end
 * from the parents' states (polled, so a missed event cannot hang the wait).
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import { DEFAULT_QUEUE, redisOptions, type QueueTarget } from './connection.js';
import { childId, unitLabel, type JobResult, type SegmentProgress } from './jobs.js';
import type { Submission } from './submit.js';

export type SubmitEvent =
  | {
      readonly type: 'progress';
      /** Child jobs finished (video parts, photo batches) out of `total`, over all submissions. */
      readonly done: number;
      readonly total: number;
      /** Frames (and photos) stylized so far, out of `totalFrames`. */
      readonly frames: number;
      readonly totalFrames: number;
      /** Frames per second since the wait started, over all workers. */
      readonly fps: number;
      /** Seconds left at that rate, once there is a rate. */
      readonly etaS?: number;
    }
  | { readonly type: 'completed'; readonly submission: Submission }
  | { readonly type: 'failed'; readonly submission: Submission; readonly reason: string };

export interface WaitOptions extends QueueTarget {
  readonly onEvent?: (e: SubmitEvent) => void;
  /** How often parents' states are read, ms. Defaults to 500. */
  readonly pollMs?: number;
}

/** Why a flow failed: its first child that failed for good, with the child's own reason, else the parent's. */
export async function flowFailure(queue: Queue, s: Pick<Submission, 'id' | 'kind' | 'units'>): Promise<string> {
  const name = s.kind === 'video' ? 'segment' : 'photos';
  for (let i = 0; i < s.units; i++) {
    const child = await Job.fromId(queue, childId(s.id, name, i));
    if (child?.failedReason && child.finishedOn) return `${unitLabel(name, i, s.units)} failed after ${child.attemptsMade} attempt${child.attemptsMade === 1 ? '' : 's'}: ${child.failedReason}`;
  }
  const parent = await Job.fromId(queue, s.id);
  return parent?.failedReason ? `${s.kind === 'video' ? 'assembling' : 'collecting'} failed: ${parent.failedReason}` : 'failed';
}

/**
 * Resolve when every submission's output is complete; reject with the reason (one line) when any failed
 * after its retries, once all have ended.
 */
export async function waitFor(subs: readonly Submission[], o: WaitOptions): Promise<void> {
  const name = o.queue ?? DEFAULT_QUEUE;
  const connection = redisOptions(o.redis);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const frames = new Map<string, number>();
  const finished = new Set<string>();
  const children = new Set(subs.flatMap((s) => Array.from({ length: s.units }, (_, i) => childId(s.id, s.kind === 'video' ? 'segment' : 'photos', i))));
  const total = children.size;
  const totalFrames = subs.reduce((a, s) => a + s.frames, 0);
  const t0 = Date.now();
  const report = () => {
    const done = [...frames.values()].reduce((a, b) => a + b, 0);
    const fps = done / Math.max(1e-3, (Date.now() - t0) / 1000);
    o.onEvent?.({ type: 'progress', done: finished.size, total, frames: done, totalFrames, fps, ...(fps > 0 ? { etaS: Math.max(0, totalFrames - done) / fps } : {}) });
  };
  events.on('progress', ({ jobId, data }) => {
    if (!children.has(jobId) || finished.has(jobId)) return;
    frames.set(jobId, (data as unknown as SegmentProgress).frames ?? 0);
    report();
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    if (!children.has(jobId)) return;
    finished.add(jobId);
    frames.set(jobId, (returnvalue as unknown as JobResult | undefined)?.frames ?? frames.get(jobId) ?? 0);
    report();
  });
  events.on('error', () => {}); // a Redis hiccup: the client reconnects, the poll below carries on
  queue.on('error', () => {});
  const failures: string[] = [];
  try {
    await events.waitUntilReady();
    // Parts that finished before the event stream was read (between submit and wait) count too.
    for (const s of subs) {
      const values = (await (await Job.fromId(queue, s.id))?.getChildrenValues<JobResult>()) ?? {};
      for (const [key, v] of Object.entries(values)) {
        const id = key.slice(key.lastIndexOf(':') + 1);
        finished.add(id);
        frames.set(id, v.frames);
      }
    }
    if (finished.size > 0) report();
    const pending = new Set(subs);
    while (pending.size > 0) {
      for (const s of [...pending]) {
        const state = await queue.getJobState(s.id);
        if (state === 'completed') {
          pending.delete(s);
          o.onEvent?.({ type: 'completed', submission: s });
        } else if (state === 'failed') {
          pending.delete(s);
          const reason = await flowFailure(queue, s);
          failures.push(`${s.input}: ${reason}`);
          o.onEvent?.({ type: 'failed', submission: s, reason });
        } else if (state === 'unknown') {
          pending.delete(s);
          failures.push(`${s.input}: job ${s.id} is no longer in queue '${name}'`);
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
  } finally {
    await events.close();
    await queue.close();
  }
  if (failures.length === 1) throw new Error(failures[0]);
  if (failures.length > 1) throw new Error(`${failures.length} of ${subs.length} inputs failed; first: ${failures[0]}`);
}
