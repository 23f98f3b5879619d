import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';

/** Adds the `--overwrite` flag every command that writes a user-named file takes. */
export const overwriteOption = (cmd: Command): Command => cmd.option('--overwrite', 'replace output files that already exist');

/** The path a file is (or would be) reached by: symlinks and '..' resolved, so two spellings of one file compare equal. */
async function canonical(path: string): Promise<string> {
  const full = resolve(path);
  const real = await realpath(full).catch(() => undefined);
  if (real) return real;
  // Not there yet: its folder may be a symlink.
  const dir = await realpath(dirname(full)).catch(() => dirname(full));
  return join(dir, basename(full));
}

export interface OutputCheck {
  /** Files the command reads: never written to, even with --overwrite. */
  readonly inputs?: readonly string[];
  /** Replace outputs that exist. */
  readonly overwrite?: boolean;
}

/**
 * Refuses, before any work, outputs that would destroy something: an input (always), a file that
 * exists (unless overwrite), or an output another of the same run also writes. '-' (stdout) passes.
 */
export async function checkOutputs(outputs: readonly string[], check: OutputCheck = {}): Promise<void> {
  const inputs = new Map<string, string>();
  for (const i of check.inputs ?? []) if (i !== '-') inputs.set(await canonical(i), i);
  const seen = new Set<string>();
  for (const o of outputs) {
    if (o === '-') continue;
    const key = await canonical(o);
    const input = inputs.get(key);
    if (input !== undefined) throw new Error(`${o} is the input ${input}: write the output elsewhere`);
    if (seen.has(key)) throw new Error(`${o} would be written twice: give each input its own output`);
    seen.add(key);
    if (!check.overwrite && (await stat(key).then(() => true, () => false))) throw new Error(`${o} exists; pass --overwrite to replace it`);
  }
}
