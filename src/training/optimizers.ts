// Optimizers with Keras's names and defaults. Updates run as backend kernels, in place on
// each variable's values and its slots (moments), which are created on first use.
import { backend } from '../core/engine.ts';
import { allocArray, type TypedArray } from '../core/dtype.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import { Tensor, type Variable } from '../core/tensor.ts';

export abstract class Optimizer {
  abstract readonly name: string;
  learningRate: number;
  /** Number of update steps applied so far. */
  iterations = 0;
  private readonly slots = new Map<Variable, TypedArray[]>();

  constructor(learningRate: number) {
    if (!(learningRate > 0)) throw new Error(`${new.target.name}: learningRate must be positive, got ${learningRate}`);
    this.learningRate = learningRate;
  }

  /** The state arrays kept per variable (each the variable's size), by their names in saved files (TensorFlow.js's: `<variable>/<slot>`). */
  protected abstract slotNames(): string[];
  protected abstract update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void;

  /** The state arrays kept for one variable (created zeroed on first use). */
  slotsFor(v: Variable): TypedArray[] {
    let s = this.slots.get(v);
    if (!s) this.slots.set(v, (s = this.slotNames().map(() => allocArray(v.dtype, v.size))));
    return s;
  }

  /** Moves a variable's slots to new storage (a training plan's arena), keeping their values. */
  moveSlots(v: Variable, place: (a: TypedArray) => TypedArray): void {
    this.slots.set(v, this.slotsFor(v).map(place));
  }

  /** Applies one step: Keras's optimizer.apply(grads, variables). */
  apply(grads: readonly Tensor[], variables: readonly Variable[]): void {
    if (grads.length !== variables.length) throw new Error(`${this.name}: ${grads.length} gradients for ${variables.length} variables`);
    variables.forEach((v, i) => {
      if (!shapesEqual(grads[i].shape, v.shape)) {
        throw new Error(`${this.name}: gradient of shape ${formatShape(grads[i].shape)} for variable ${v.name} of shape ${formatShape(v.shape)}`);
      }
    });
    this.iterations++;
    variables.forEach((v, i) => {
      const g = grads[i].dtype === v.dtype ? grads[i] : grads[i].cast(v.dtype);
      this.update(v.data, g.data, this.slotsFor(v), this.iterations);
    });
  }

  /** Keras's apply_gradients(zip(grads, vars)). */
  applyGradients(pairs: Iterable<readonly [Tensor, Variable]>): void {
    const list = [...pairs];
    this.apply(list.map((p) => p[0]), list.map((p) => p[1]));
  }

  getConfig(): Record<string, unknown> { return { learningRate: this.learningRate }; }

  /** The state to save, named as TensorFlow.js names it: `iter`, then each slot of each variable. */
  getWeights(variables: readonly Variable[]): { name: string; tensor: Tensor }[] {
    const iter = new Tensor(Int32Array.of(this.iterations), []);
    const slots = this.slotNames().flatMap((slot, k) =>
      variables.map((v) => ({ name: `${v.name}/${slot}`, tensor: new Tensor(this.slotsFor(v)[k].slice(), v.shape) })));
    return [{ name: 'iter', tensor: iter }, ...slots];
  }

  /** Restores state saved by getWeights (from deeptype or TensorFlow.js); checks every shape first. */
  setWeights(values: Map<string, Tensor>, variables: readonly Variable[], where: string): void {
    const iter = values.get('iter');
    if (!iter || iter.size !== 1) throw new Error(`${where}: the optimizer state has no 'iter' step count`);
    const assignments: [TypedArray, Tensor][] = [];
    this.slotNames().forEach((slot, k) => {
      for (const v of variables) {
        const name = `${v.name}/${slot}`, t = values.get(name);
        if (!t) throw new Error(`${where}: the optimizer state has no '${name}'`);
        if (!shapesEqual(t.shape, v.shape)) throw new Error(`${where}: optimizer state '${name}' has shape ${formatShape(t.shape)}, the variable ${formatShape(v.shape)}`);
        assignments.push([this.slotsFor(v)[k], t]);
      }
    });
    for (const [slot, t] of assignments) slot.set(t.data);
    this.iterations = iter.data[0];
  }
}

export interface AdamArgs { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }

