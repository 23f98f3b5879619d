import { f32, type Tensor } from '../graph/tensor.js';
import { describeNetwork, layersParams, lower, type ConvLike, type NetworkLayer, type ResidualLayer, type Rules } from '../models/network.js';
import { levelWidths, paramSpecs, randomWeights, validateConfig, type TransformerConfig, type Weights } from '../models/transformer.js';

/**
 * Transfer initialization of a compressed student from its teacher (Baumli et al.: drop the middle
 * residual blocks and start from the teacher's remaining weights), extended to narrower students and
 * smaller end kernels: each channel group keeps its most important channels, the same ones in every
 * tensor that touches the group, and kernels that shrink are centre-cropped.
 */

/** What changes between teacher and student. */
export interface CompressSpec {
  /** Teacher residual blocks to remove (0-based). Defaults to the middle three of five: [1, 2, 3]. */
  readonly dropBlocks?: readonly number[];
  /** Any other architecture change (width, kernels, head...). `blocks` follows from dropBlocks. */
  readonly changes?: Partial<Omit<TransformerConfig, 'blocks'>>;
}

/** The blocks dropped by default: the paper's "middle three of five". */
export function defaultDropBlocks(blocks: number): number[] {
  if (blocks < 3) return [];
  const keep = blocks - 3;
  const first = Math.floor(keep / 2);
  return [first, first + 1, first + 2];
}

/** The student's config and which teacher block each student block comes from. */
export function studentConfig(teacher: TransformerConfig, spec: CompressSpec = {}): { config: TransformerConfig; keptBlocks: number[] } {
  const drop = [...new Set(spec.dropBlocks ?? defaultDropBlocks(teacher.blocks))];
  for (const b of drop) {
    if (!Number.isInteger(b) || b < 0 || b >= teacher.blocks) {
      throw new Error(`--drop-blocks: block ${b} does not exist; the teacher has blocks 0..${teacher.blocks - 1}`);
    }
  }
  if (teacher.blocks > 0 && drop.length === teacher.blocks) {
    throw new Error(`--drop-blocks: dropping all ${teacher.blocks} residual blocks leaves no bottleneck; keep at least one`);
  }
  const keptBlocks = Array.from({ length: teacher.blocks }, (_, i) => i).filter((i) => !drop.includes(i));
  const config: TransformerConfig = { ...teacher, ...spec.changes, blocks: keptBlocks.length };
  validateConfig(config);
  return { config, keptBlocks };
}

/** How each student tensor was initialized: copied/cropped from the teacher, or fresh. */
export interface TransferReport {
  /** Student parameter -> teacher parameter it was taken from. */
  readonly copied: ReadonlyMap<string, string>;
  /** Student parameters with no teacher counterpart (a kind of layer that changed): random init. */
  readonly fresh: readonly string[];
  /** Teacher channel indices kept in each channel group (absent when the group keeps all). */
  readonly channels: ReadonlyMap<string, readonly number[]>;
}

/** One group of channels that must be selected consistently: who produces them, who consumes them. */
interface Group {
  readonly name: string;
  /** Conv weights whose output channels are this group (teacher names), with their norm. */
  readonly producers: readonly { conv: string; norm?: string; transposed: boolean }[];
  /** Conv weights whose input channels are this group. */
  readonly consumers: readonly { conv: string; transposed: boolean }[];
}

type Producer = Group['producers'][number];
type Consumer = Group['consumers'][number];

/** The group walk's state: the groups so far and where the current tensor's channels come from. */
interface GroupWalk {
  readonly groups: Map<string, { readonly name: string; readonly producers: Producer[]; readonly consumers: Consumer[] }>;
  /** Group of the current tensor's channels; undefined: the image's. */
  cur: string | undefined;
  /** The conv that produced the current tensor, while a norm may still attach to it. */
  producer: Producer | undefined;
}

function convStep(w: GroupWalk, l: ConvLike, transposed: boolean): void {
  const group = (name: string) => w.groups.get(name) ?? w.groups.set(name, { name, producers: [], consumers: [] }).get(name)!;
  if (w.cur) group(w.cur).consumers.push({ conv: l.name, transposed });
  w.cur = l.channelGroup;
  w.producer = w.cur ? { conv: l.name, transposed } : undefined;
  if (w.cur && w.producer) group(w.cur).producers.push(w.producer);
}

