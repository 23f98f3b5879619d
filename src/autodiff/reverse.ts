import type { Graph, Node, Value } from '../graph/graph.js';
import { f32, numel } from '../graph/tensor.js';
import { add } from '../ops/elementwise.js';
import { expand } from '../ops/expand.js';

/**
 * Reverse-mode differentiation on the graph (micrograd's backward, over ONNX nodes): seed the loss
 * with ones, walk the nodes in reverse topological order, let each op's gradient rule emit gradient
 * nodes with the ordinary builders, and sum gradients where a value fans out.
 *
 * Only nodes between `wrt` and `loss` are differentiated. Rules also emit gradients for inputs that
 * need none (e.g. frozen VGG weights); {@link prune} removes them once the outputs are chosen.
 *
 * @example
 * const [dw] = gradients(loss, [w]);
 * g.output(dw, 'grad.w');
 */
export function gradients(loss: Value, wrt: readonly Value[]): Value[] {
  const g = loss.graph;
  if (numel(loss.dims()) !== 1) throw new Error(`gradients: the loss ${loss.name} must have one element, got [${loss.dims()}]`);
  const nodes = [...g.nodes];

  // Values that depend on some wrt value: only those need gradients.
  const live = new Set<Value>(wrt);
  for (const n of nodes) if (n.inputs.some((v) => v && live.has(v))) n.outputs.forEach((o) => live.add(o));
  if (!live.has(loss)) throw new Error(`gradients: the loss ${loss.name} does not depend on any of [${wrt.map((w) => w.name).join(', ')}]`);

  const pending = new Map<Value, Value[]>();
  const push = (v: Value, d: Value) => pending.set(v, [...(pending.get(v) ?? []), d]);
  const total = (v: Value): Value | null => {
    const parts = pending.get(v);
    if (!parts?.length) return null;
    const sum = parts.reduce((a, b) => add(a, b));
    pending.set(v, [sum]);
    return sum;
  };
  push(loss, g.constant(f32(loss.dims(), [1]), 'seed'));

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.inputs.some((v) => v && live.has(v))) continue;
    const dOutputs = node.outputs.map(total);
    if (dOutputs.every((d) => d === null)) continue;
    const grads = ruleFor(node)({ graph: g, node, inputs: node.inputs, outputs: node.outputs, dOutputs, attrs: node.attrs });
    // Rules may list trailing nulls for optional inputs the node omits.
    if (grads.length < node.inputs.length || grads.slice(node.inputs.length).some((d) => d)) {
      throw new Error(`${node.def.type} (${node.name}): gradient rule returned ${grads.length} gradients for ${node.inputs.length} inputs`);
    }
    node.inputs.forEach((v, j) => {
      const d = grads[j];
      if (!v || !d || !live.has(v)) return;
      if (d.dims().join(',') !== v.dims().join(',')) {
        throw new Error(`${node.def.type} (${node.name}): gradient of input ${j} has shape [${d.dims()}], expected [${v.dims()}]`);
      }
      push(v, d);
    });
  }
  // A wrt value the loss does not reach has a zero gradient.
  return wrt.map((w) => total(w) ?? expand(g.constant(f32([], [0]), 'zero'), w.dims()));
}

function ruleFor(node: Node) {
  const rule = node.def.grad;
  if (!rule) throw new Error(`no gradient rule for op ${node.def.type} (node ${node.name}); add a grad to its OpDef in src/ops`);
  return rule;
}

/**
 * Drop nodes and constant initializers that no graph output needs (dead code left by gradient rules
 * and by forward values the loss does not use). Returns how many nodes were removed.
 */
export function prune(g: Graph): number {
  const needed = new Set<string>(g.outputs.map((v) => v.name));
  const keep: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o.name))) continue;
    keep.push(n);
    for (const v of n.inputs) if (v) needed.add(v.name);
  }
  const removed = g.nodes.length - keep.length;
  g.nodes.splice(0, g.nodes.length, ...keep.reverse());
  for (const [name, init] of g.initializers) if (!init.trainable && !needed.has(name)) g.initializers.delete(name);
  return removed;
}