/**
 * Adam (Kingma & Ba), bias-corrected moments; epsilon is added to the corrected second
 * moment's root, as TensorFlow.js does.
 */
export class Adam extends Optimizer {
  readonly name = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: AdamArgs = {}) {
    super(learningRate);
    this.beta1 = beta1; this.beta2 = beta2; this.epsilon = epsilon;
  }
  protected slotNames(): string[] { return ['m', 'v']; }
  protected update(w: TypedArray, g: TypedArray, [m, v]: TypedArray[], step: number): void {
    backend().adam(w, g, m, v, this.learningRate, this.beta1, this.beta2, this.epsilon, step);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export interface SGDArgs { learningRate?: number; momentum?: number; nesterov?: boolean }

export class SGD extends Optimizer {
  readonly name = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor({ learningRate = 0.01, momentum = 0, nesterov = false }: SGDArgs = {}) {
    super(learningRate);
    if (momentum < 0 || momentum > 1) throw new Error(`SGD: momentum must be in [0, 1], got ${momentum}`);
    this.momentum = momentum; this.nesterov = nesterov;
  }
  protected slotNames(): string[] { return this.momentum > 0 ? ['momentum'] : []; }
  protected update(w: TypedArray, g: TypedArray, [velocity]: TypedArray[]): void {
    backend().sgd(w, g, velocity ?? null, this.learningRate, this.momentum, this.nesterov);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov }; }
}

export interface RMSpropArgs { learningRate?: number; rho?: number; momentum?: number; epsilon?: number }

export class RMSprop extends Optimizer {
  readonly name = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  constructor({ learningRate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-7 }: RMSpropArgs = {}) {
    super(learningRate);
    this.rho = rho; this.momentum = momentum; this.epsilon = epsilon;
  }
  protected slotNames(): string[] { return this.momentum > 0 ? ['rms', 'momentum'] : ['rms']; }
  protected update(w: TypedArray, g: TypedArray, [ms, mom]: TypedArray[]): void {
    backend().rmsprop(w, g, ms, mom ?? null, this.learningRate, this.rho, this.momentum, this.epsilon);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon }; }
}

const OPTIMIZERS: Record<string, () => Optimizer> = { adam: () => new Adam(), sgd: () => new SGD(), rmsprop: () => new RMSprop() };

export function getOptimizer(id: Optimizer | string): Optimizer {
  if (id instanceof Optimizer) return id;
  const make = typeof id === 'string' ? OPTIMIZERS[id.toLowerCase()] : undefined;
  if (!make) throw new Error(`compile: unknown optimizer '${String(id)}', expected an Optimizer or one of ${Object.keys(OPTIMIZERS).join(', ')}`);
  return make();
}

/** The optimizer's entry in model.json's trainingConfig, in TensorFlow.js's class names. */
export function optimizerToConfig(o: Optimizer): { class_name: string; config: Record<string, unknown> } {
  if (o instanceof Adam) return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  if (o instanceof SGD) {
    return o.momentum > 0
      ? { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.nesterov } }
      : { class_name: 'SGD', config: { learningRate: o.learningRate } };
  }
  if (o instanceof RMSprop) return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: false } };
  throw new Error(`save: cannot describe optimizer ${o.name}`);
}

export function optimizerFromConfig(c: unknown, where: string): Optimizer {
  const { class_name: name, config: given } = (c ?? {}) as { class_name?: string; config?: Record<string, number & boolean> | null };
  if (given != null && (typeof given !== 'object' || Array.isArray(given))) throw new Error(`${where}: the optimizer's config must be an object, got ${typeof given}`);
  const config = given ?? {};
  switch (name) {
    case 'Adam': return new Adam({ learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon ?? undefined });
    case 'SGD': return new SGD({ learningRate: config.learningRate });
    case 'Momentum': return new SGD({ learningRate: config.learningRate, momentum: config.momentum, nesterov: config.useNesterov });
    case 'RMSProp':
      if (config.centered) throw new Error(`${where}: centered RMSProp is not supported yet`);
      return new RMSprop({ learningRate: config.learningRate, rho: config.decay, momentum: config.momentum, epsilon: config.epsilon ?? undefined });
    default: throw new Error(`${where}: unknown optimizer class '${String(name)}'`);
  }
}
