import { readJsonFile } from '../io/read.js';
import { PRESETS, validateConfig, type TransformerConfig } from '../models/transformer.js';
import { PRECISIONS, type Precision } from '../models/precision.js';

/** One network to time: an architecture and the numeric format it runs in. */
export interface SweepPoint {
  readonly name: string;
  readonly config: TransformerConfig;
  readonly precision: Precision;
}

/** Architecture fields plus precision, all optional: an entry overrides its preset. */
export type PointSpec = Partial<TransformerConfig> & {
  readonly name?: string;
  /** Start from this preset. Defaults to the file's `preset`, else 'torch'. */
  readonly preset?: keyof typeof PRESETS;
  readonly precision?: Precision;
};

/**
 * A sweep description (the `--config` file): a Cartesian `grid` over fields on top of `preset`
 * and/or an explicit `list` of points. Both may be given; duplicates are kept once.
 *
 * @example { "preset": "torch", "grid": { "width": [8, 16], "blocks": [1, 3], "precision": ["fp32", "int8"] } }
 */
export interface SweepSpec {
  readonly preset?: keyof typeof PRESETS;
  readonly grid?: { readonly [K in keyof Omit<PointSpec, 'name' | 'preset'>]?: readonly NonNullable<PointSpec[K]>[] };
  readonly list?: readonly PointSpec[];
}

const FIELDS = ['width', 'blocks', 'firstKernel', 'lastKernel', 'padding', 'upsample', 'normEpsilon', 'bias', 'finalNorm', 'head', 'residual', 'widths', 'precision'] as const;

/** A short unique name from the knobs the sweep varies: `w16-b3-k3/3-nearest-reflect-full-fp32`. */
export function pointName(c: TransformerConfig, precision: Precision): string {
  const w = c.widths ? c.widths.join('.') : String(c.width);
  return `w${w}-b${c.blocks}-k${c.firstKernel}/${c.lastKernel}-${c.upsample}-${c.padding}-${c.residual}-${precision}`;
}

function point(spec: PointSpec, filePreset: keyof typeof PRESETS | undefined, where: string): SweepPoint {
  for (const k of Object.keys(spec)) {
    if (k !== 'name' && k !== 'preset' && !(FIELDS as readonly string[]).includes(k)) throw new Error(`sweep config ${where}: unknown field '${k}'`);
  }
  const presetName = spec.preset ?? filePreset ?? 'torch';
  const preset = PRESETS[presetName];
  if (!preset) throw new Error(`sweep config ${where}: unknown preset '${presetName}' (torch or engstrom)`);
  const { name, preset: _p, precision = 'fp32', ...arch } = spec;
  if (!PRECISIONS.includes(precision)) throw new Error(`sweep config ${where}: precision must be ${PRECISIONS.join(', ')}, got '${precision}'`);
  const config: TransformerConfig = { ...preset, ...arch };
  try {
    validateConfig(config);
  } catch (e) {
    throw new Error(`sweep config ${where}: ${(e as Error).message}`);
  }
  return { name: name ?? pointName(config, precision), config, precision };
}

/** Expand a spec into points: the grid's Cartesian product first, then the list; repeated names are dropped. */
export function expandSweep(spec: SweepSpec): SweepPoint[] {
  const out: SweepPoint[] = [];
  if (spec.grid) {
    const axes = Object.entries(spec.grid).filter(([, v]) => v !== undefined) as [string, readonly unknown[]][];
    for (const [k, v] of axes) if (!Array.isArray(v) || v.length === 0) throw new Error(`sweep config grid.${k}: expected a non-empty list`);
    let combos: Record<string, unknown>[] = [{}];
    for (const [k, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
    combos.forEach((c, i) => out.push(point(c as PointSpec, spec.preset, `grid[${i}]`)));
  }
  (spec.list ?? []).forEach((p, i) => out.push(point(p, spec.preset, `list[${i}]`)));
  if (!out.length) throw new Error('sweep config: no points (give a non-empty grid or list)');
  const seen = new Set<string>();
  return out.filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
}

/** Read a sweep spec from a JSON file; the error names the file. */
export async function readSweepSpec(path: string): Promise<SweepSpec> {
  return readJsonFile<SweepSpec>(path, 'sweep config');
}

/**
 * The default sweep: both teachers, one knob at a time away from the pytorch-examples teacher
 * (blocks, width, kernels, upsampling, padding, separable residuals, precision), and candidate
 * students that combine the cheap settings.
 */
export const DEFAULT_SWEEP: SweepSpec = Object.freeze({
  preset: 'torch',
  list: [
    { name: 'teacher-torch' },
    { name: 'teacher-engstrom', preset: 'engstrom' },
    ...[0, 1, 3].map((blocks) => ({ blocks })),
    ...[4, 8, 16].map((width) => ({ width })),
    { firstKernel: 5, lastKernel: 5 },
    { firstKernel: 3, lastKernel: 3 },
    { upsample: 'transpose' },
    { padding: 'same' },
    { residual: 'separable' },
    { precision: 'fp16' },
    { precision: 'int8' },
    { width: 16, blocks: 5 },
    { width: 16, blocks: 3 },
    { width: 16, blocks: 3, firstKernel: 3, lastKernel: 3 },
    { width: 16, blocks: 3, firstKernel: 3, lastKernel: 3, upsample: 'transpose', padding: 'same' },
    { width: 16, blocks: 3, firstKernel: 3, lastKernel: 3, residual: 'separable' },
    { width: 16, blocks: 3, firstKernel: 3, lastKernel: 3, precision: 'fp16' },
    { width: 16, blocks: 3, firstKernel: 3, lastKernel: 3, precision: 'int8' },
    { width: 8, blocks: 2, firstKernel: 3, lastKernel: 3 },
    { width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, upsample: 'transpose', padding: 'same', residual: 'separable' },
    { width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, precision: 'int8' },
    { width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, upsample: 'transpose', padding: 'same' },
    { width: 32, blocks: 5, firstKernel: 3, lastKernel: 3, upsample: 'transpose', padding: 'same', residual: 'separable' },
  ],
} as SweepSpec);
