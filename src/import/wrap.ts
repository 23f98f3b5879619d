import onnxProto from 'onnx-proto';
import { PIXEL_IO_MIN_OPSET } from '../models/pixel-io.js';

const { onnx } = onnxProto;

/** Prefix of every name from the foreign graph inside the wrapper, so none can clash with ours. */
const PREFIX = 'foreign/';


export interface WrapOptions {
  /** The foreign graph's input and output names. */
  readonly input: string;
  readonly output: string;
  /** Pixel range the foreign network takes and returns. */
  readonly range: readonly [number, number];
  /** Fixed [width, height] the foreign network takes: the wrapper resizes to it and back. */
  readonly fixedSize?: readonly [number, number];
  readonly metadata: Readonly<Record<string, string>>;
  readonly docString: string;
}

/** The model's default-domain opset (1 when it declares none). */
export function defaultOpset(m: onnxProto.onnx.IModelProto): number {
  return Number((m.opsetImport ?? []).find((o) => !o.domain)?.version ?? 1);
}

/** Rename every value, initializer and node of a graph and of its subgraphs (a consistent bijection). */
function prefixGraph(g: onnxProto.onnx.IGraphProto): void {
  const rn = (n: string | null | undefined) => (n ? PREFIX + n : (n ?? ''));
  for (const n of g.node ?? []) {
    n.input = (n.input ?? []).map(rn);
    n.output = (n.output ?? []).map(rn);
    if (n.name) n.name = rn(n.name);
    for (const a of n.attribute ?? []) {
      if (a.g) prefixGraph(a.g);
      for (const sub of a.graphs ?? []) prefixGraph(sub);
    }
  }
  for (const t of g.initializer ?? []) t.name = rn(t.name);
  for (const s of g.sparseInitializer ?? []) {
    if (s.values) s.values.name = rn(s.values.name);
    if (s.indices) s.indices.name = rn(s.indices.name);
  }
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) v.name = rn(v.name);
  for (const q of g.quantizationAnnotation ?? []) q.tensorName = rn(q.tensorName);
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
// Raw little-endian data, as stylecast writes every initializer (and as parseOnnx reads them).
const raw = (a: Float32Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const floats = (name: string, dims: number[], values: number[]) => onnx.TensorProto.create({ name, dataType: FLOAT, dims, rawData: raw(Float32Array.from(values)) });
const int64s = (name: string, values: number[]) => onnx.TensorProto.create({ name, dataType: INT64, dims: [values.length], rawData: raw(BigInt64Array.from(values, BigInt)) });
const image = (name: string) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'n' }, { dimValue: 3 }, { dimParam: 'h' }, { dimParam: 'w' }] } } } });

/**
 * A stylecast graph around a foreign image-to-image network: `input` ([n, 3, h, w], RGB 0..255, any
 * size) is resized to the foreign fixed size (bilinear, half-pixel centres: the identity at that
 * size), mapped to the foreign pixel range, run through the foreign nodes, mapped back to 0..255 and
 * resized back to h x w as `output`. Every consumer of model files just runs it.
 */
export function wrapForeign(bytes: Uint8Array, o: WrapOptions): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const opset = defaultOpset(m);
  // Sessions run models inside the pixel I/O graph, whose ops need this opset (it also brought Resize
  // with a `sizes` input, which the fixed-size wrapper uses).
  if (opset < PIXEL_IO_MIN_OPSET) throw new Error(`opset ${opset} is older than ${PIXEL_IO_MIN_OPSET}, too old to run; re-export it with opset ${PIXEL_IO_MIN_OPSET} or newer`);
  const [lo, hi] = o.range;
  const scale = (hi - lo) / 255;
  const initNames = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  prefixGraph(g);
  const pre: onnxProto.onnx.INodeProto[] = [];
  const post: onnxProto.onnx.INodeProto[] = [];
  let nodes = pre;
  const inits: onnxProto.onnx.ITensorProto[] = [];
  const node = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) => {
    nodes.push(onnx.NodeProto.create({ name: output, opType, input, output: [output], attribute }));
    return output;
  };
  const str = (name: string, v: string) => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) });
  const resize = (x: string, sizes: string, out: string) => node('Resize', [x, 'stylecast/empty', 'stylecast/empty', sizes], out, [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')]);
  // y = x * mul + add, left out when it is the identity.
  const affine = (x: string, mul: number, add: number, out: string) => {
    if (mul === 1 && add === 0) return x;
    inits.push(floats(`${out}/mul`, [], [mul]), floats(`${out}/add`, [], [add]));
    return node('Add', [node('Mul', [x, `${out}/mul`], `${out}/scaled`), `${out}/add`], out);
  };

  let x = 'input';
  if (o.fixedSize) {
    const [w, h] = o.fixedSize;
    // Batch and channels from the input, height and width fixed: [n, 3, h_f, w_f].
    inits.push(floats('stylecast/empty', [0], []), int64s('stylecast/zero', [0]), int64s('stylecast/two', [2]), int64s('stylecast/fixed_hw', [h, w]));
    const nc = node('Slice', [node('Shape', ['input'], 'stylecast/input_shape'), 'stylecast/zero', 'stylecast/two'], 'stylecast/input_nc');
    const sizes = node('Concat', [nc, 'stylecast/fixed_hw'], 'stylecast/fixed_sizes', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]);
    x = resize(x, sizes, 'stylecast/resized_in');
  }
  // The foreign nodes (subgraphs included) read their input under its old name.
  node('Identity', [affine(x, scale, lo, 'stylecast/foreign_in')], PREFIX + o.input);
  nodes = post;
  let y = affine(PREFIX + o.output, 1 / scale, -lo / scale, 'stylecast/foreign_out');
  if (o.fixedSize) y = resize(y, node('Shape', ['input'], 'stylecast/input_shape_out'), 'stylecast/resized_out');
  node('Identity', [y], 'output');

  g.node = [...pre, ...(g.node ?? []), ...post];
  g.initializer = [...(g.initializer ?? []), ...inits];
  // IR < 4 lists initializers among the inputs too: keep those, drop the foreign image input.
  g.input = [image('input'), ...(g.input ?? []).filter((v) => initNames.has((v.name ?? '').slice(PREFIX.length)))];
  g.output = [image('output')];
  // Declared intermediate shapes (often batch 1) would only conflict with other batch sizes.
  g.valueInfo = [];
  m.producerName = 'stylecast import';
  m.producerVersion = '';
  m.docString = o.docString;
  m.metadataProps = Object.entries(o.metadata).map(([key, value]) => ({ key, value }));
  return onnx.ModelProto.encode(m).finish();
}
