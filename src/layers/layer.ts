// The Keras layer contract: the constructor stores options, build(inputShape) creates the
// weights on first use, call(x) computes, computeOutputShape predicts shapes, getConfig saves.
import { formatShape, shapesEqual } from '../core/shape.ts';
import { Tensor, Variable } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import type { Initializer } from './initializers.ts';
import { getRegularizer, objectConfig, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';

/** A shape whose leading batch dimension (and possibly others) is unknown: null. */
export type ShapeSpec = (number | null)[];

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** The input shape without the batch dimension; lets Sequential build before seeing data. */
  inputShape?: ShapeSpec;
  batchInputShape?: ShapeSpec;
  /** A penalty on the layer's output, added to the loss (Keras's activity_regularizer). */
  activityRegularizer?: RegularizerIdentifier | null;
}

export interface CallArgs { training?: boolean }

/** What a layer accepts, checked before every call (Keras's InputSpec). */
export interface InputSpec { ndim?: number; minNdim?: number; axes?: Record<number, number> }

const nameCounts = new Map<string, number>();
/** Keras's naming: conv2d, conv2d_1, conv2d_2, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}
/** For tests and fresh sessions: start naming from scratch. */
export const resetNames = (): void => nameCounts.clear();

/** Keras's to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
export const snakeCase = (s: string): string =>
  s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

export abstract class Layer {
  static readonly className: string = 'Layer';
  readonly name: string;
  trainable: boolean;
  built = false;
  batchInputShape?: ShapeSpec;
  protected inputSpec: InputSpec = {};
  private readonly ownWeights: Variable[] = [];
  readonly activityRegularizer: Regularizer | null;
  /** The activity penalty of the last call (inside a step: part of the loss), or null. */
  activityLoss: Tensor | null = null;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(snakeCase(this.className));
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [null, ...args.inputShape];
    this.activityRegularizer = getRegularizer(args.activityRegularizer, `Layer "${this.name}": activityRegularizer`);
  }

  get className(): string { return (this.constructor as typeof Layer).className; }

  get weights(): Variable[] { return this.ownWeights; }
  get trainableWeights(): Variable[] { return this.trainable ? this.weights.filter((w) => w.trainable) : []; }
  get nonTrainableWeights(): Variable[] { return this.weights.filter((w) => !this.trainable || !w.trainable); }

  protected addWeight(name: string, shape: number[], initializer: Initializer, trainable = true, dtype: DType = 'float32'): Variable {
    const v = new Variable(initializer(shape, dtype), `${this.name}/${name}`, trainable);
    this.ownWeights.push(v);
    return v;
  }

  /** Creates the weights for an input of this shape. Called once, by apply(). */
  build(_inputShape: ShapeSpec): void {
    this.built = true;
  }

  abstract call(x: Tensor, args: CallArgs): Tensor;

  computeOutputShape(inputShape: ShapeSpec): ShapeSpec {
    return inputShape;
  }

  /** Checks the input against the layer's spec, builds on first use, then calls. */
  apply(x: Tensor, args: CallArgs = {}): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`Layer "${this.name}" expects a Tensor, got ${typeof x}`);
    this.assertInputCompatible(x.shape);
    if (!this.built) {
      this.build([null, ...x.shape.slice(1)]);
      this.built = true;
      this.assertInputCompatible(x.shape);
    }
    const y = this.call(x, args);
    this.activityLoss = this.activityRegularizer ? this.activityRegularizer(y) : null;
    return y;
  }

  /** Throws Keras's message when a shape does not meet the input spec. */
  assertInputCompatible(shape: ShapeSpec): void {
    const { ndim, minNdim, axes } = this.inputSpec;
    const fail = (what: string): never => {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: ${what}. Full shape received: ${formatShape(shape)}`);
    };
    if (ndim !== undefined && shape.length !== ndim) fail(`expected ndim=${ndim}, found ndim=${shape.length}`);
    if (minNdim !== undefined && shape.length < minNdim) fail(`expected min_ndim=${minNdim}, found ndim=${shape.length}`);
    for (const [axisStr, size] of Object.entries(axes ?? {})) {
      const axis = Number(axisStr);
      const d = shape[axis < 0 ? shape.length + axis : axis];
      if (d !== null && d !== size) fail(`expected axis ${axis} of input shape to have value ${size}, but received input with shape ${formatShape(shape)}`);
    }
  }

  /** Copies of the weights' current values, in creation order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(`Layer "${this.name}" expects ${ws.length} weights, but setWeights received ${values.length}` +
        (ws.length === 0 && !this.built ? ' (the layer is not built yet: call it on an input first)' : ''));
    }
    ws.forEach((w, i) => {
      if (!shapesEqual(w.shape, values[i].shape)) {
        throw new Error(`Layer "${this.name}" weight ${w.name} has shape ${formatShape(w.shape)}, not compatible with provided weight shape ${formatShape(values[i].shape)}`);
      }
    });
    ws.forEach((w, i) => w.assign(values[i].dtype === w.dtype ? values[i] : values[i].cast(w.dtype)));
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** The constructor arguments that recreate this layer (camelCase; io converts for files). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) config.batchInputShape = this.batchInputShape;
    if (this.activityRegularizer) config.activityRegularizer = objectConfig(this.activityRegularizer);
    return config;
  }
}
