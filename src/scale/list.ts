/** What `stylecast jobs` shows: one row per submitted input (a flow's parent), newest first. */
import { Queue, type Job } from 'bullmq';
import { DEFAULT_QUEUE, checkRedis, redisOptions, type QueueTarget } from './connection.js';
import type { AssembleData, CollectData } from './jobs.js';
import { flowFailure } from './wait.js';

export interface JobRow {
  readonly id: string;
  readonly kind: 'video' | 'photos';
  /** BullMQ's state: 'waiting-children' while its parts run, then 'waiting', 'active', 'completed' or 'failed'. */
  readonly state: string;
  readonly input: string;
  readonly output: string;
  readonly model: string;
  /** Child jobs finished, out of `total`. */
  readonly done: number;
  readonly total: number;
  readonly submittedAt: Date;
  readonly finishedAt?: Date;
  /** Why it failed (the failing part's reason). */
  readonly reason?: string;
}

export interface ListOptions extends QueueTarget {
  /** At most this many rows. Defaults to 100. */
  readonly limit?: number;
}

/**
 * The submitted inputs in the queue with their state and progress.
 *
 * @example
 * for (const r of await listJobs({ redis: 'redis://queue:6379' })) console.log(r.id, r.state, `${r.done}/${r.total}`);
 */
export async function listJobs(o: ListOptions): Promise<JobRow[]> {
  await checkRedis(o.redis);
  const queue = new Queue(o.queue ?? DEFAULT_QUEUE, { connection: redisOptions(o.redis) });
  try {
    const jobs = (await queue.getJobs(['waiting-children', 'waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'])) as Job<AssembleData | CollectData>[];
    const parents = jobs.filter((j) => j.name === 'assemble' || j.name === 'collect').sort((a, b) => b.timestamp - a.timestamp).slice(0, o.limit ?? 100);
    return await Promise.all(
      parents.map(async (j): Promise<JobRow> => {
        const kind = j.name === 'assemble' ? 'video' : 'photos';
        const [state, deps] = await Promise.all([j.getState(), j.getDependenciesCount()]);
        const total = (deps.processed ?? 0) + (deps.unprocessed ?? 0) + (deps.failed ?? 0) + (deps.ignored ?? 0);
        return {
          id: j.id!,
          kind,
          state,
          input: j.data.input,
          output: j.data.output,
          model: j.data.model,
          done: deps.processed ?? 0,
          total,
          submittedAt: new Date(j.timestamp),
          ...(j.finishedOn ? { finishedAt: new Date(j.finishedOn) } : {}),
          ...(state === 'failed' ? { reason: await flowFailure(queue, { id: j.id!, kind, units: total }) } : {}),
        };
      }),
    );
  } finally {
    await queue.close();
  }
}
