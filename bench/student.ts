/**
 * Student speed (issue #8 item 6): exact variants of the real-time student graph, timed in one run.
 *
 *   node --import tsx bench/student.ts [--trials N] [--size WxH] [--threads N] [--warmup N]
 *       [--family torch|engstrom] [--only name,...] [--profile name,...] [--profile-runs N] [--write]
 *
 * or `npm run bench -- student` (writes bench/results/student-speed.md and .json). The student is
 * `{ ...PRESETS.torch | PRESETS.engstrom, width: 8, blocks: 2, firstKernel: 3, lastKernel: 3 }` with
 * random weights. Every variant's output is compared with the baseline's (max abs difference; exact
 * means within 1e-5 of the output's magnitude, see EXACT_RELATIVE). Variants are timed round-robin,
 * one run each per trial with the order rotated every trial, so load on the machine hits all of them
 * alike; each is reported as a ratio to the baseline measured in the same run, beside the load
 * average and a 2048^3 MatMul timed before and after. Per-op onnxruntime profiles of both baselines
 * (and of --profile variants) follow the table. Prints Markdown; writes files only with --write.
 *
 * The graph rewrites live here (buildStudent), except the half-resolution one, which is a library
 * module (src/models/halfres.ts) with its own tests.
 *
 * This file imports onnxruntime-node directly (not through src/runtime/ort.ts) because it varies
 * session options that the project's createSession does not expose; the baseline itself is run
 * through createSession, as the Stylizer runs it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { Graph, type OpDef, type Value } from '../src/graph/graph.js';
import { toOnnx } from '../src/graph/onnx.js';
import { f32, type Tensor } from '../src/graph/tensor.js';
import { buildHalfResTransformer, phaseConv, phaseWeights, upsamplePhases, type HalfResOptions } from '../src/models/halfres.js';
import { describeNetwork, withoutNormBiases, type ConvLike } from '../src/models/network.js';
import { biasOf, lowerOnnx, ONNX_RULES, type OnnxRules } from '../src/models/network-onnx.js';
import { buildTransformer, PRESETS, randomWeights, type TransformerConfig, type Weights } from '../src/models/transformer.js';
import { add, conv, convTranspose, depthToSpace, div, mul, pad2d, reduceMean, slice, sqrt, sub, tanh, upsampleNearest } from '../src/ops/index.js';
import { RESIZE } from '../src/ops/movement.js';
import { formatMachine, machineInfo, type MachineInfo } from '../src/perf/machine.js';
import { measureMatmulPeak, type Peak } from '../src/perf/peak.js';
import { readProfile, type ProfileSummary } from '../src/perf/profile.js';
import { summarize, type Summary } from '../src/perf/stats.js';
import { createSession } from '../src/runtime/ort.js';
import { toFloat16Graph, toInt8Graph } from '../src/models/precision.js';
import { calibrate } from '../src/runtime/calibrate.js';
import { profileMarkdown } from '../src/sweep/report.js';
import { randomImage } from '../src/sweep/sweep.js';

export type Family = 'torch' | 'engstrom';
export const FAMILIES: readonly Family[] = ['torch', 'engstrom'];

/** The real-time student of each family. */
export function studentConfig(family: Family): TransformerConfig {
  return { ...PRESETS[family], width: 8, blocks: 2, firstKernel: 3, lastKernel: 3 };
}

// ---- Ops only these graphs use (ONNX standard, opset 17) ----

const BATCH_NORM: OpDef<{ readonly epsilon: number }> = { type: 'BatchNormalization', attrKinds: { epsilon: 'float' }, infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }] };

/** Resize nearest x2 with asymmetric coordinates and a chosen rounding ('floor' is PyTorch's). */
function resizeNearest(x: Value, rounding: 'floor' | 'ceil'): Value {
  const g = x.graph;
  const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: rounding } as unknown as Parameters<typeof RESIZE.infer>[1];
  return g.apply(RESIZE, [x, g.constant(f32([0], []), 'roi'), g.constant(f32([4], [1, 1, 2, 2]), 'scales')], attrs)[0]!;
}

// ---- The student graph with exact rewrites ----

export interface StudentGraphOptions {
  /** Concrete [batch, height, width]; symbolic when omitted (as the project builds it). */
  readonly shape?: readonly [number, number, number];
  /** Drop the conv biases that feed an instance norm (exact: the norm removes any per-channel constant). */
  readonly dropNormBias?: boolean;
  /**
   * Nearest x2 + reflect pad + 3x3 conv (torch family): 'resize-reflect' (as built), 'resize-edge'
   * (after nearest x2, reflect pad 1 = edge pad 1), 'pad-lowres' (edge-pad the low-res tensor at the
   * top/left, then Resize with ceil rounding gives the padded upsampled tensor directly), 'phase'
   * (a 3x3 conv over the edge-padded low-res tensor with 4x the output channels, then DepthToSpace),
   * 'tconv' (the same phase kernels as one stride-2 4x4 ConvTranspose over the edge-padded low-res tensor).
   */
  readonly upsample?: 'resize-reflect' | 'resize-edge' | 'pad-lowres' | 'phase' | 'tconv';
  /** Stride-2 transposed conv (engstrom family): as built, or a 2x2 conv with 4x outputs + DepthToSpace. */
  readonly transposed?: 'convtranspose' | 'phase';
  /** InstanceNormalization, or ReduceMean/Sub/Mul/Sqrt/Div/Add. */
  readonly norm?: 'op' | 'decomposed';
  /** The 3-channel output conv padded to 8 output channels (zero filters), then sliced back. */
  readonly outConv8?: boolean;
  /** tanh head's x * 150 + 127.5: Mul + Add (as built), a depthwise 1x1 Conv, or BatchNormalization. */
  readonly headAffine?: 'mul-add' | 'conv' | 'batchnorm';
}