/** How each kind touches channel groups: convs consume the current group and produce their own; a norm scales its producer's channels. */
const GROUP_RULES: Rules<[w: GroupWalk], void> = {
  conv: (l, w) => convStep(w, l, false),
  upsample: (l, w) => convStep(w, l, l.mode === 'transpose'),
  separable: () => {
    throw new Error('transfer: separable residual blocks are not supported; use --init random');
  },
  norm: (l, w) => {
    if (w.producer) w.producer.norm = l.name;
    w.producer = undefined;
  },
  // Which style's scales would rank the channels? A multi-style network is trained, not cut (styles.ts replicates a single-style start).
  condNorm: () => {
    throw new Error('transfer: a multi-style (conditional) teacher cannot be cut into a student; use --init random');
  },
  relu: () => {},
  // The addition ties the body's output channels to its input's: the body must end in the group it started from.
  residual: (l, w) => {
    const stream = w.cur;
    for (const b of l.body) lower(GROUP_RULES, b, w);
    if (w.cur !== stream) throw new Error(`transfer: residual '${l.name}' adds channel group '${w.cur}' to '${stream}'`);
    w.producer = undefined;
  },
  tanhHead: () => {},
};

/**
 * The channel groups of a layer list, in order of their first producer. The image's channels are no
 * group: they are fixed by the task.
 */
function groups(layers: readonly NetworkLayer[]): Group[] {
  const w: GroupWalk = { groups: new Map(), cur: undefined, producer: undefined };
  for (const l of layers) lower(GROUP_RULES, l, w);
  return [...w.groups.values()];
}

/** The teacher's layers with only the kept residual blocks, in keptBlocks order (student block k is keptBlocks[k]). */
function keptLayers(layers: readonly NetworkLayer[], keptBlocks: readonly number[]): NetworkLayer[] {
  const blocks = layers.filter((l) => l.kind === 'residual');
  const first = layers.findIndex((l) => l.kind === 'residual');
  const rest = layers.filter((l) => l.kind !== 'residual');
  return first < 0 ? rest : [...rest.slice(0, first), ...keptBlocks.map((i) => blocks[i]!), ...rest.slice(first)];
}

/** Student parameter -> the teacher parameter it comes from: the same name, the k-th kept teacher block becoming student block k. */
function counterparts(kept: readonly NetworkLayer[], student: readonly NetworkLayer[]): Map<string, string> {
  const studentBlocks = student.filter((l): l is ResidualLayer => l.kind === 'residual');
  const out = new Map<string, string>();
  let block = 0;
  for (const l of kept) {
    const names = layersParams([l]).map((p) => p.name);
    if (l.kind !== 'residual') for (const n of names) out.set(n, n);
    else {
      const to = studentBlocks[block++]!.name;
      for (const n of names) out.set(`${to}${n.slice(l.name.length)}`, n);
    }
  }
  return out;
}

/** Weights stored [in, out, k, k]: those of transposed convs. */
const transposedWeights = (layers: readonly NetworkLayer[]) => new Set(layers.flatMap((l) => (l.kind === 'upsample' && l.mode === 'transpose' ? [`${l.name}.weight`] : [])));

/** The conv that writes the image with no norm after it (it sets the output's scale), if any. */
function imageConv(layers: readonly NetworkLayer[]): string | undefined {
  const i = layers.findIndex((l) => l.kind === 'conv' && !l.channelGroup);
  const conv = layers[i];
  return conv?.kind === 'conv' && layers[i + 1]?.kind !== 'norm' ? conv.name : undefined;
}

/** Sum of |w| over one input channel of a conv weight ([out, in, k, k], or [in, out, k, k] transposed). */
function inputL1(w: Tensor<'float32'>, ch: number, transposed: boolean): number {
  const [d0, d1, kh, kw] = w.dims as [number, number, number, number];
  const k = kh * kw;
  let s = 0;
  if (transposed) {
    for (let j = 0; j < d1 * k; j++) s += Math.abs(w.data[ch * d1 * k + j]!);
  } else {
    for (let o = 0; o < d0; o++) for (let j = 0; j < k; j++) s += Math.abs(w.data[(o * d1 + ch) * k + j]!);
  }
  return s;
}

/**
 * Importance of each channel of a group. Instance norm rescales every channel to unit variance, so
 * the producing filter's norm says nothing about how strongly a channel reaches the output; what
 * does is the norm's affine scale (|gamma| + |beta|, as in network slimming) times the weight its
 * consumers give it (L1 over their input slice). Summed over every producer and consumer of the group.
 */
