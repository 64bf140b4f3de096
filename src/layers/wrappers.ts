// Keras's layer wrappers: TimeDistributed applies one layer (or a whole model) to every time
// step of [batch, time, ...]. Time is folded into the batch ([batch * time, ...] -> layer ->
// [batch, time, ...]): one call, the same weights for every frame. A BatchNormalization inside
// is the exception while training: TF.js and Keras 3 call the inner layer once per step, so its
// batch statistics are per step and its moving statistics move once per step; it runs so here.
import { formatShape } from '../core/shape.ts';
import type { Tensor, Variable } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { Layer, isShapeList, withWeightOwner, type CallArgs, type LayerArgs, type ShapeSpec, type Shapes } from './layer.ts';
import { checkOptions, layerClass, layerClassNames, registerLayers } from './registry.ts';

/** A layer, or its {className, config} (TF.js's getConfig form, which the registry rebuilds). */
export type WrappedLayer = Layer | { className: string; config: Record<string, unknown> };

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time step (a Conv2D, a Dense, a Sequential CNN, ...). */
  layer: WrappedLayer;
}

/** A model's layers (models live above layers: seen by shape, not by class). */
const sublayers = (layer: Layer): Layer[] => {
  const list = (layer as unknown as { layers?: unknown }).layers;
  return Array.isArray(list) ? list.filter((l): l is Layer => l instanceof Layer) : [];
};
const isModel = (layer: Layer): boolean => Array.isArray((layer as unknown as { layers?: unknown }).layers);

/** Whether any layer in `layer` couples the samples of a batch while training (batch statistics). */
function couplesBatch(layer: Layer): boolean {
  if (layer.className === 'BatchNormalization') return true;
  if (layer instanceof TimeDistributed) return couplesBatch(layer.layer);
  return sublayers(layer).some(couplesBatch);
}

function innerLayer(owner: string, given: unknown): Layer {
  if (given instanceof Layer) return given;
  const o = given as { className?: unknown; config?: unknown } | null | undefined;
  if (o === undefined || o === null) throw new Error(`Layer "${owner}" (TimeDistributed): the option 'layer' is required: the layer to apply to every time step, e.g. new TimeDistributed({layer: new Conv2D({filters: 8, kernelSize: 3})})`);
  if (typeof o !== 'object' || typeof o.className !== 'string') {
    throw new Error(`Layer "${owner}" (TimeDistributed): 'layer' must be a Layer or its {className, config}, got ${typeof o === 'object' ? JSON.stringify(o).slice(0, 120) : String(o)}`);
  }
  const cls = layerClass(o.className);
  if (!cls) {
    const model = ['Sequential', 'Model', 'Functional'].includes(o.className);
    throw new Error(`Layer "${owner}" (TimeDistributed): ${model
      ? `the inner layer is a ${o.className} given as a config; build the model and pass it (new TimeDistributed({layer: model})), or load the file with loadModel, which rebuilds nested models`
      : `unknown inner layer class '${o.className}' (deeptype knows ${layerClassNames().join(', ')})`}`);
  }
  if (o.config !== undefined && (typeof o.config !== 'object' || o.config === null || Array.isArray(o.config))) {
    throw new Error(`Layer "${owner}" (TimeDistributed): the inner layer's config must be an object of options, got ${JSON.stringify(o.config)}`);
  }
  return new cls((o.config ?? {}) as never);
}

