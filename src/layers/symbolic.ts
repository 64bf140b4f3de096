// Symbolic tensors and nodes: the graph a functional model is made of. Calling a layer on
// symbolic tensors computes no values; it runs the layer's shape rules and records a Node
// (which layer, on which tensors), whose outputs are new symbolic tensors.
import type { DType } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import type { CallArgs, Layer, ShapeSpec } from './layer.ts';

/** Keras's KerasTensor (TF.js's SymbolicTensor): a shape (batch null), a dtype and the node that makes it. */
export class SymbolicTensor {
  readonly shape: ShapeSpec;
  constructor(shape: ShapeSpec, readonly dtype: DType, readonly node: Node, readonly index: number) {
    this.shape = [...shape];
  }
  get rank(): number { return this.shape.length; }
  /** The layer whose call produced this tensor. */
  get sourceLayer(): Layer { return this.node.layer; }
  /** Keras's tensor naming: the layer's name, the node's index on it and the output index. */
  get name(): string { return `${this.node.layer.name}/${this.node.layer.inboundNodes.indexOf(this.node)}/${this.index}`; }
  toString(): string { return `SymbolicTensor(shape=${formatShape(this.shape)}, dtype=${this.dtype}, from layer "${this.node.layer.name}")`; }
}

/** One call of a layer in a graph: the tensors it read and the tensors it produced. */
export class Node {
  readonly outputs: SymbolicTensor[] = [];
  constructor(readonly layer: Layer, readonly inputs: SymbolicTensor[], readonly multiInput: boolean, readonly callArgs: CallArgs = {}) {}
  /** The layers that produced this node's inputs (Keras's inbound layers). */
  get inboundLayers(): Layer[] { return this.inputs.map((t) => t.node.layer); }
}

export const isSymbolic = (x: unknown): x is SymbolicTensor => x instanceof SymbolicTensor;

/** A description of where a symbolic tensor comes from, for error messages. */
export const describeSource = (t: SymbolicTensor): string =>
  `the output of layer "${t.node.layer.name}" (shape ${formatShape(t.shape)})`;