export function channelImportance(w: Weights, g: Group, channels: number): Float64Array {
  const score = new Float64Array(channels);
  for (let ch = 0; ch < channels; ch++) {
    let scale = 0;
    for (const p of g.producers) {
      const gamma = p.norm ? w.get(`${p.norm}.weight`) : undefined;
      const beta = p.norm ? w.get(`${p.norm}.bias`) : undefined;
      scale += gamma && beta ? Math.abs(gamma.data[ch]!) + Math.abs(beta.data[ch]!) : 1;
    }
    let use = 0;
    for (const c of g.consumers) use += inputL1(w.get(`${c.conv}.weight`)!, ch, c.transposed);
    score[ch] = (scale / g.producers.length) * use;
  }
  return score;
}

/** The `keep` highest-scoring indices, in ascending index order (keeps the teacher's channel order). */
function topChannels(score: Float64Array, keep: number): number[] {
  return [...score.keys()].sort((a, b) => score[b]! - score[a]! || a - b).slice(0, keep).sort((a, b) => a - b);
}

/**
 * Student weights initialized from the teacher. Tensors are renamed for kept blocks (student block k
 * = teacher block keptBlocks[k]), sliced to the kept channels of every group and centre-cropped where
 * a kernel shrinks. A student tensor with no counterpart (e.g. a bias the teacher lacks, or a layer
 * whose kind changed) starts fresh, and the report says which.
 */
export function transferWeights(
  teacherConfig: TransformerConfig,
  teacher: Weights,
  student: TransformerConfig,
  keptBlocks: readonly number[],
  seed = 0,
): { weights: Map<string, Tensor<'float32'>>; report: TransferReport } {
  if (student.blocks !== keptBlocks.length) throw new Error(`transfer: ${student.blocks} student blocks but ${keptBlocks.length} kept teacher blocks`);
  if (student.width > teacherConfig.width) throw new Error(`transfer: the student (width ${student.width}) is wider than its teacher (width ${teacherConfig.width})`);
  // Channels are kept by one ratio for every level; other level widths have no teacher tensor to slice.
  const scaled = levelWidths(teacherConfig).map((w) => Math.round((w * student.width) / teacherConfig.width));
  if (levelWidths(student).join() !== scaled.join()) {
    throw new Error(`transfer: level widths ${levelWidths(student).join(',')} are not the teacher's ${levelWidths(teacherConfig).join(',')} narrowed alike; use --init random`);
  }
  const fresh = randomWeights(student, seed);
  const teacherDims = new Map(paramSpecs(teacherConfig).map((p) => [p.name, p.dims]));
  const teacherLayers = keptLayers(describeNetwork(teacherConfig), keptBlocks);
  const studentLayers = describeNetwork(student);

  // Kept channels per teacher tensor axis: out-channel and in-channel selections of every conv/norm.
  const outSel = new Map<string, number[]>();
  const inSel = new Map<string, number[]>();
  const channels = new Map<string, number[]>();
  // A residual body of another kind changes every group's meaning: then all tensors start fresh.
  const sameResidual = teacherConfig.residual === student.residual;
  if (sameResidual) {
    const ratio = student.width / teacherConfig.width;
    for (const g of groups(teacherLayers)) {
      const first = g.producers[0]!;
      const all = teacherDims.get(`${first.conv}.weight`)![first.transposed ? 1 : 0]!;
      const keep = Math.round(all * ratio);
      if (keep === all) continue;
      const sel = topChannels(channelImportance(teacher, g, all), keep);
      channels.set(g.name, sel);
      for (const p of g.producers) {
        outSel.set(p.conv, sel);
        if (p.norm) outSel.set(p.norm, sel);
      }
      for (const c of g.consumers) inSel.set(c.conv, sel);
    }
  }

  const copied = new Map<string, string>();
  const freshNames: string[] = [];
  const weights = new Map<string, Tensor<'float32'>>();
  const studentSpecs = new Map(paramSpecs(student).map((p) => [p.name, p]));
  const teacherFor = counterparts(teacherLayers, studentLayers);
  const [teacherTransposed, studentTransposed] = [transposedWeights(teacherLayers), transposedWeights(studentLayers)];
  const outConv = imageConv(studentLayers);
  for (const [name, spec] of studentSpecs) {
    const tName = teacherFor.get(name);
    const t = tName ? teacher.get(tName) : undefined;
    // Upsampling weights are [in, out, k, k] in a transposed conv and [out, in, k, k] after nearest.
    const tT = tName !== undefined && teacherTransposed.has(tName);
    const sT = studentTransposed.has(name);
    if (!t || !sameResidual || t.dims.length !== spec.dims.length) {
      weights.set(name, fresh.get(name)!);
      freshNames.push(name);
      continue;
    }
    const layer = tName!.replace(/\.(weight|bias)$/, '');
    const o = outSel.get(layer);
    const i = inSel.get(layer);
    const dims = tT === sT ? spec.dims : [spec.dims[1]!, spec.dims[0]!, ...spec.dims.slice(2)];
    const cut = slice(t, dims, tT ? i : o, tT ? o : i);
    const s = cut && tT !== sT ? swapAndFlip(cut) : cut;
    if (!s) {
      weights.set(name, fresh.get(name)!);
      freshNames.push(name);
      continue;
    }
    // The output conv of a head without a final norm sets the image's scale directly: keep each output
    // filter's L1 mass, which dropped channels and cropped kernels would otherwise shrink (the student
    // then starts near black and needs many steps to relearn the range). Every other conv is followed
    // by an instance norm, which undoes any scale.
    if (name === `${outConv}.weight`) keepFilterMass(t, s);
    if (outConv && name.startsWith(`${outConv}.`)) rawToTanh(s, name.endsWith('.bias'), teacherConfig.head, student.head);
    weights.set(name, s);
    copied.set(name, tName!);
  }
  return { weights, report: { copied, fresh: freshNames, channels } };
}