/**
 * The student network of config c with exact graph rewrites (defaults reproduce buildTransformer):
 * the project's ONNX lowering of its layer list with some rules replaced. The half-resolution rewrite
 * is src/models/halfres.ts's buildHalfResTransformer.
 */
export function buildStudent(c: TransformerConfig, weights: Weights, o: StudentGraphOptions = {}): Graph {
  const g = new Graph('stylecast_student');
  const [n, h0, w0] = o.shape ?? ['batch', 'height', 'width'];
  const x = g.input('input', 'float32', [n, 3, h0, w0]);
  const T = (name: string): Tensor<'float32'> => {
    const t = weights.get(name);
    if (!t) throw new Error(`student: weight '${name}' is missing`);
    return t;
  };
  const K = (t: Tensor, hint: string) => g.constant(t, hint);
  const biasT = (l: ConvLike) => (l.bias ? T(`${l.name}.bias`) : undefined);
  const layers = o.dropNormBias ? withoutNormBiases(describeNetwork(c)) : describeNetwork(c);

  const norm: OnnxRules['norm'] = (l, h, at) => {
    if (o.norm !== 'decomposed') return ONNX_RULES.norm(l, h, at);
    const d = sub(h, reduceMean(h, [2, 3], true));
    const scale = div(K(f32([1, l.channels, 1, 1], T(`${l.name}.weight`).data), `${l.name}.weight`), sqrt(add(reduceMean(mul(d, d), [2, 3], true), l.epsilon)));
    return add(mul(d, scale), K(f32([1, l.channels, 1, 1], T(`${l.name}.bias`).data), `${l.name}.bias`));
  };
  const upsample: OnnxRules['upsample'] = (l, h, at) => {
    if (l.mode === 'transpose') {
      if (o.transposed === 'phase') return depthToSpace(phaseConv(h, l.name, T(`${l.name}.weight`), biasT(l), upsamplePhases(l), false));
      return ONNX_RULES.upsample(l, h, at);
    }
    const mode = o.upsample ?? 'resize-reflect';
    if (mode !== 'resize-reflect' && l.padding !== 'reflect') throw new Error(`student: upsample '${mode}' needs reflect padding`);
    const w = () => K(T(`${l.name}.weight`), `${l.name}.weight`);
    switch (mode) {
      case 'resize-reflect':
        return ONNX_RULES.upsample(l, h, at);
      case 'resize-edge':
        return conv(pad2d(upsampleNearest(h, 2), [1, 1, 1, 1], 'edge'), w(), biasOf(l, at), {}, l.name);
      case 'pad-lowres':
        return conv(resizeNearest(pad2d(h, [1, 1, 0, 0], 'edge'), 'ceil'), w(), biasOf(l, at), {}, l.name);
      case 'phase':
        return depthToSpace(phaseConv(h, l.name, T(`${l.name}.weight`), biasT(l), upsamplePhases(l), true));
      case 'tconv': {
        // Output 2m + a of a stride-2 4x4 transposed conv with pads 1 takes input m + d through tap
        // k = 1 + a - 2d: a = 0 reads d = -1, 0 (taps 3, 1), a = 1 reads d = 0, 1 (taps 2, 0); the
        // edge pad of the input moves the pads to 3.
        const p = phaseWeights(T(`${l.name}.weight`), biasT(l), upsamplePhases(l));
        const [cout4, cin] = p.weight.dims as [number, number];
        const cout = cout4 / 4;
        const tap = [[1, 1], [0, 0], [1, 0], [0, -1]] as const; // k -> [a, d]
        const wt = f32([cin, cout, 4, 4]);
        for (let ci = 0; ci < cin; ci++) {
          for (let oi = 0; oi < cout; oi++) {
            for (let ky = 0; ky < 4; ky++) {
              for (let kx = 0; kx < 4; kx++) {
                const [[ay, dy], [ax, dx]] = [tap[ky]!, tap[kx]!];
                wt.data[((ci * cout + oi) * 4 + ky) * 4 + kx] = p.weight.data[(((oi * 4 + ay * 2 + ax) * cin + ci) * 3 + dy + 1) * 3 + dx + 1]!;
              }
            }
          }
        }
        const bt = biasT(l);
        return convTranspose(pad2d(h, [1, 1, 1, 1], 'edge'), K(wt, `${l.name}.tconv_weight`), bt && K(bt, `${l.name}.bias`), { strides: [2, 2], pads: [3, 3, 3, 3] }, l.name);
      }
    }
  };
  // The conv that writes the image (no channel group): with outConv8, padded to 8 output channels.
  const convRule: OnnxRules['conv'] = (l, h, at) => {
    if (!o.outConv8 || l.channelGroup) return ONNX_RULES.conv(l, h, at);
    const wt = T(`${l.name}.weight`);
    const w8 = f32([8, l.cin, l.kernel, l.kernel]);
    w8.data.set(wt.data);
    const bt = biasT(l);
    const b8 = bt ? f32([8]) : undefined;
    if (b8 && bt) b8.data.set(bt.data);
    const half = (l.kernel - 1) / 2;
    const y = l.padding === 'reflect'
      ? conv(pad2d(h, [half, half, half, half], 'reflect'), K(w8, 'out8.weight'), b8 && K(b8, 'out8.bias'))
      : conv(h, K(w8, 'out8.weight'), b8 && K(b8, 'out8.bias'), { pads: [half, half, half, half] });
    return slice(y, { starts: [0], ends: [3], axes: [1] });
  };
  const tanhHead: OnnxRules['tanhHead'] = (l, h, at) => {
    switch (o.headAffine ?? 'mul-add') {
      case 'mul-add':
        return ONNX_RULES.tanhHead(l, h, at);
      case 'conv':
        return conv(tanh(h), K(f32([3, 1, 1, 1], [150, 150, 150]), 'head.weight'), K(f32([3], [127.5, 127.5, 127.5]), 'head.bias'), { group: 3 });
      case 'batchnorm': {
        const t = tanh(h);
        const v = (x: number) => f32([3], [x, x, x]);
        return g.apply(BATCH_NORM, [t, K(v(150), 'bn.scale'), K(v(127.5), 'bn.bias'), K(v(0), 'bn.mean'), K(v(1), 'bn.var')], { epsilon: 0 })[0]!;
      }
    }
  };
  const rules: OnnxRules = { ...ONNX_RULES, conv: convRule, upsample, norm, tanhHead };
  g.output(lowerOnnx(layers, x, { param: (name) => K(T(name), name), rules }), 'output');
  return g;
}

