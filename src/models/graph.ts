// The graph behind every model built from layers (functional and Sequential): the nodes
// between some input tensors and some output tensors, in an order that runs each node after
// the nodes it reads (Keras's functional.py / TF.js's container.ts bookkeeping, smaller).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { isShapeList, type CallArgs, type Layer, type ShapeSpec, type Shapes } from '../layers/layer.ts';
import { SymbolicTensor, type Node } from '../layers/symbolic.ts';

export class Graph {
  /** Nodes to run, each after the nodes it reads (input nodes excluded). */
  readonly nodes: Node[];
  /** Every layer once, in Keras's (and TF.js's) order: model.layers, getWeights and weight files follow it. */
  readonly layers: Layer[];

  constructor(readonly inputs: SymbolicTensor[], readonly outputs: SymbolicTensor[], readonly modelName: string) {
    checkTensors(inputs, 'inputs', modelName);
    checkTensors(outputs, 'outputs', modelName);
    inputs.forEach((t, i) => {
      if (t.node.layer.className !== 'InputLayer') {
        throw new Error(`Model "${modelName}": inputs[${i}] must come from an Input (layers.input(...)), but it is the output of layer "${t.node.layer.name}" (${t.node.layer.className})`);
      }
      if (inputs.indexOf(t) !== i) throw new Error(`Model "${modelName}": input "${t.node.layer.name}" is given twice in inputs`);
    });
    this.nodes = orderNodes(inputs, outputs, modelName);
    const layers = kerasLayerOrder(inputs, outputs);
    const seen = new Map<string, number>();
    for (const l of layers) seen.set(l.name, (seen.get(l.name) ?? 0) + 1);
    for (const [name, count] of seen) {
      if (count > 1) throw new Error(`Model "${modelName}": the name "${name}" is used ${count} times in the model. All layer names should be unique`);
    }
    this.layers = layers;
  }

  /** Runs every node on concrete inputs (one per graph input) and returns the outputs. */
  run(values: readonly Tensor[], args: CallArgs): Tensor[] {
    if (values.length !== this.inputs.length) {
      throw new Error(`Model "${this.modelName}" expects ${this.inputs.length} input(s) (${this.inputNames().join(', ')}), but it received ${values.length}`);
    }
    const known = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((t, i) => { checkInput(t, values[i].shape, this.modelName); known.set(t, values[i]); });
    for (const node of this.nodes) {
      const ins = node.inputs.map((t) => known.get(t)!);
      const out = node.layer.apply(node.multiInput ? ins : ins[0], { ...args, ...node.callArgs }) as Tensor | Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      node.outputs.forEach((t, i) => known.set(t, outs[i]));
    }
    return this.outputs.map((t) => known.get(t)!);
  }

  /** The output shapes for these input shapes, through every layer's shape rules (no computation). */
  outputShapes(inputShapes: readonly ShapeSpec[]): ShapeSpec[] {
    if (inputShapes.length !== this.inputs.length) {
      throw new Error(`Model "${this.modelName}" expects ${this.inputs.length} input(s) (${this.inputNames().join(', ')}), but it received ${inputShapes.length}`);
    }
    const known = new Map<SymbolicTensor, ShapeSpec>();
    this.inputs.forEach((t, i) => { checkInput(t, inputShapes[i], this.modelName); known.set(t, inputShapes[i]); });
    for (const node of this.nodes) {
      const ins = node.inputs.map((t) => known.get(t)!);
      if (!node.multiInput) node.layer.assertInputCompatible(ins[0]);
      const out: Shapes = node.layer.computeOutputShape(node.multiInput ? ins : ins[0]);
      const outs = isShapeList(out) ? out : [out];
      node.outputs.forEach((t, i) => known.set(t, outs[i]));
    }
    return this.outputs.map((t) => known.get(t)!);
  }

  inputNames(): string[] { return this.inputs.map((t) => t.node.layer.name); }
  outputNames(): string[] { return this.outputs.map((t) => t.node.layer.name); }
}

