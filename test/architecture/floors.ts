/** The floors check of .dependency-cruiser.cjs, run through dependency-cruiser's API (see DESIGN.md, "Floors"). */
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { cruise, type ICruiseResult, type IReporterOutput } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
export const CONFIG = require.resolve('../../.dependency-cruiser.cjs');
const ROOT = dirname(CONFIG);

export interface FloorsReport {
  /** 'rule: from -> to' for each forbidden import. */
  readonly violations: string[];
  /** Folders of src/ each folder imports (files directly in src/ count as '.'). */
  readonly folders: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Cruise `<root>/src` with the project's rules (root defaults to the repository). */
export async function checkFloors(root = ROOT): Promise<FloorsReport> {
  const { forbidden, options } = require(CONFIG) as { forbidden: unknown[]; options: Record<string, unknown> };
  const cwd = process.cwd();
  process.chdir(root); // rules match paths relative to the working directory (^src/...)
  let out: IReporterOutput;
  try {
    out = await cruise(['src'], { ...options, validate: true, ruleSet: { forbidden } } as never, undefined, { tsConfig: { fileName: join(root, 'tsconfig.json') } } as never);
  } finally {
    process.chdir(cwd);
  }
  const result = out.output as ICruiseResult;
  const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  const folderOf = (p: string) => relative('src', dirname(p)).split('/')[0] || '.';
  const folders = new Map<string, Set<string>>();
  for (const m of result.modules) {
    if (!m.source.startsWith('src/')) continue;
    const from = folderOf(m.source);
    for (const d of m.dependencies) {
      if (!d.resolved.startsWith('src/')) continue;
      const to = folderOf(d.resolved);
      if (to !== from) (folders.get(from) ?? folders.set(from, new Set()).get(from)!).add(to);
    }
  }
  return { violations, folders };
}

/** One folder-level cycle (as a path a -> b -> a), or undefined when the folder graph is acyclic. */
export function folderCycle(folders: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | undefined => {
    if (state.get(f) === 'done') return undefined;
    if (state.get(f) === 'open') return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 'open');
    stack.push(f);
    for (const to of folders.get(f) ?? []) {
      const c = visit(to);
      if (c) return c;
    }
    stack.pop();
    state.set(f, 'done');
    return undefined;
  };
  for (const f of folders.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return undefined;
}
