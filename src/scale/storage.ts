/**
 * The folders a worker (and submit) may read and write. Job data comes from Redis, so whoever can write
 * to the queue chooses the paths: every path is checked against these folders where the file system
 * would really lead (symlinks and '..' resolved), before a job touches anything.
 */
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Symlinks followed in one path before giving up (Linux's own limit is 40). */
const MAX_LINKS = 40;

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * Where `path` (absolute) leads on disk: the real path of its longest existing part, plus the missing
 * rest. A dangling symlink is followed to its target, so a link to a file about to be created outside
 * counts as outside.
 */
async function whereItLeads(path: string, links = 0): Promise<string> {
  let head = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(head), ...rest);
    } catch (e) {
      if (codeOf(e) !== 'ENOENT' && codeOf(e) !== 'ENOTDIR') throw e;
    }
    if (await lstat(head).then((s) => s.isSymbolicLink(), () => false)) {
      if (links >= MAX_LINKS) throw Object.assign(new Error('too many symlinks'), { code: 'ELOOP' });
      // Not normalized: a '..' in the target climbs from where the links before it lead, as in the kernel.
      const target = await readlink(head);
      return whereItLeads([isAbsolute(target) ? target : `${dirname(head)}${sep}${target}`, ...rest].join(sep), links + 1);
    }
    const parent = dirname(head);
    if (parent === head) return join(head, ...rest);
    rest.unshift(basename(head));
    head = parent;
  }
}

const within = (root: string, p: string) => {
  const r = relative(root, p);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
};

/** Storage folders, resolved once: `check` throws a one-line error for a path that leads outside them. */
export class Storage {
  private constructor(readonly roots: readonly string[]) {}

  /** Resolve the folders; each must be an existing directory. */
  static async open(dirs: readonly string[]): Promise<Storage> {
    if (dirs.length === 0) throw new Error('no storage folders given');
    const roots = await Promise.all(
      dirs.map(async (d) => {
        const real = await realpath(resolve(d)).catch((e: unknown) => {
          throw new Error(`cannot use storage ${d} (${codeOf(e) ?? (e as Error).message})`);
        });
        if (!(await stat(real)).isDirectory()) throw new Error(`cannot use storage ${d} (not a directory)`);
        return real;
      }),
    );
    return new Storage([...new Set(roots)]);
  }

  /**
   * Throw unless `path` leads inside a storage folder. `what` names it in the error ('input', 'output').
   * Job paths must be absolute (a worker's working directory means nothing to the submitter).
   */
  async check(path: unknown, what: string): Promise<string> {
    if (typeof path !== 'string' || path === '') throw new Error(`${what} is not a path`);
    if (!isAbsolute(path)) throw new Error(`${what} ${path} is not an absolute path`);
    const real = await whereItLeads(path).catch((e: unknown) => {
      throw new Error(`${what} ${path}: cannot resolve (${codeOf(e) ?? (e as Error).message})`);
    });
    if (!this.roots.some((r) => within(r, real))) {
      throw new Error(`${what} ${path} is outside the storage (${this.roots.join(', ')})${real === path ? '' : `: it leads to ${real}`}`);
    }
    return real;
  }

  /**
   * An output is written as a temp file in its folder and renamed over it, so the folder must lead
   * inside too, not only the output (a symlinked folder whose entry links back in would pass that).
   */
  async checkOutput(path: unknown): Promise<string> {
    const real = await this.check(path, 'output');
    await this.check(dirname(path as string), 'output folder');
    return real;
  }

  /**
   * A work directory is removed with everything in it when its flow fails, so besides being in the
   * storage it must be a flow's own: below a storage folder (never one itself) and named '.<output>.<id>.parts'.
   */
  async checkWork(path: unknown): Promise<string> {
    const real = await this.check(path, 'work directory');
    if (this.roots.includes(real) || !/^\..+\.parts$/.test(basename(real))) throw new Error(`work directory ${String(path)} is not a '.<output>.<id>.parts' folder`);
    return real;
  }
}