/** Conv multiply-accumulates of one frame (a graph with concrete shapes). */
export function convMacs(g: Graph): number {
  let macs = 0;
  for (const node of g.nodes) {
    if (node.def.type !== 'Conv' && node.def.type !== 'ConvTranspose') continue;
    const w = node.inputs[1]!.dims();
    const group = Number(node.attrs.group ?? 1);
    const wElems = w.reduce((a, b) => a * b, 1);
    const spatial = node.def.type === 'Conv' ? node.outputs[0]!.dims().slice(2) : node.inputs[0]!.dims().slice(2);
    // Conv: |W| per output pixel (its weights are already [out, in / group, k, k]); ConvTranspose: |W| / group per input pixel.
    macs += (node.def.type === 'Conv' ? wElems : wElems / group) * spatial[0]! * spatial[1]!;
  }
  return macs;
}

// ---- Variants ----

type OrtOptions = ort.InferenceSession.SessionOptions;

/** What one variant runs: model bytes, session options on top of the project's, frames per run. */
interface Built {
  readonly onnx: Uint8Array;
  /** Overrides of the project's session options (createSession's: cpu, optimization 'all', threads). */
  readonly options?: OrtOptions;
  /** Run through src/runtime/ort.ts createSession exactly as the Stylizer does (the baseline). */
  readonly project?: boolean;
  /** Frames per run (the input batch). Defaults to 1. */
  readonly batch?: number;
  /** Conv MACs per frame. */
  readonly macs: number;
}

export interface VariantSpec {
  readonly family: Family;
  readonly name: string;
  readonly kind: 'baseline' | 'control' | 'session' | 'graph' | 'combo' | 'precision';
  readonly what: string;
}

interface Variant extends VariantSpec {
  make(ctx: FamilyContext): Promise<Built>;
}

interface FamilyContext {
  readonly config: TransformerConfig;
  readonly weights: Weights;
  readonly height: number;
  readonly width: number;
  readonly input: Tensor<'float32'>;
  readonly threads?: number;
  readonly baselineMacs: number;
}

type Builder = (ctx: FamilyContext, shape?: readonly [number, number, number]) => Graph;
const student = (o: StudentGraphOptions = {}): Builder => (ctx, shape) => buildStudent(ctx.config, ctx.weights, shape ? { ...o, shape } : o);
const halfres = (o: HalfResOptions = {}): Builder => (ctx, shape) => buildHalfResTransformer(ctx.config, ctx.weights, shape ? { ...o, shape } : o);

/** A graph variant: symbolic shapes unless `fixed`; MACs are counted on the fixed-shape build. */
const graphVariant = (name: string, what: string, build: Builder, x: { fixed?: boolean; kind?: 'graph' | 'combo'; options?: OrtOptions } = {}) => ({
  name,
  kind: x.kind ?? ('graph' as const),
  what,
  make: async (ctx: FamilyContext): Promise<Built> => ({
    onnx: toOnnx(build(ctx, x.fixed ? [1, ctx.height, ctx.width] : undefined)),
    macs: convMacs(build(ctx, [1, ctx.height, ctx.width])),
    ...(x.options ? { options: x.options } : {}),
  }),
});

