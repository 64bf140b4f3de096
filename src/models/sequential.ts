// Sequential: a stack of layers, each feeding the next. It is the graph of a functional model
// (graph.ts) built as a chain once the input shape is known (from an Input, a layer's
// inputShape, build(), or the first data it sees); it runs, trains and saves as one.
import type { Tensor } from '../core/tensor.ts';
import { Input } from '../layers/core.ts';
import { Layer, type Shapes } from '../layers/layer.ts';
import { SymbolicTensor, type Node } from '../layers/symbolic.ts';
import { isShapeList } from '../layers/layer.ts';
import { Model } from './model.ts';
import type { Graph } from './graph.ts';

export class Sequential extends Model {
  static override readonly className: string = 'Sequential';
  private readonly stack: Layer[] = [];
  private inputLayer?: Input;
  /** The nodes this model's chain added to its layers (forgotten when the chain is rebuilt). */
  private chainNodes = new Set<Node>();

  /** new Sequential([layer, ...]) as in Keras, or new Sequential({layers, name}) as in TensorFlow.js. */
  constructor(args: Layer[] | { layers?: Layer[]; name?: string } = {}) {
    const { layers = [], name } = Array.isArray(args) ? { layers: args } : args;
    super({ name });
    for (const layer of layers) this.add(layer);
  }

  override get layers(): Layer[] { return [...this.stack]; }

  /** Appends a layer; with a known input shape the chain is rebuilt (and shape-checked) right away. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      const symbolic = (layer as unknown) instanceof SymbolicTensor;
      throw new Error(`Sequential.add: expected a Layer, got ${symbolic ? 'a symbolic tensor (layers.input() makes the inputs of a functional model; a Sequential takes new layers.Input({shape}) or inputShape on its first layer)' : layer === null ? 'null' : typeof layer}`);
    }
    if (layer instanceof Input) {
      if (this.stack.length > 0 || this.batchInputShape) throw new Error(`Sequential "${this.name}": an Input can only come first`);
      this.inputLayer = layer;
      this.batchInputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.length === 0 && layer.batchInputShape && !this.batchInputShape) this.batchInputShape = layer.batchInputShape;
    if (this.stack.includes(layer)) throw new Error(`Sequential "${this.name}": layer "${layer.name}" was already added`);
    this.stack.push(layer);
    if (this.batchInputShape) {
      try { this.rebuild(); } catch (e) { this.stack.pop(); if (this.stack.length > 0) this.rebuild(); throw e; }
    }
    this.resetPlans();
  }

  /** Removes the last layer. */
  pop(): Layer {
    const layer = this.stack.pop();
    if (!layer) throw new Error(`Sequential "${this.name}": there is no layer to pop`);
    if (this.graph) this.rebuild();
    this.resetPlans();
    return layer;
  }

  /** The chain as a graph: an Input, then each layer called on the previous one's output. */
  private rebuild(): void {
    for (const l of this.stack) l.removeNodes(this.chainNodes);
    this.chainNodes = new Set();
    this.inputLayer ??= new Input({ batchShape: this.batchInputShape! });
    const input = this.inputLayer.output;
    let x: SymbolicTensor = input;
    for (const layer of this.stack) {
      const out = layer.apply(x);
      if (Array.isArray(out)) throw new Error(`Sequential "${this.name}": layer "${layer.name}" returns ${out.length} outputs; every layer of a Sequential model must return one tensor`);
      this.chainNodes.add(out.node);
      x = out;
    }
    this.setGraph([input], [x]);
  }

  /** Keras's model.build(inputShape): fixes the input shape and builds the chain. */
  override build(inputShape: Shapes): void {
    const shape = isShapeList(inputShape) ? inputShape[0] : inputShape;
    this.batchInputShape = [null, ...shape.slice(1)];
    if (this.inputLayer && this.inputLayer.batchInputShape?.join() !== this.batchInputShape.join()) this.inputLayer = undefined;
    this.rebuild();
  }

  /** Without a declared input shape, the first data seen sets it (as Keras's deferred build). */
  protected override graphFor(inputs: Tensor[]): Graph | undefined {
    if (!this.graph && inputs.length === 1) this.build([null, ...inputs[0].shape.slice(1)]);
    return this.graph;
  }

  override getConfig(): Record<string, unknown> {
    const layers = this.stack.map((l) => ({ className: l.className, config: l.getConfig() }));
    // The input shape travels on the first layer, as TF.js and Keras 2 write it.
    if (this.batchInputShape && layers.length > 0) layers[0].config = { ...layers[0].config, batchInputShape: [...this.batchInputShape] };
    return { name: this.name, layers, trainable: this.trainable };
  }
}
