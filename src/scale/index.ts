/** Stylize on many machines through BullMQ on Redis: submit flows, run workers, list jobs. */
export { DEFAULT_QUEUE, checkRedis, type QueueTarget } from './connection.js';
export { submit, type SubmitOptions, type Submission } from './submit.js';
export { waitFor, type SubmitEvent, type WaitOptions } from './wait.js';
export { startWorker, type WorkerOptions, type WorkerEvent, type ScaleWorker } from './worker.js';
export { listJobs, type JobRow, type ListOptions } from './list.js';
export type { JobName, JobResult } from './jobs.js';