const sessionVariant = (name: string, what: string, options: OrtOptions) => ({
  name,
  kind: 'session' as const,
  what,
  make: async (ctx: FamilyContext): Promise<Built> => ({ onnx: toOnnx(buildTransformer(ctx.config, ctx.weights)), options, macs: ctx.baselineMacs }),
});

function variants(): Variant[] {
  const common = [
    {
      name: 'baseline',
      kind: 'baseline' as const,
      what: 'buildTransformer (symbolic batch/height/width) on src/runtime/ort.ts createSession, as the Stylizer runs it',
      make: async (ctx: FamilyContext): Promise<Built> => ({ onnx: toOnnx(buildTransformer(ctx.config, ctx.weights)), project: true, macs: ctx.baselineMacs }),
    },
    { ...sessionVariant('control', "the baseline again, on this bench's own session wrapper (its ratio is the noise floor)", {}), kind: 'control' as const },
    {
      name: 'fixed-shape',
      kind: 'session' as const,
      what: 'buildTransformer with opts.shape = [1, H, W] (onnxruntime-node ignores freeDimensionOverrides; a fixed graph is the way to give it shapes)',
      make: async (ctx: FamilyContext): Promise<Built> => ({ onnx: toOnnx(buildTransformer(ctx.config, ctx.weights, { shape: [1, ctx.height, ctx.width] })), macs: ctx.baselineMacs }),
    },
    sessionVariant('opt-extended', "graphOptimizationLevel 'extended' (no NCHWc layout transformer)", { graphOptimizationLevel: 'extended' }),
    sessionVariant('opt-basic', "graphOptimizationLevel 'basic'", { graphOptimizationLevel: 'basic' }),
    sessionVariant('threads-1', 'intraOpNumThreads 1', { intraOpNumThreads: 1, interOpNumThreads: 1 }),
    sessionVariant('threads-2', 'intraOpNumThreads 2, interOpNumThreads 1 (createSession with threads: 2)', { intraOpNumThreads: 2, interOpNumThreads: 1 }),
    sessionVariant('exec-parallel', "executionMode 'parallel'", { executionMode: 'parallel' }),
    sessionVariant('no-cpu-arena', 'enableCpuMemArena false', { enableCpuMemArena: false }),
    sessionVariant('no-mem-pattern', 'enableMemPattern false', { enableMemPattern: false }),
    sessionVariant('no-spinning', "session config 'session.intra_op.allow_spinning' = '0'", { extra: { 'session.intra_op.allow_spinning': '0' } }),
    {
      name: 'batch-2',
      kind: 'session' as const,
      what: 'two frames per run (ms and ratios are per frame)',
      make: async (ctx: FamilyContext): Promise<Built> => ({ onnx: toOnnx(buildTransformer(ctx.config, ctx.weights)), batch: 2, macs: ctx.baselineMacs }),
    },
  ];
  const precision = [
    {
      name: 'fp16',
      kind: 'precision' as const,
      what: 'toFloat16Graph of the fixed-shape graph (not exact)',
      make: async (ctx: FamilyContext): Promise<Built> => ({ onnx: toOnnx(toFloat16Graph(buildTransformer(ctx.config, ctx.weights, { shape: [1, ctx.height, ctx.width] }))), macs: ctx.baselineMacs }),
    },
    {
      name: 'int8',
      kind: 'precision' as const,
      what: 'toInt8Graph (QDQ, 7-bit weights, RGB convs float) calibrated on the input (not exact)',
      make: async (ctx: FamilyContext): Promise<Built> => {
        const g = buildTransformer(ctx.config, ctx.weights, { shape: [1, ctx.height, ctx.width] });
        return { onnx: toOnnx(toInt8Graph(g, await calibrate(g, { input: ctx.input }, ctx.threads))), macs: ctx.baselineMacs };
      },
    },
  ];
  const ONE_THREAD: OrtOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const NO_SPIN: OrtOptions = { extra: { 'session.intra_op.allow_spinning': '0' } };
  const HALFRES = 'src/models/halfres.ts: the full-resolution layers (first conv, input of the second, last upsampling conv, output conv) on space-to-depth (phase) tensors at half resolution, SpaceToDepth in, DepthToSpace out';
  const torch = [
    graphVariant('no-norm-bias', 'conv biases before instance norms dropped (the norm removes them)', student({ dropNormBias: true })),
    graphVariant('up-edge-pad', 'nearest x2 then edge pad (equal to reflect pad after nearest x2)', student({ upsample: 'resize-edge' })),
    graphVariant('up-pad-lowres', 'edge-pad the low-res tensor top/left, then Resize x2 with ceil rounding: the padded upsampled tensor without a full-res Pad', student({ upsample: 'pad-lowres' })),
    graphVariant('up-phase', 'both nearest x2 + pad + 3x3 convs as a 3x3 conv with 4x outputs over the edge-padded low-res tensor, then DepthToSpace', student({ upsample: 'phase' })),
    graphVariant('up-tconv', 'both nearest x2 + pad + 3x3 convs as one stride-2 4x4 ConvTranspose over the edge-padded low-res tensor', student({ upsample: 'tconv' })),
    graphVariant('norm-decomposed', 'InstanceNormalization as ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div/Mul/Add', student({ norm: 'decomposed' })),
    graphVariant('out-conv-8', 'output conv padded to 8 output channels (zero filters), then Slice to 3', student({ outConv8: true })),
    graphVariant('halfres', HALFRES, halfres()),
    graphVariant('halfres+phase-deconv1', 'halfres, and the first upsampling as up-phase', halfres({ phaseDeconv1: true })),
    graphVariant('up-phase+fixed+no-bias', 'up-phase, fixed shape, biases before norms dropped', student({ upsample: 'phase', dropNormBias: true }), { fixed: true, kind: 'combo' }),
    graphVariant('halfres+no-bias', 'halfres+phase-deconv1, biases before norms dropped', halfres({ phaseDeconv1: true, dropNormBias: true }), { kind: 'combo' }),
    graphVariant('halfres+fixed+no-bias', 'halfres+phase-deconv1, fixed shape, biases before norms dropped', halfres({ phaseDeconv1: true, dropNormBias: true }), { fixed: true, kind: 'combo' }),
    graphVariant('halfres+no-bias+threads-1', 'halfres+no-bias on 1 intra-op thread', halfres({ phaseDeconv1: true, dropNormBias: true }), { kind: 'combo', options: ONE_THREAD }),
    graphVariant('halfres+no-bias+no-spinning', 'halfres+no-bias without spinning threads', halfres({ phaseDeconv1: true, dropNormBias: true }), { kind: 'combo', options: NO_SPIN }),
  ];
  const engstrom = [
    graphVariant('tconv-phase', 'both stride-2 ConvTransposes as a 2x2 conv with 4x outputs, then DepthToSpace', student({ transposed: 'phase' })),
    graphVariant('norm-decomposed', 'InstanceNormalization as ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div/Mul/Add', student({ norm: 'decomposed' })),
    graphVariant('out-conv-8', 'output conv padded to 8 output channels (zero filters), then Slice to 3', student({ outConv8: true })),
    graphVariant('head-conv', 'tanh head x * 150 + 127.5 as one depthwise 1x1 Conv', student({ headAffine: 'conv' })),
    graphVariant('head-batchnorm', 'tanh head x * 150 + 127.5 as one BatchNormalization (mean 0, var 1, eps 0)', student({ headAffine: 'batchnorm' })),
    graphVariant('halfres', HALFRES, halfres()),
    graphVariant('halfres+phase-deconv1', 'halfres, and the first upsampling as tconv-phase', halfres({ phaseDeconv1: true })),
    graphVariant('tconv-phase+fixed', 'tconv-phase, fixed shape', student({ transposed: 'phase' }), { fixed: true, kind: 'combo' }),
    graphVariant('halfres+fixed', 'halfres+phase-deconv1, fixed shape', halfres({ phaseDeconv1: true }), { fixed: true, kind: 'combo' }),
    graphVariant('halfres+threads-1', 'halfres+phase-deconv1 on 1 intra-op thread', halfres({ phaseDeconv1: true }), { kind: 'combo', options: ONE_THREAD }),
    graphVariant('halfres+no-spinning', 'halfres+phase-deconv1 without spinning threads', halfres({ phaseDeconv1: true }), { kind: 'combo', options: NO_SPIN }),
  ];
  const session = [
    sessionVariant('threads-1+no-spinning', '1 intra-op thread, no spinning', { ...ONE_THREAD, ...NO_SPIN }),
  ];
  const out: Variant[] = [];
  for (const family of FAMILIES) {
    for (const v of [...common, ...session, ...(family === 'torch' ? torch : engstrom), ...precision]) out.push({ ...v, family });
  }
  return out;
}

