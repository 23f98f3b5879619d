import type { Command } from 'commander';
import { DEFAULT_QUEUE } from '../scale/connection.js';
import { listJobs } from '../scale/list.js';
import { positiveInt } from './options.js';
import { redisOption } from './worker.js';

interface Flags {
  redis: string;
  queue: string;
  limit?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('jobs')
    .description('list submitted videos and photo folders with their state, newest first')
    .addOption(redisOption())
    .option('--queue <name>', `queue name (defaults to ${DEFAULT_QUEUE})`, DEFAULT_QUEUE)
    .option('--limit <n>', 'at most n rows (defaults to 100)', positiveInt)
    .option('--json', 'JSON instead of a table')
    .action(async (f: Flags) => {
      const rows = await listJobs({ redis: f.redis, queue: f.queue, ...(f.limit ? { limit: f.limit } : {}) });
      if (f.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no jobs in queue '${f.queue}'\n`);
        return;
      }
      for (const r of rows) {
        const parts = `${r.done}/${r.total} ${r.kind === 'video' ? 'segments' : 'photo jobs'}`;
        process.stdout.write(`${r.id}  ${r.state.padEnd(16)}  ${parts.padEnd(18)}  ${r.input} -> ${r.output}${r.reason ? `  (${r.reason})` : ''}\n`);
      }
    });
}
