import onnxProto from 'onnx-proto';
import type { Attrs, AttrKind, Graph, Shape, Value } from './graph.js';
import type { DType, Tensor } from './tensor.js';

const { onnx } = onnxProto;

/** Opset 17: the newest whose ops all run in both onnxruntime-node and onnxruntime-web. */
export const OPSET = 17;
const IR_VERSION = 8;

const DTYPE_CODE: Readonly<Record<DType, number>> = Object.freeze({
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
});

const CODE_DTYPE = new Map(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as DType]));

export interface OnnxOptions {
  /** Model-level key/value metadata (ModelProto.metadata_props). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
}

function bytesOf(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function tensorProto(name: string, t: Tensor) {
  return onnx.TensorProto.create({ name, dims: [...t.dims], dataType: DTYPE_CODE[t.dtype], rawData: bytesOf(t) });
}

function valueInfo(v: Value) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
      },
    },
  });
}

const ATTR = onnx.AttributeProto.AttributeType;

function attribute(op: string, name: string, kind: AttrKind | undefined, v: unknown) {
  switch (kind) {
    case 'int':
      return { name, type: ATTR.INT, i: v as number };
    case 'float':
      return { name, type: ATTR.FLOAT, f: v as number };
    case 'string':
      return { name, type: ATTR.STRING, s: new TextEncoder().encode(v as string) };
    case 'ints':
      return { name, type: ATTR.INTS, ints: [...(v as number[])] };
    case 'floats':
      return { name, type: ATTR.FLOATS, floats: [...(v as number[])] };
    case 'tensor':
      return { name, type: ATTR.TENSOR, t: tensorProto('', v as Tensor) };
    default:
      throw new Error(`${op}: attribute '${name}' is not declared in its op definition`);
  }
}

function attributes(op: string, kinds: Readonly<Record<string, AttrKind>>, attrs: Attrs) {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => attribute(op, k, kinds[k], v));
}

function nodeProtos(g: Graph) {
  return g.nodes.map((n) => {
    const inputs = n.inputs.map((v) => v?.name ?? '');
    while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
    return onnx.NodeProto.create({
      name: n.name,
      opType: n.def.type,
      input: inputs,
      output: n.outputs.map((v) => v.name),
      attribute: attributes(n.def.type, n.def.attrKinds, n.attrs),
    });
  });
}

const initializerProtos = (g: Graph) => [...g.initializers.entries()].map(([name, i]) => tensorProto(name, i.tensor));

/** Serialize a graph to ONNX ModelProto bytes. */
export function toOnnx(g: Graph, opts: OnnxOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'stylecast',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: opts.docString ?? '',
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: g.name,
      node: nodeProtos(g),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: initializerProtos(g),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Where an ONNX model sits inside a graph of ours (see {@link toOnnxAround}). */
export interface Inlined {
  /** The model's bytes. */
  readonly onnx: Uint8Array;
  /** Its input that the outer graph feeds: [its name, the outer value fed to it]. */
  readonly input: readonly [string, Value];
  /** Its output that the outer graph reads: [its name, the outer graph's input that stands for it]. */
  readonly output: readonly [string, Value];
  /** Oldest default-domain opset under which outer's ops mean what they mean at {@link OPSET}. */
  readonly minOpset: number;
}

/** Every value name a graph and its subgraphs define or read. */
function namesIn(g: onnxProto.onnx.IGraphProto, into = new Set<string>()): Set<string> {
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) into.add(v.name ?? '');
  for (const t of g.initializer ?? []) into.add(t.name ?? '');
  for (const n of g.node ?? []) {
    for (const v of [...(n.input ?? []), ...(n.output ?? [])]) into.add(v);
    for (const a of n.attribute ?? []) for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) namesIn(sub, into);
  }
  return into;
}

/**
 * Serialize `outer` with the ONNX model `inner.onnx` inlined into it: the outer value `inner.input[1]`
 * feeds the model's input `inner.input[0]`, and the outer graph input `inner.output[1]` reads its
 * output `inner.output[0]`. The model's other inputs stay inputs of the result (after outer's own), its
 * other outputs are dropped, and its nodes, initializers and opsets are kept as they are: the result
 * runs under the inner model's opsets, so outer's ops must mean the same there. Outer's own values and
 * nodes are renamed `<outer.name>/<name>` (its inputs and outputs keep their names), so the two cannot
 * clash; a name the model already uses is refused.
 */
