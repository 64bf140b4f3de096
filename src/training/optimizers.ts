// Optimizers with Keras's names and defaults. Updates run as backend kernels, in place on
// each variable's values and its slots (moments), which are created on first use.
import { backend } from '../core/engine.ts';
import { allocArray, type TypedArray } from '../core/dtype.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Tensor, Variable } from '../core/tensor.ts';

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

  /** How many state arrays (the size of the variable each) this optimizer keeps per variable. */
  protected abstract slotCount(): number;
  protected abstract update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void;

  /** The state arrays kept for one variable (created zeroed on first use). */
  slotsFor(v: Variable): TypedArray[] {
    let s = this.slots.get(v);
    if (!s) this.slots.set(v, (s = Array.from({ length: this.slotCount() }, () => allocArray(v.dtype, v.size))));
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
  protected slotCount(): number { return 2; }
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
  protected slotCount(): number { return this.momentum > 0 ? 1 : 0; }
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
  protected slotCount(): number { return this.momentum > 0 ? 2 : 1; }
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
