/**
 * The one module that imports onnxruntime-node. Everything else talks to {@link Session}, which
 * ../web/ort.ts implements over onnxruntime-web.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DType, Tensor } from '../graph/tensor.js';
import type { Fetches, Session } from './session.js';

export type { Feeds, Fetches, Session } from './session.js';

export interface SessionOptions {
  /** Intra-op threads; defaults to onnxruntime's choice (all cores). */
  readonly threads?: number;
  /** Write an onnxruntime profile (JSON) with this file prefix. */
  readonly profilePrefix?: string;
  /** Log nothing below fatal: for runs expected to fail (probing which sizes a foreign graph takes). */
  readonly quiet?: boolean;
}

const toOrt = (t: Tensor) => new ort.Tensor(t.dtype, t.data as ort.Tensor.DataType, t.dims);

function fromOrt(t: ort.Tensor): Tensor {
  return { dtype: t.type as DType, dims: [...t.dims], data: t.data as Tensor['data'] };
}

/** onnxruntime names the profile `<prefix>_<timestamp>.json` and does not return the name: take the newest. */
function newestProfile(prefix: string): string | undefined {
  const dir = dirname(prefix);
  const stem = `${basename(prefix)}_`;
  const files = readdirSync(dir).filter((f) => f.startsWith(stem) && f.endsWith('.json')).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Create an onnxruntime-node session on model bytes; the error says the model could not be loaded. */
export async function createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
  let s: ort.InferenceSession;
  try {
    s = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
      ...(opts.quiet ? { logSeverityLevel: 4 as const } : {}),
      ...(opts.profilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix } : {}),
    });
  } catch (e) {
    throw new Error(`onnxruntime could not load the model: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
      const res = outputs ? await s.run(ortFeeds, outputs as string[]) : await s.run(ortFeeds);
      const out: Fetches = {};
      for (const [k, v] of Object.entries(res)) out[k] = fromOrt(v);
      return out;
    },
    endProfiling() {
      if (!opts.profilePrefix) return undefined;
      s.endProfiling();
      return newestProfile(opts.profilePrefix);
    },
    release: () => s.release(),
  };
}