function checkTensors(list: SymbolicTensor[], what: string, model: string): void {
  if (list.length === 0) throw new Error(`Model "${model}": ${what} must not be empty`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new Error(`Model "${model}": ${what}[${i}] must be a symbolic tensor (from layers.input(...) or a layer called on one), got ${t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name : typeof t}`);
    }
  });
}

/** A concrete (or shape-only) input must match its Input's rank and known sizes. */
function checkInput(t: SymbolicTensor, shape: readonly (number | null)[], model: string): void {
  const expected = t.shape;
  if (expected.length !== shape.length || expected.some((d, i) => d !== null && shape[i] !== null && d !== shape[i])) {
    throw new Error(`Input "${t.node.layer.name}" of model "${model}" is incompatible with the model: expected shape=${formatShape(expected)}, found shape=${formatShape(shape)}`);
  }
}

/**
 * The nodes the outputs depend on, each after its inputs' nodes (depth-first from the outputs).
 * Reaching an Input that is not one of `inputs` means the graph is disconnected: that input's
 * value could never be known.
 */
function orderNodes(inputs: SymbolicTensor[], outputs: SymbolicTensor[], model: string): Node[] {
  const given = new Set(inputs);
  const order: Node[] = [];
  const done = new Set<Node>(), active = new Set<Node>();
  const visit = (t: SymbolicTensor, reader: Layer | null): void => {
    if (given.has(t)) return;
    const node = t.node;
    if (done.has(node)) return;
    if (active.has(node)) throw new Error(`Model "${model}": the graph has a cycle through layer "${node.layer.name}"`);
    if (node.inputs.length === 0) {
      const accessed = [...new Set(order.map((n) => n.layer.name))];
      throw new Error(`Graph disconnected: cannot obtain value for tensor ${t.name} (from input layer "${node.layer.name}") at layer "${reader?.name ?? node.layer.name}": ` +
        `"${node.layer.name}" is not among the inputs of model "${model}" (${inputs.map((i) => i.node.layer.name).join(', ')}); add it to inputs. ` +
        `The following previous layers were accessed without issue: [${accessed.join(', ')}]`);
    }
    active.add(node);
    for (const x of node.inputs) visit(x, node.layer);
    active.delete(node);
    done.add(node);
    order.push(node);
  };
  for (const t of outputs) visit(t, null);
  return order;
}

/**
 * Keras's model.layers order (functional.py's map_graph, as TF.js's container.ts): layers by
 * depth, deepest (the inputs) first, where a node's depth is one more than the deepest node
 * reading it and the outputs are depth 0; layers of equal depth in the order a depth-first walk
 * from the outputs first reaches them. Run order alone would differ at every branch: a residual
 * block's shortcut conv would come before the main path's, and getWeights()/setWeights() of the
 * same architecture would not line up with TF.js's or Keras's.
 */
function kerasLayerOrder(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): Layer[] {
  const given = new Set(inputs);
  const firstSeen = new Map<Layer, number>();
  const postOrder: Node[] = [];
  const finished = new Set<Node>();
  const walk = (t: SymbolicTensor): void => {
    const node = t.node;
    if (finished.has(node)) return;
    if (!firstSeen.has(node.layer)) firstSeen.set(node.layer, firstSeen.size);
    if (!given.has(t)) for (const x of node.inputs) walk(x);
    finished.add(node);
    postOrder.push(node);
  };
  for (const t of outputs) walk(t);
  for (const t of inputs) if (!finished.has(t.node)) { firstSeen.set(t.node.layer, firstSeen.get(t.node.layer) ?? firstSeen.size); postOrder.push(t.node); finished.add(t.node); }
  const nodeDepth = new Map<Node, number>(), layerDepth = new Map<Layer, number>();
  for (let i = postOrder.length - 1; i >= 0; i--) {
    const node = postOrder[i];
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    if (given.has(node.outputs[0])) continue;
    for (const x of node.inputs) nodeDepth.set(x.node, Math.max(depth + 1, nodeDepth.get(x.node) ?? 0));
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || firstSeen.get(a)! - firstSeen.get(b)!);
}
