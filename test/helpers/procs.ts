import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A CLI process from source whose output the test can wait on; killed when the test file ends. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `re` in the output (waiting for it up to `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (!m) return false;
          cleanup();
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for ${re} in:\n${out}`))), timeoutMs);
        const onExit = () => setImmediate(() => check() || (cleanup(), reject(new Error(`process exited before ${re}:\n${out}`))));
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        if (check()) return;
        waiters.add(check);
        child.once('exit', onExit);
      });
    },
  };
}