// ---- Sessions ----

interface Runner {
  /** One run; returns its wall ms. */
  run(): Promise<number>;
  output(): Promise<Float32Array>;
  release(): Promise<void>;
}

const baseOptions = (threads?: number): OrtOptions => ({
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
  ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
});

function batchOf(input: Tensor<'float32'>, batch: number): Tensor<'float32'> {
  if (batch === 1) return input;
  const data = new Float32Array(input.data.length * batch);
  for (let i = 0; i < batch; i++) data.set(input.data, i * input.data.length);
  return f32([batch, ...input.dims.slice(1)], data);
}

async function openRunner(b: Built, input: Tensor<'float32'>, threads: number | undefined, extra: OrtOptions = {}): Promise<Runner> {
  const x = batchOf(input, b.batch ?? 1);
  // Our session wrapper where the variant needs no option it cannot set; onnxruntime itself otherwise.
  const ours = b.project && !Object.keys(extra).length;
  const s: { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>; release(): Promise<void> } = ours
    ? await createSession(b.onnx, threads ? { threads } : {})
    : await ort.InferenceSession.create(b.onnx, { ...baseOptions(threads), ...b.options, ...extra });
  const feeds = ours ? { input: x } : { input: new ort.Tensor('float32', x.data, x.dims) };
  return {
    async run() {
      const t0 = performance.now();
      await s.run(feeds);
      return performance.now() - t0;
    },
    output: async () => (await s.run(feeds)).output!.data as Float32Array,
    release: () => s.release(),
  };
}