/** Applies `layer` to every time step: [batch, time, ...frame] -> [batch, time, ...layer's output]. */
export class TimeDistributed extends Layer {
  static override readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    checkOptions('TimeDistributed', args, ['layer']);
    super(args);
    this.layer = innerLayer(this.name, args?.layer);
    if (this.layer === (this as Layer)) throw new Error(`Layer "${this.name}" (TimeDistributed): cannot wrap itself`);
    // An inner layer built before wrapping: its weights take the wrapper's names, as a build inside would give.
    if (!isModel(this.layer)) {
      for (const w of this.layer.weights) {
        if (w.name.startsWith(`${this.layer.name}/`)) (w as { name: string }).name = `${this.name}/${w.name.slice(this.layer.name.length + 1)}`;
      }
    }
  }

  override get weights(): Variable[] { return this.layer.weights; }
  protected override innerLayers(): Layer[] { return [this.layer]; }
  override get trainableWeights(): Variable[] { return this.trainable ? this.layer.trainableWeights : []; }
  override get nonTrainableWeights(): Variable[] { return this.trainable ? this.layer.nonTrainableWeights : this.layer.weights; }
  protected override innerActivityLoss(): Tensor | null { return this.layer.activityLoss; }
  override drawShapes(): string { return this.layer.drawShapes(); }

  private checkRank(shape: ShapeSpec): void {
    if (!Array.isArray(shape) || shape.length < 3 || Array.isArray(shape[0])) {
      throw new Error(`Layer "${this.name}" (TimeDistributed): expects one input of at least 3 dimensions [batch, time, ...], got ${Array.isArray(shape) ? formatShape(shape as ShapeSpec) : String(shape)}; ` +
        'give the time axis second (a batch of sequences), or call the inner layer directly');
    }
  }

  override assertInputCompatible(shape: ShapeSpec): void {
    this.checkRank(shape);
    if (this.layer.built) this.layer.assertInputCompatible(this.frameShape(shape));
  }

  /** The shape the inner layer sees: batch and time as one axis. */
  private frameShape(shape: ShapeSpec): ShapeSpec {
    const [b, t] = shape;
    return [b !== null && t !== null ? b * t : null, ...shape.slice(2)];
  }

  override build(inputShape: Shapes): void {
    if (isShapeList(inputShape)) throw new Error(`Layer "${this.name}" (TimeDistributed): takes one input, got ${inputShape.length}`);
    this.checkRank(inputShape);
    if (!this.layer.built) {
      const frame = [null, ...inputShape.slice(2)];
      const build = (): void => { this.layer.build(frame); this.layer.built = true; };
      // A model's layers keep their own names; a plain layer's weights are `<wrapper>/<weight>`.
      if (isModel(this.layer)) build(); else withWeightOwner(this.name, build);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    if (isShapeList(inputShape)) throw new Error(`Layer "${this.name}" (TimeDistributed): takes one input, got ${inputShape.length}`);
    this.checkRank(inputShape);
    const out = this.layer.computeOutputShape(this.frameShape(inputShape));
    if (isShapeList(out)) throw new Error(`Layer "${this.name}" (TimeDistributed): the inner layer "${this.layer.name}" returns ${out.length} outputs; TimeDistributed wraps a layer of one output`);
    return [inputShape[0], inputShape[1], ...out.slice(1)];
  }

  call(x: Tensor, args: CallArgs = {}): Tensor {
    const [b, t, ...frame] = x.shape;
    if (args.training && couplesBatch(this.layer)) {
      // Per step, as TF.js and Keras 3: batch statistics over each step's batch.
      const steps = Array.from({ length: t }, (_, i) => {
        const step = ops.reshape(ops.slice(x, [0, i, ...frame.map(() => 0)], [b, 1, ...frame]), [b, ...frame]);
        const y = this.applyInner(step, args);
        return ops.reshape(y, [b, 1, ...y.shape.slice(1)]);
      });
      return steps.length === 1 ? steps[0] : ops.concat(steps, 1);
    }
    const y = this.applyInner(ops.reshape(x, [b * t, ...frame]), args);
    return ops.reshape(y, [b, t, ...y.shape.slice(1)]);
  }

  private applyInner(x: Tensor, args: CallArgs): Tensor {
    const y = this.layer.apply(x, args);
    if (Array.isArray(y)) throw new Error(`Layer "${this.name}" (TimeDistributed): the inner layer "${this.layer.name}" returns ${(y as Tensor[]).length} outputs; TimeDistributed wraps a layer of one output`);
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}

registerLayers(TimeDistributed);