/**
 * A raw head outputs y = z; a tanh head outputs 150 tanh(z) + 127.5, which is 150 z + 127.5 to first
 * order around z = 0. So a raw teacher's output conv becomes a tanh student's by z' = (z - 127.5) / 150
 * (weights / 150, bias - 127.5 then / 150), and back for tanh -> raw. Without it a tanh student
 * starts saturated at black and white.
 */
function rawToTanh(s: Tensor<'float32'>, isBias: boolean, from: 'raw' | 'tanh', to: 'raw' | 'tanh'): void {
  if (from === to) return;
  for (let i = 0; i < s.data.length; i++) {
    const v = s.data[i]!;
    s.data[i] = from === 'raw' ? (isBias ? (v - 127.5) / 150 : v / 150) : isBias ? v * 150 + 127.5 : v * 150;
  }
}

/**
 * A stride-2 transposed conv is a conv over the zero-inserted input with the kernel flipped and its
 * in/out axes swapped; nearest upsampling repeats pixels instead of inserting zeros, which changes
 * only the scale (undone by the instance norm that follows). So the swapped, flipped kernel is a
 * close start when the upsampling kind changes, in either direction.
 */
function swapAndFlip(w: Tensor<'float32'>): Tensor<'float32'> {
  const [a, b, kh, kw] = w.dims as [number, number, number, number];
  const out = f32([b, a, kh, kw]);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out.data[((j * a + i) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)] = w.data[((i * b + j) * kh + y) * kw + x]!;
  }
  return out;
}

/** Rescale each output filter of `s` (cut from `t`) to the L1 mass it had in `t`. */
function keepFilterMass(t: Tensor<'float32'>, s: Tensor<'float32'>): void {
  const n = t.dims[0]!;
  const tLen = t.data.length / n;
  const sLen = s.data.length / n;
  for (let o = 0; o < n; o++) {
    let full = 0;
    let kept = 0;
    for (let j = 0; j < tLen; j++) full += Math.abs(t.data[o * tLen + j]!);
    for (let j = 0; j < sLen; j++) kept += Math.abs(s.data[o * sLen + j]!);
    if (kept > 0) for (let j = 0; j < sLen; j++) s.data[o * sLen + j]! *= full / kept;
  }
}

/**
 * Take axis-0 indices `a`, axis-1 indices `b` (all when undefined) and the centred spatial window of
 * a teacher tensor so it has `dims`; undefined when it cannot (a kernel that would have to grow).
 */
function slice(t: Tensor<'float32'>, dims: readonly number[], a?: readonly number[], b?: readonly number[]): Tensor<'float32'> | undefined {
  const td = t.dims;
  const ax0 = a ?? [...Array(td[0]!).keys()];
  if (ax0.length !== dims[0]) return undefined;
  if (td.length === 1) {
    const out = f32(dims);
    ax0.forEach((src, k) => (out.data[k] = t.data[src]!));
    return out;
  }
  const [, t1, th, tw] = td as [number, number, number, number];
  const ax1 = b ?? [...Array(t1).keys()];
  const [, d1, dh, dw] = dims as [number, number, number, number];
  if (ax1.length !== d1 || dh > th || dw > tw) return undefined;
  const oy = (th - dh) / 2;
  const ox = (tw - dw) / 2;
  const out = f32(dims);
  let k = 0;
  for (const i of ax0) for (const j of ax1) for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) {
    out.data[k++] = t.data[((i * t1 + j) * th + y + oy) * tw + x + ox]!;
  }
  return out;
}
