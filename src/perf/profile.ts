import { readFile } from 'node:fs/promises';

/** One row of an aggregated onnxruntime profile: a node or an op type, time per run. */
export interface ProfileRow {
  /** Node name (by node) or op type (by op type). */
  readonly name: string;
  readonly opType: string;
  /** Kernel calls per run. */
  readonly calls: number;
  /** Mean kernel time per run, ms. */
  readonly ms: number;
  /** Fraction of all kernel time. */
  readonly share: number;
}

export interface ProfileSummary {
  /** model_run events in the trace (warm-up runs included when they were profiled). */
  readonly runs: number;
  /** Sum of kernel times per run, ms (excludes onnxruntime's scheduling overhead). */
  readonly kernelMs: number;
  /** Mean model_run duration, ms. */
  readonly runMs: number;
  readonly byNode: readonly ProfileRow[];
  readonly byOpType: readonly ProfileRow[];
}

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string };
}

const KERNEL = '_kernel_time';

/**
 * Aggregate an onnxruntime profile (the Chrome-trace JSON that `enableProfiling` writes): kernel time
 * per node and per op type, averaged over the profiled runs, largest first. Node names are the
 * optimized graph's (fused nodes carry onnxruntime's prefixes, e.g. `..._nchwc`).
 */
export function summarizeProfile(events: readonly TraceEvent[], skipRuns = 0): ProfileSummary {
  const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  if (runEvents.length <= skipRuns) throw new Error(`profile: ${runEvents.length} model runs, none left after skipping ${skipRuns}`);
  // Skip warm-up runs by dropping the first `skipRuns` calls of every node (each node runs once per run).
  const seen = new Map<string, number>();
  const nodes = new Map<string, { opType: string; calls: number; us: number }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith(KERNEL)) continue;
    const name = e.name.slice(0, -KERNEL.length);
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    if (k <= skipRuns) continue;
    const row = nodes.get(name) ?? { opType: e.args?.op_name ?? 'unknown', calls: 0, us: 0 };
    row.calls++;
    row.us += e.dur ?? 0;
    nodes.set(name, row);
  }
  const runs = runEvents.length - skipRuns;
  const runMs = runEvents.slice(skipRuns).reduce((s, e) => s + (e.dur ?? 0), 0) / runs / 1e3;
  const totalUs = [...nodes.values()].reduce((s, r) => s + r.us, 0);
  const row = (name: string, opType: string, calls: number, us: number): ProfileRow => ({ name, opType, calls: calls / runs, ms: us / runs / 1e3, share: totalUs > 0 ? us / totalUs : 0 });
  const byNode = [...nodes.entries()].map(([name, r]) => row(name, r.opType, r.calls, r.us)).sort((a, b) => b.ms - a.ms);
  const ops = new Map<string, { calls: number; us: number }>();
  for (const r of nodes.values()) {
    const o = ops.get(r.opType) ?? { calls: 0, us: 0 };
    o.calls += r.calls;
    o.us += r.us;
    ops.set(r.opType, o);
  }
  const byOpType = [...ops.entries()].map(([op, r]) => row(op, op, r.calls, r.us)).sort((a, b) => b.ms - a.ms);
  return { runs, kernelMs: totalUs / runs / 1e3, runMs, byNode, byOpType };
}

/** Read and aggregate a profile file; the error names the file. */
export async function readProfile(path: string, skipRuns = 0): Promise<ProfileSummary> {
  let events: unknown;
  try {
    events = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`profile ${path}: cannot read (${(e as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(events)) throw new Error(`profile ${path}: not an onnxruntime trace (expected a JSON array)`);
  return summarizeProfile(events as TraceEvent[], skipRuns);
}
