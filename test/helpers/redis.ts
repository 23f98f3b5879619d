import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Debian's redis-server; tests that need it skip where it is missing, and fail in CI (`.ci/run` installs it). */
export const REDIS_SERVER = process.env.STYLECAST_REDIS_SERVER ?? 'redis-server';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** `skip` value for a test needing a Redis server (false = run it). */
export function needsRedis(): string | false {
  try {
    execFileSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    if (inCI) throw new Error(`${REDIS_SERVER} is missing in CI: .ci/run installs redis-server`);
    return `no ${REDIS_SERVER} (apt-get install redis-server, or set STYLECAST_REDIS_SERVER)`;
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  /** With the password in it when the server has one (`redis://:password@127.0.0.1:port`). */
  readonly url: string;
  /** Stop the server (SIGTERM) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port, empty (nothing is persisted). */
  start(): Promise<void>;
}

/**
 * A throwaway redis-server on a free port, in memory only, in `dir`, with `requirepass` when a password
 * is given. Stop it in the file's `after` hook.
 */
export async function startRedis(dir: string, o: { readonly password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(o.password ? ['--requirepass', o.password] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      c.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      c.once('error', reject);
      c.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${out.slice(-300)}`)));
    });
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  };
  await start();
  return { url: `redis://${o.password ? `:${encodeURIComponent(o.password)}@` : ''}127.0.0.1:${port}`, stop, start };
}
