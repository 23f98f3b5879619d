import type { DType, Tensor } from './tensor.js';

/** A dimension: a number, a named symbolic dimension ('batch', 'height'), or null when unknown. */
export type Dim = number | string | null;
export type Shape = readonly Dim[];

export interface ValueType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** ONNX attribute kinds; numbers are ambiguous in JS so each op declares its attributes' kinds. */
export type AttrKind = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'tensor';
export type AttrValue = number | string | readonly number[] | Tensor;
export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

/**
 * Context handed to a gradient rule: the forward node, the upstream gradients of its outputs
 * (null where an output does not reach the loss) and the graph to emit gradient nodes into.
 */
export interface GradContext<A extends Attrs = Attrs> {
  readonly graph: Graph;
  readonly node: Node<A>;
  readonly inputs: readonly (Value | undefined)[];
  readonly outputs: readonly Value[];
  readonly dOutputs: readonly (Value | null)[];
  readonly attrs: A;
}

/** One gradient per forward input (null: no gradient, e.g. for a shape input). */
export type GradRule<A extends Attrs = Attrs> = (ctx: GradContext<A>) => readonly (Value | null)[];

/** Everything about one ONNX operator: attribute kinds, shape inference and (optionally) its gradient. */
export interface OpDef<A extends Attrs = Attrs> {
  /** ONNX operator name exactly as in the spec, e.g. 'Conv'. */
  readonly type: string;
  readonly attrKinds: Readonly<Record<string, AttrKind>>;
  infer(inputs: readonly (Value | undefined)[], attrs: A): ValueType[];
  readonly grad?: GradRule<A>;
}

export class Value implements ValueType {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer?: Node,
  ) {}

  /** Concrete dims; throws naming the value when any dim is symbolic. */
  dims(): number[] {
    return this.shape.map((d, i) => {
      if (typeof d !== 'number') throw new Error(`${this.name}: dim ${i} is ${d ?? 'unknown'}, a concrete shape is needed`);
      return d;
    });
  }
}

export class Node<A extends Attrs = Attrs> {
  constructor(
    readonly def: OpDef<A>,
    readonly name: string,
    readonly inputs: readonly (Value | undefined)[],
    readonly outputs: readonly Value[],
    readonly attrs: A,
  ) {}
}

export interface Initializer {
  readonly value: Value;
  readonly tensor: Tensor;
  /** Parameters are trainable initializers; constants are not. */
  readonly trainable: boolean;
}

/**
 * A typed dataflow graph that serializes to ONNX. Values carry dtype and shape; ops are small
 * functions in `src/ops` that call {@link Graph.apply}.
 *
 * @example
 * const g = new Graph('double');
 * const x = g.input('x', 'float32', ['batch', 3]);
 * g.output(add(x, x), 'y');
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'stylecast') {}

  /** A fresh name built from hint; names given explicitly must be unique. */
  uniqueName(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name '${name}' is already used`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.claim(name), dtype, shape);
    this.inputs.push(v);
    return v;
  }

  /** A trainable parameter stored as an initializer. */
  param(name: string, t: Tensor): Value {
    return this.initializer(this.claim(name), t, true);
  }

  /** A constant initializer (not trainable). */
  constant(t: Tensor, hint = 'const'): Value {
    return this.initializer(this.uniqueName(hint), t, false);
  }

  private initializer(name: string, t: Tensor, trainable: boolean): Value {
    const value = new Value(this, name, t.dtype, t.dims);
    this.initializers.set(name, { value, tensor: t, trainable });
    return value;
  }

  /** Add one node; output types come from the op's shape inference. */
  apply<A extends Attrs>(def: OpDef<A>, inputs: readonly (Value | undefined)[], attrs: A, hint?: string): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) throw new Error(`${def.type}: input ${v.name} belongs to another graph`);
    }
    const types = def.infer(inputs, attrs);
    const base = this.uniqueName(hint ?? def.type);
    const outputs: Value[] = [];
    const node = new Node(def, base, inputs, outputs, attrs) as unknown as Node;
    types.forEach((t, i) => outputs.push(new Value(this, i === 0 ? base : this.uniqueName(`${base}_${i}`), t.dtype, t.shape, node)));
    this.nodes.push(node);
    return outputs;
  }

  /** Mark a value as a graph output, renaming it (via Identity) when a name is given. */
  output(v: Value, name?: string): Value {
    let out = v;
    if (name !== undefined && name !== v.name) {
      const [renamed] = this.apply(IDENTITY, [v], {}, name);
      if (renamed!.name !== name) throw new Error(`graph ${this.name}: output name '${name}' is already used`);
      out = renamed!;
    }
    this.outputs.push(out);
    return out;
  }

  /** Trainable parameters in creation order. */
  params(): Value[] {
    return [...this.initializers.values()].filter((i) => i.trainable).map((i) => i.value);
  }
}

// Identity lives here (not in src/ops) because Graph.output needs it and ops import Graph.
export const IDENTITY: OpDef = {
  type: 'Identity',
  attrKinds: {},
  infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }],
  grad: ({ dOutputs }) => [dOutputs[0] ?? null],
};
