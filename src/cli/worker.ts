import { Option, type Command } from 'commander';
import { DEFAULT_QUEUE, redactUrl } from '../scale/connection.js';
import { startWorker, type WorkerEvent } from '../scale/worker.js';
import { positiveInt } from './options.js';

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** `--redis`, also read from STYLECAST_REDIS so a password stays out of `ps` and shell history. */
export const redisOption = () =>
  new Option('--redis <url>', 'Redis holding the queue: redis://[:password@]host:port[/db]').env('STYLECAST_REDIS').default(DEFAULT_REDIS);

/** `--storage <dir>`, repeatable. */
export const storageOption = (description: string) => new Option('--storage <dir>', description).argParser((dir: string, dirs: string[] | undefined) => [...(dirs ?? []), dir]);

interface Flags {
  redis: string;
  storage?: string[];
  queue: string;
  concurrency?: number;
  threads?: number;
  lockDuration?: number;
  stalledInterval?: number;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('process stylecast jobs from a Redis queue until SIGINT/SIGTERM (start one per machine, or more)')
    .addOption(redisOption())
    .addOption(storageOption('a folder jobs may read and write (repeatable; required): every path of a job must lead into one, symlinks and .. resolved'))
    .option('--queue <name>', `queue name (defaults to ${DEFAULT_QUEUE})`, DEFAULT_QUEUE)
    .option('--concurrency <n>', 'jobs at once in this process (defaults to 1)', positiveInt)
    .option('--threads <n>', 'onnxruntime intra-op threads per job (defaults to all cores)', positiveInt)
    .option('--lock-duration <ms>', "a running job's lock; a dead worker's jobs are retaken after it (defaults to 30000)", positiveInt)
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers (defaults to 30000)', positiveInt)
    .action(async (f: Flags) => {
      // No default: a service's working directory is often '/', and whoever can write to the queue picks the paths.
      if (!f.storage) throw new Error('worker needs --storage <dir>: the folders its jobs may read and write (repeatable)');
      let lastError = '';
      const print = (e: WorkerEvent) => {
        if (e.type === 'error') {
          // Redis down means one error per reconnect attempt: say it once.
          if (e.message !== lastError) process.stderr.write(`stylecast worker: ${e.message} (retrying)\n`);
          lastError = e.message;
          return;
        }
        lastError = '';
        if (e.type === 'start') process.stdout.write(`start ${e.job} ${e.label} (attempt ${e.attempt})\n`);
        else if (e.type === 'done') process.stdout.write(`done ${e.job} ${e.label}: ${e.skipped ? 'already written' : `${e.frames} frames in ${(e.ms / 1000).toFixed(1)} s`}\n`);
        else process.stdout.write(`failed ${e.job} ${e.label}: ${e.reason}${e.final ? '' : ' (will retry)'}\n`);
      };
      const worker = await startWorker({
        redis: f.redis,
        storage: f.storage,
        queue: f.queue,
        ...(f.concurrency ? { concurrency: f.concurrency } : {}),
        ...(f.threads ? { threads: f.threads } : {}),
        ...(f.lockDuration ? { lockDurationMs: f.lockDuration } : {}),
        ...(f.stalledInterval ? { stalledIntervalMs: f.stalledInterval } : {}),
        onEvent: print,
      });
      process.stdout.write(`worker ready: queue '${f.queue}' at ${redactUrl(f.redis)}, storage ${f.storage.join(', ')}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stdout.write('worker stopping: finishing running jobs\n');
          worker.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