/** Node counts of the graph onnxruntime actually runs (after its optimizer), by op type ('nchwc.' prefix for its NCHWc ops). */
async function optimizedOps(b: Built, threads: number | undefined, dir: string, tag: string): Promise<Record<string, number>> {
  const path = join(dir, `${tag}.onnx`);
  const s = await ort.InferenceSession.create(b.onnx, { ...baseOptions(threads), ...b.options, optimizedModelFilePath: path });
  await s.release();
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(path));
  rmSync(path, { force: true });
  const counts: Record<string, number> = {};
  for (const n of m.graph?.node ?? []) {
    const key = `${n.domain?.endsWith('nchwc') ? 'nchwc.' : ''}${n.opType}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function profileRunner(b: Built, input: Tensor<'float32'>, threads: number | undefined, dir: string, tag: string, runs: number): Promise<ProfileSummary> {
  const prefix = join(dir, `trace-${tag}`);
  const r = await openRunner({ ...b, project: false }, input, threads, { enableProfiling: true, profileFilePrefix: prefix });
  try {
    for (let i = 0; i < runs + 1; i++) await r.run();
  } finally {
    await r.release(); // ends profiling and writes the trace
  }
  const stem = `${basename(prefix)}_`;
  const files = readdirSync(dirname(prefix)).filter((f) => f.startsWith(stem) && f.endsWith('.json')).map((f) => join(dirname(prefix), f));
  const newest = files.sort((a, z) => statSync(z).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`profile of ${tag}: onnxruntime wrote no trace`);
  return readProfile(newest, 1);
}

// ---- The benchmark ----

export interface StudentBenchOptions {
  readonly trials?: number;
  readonly warmup?: number;
  readonly width?: number;
  readonly height?: number;
  /** Intra-op threads for every session; default: onnxruntime's choice, as the Stylizer's default. */
  readonly threads?: number;
  readonly families?: readonly Family[];
  /** Only these variants (name, or family/name); the family baselines always run. */
  readonly only?: readonly string[];
  /** Profile these variants (family/name) besides the baselines. */
  readonly profile?: readonly string[];
  readonly profileRuns?: number;
  /** Write bench/results/student-speed.md and .json. */
  readonly write?: boolean;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

export interface VariantResult extends VariantSpec {
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly batch: number;
  readonly gmacs: number;
  /** Max |output - baseline output| over the first frame, and that over max |baseline output|. */
  readonly maxAbsDiff?: number;
  readonly maxRelDiff?: number;
  readonly exact?: boolean;
  /** Per-frame ms. */
  readonly ms?: Summary;
  /** median ms / baseline median ms. */
  readonly ratio?: number;
  /** Median over trials of (this run / the baseline's run in the same trial). */
  readonly pairedRatio?: number;
  readonly ortOps?: Record<string, number>;
  readonly samples?: readonly number[];
}

export interface StudentBenchResult {
  readonly command: string;
  readonly machine: MachineInfo;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly width: number;
  readonly height: number;
  readonly trials: number;
  readonly warmup: number;
  readonly threads?: number;
  readonly loadavg: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly peak: { readonly before: Peak; readonly after: Peak };
  readonly results: readonly VariantResult[];
  readonly profiles: readonly { readonly variant: string; readonly summary: ProfileSummary }[];
}

/**
 * Exact: max |output - baseline| <= 1e-5 x max |baseline| (float32 reassociation). The tanh head's
 * x 150 amplifies rounding: the unchanged graph under optimization 'extended' differs from 'all' by
 * ~8e-4 on its 0..277 output, so an absolute 1e-3 is the float32 noise floor there, not a margin.
 */
export const EXACT_RELATIVE = 1e-5;

const oneLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0]!;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs: readonly number[]) => summarize(xs).median;

export async function benchStudent(opts: StudentBenchOptions = {}): Promise<StudentBenchResult> {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const trials = opts.trials ?? 100;
  const warmup = opts.warmup ?? 3;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (width % 4 || height % 4) throw new Error(`size ${width}x${height}: both sides must be multiples of 4 (the Stylizer pads to one)`);
  const families = opts.families ?? FAMILIES;
  const wanted = (v: VariantSpec) => v.kind === 'baseline' || !opts.only?.length || opts.only.some((o) => o === v.name || o === `${v.family}/${v.name}`);
  const list = variants().filter((v) => families.includes(v.family) && wanted(v));
  const command = opts.command ?? 'node --import tsx bench/student.ts';
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const loadBefore = load();
  const peakOpts = opts.threads ? { threads: opts.threads } : {};
  const peakBefore = await measureMatmulPeak(peakOpts);
  log(`student: MatMul ${peakBefore.gflops.toFixed(1)} GFLOP/s, load ${loadBefore.join(' ')}`);

  const input = randomImage(height, width, 0);
  const contexts = new Map<Family, FamilyContext>();
  for (const family of families) {
    const config = studentConfig(family);
    const weights = randomWeights(config, 0);
    const baselineMacs = convMacs(buildTransformer(config, weights, { shape: [1, height, width] }));
    contexts.set(family, { config, weights, height, width, input, baselineMacs, ...(opts.threads ? { threads: opts.threads } : {}) });
  }

  const dir = mkdtempSync(join(tmpdir(), 'stylecast-student-'));
  const frame = 3 * height * width;
  interface Slot { v: Variant; built?: Built; runner?: Runner | undefined; result: { -readonly [K in keyof VariantResult]?: VariantResult[K] }; samples: number[] }
  const slots: Slot[] = [];
  const refs = new Map<Family, Float32Array>();
  try {
    for (const v of list) {
      const slot: Slot = { v, result: {}, samples: [] };
      slots.push(slot);
      const ctx = contexts.get(v.family)!;
      try {
        const built = await v.make(ctx);
        slot.built = built;
        slot.result.ortOps = await optimizedOps(built, opts.threads, dir, `${v.family}-${v.name}`.replace(/[^\w.-]+/g, '_'));
        slot.runner = await openRunner(built, input, opts.threads);
        const out = (await slot.runner.output()).subarray(0, frame);
        if (v.kind === 'baseline') refs.set(v.family, Float32Array.from(out));
        const ref = refs.get(v.family)!;
        let maxAbs = 0;
        let refMax = 0;
        for (let i = 0; i < frame; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(out[i]! - ref[i]!));
          refMax = Math.max(refMax, Math.abs(ref[i]!));
        }
        if (!Number.isFinite(maxAbs) || out.length !== frame) maxAbs = Infinity;
        Object.assign(slot.result, { maxAbsDiff: maxAbs, maxRelDiff: maxAbs / Math.max(refMax, 1e-30), exact: maxAbs <= EXACT_RELATIVE * refMax });
        log(`student: ${v.family}/${v.name}: max |diff| ${maxAbs.toExponential(2)}, ${(built.macs / 1e9).toFixed(3)} GMAC`);
      } catch (e) {
        if (v.kind === 'baseline') throw e;
        slot.result.error = oneLine(e);
        await slot.runner?.release();
        slot.runner = undefined;
        log(`student: ${v.family}/${v.name}: failed: ${slot.result.error}`);
      }
    }
    const live = slots.filter((s) => s.runner);
    for (let i = 0; i < warmup; i++) for (const s of live) await s.runner!.run();
    for (let t = 0; t < trials; t++) {
      // Round-robin, rotated by one each trial, so no variant always runs right after the same one.
      for (let k = 0; k < live.length; k++) {
        const s = live[(k + t) % live.length]!;
        s.samples.push((await s.runner!.run()) / (s.built!.batch ?? 1));
      }
      if ((t + 1) % Math.max(1, Math.round(trials / 10)) === 0 || t === trials - 1) {
        const b = live.find((s) => s.v.kind === 'baseline')!;
        log(`student: trial ${t + 1}/${trials}, ${b.v.family} baseline median ${median(b.samples).toFixed(1)} ms, load ${load().join(' ')}`);
      }
    }
  } finally {
    for (const s of slots) await s.runner?.release();
  }

  const results: VariantResult[] = slots.map((s) => {
    const base = slots.find((b) => b.v.family === s.v.family && b.v.kind === 'baseline')!;
    const spec: VariantSpec = { family: s.v.family, name: s.v.name, kind: s.v.kind, what: s.v.what };
    const common = { ...spec, batch: s.built?.batch ?? 1, gmacs: (s.built?.macs ?? NaN) / 1e9 };
    if (!s.samples.length) return { ...common, ...s.result, status: 'failed' as const, error: s.result.error ?? 'not run' };
    const ms = summarize(s.samples);
    const paired = s.samples.map((x, i) => x / base.samples[i]!);
    return { ...common, ...s.result, status: 'ok' as const, ms, ratio: ms.median / median(base.samples), pairedRatio: median(paired), samples: s.samples };
  });

  const profiles: { variant: string; summary: ProfileSummary }[] = [];
  const toProfile = [...families.map((f) => `${f}/baseline`), ...(opts.profile ?? [])];
  try {
    for (const name of [...new Set(toProfile)]) {
      const s = slots.find((x) => `${x.v.family}/${x.v.name}` === name);
      if (!s?.built) {
        log(`student: cannot profile ${name}: no such variant ran`);
        continue;
      }
      log(`student: profiling ${name}`);
      profiles.push({ variant: name, summary: await profileRunner(s.built, input, opts.threads, dir, name.replace(/[^\w.-]+/g, '_'), opts.profileRuns ?? 20) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peakAfter = await measureMatmulPeak(peakOpts);
  const result: StudentBenchResult = {
    command,
    machine,
    startedAt,
    finishedAt: new Date().toISOString(),
    width,
    height,
    trials,
    warmup,
    ...(opts.threads ? { threads: opts.threads } : {}),
    loadavg: { before: loadBefore, after: load() },
    peak: { before: peakBefore, after: peakAfter },
    results,
    profiles,
  };
  const md = studentMarkdown(result);
  if (opts.write) {
    await writeFile(new URL('results/student-speed.md', import.meta.url), md);
    await writeFile(new URL('results/student-speed.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

// ---- Report ----

const ORT_COLUMNS: readonly [string, (ops: Record<string, number>) => number][] = [
  ['conv', (o) => (o['nchwc.Conv'] ?? 0) + (o.Conv ?? 0) + (o.ConvTranspose ?? 0) + (o.QLinearConv ?? 0)],
  ['pad', (o) => o.Pad ?? 0],
  ['reorder', (o) => (o['nchwc.ReorderInput'] ?? 0) + (o['nchwc.ReorderOutput'] ?? 0) + (o.Transpose ?? 0)],
  ['all', (o) => Object.values(o).reduce((a, b) => a + b, 0)],
];

export function studentMarkdown(r: StudentBenchResult): string {
  const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
  const lines = [
    '# Student speed: exact graph variants',
    '',
    `Command: \`${r.command}\`  `,
    `Machine: ${formatMachine(r.machine)}  `,
    `Date: ${r.startedAt} to ${r.finishedAt}  `,
    `Input ${r.width}x${r.height}, ${r.trials} trials after ${r.warmup} warm-up runs, threads: ${r.threads ?? "onnxruntime's default (as the Stylizer)"}; variants run round-robin (one run each per trial, order rotated every trial)  `,
    `Load average (1/5/15 min): ${r.loadavg.before.join(' / ')} before, ${r.loadavg.after.join(' / ')} after  `,
    `MatMul ${r.peak.before.n}^3 float32: ${f(r.peak.before.gflops)} GFLOP/s before, ${f(r.peak.after.gflops)} after`,
    '',
    `Student: \`{ ...PRESETS.<family>, width: 8, blocks: 2, firstKernel: 3, lastKernel: 3 }\`, random weights (seed 0). ` +
      `Exact = max |output - baseline| <= ${EXACT_RELATIVE} x max |baseline output| (float32 rounding; compare opt-extended, the same graph run by other kernels). ms are per frame. ` +
      '"x base" = median ms / baseline median ms; "paired" = median over trials of the ratio to the baseline run of the same trial. ' +
      'ORT nodes: the optimized graph onnxruntime runs (conv = Conv incl. NCHWc and QLinearConv; reorder = NCHWc ReorderInput/ReorderOutput and Transpose).',
    '',
  ];
  for (const family of FAMILIES) {
    const rows = r.results.filter((x) => x.family === family);
    if (!rows.length) continue;
    lines.push(`## ${family}`, '', '| variant | kind | max abs diff (rel) | exact | GMAC | ORT conv/pad/reorder/all | median ms | p95 ms | min ms | x base | paired |', '|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|');
    for (const x of rows) {
      const ops = x.ortOps ? ORT_COLUMNS.map(([, g]) => g(x.ortOps!)).join('/') : '';
      if (x.status !== 'ok') {
        lines.push(`| ${x.name} | ${x.kind} | | | ${f(x.gmacs, 3)} | ${ops} | failed: ${x.error} | | | | |`);
        continue;
      }
      lines.push(`| ${x.name} | ${x.kind} | ${x.maxAbsDiff === undefined ? '' : `${x.maxAbsDiff.toExponential(1)} (${x.maxRelDiff!.toExponential(0)})`} | ${x.exact ? 'yes' : 'no'} | ${f(x.gmacs, 3)} | ${ops} | ${f(x.ms?.median)} | ${f(x.ms?.p95)} | ${f(x.ms?.min)} | ${f(x.ratio, 3)} | ${f(x.pairedRatio, 3)} |`);
    }
    lines.push('', '<details><summary>what each variant is</summary>', '', ...rows.map((x) => `- \`${x.name}\`: ${x.what}`), '', '</details>', '');
  }
  if (r.profiles.length) {
    lines.push('## Profiles (onnxruntime profiler, after the timed runs)', '');
    for (const p of r.profiles) lines.push(`### ${p.variant}`, '', profileMarkdown(p.summary, 15), '');
  }
  return `${lines.join('\n')}\n`;
}

