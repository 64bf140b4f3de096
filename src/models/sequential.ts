// Sequential: a stack of layers, each feeding the next.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { Input } from '../layers/core.ts';
import { Layer, type CallArgs, type ShapeSpec } from '../layers/layer.ts';
import { Model } from './model.ts';

export class Sequential extends Model {
  static override readonly className = 'Sequential';
  private readonly stack: Layer[] = [];

  /** new Sequential([layer, ...]) as in Keras, or new Sequential({layers, name}) as in TensorFlow.js. */
  constructor(args: Layer[] | { layers?: Layer[]; name?: string } = {}) {
    const { layers = [], name } = Array.isArray(args) ? { layers: args } : args;
    super({ name });
    for (const layer of layers) this.add(layer);
  }

  get layers(): Layer[] { return [...this.stack]; }

  /** Appends a layer; with a known input shape it is built (and shape-checked) right away. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`Sequential.add: expected a Layer, got ${typeof layer}`);
    if (layer instanceof Input) {
      if (this.stack.length > 0 || this.batchInputShape) throw new Error(`Sequential "${this.name}": an Input can only come first`);
      this.batchInputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.length === 0 && layer.batchInputShape && !this.batchInputShape) this.batchInputShape = layer.batchInputShape;
    if (this.stack.includes(layer)) throw new Error(`Sequential "${this.name}": layer "${layer.name}" was already added`);
    if (this.batchInputShape) buildLayer(layer, this.computeOutputShape(this.batchInputShape));
    this.stack.push(layer);
    this.resetPlans();
    if (this.batchInputShape) this.built = true;
  }

  /** Removes the last layer. */
  pop(): Layer {
    const layer = this.stack.pop();
    if (!layer) throw new Error(`Sequential "${this.name}": there is no layer to pop`);
    this.resetPlans();
    return layer;
  }

  override build(inputShape: ShapeSpec): void {
    let shape = inputShape;
    for (const layer of this.stack) {
      buildLayer(layer, shape);
      shape = layer.computeOutputShape(shape);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeSpec): ShapeSpec {
    return this.stack.reduce((shape, layer) => {
      layer.assertInputCompatible(shape);
      return layer.computeOutputShape(shape);
    }, inputShape);
  }

  override apply(x: Tensor, args: CallArgs = {}): Tensor {
    const expected = this.batchInputShape;
    if (expected && (expected.length !== x.rank || expected.some((d, i) => d !== null && d !== x.shape[i]))) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected shape=${formatShape(expected)}, found shape=${formatShape(x.shape)}`);
    }
    if (!this.built) {
      this.build([null, ...x.shape.slice(1)]);
    }
    return this.call(x, args);
  }

  call(x: Tensor, args: CallArgs = {}): Tensor {
    return this.stack.reduce((h, layer) => layer.apply(h, args), x);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, layers: this.stack.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }
}

function buildLayer(layer: Layer, shape: ShapeSpec): void {
  layer.assertInputCompatible(shape);
  if (!layer.built) {
    layer.build(shape);
    layer.built = true;
  }
}
