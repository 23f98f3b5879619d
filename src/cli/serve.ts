import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { ensureBuilt } from '../serve/build.js';
import { startServer } from '../serve/server.js';

interface Flags {
  port: number;
  host: string;
  models?: string;
  build: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0-65535, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('build the web app if needed and serve it (camera stylization in the browser)')
    .option('-p, --port <n>', 'port (0 picks a free one)', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--models <dir>', 'also offer the stylecast .onnx models in this directory')
    .option('--no-build', 'serve web/dist as it is, without checking whether it is stale')
    .action(async (f: Flags) => {
      if (f.models && !(await stat(f.models).then((s) => s.isDirectory(), () => false))) throw new Error(`models directory ${f.models} does not exist`);
      if (f.build && (await ensureBuilt())) process.stderr.write('stylecast: built the web app\n');
      const app = await startServer({ port: f.port, host: f.host, ...(f.models ? { modelsDir: f.models } : {}) });
      process.stdout.write(`stylecast: serving ${app.url}\n`);
      const stop = () => {
        void app.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Keep the action pending: the server runs until a signal.
      await new Promise<never>(() => {});
    });
}
