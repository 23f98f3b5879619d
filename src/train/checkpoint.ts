import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../io/atomic.js';
import { readBytes } from '../io/read.js';
import type { TransformerConfig } from '../models/transformer.js';
import type { AdamState } from './adam.js';
import type { LoaderPosition } from './data.js';

/**
 * A training checkpoint: everything needed to continue a run exactly (parameters, Adam moments,
 * step, data position, loss history, the run's options). Layout: a magic line, a little-endian u32
 * header length, a JSON header, then float32 tensors. The header carries the payload's byte length
 * and sha256, and files are written atomically (temp file + rename), so a checkpoint cut short by a
 * crash is never mistaken for a good one.
 */
export interface Checkpoint {
  readonly step: number;
  readonly config: TransformerConfig;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly adam: AdamState;
  readonly position: LoaderPosition;
  /** Loss history: one entry per logged step. */
  readonly history: readonly HistoryEntry[];
  /** The run's options (JSON), so `--resume` can check it continues the same run. */
  readonly run: Readonly<Record<string, unknown>>;
  /** Seconds spent training so far, over resumed runs (what a time budget counts). */
  readonly elapsedSeconds?: number;
}

export interface HistoryEntry {
  readonly step: number;
  readonly losses: Readonly<Record<string, number>>;
  /** A multi-style run's style at this step (the steps go round the styles). */
  readonly style?: string;
}

const MAGIC = 'STYLECAST-CHECKPOINT/1\n';

interface Header {
  step: number;
  config: TransformerConfig;
  adamT: number;
  position: LoaderPosition;
  history: HistoryEntry[];
  run: Record<string, unknown>;
  elapsedSeconds?: number;
  tensors: { name: string; kind: 'param' | 'm' | 'v'; length: number }[];
  payloadBytes: number;
  sha256: string;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const entries: { name: string; kind: 'param' | 'm' | 'v'; data: Float32Array }[] = [];
  for (const [name, p] of c.params) {
    entries.push({ name, kind: 'param', data: p });
    // Frozen parameters (a run that trains some) have no moments.
    const m = c.adam.m.get(name);
    const v = c.adam.v.get(name);
    if (m && v) entries.push({ name, kind: 'm', data: m }, { name, kind: 'v', data: v });
  }
  const payload = new Uint8Array(entries.reduce((s, e) => s + e.data.byteLength, 0));
  let off = 0;
  for (const e of entries) {
    payload.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), off);
    off += e.data.byteLength;
  }
  const header: Header = {
    step: c.step,
    config: c.config,
    adamT: c.adam.t,
    position: c.position,
    history: [...c.history],
    run: { ...c.run },
    ...(c.elapsedSeconds !== undefined ? { elapsedSeconds: c.elapsedSeconds } : {}),
    tensors: entries.map((e) => ({ name: e.name, kind: e.kind, length: e.data.length })),
    payloadBytes: payload.byteLength,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const magic = new TextEncoder().encode(MAGIC);
  const out = new Uint8Array(magic.length + 4 + head.length + payload.length);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, head.length, true);
  out.set(head, magic.length + 4);
  out.set(payload, magic.length + 4 + head.length);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, origin = 'checkpoint'): Checkpoint {
  const bad = (why: string): never => {
    throw new Error(`${origin}: ${why}`);
  };
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC) bad('not a stylecast checkpoint');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length, true);
  const start = magic.length + 4 + headLen;
  if (start > bytes.length) bad('truncated checkpoint (header cut short)');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, start))) as Header;
  } catch {
    return bad('corrupt checkpoint header');
  }
  const payload = bytes.subarray(start);
  if (payload.byteLength !== h.payloadBytes) bad(`truncated checkpoint (${payload.byteLength} of ${h.payloadBytes} data bytes)`);
  if (createHash('sha256').update(payload).digest('hex') !== h.sha256) bad('corrupt checkpoint (checksum mismatch)');
  const copy = new Uint8Array(payload).buffer;
  const params = new Map<string, Float32Array>();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  let off = 0;
  for (const t of h.tensors) {
    const data = new Float32Array(copy, off, t.length);
    off += t.length * 4;
    (t.kind === 'param' ? params : t.kind === 'm' ? m : v).set(t.name, data);
  }
  return { step: h.step, config: h.config, params, adam: { t: h.adamT, m, v }, position: h.position, history: h.history, run: h.run, ...(h.elapsedSeconds !== undefined ? { elapsedSeconds: h.elapsedSeconds } : {}) };
}

export async function writeCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(c));
}

export async function readCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readBytes(path, 'cannot read checkpoint'), path);
}
