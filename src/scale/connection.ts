/**
 * Redis connections for the job engine (BullMQ). Workers keep retrying forever (ioredis' retry
 * strategy, `maxRetriesPerRequest: null` as BullMQ requires for blocking commands), so a Redis restart
 * only pauses them; a client checks once up front so that an unreachable Redis is one clear error.
 */
import { Redis } from 'ioredis';

/** The queue every command uses unless told otherwise (several pools can share one Redis). */
export const DEFAULT_QUEUE = 'stylecast';

/** Where to find Redis and which queue to use. */
export interface QueueTarget {
  /** `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS). */
  readonly redis: string;
  /** Queue name. Defaults to DEFAULT_QUEUE ('stylecast'). */
  readonly queue?: string;
}

/** Connection options both ioredis and BullMQ take. */
export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: object;
  readonly maxRetriesPerRequest: null;
}

/** Connection options for a Redis URL; throws a one-line error naming a malformed URL. */
export function redisOptions(url: string): RedisConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`bad Redis URL '${url}': expected redis://host:port[/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`bad Redis URL '${url}': expected redis://host:port[/db]`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`bad Redis URL '${url}': the path must be a database number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}

/** Why Redis turned a client away, in one line; the server's own words otherwise. */
function refusal(url: string, err: NodeJS.ErrnoException): string {
  const shown = redactUrl(url);
  if (/^NOAUTH\b/.test(err.message)) return `Redis at ${shown} requires a password (redis://:PASSWORD@host:port)`;
  if (/^WRONGPASS\b/.test(err.message)) return `Redis at ${shown} refused the user name or password`;
  return `cannot reach Redis at ${shown} (${err.code ?? err.message})`;
}

/**
 * Connect once without retrying: resolves when Redis answers PING, else throws one line: `cannot reach
 * Redis at <url> (<why>)`, or that the password is missing or wrong.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis({ ...redisOptions(url), lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  // connect() only says "Connection is closed"; the socket's error (ECONNREFUSED...) arrives as an event.
  let cause: NodeJS.ErrnoException | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => (cause ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(refusal(url, cause ?? (e as NodeJS.ErrnoException)));
  } finally {
    client.disconnect();
  }
}