export function toOnnxAround(outer: Graph, inner: Inlined, opts: OnnxOptions = {}): Uint8Array {
  const m = onnx.ModelProto.decode(inner.onnx);
  const ig = m.graph;
  if (!ig) throw new Error('not a valid ONNX model (no graph)');
  const [innerIn, fed] = inner.input;
  const [innerOut, standIn] = inner.output;
  if (!(ig.input ?? []).some((v) => v.name === innerIn)) throw new Error(`the model has no input '${innerIn}'`);
  if (!(ig.output ?? []).some((v) => v.name === innerOut)) throw new Error(`the model has no output '${innerOut}'`);
  if (!outer.inputs.includes(standIn)) throw new Error(`${standIn.name} is not an input of graph ${outer.name}`);
  const opset = Number((m.opsetImport ?? []).find((o) => !o.domain)?.version ?? 1);
  if (opset < inner.minOpset) throw new Error(`the model's opset ${opset} is older than ${inner.minOpset}`);

  const taken = namesIn(ig);
  const prefix = `${outer.name}/`;
  const kept = new Set([...outer.inputs, ...outer.outputs].filter((v) => v !== standIn).map((v) => v.name));
  const clash = [...taken].find((n) => kept.has(n) || n.startsWith(prefix));
  if (clash !== undefined) throw new Error(`the model already uses the name '${clash}'`);
  const rename = (name: string) => (name === standIn.name ? innerOut : name === '' || kept.has(name) ? name : prefix + name);

  // Outer nodes that need the model's output run after it, the others before.
  const late = new Set([standIn.name]);
  const before: onnxProto.onnx.INodeProto[] = [];
  const after: onnxProto.onnx.INodeProto[] = [];
  for (const n of nodeProtos(outer)) {
    const needsModel = (n.input ?? []).some((v) => late.has(v));
    if (needsModel) for (const o of n.output ?? []) late.add(o);
    n.input = (n.input ?? []).map(rename);
    n.output = (n.output ?? []).map(rename);
    n.name = prefix + (n.name ?? '');
    (needsModel ? after : before).push(n);
  }
  before.push(onnx.NodeProto.create({ name: `${prefix}feed`, opType: 'Identity', input: [rename(fed.name)], output: [innerIn] }));
  const inits = initializerProtos(outer);
  for (const t of inits) t.name = rename(t.name ?? '');

  ig.node = [...before, ...(ig.node ?? []), ...after];
  ig.initializer = [...(ig.initializer ?? []), ...inits];
  ig.input = [...outer.inputs.filter((v) => v !== standIn).map(valueInfo), ...(ig.input ?? []).filter((v) => v.name !== innerIn)];
  ig.output = outer.outputs.map(valueInfo);
  // Outer's initializers are not listed among the inputs, which IR 3 and older would need.
  m.irVersion = Math.max(Number(m.irVersion ?? 0), IR_VERSION);
  m.producerName = 'stylecast';
  m.docString = opts.docString ?? '';
  m.metadataProps = Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value }));
  return onnx.ModelProto.encode(m).finish();
}

export interface ValueSignature {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** What stylecast needs back from an ONNX file: metadata, initializers and the I/O signature. */
export interface ParsedOnnx {
  readonly metadata: Readonly<Record<string, string>>;
  readonly initializers: ReadonlyMap<string, Tensor>;
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
  readonly opset: number;
}

function decodeTensor(t: onnxProto.onnx.ITensorProto): Tensor {
  const dtype = CODE_DTYPE.get(t.dataType ?? 0);
  const dims = (t.dims ?? []).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  if (dtype === undefined) throw new Error(`initializer ${t.name}: unsupported data type ${t.dataType}`);
  if (dtype === 'float32' && !t.rawData?.length) return { dtype, dims, data: Float32Array.from(t.floatData ?? []) };
  const raw = t.rawData ?? new Uint8Array(0);
  // Copy: protobufjs may hand out a Buffer view into the whole file, unaligned for Float32Array.
  const copy = new Uint8Array(raw).buffer;
  const ctor = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array }[dtype];
  const data = new ctor(copy);
  if (data.length !== n) throw new Error(`initializer ${t.name}: ${data.length} values for dims [${dims.join(', ')}]`);
  return { dtype, dims, data } as Tensor;
}

function signature(v: onnxProto.onnx.IValueInfoProto): ValueSignature {
  const tt = v.type?.tensorType;
  return {
    name: v.name ?? '',
    dtype: CODE_DTYPE.get(tt?.elemType ?? 0) ?? 'float32',
    shape: (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null)),
  };
}

/** Parse ONNX bytes; throws a one-line error when they are not a valid model. */
export function parseOnnx(bytes: Uint8Array): ParsedOnnx {
  let m: onnxProto.onnx.IModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`not a valid ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
  const g = m.graph;
  if (!g?.node?.length) throw new Error('not a valid ONNX model (no graph nodes)');
  const inits = g.initializer ?? [];
  const initializerNames = new Set(inits.map((t) => t.name ?? ''));
  return {
    metadata: Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    initializers: new Map(inits.map((t) => [t.name ?? '', decodeTensor(t)])),
    inputs: (g.input ?? []).filter((v) => !initializerNames.has(v.name ?? '')).map(signature),
    outputs: (g.output ?? []).map(signature),
    opset: Number((m.opsetImport ?? []).find((o) => !o.domain)?.version ?? 0),
  };
}