// ---- Command line ----

function parseArgs(argv: readonly string[]): StudentBenchOptions {
  const o: { -readonly [K in keyof StudentBenchOptions]: StudentBenchOptions[K] } = {};
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v}`);
    return n;
  };
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    switch (a) {
      case '--trials': o.trials = int(a, next(), 1); break;
      case '--warmup': o.warmup = int(a, next(), 0); break;
      case '--threads': o.threads = int(a, next(), 1); break;
      case '--profile-runs': o.profileRuns = int(a, next(), 1); break;
      case '--size': {
        const v = next();
        const m = /^(\d+)x(\d+)$/.exec(v ?? '');
        if (!m) throw new Error(`--size needs WxH, got ${v}`);
        [o.width, o.height] = [Number(m[1]), Number(m[2])];
        break;
      }
      case '--family': {
        const fs = list(next());
        for (const x of fs) if (!FAMILIES.includes(x as Family)) throw new Error(`--family: unknown family ${x} (torch, engstrom)`);
        o.families = fs as Family[];
        break;
      }
      case '--only': o.only = list(next()); break;
      case '--profile': o.profile = list(next()); break;
      case '--write': o.write = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const command = ['node --import tsx bench/student.ts', ...process.argv.slice(2)].join(' ');
    const r = await benchStudent({ ...opts, command });
    process.stdout.write(studentMarkdown(r));
    if (opts.write) process.stderr.write('student: wrote bench/results/student-speed.md and .json\n');
  } catch (e) {
    process.stderr.write(`student: ${oneLine(e)}\n`);
    process.exit(1);
  }
}
