// Activations as layers: ReLU (maxValue, negativeSlope, threshold), LeakyReLU, PReLU, ELU, Softmax.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { finiteNumber, invalid } from './args.ts';
import { initializerConfig } from './core.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { attachConstraint, attachRegularizer, getConstraint, getRegularizer, objectConfig, type Constraint, type ConstraintIdentifier, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';
import type { Variable } from '../core/tensor.ts';

export interface ReLUArgs extends LayerArgs { maxValue?: number | null; negativeSlope?: number; threshold?: number }

/** Keras's ReLU: maxValue above it, x from threshold up, negativeSlope * (x - threshold) below. */
export class ReLU extends Layer {
  static override readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['maxValue', 'negativeSlope', 'threshold']);
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : finiteNumber(this.name, 'maxValue', args.maxValue, { min: 0 });
    this.negativeSlope = finiteNumber(this.name, 'negativeSlope', args.negativeSlope ?? 0, { min: 0 });
    this.threshold = finiteNumber(this.name, 'threshold', args.threshold ?? 0);
  }
  call(x: Tensor): Tensor {
    // MobileNet's ReLU(6): one kernel (and one fused epilogue in a plan), not relu then minimum.
    if (this.maxValue === 6 && this.threshold === 0 && this.negativeSlope === 0) return ops.relu6(x);
    let y: Tensor;
    if (this.threshold === 0) y = this.negativeSlope === 0 ? ops.relu(x) : ops.leakyRelu(x, this.negativeSlope);
    else {
      // x where x > threshold, else negativeSlope * (x - threshold); the mask carries no gradient.
      const shifted = ops.sub(x, this.threshold), above = ops.step(shifted);
      y = ops.add(ops.mul(above, x), ops.mul(ops.mul(ops.sub(1, above), shifted), this.negativeSlope));
    }
    return this.maxValue === null ? y : ops.minimum(y, this.maxValue);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

export interface LeakyReLUArgs extends LayerArgs { alpha?: number; negativeSlope?: number }

/** x for x > 0, alpha * x below (TF.js's `alpha`; Keras 3 calls it negativeSlope). Default 0.3. */
export class LeakyReLU extends Layer {
  static override readonly className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['alpha', 'negativeSlope']);
    if (args.alpha !== undefined && args.negativeSlope !== undefined && args.alpha !== args.negativeSlope) {
      throw invalid(this.name, 'negativeSlope', `the same value as alpha (${args.alpha}), or only one of them`, args.negativeSlope);
    }
    this.alpha = finiteNumber(this.name, args.alpha !== undefined ? 'alpha' : 'negativeSlope', args.alpha ?? args.negativeSlope ?? 0.3, { min: 0 });
  }
  call(x: Tensor): Tensor { return ops.leakyRelu(x, this.alpha); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}

export interface ELUArgs extends LayerArgs { alpha?: number }

export class ELU extends Layer {
  static override readonly className = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['alpha']);
    this.alpha = finiteNumber(this.name, 'alpha', args.alpha ?? 1);
  }
  call(x: Tensor): Tensor { return ops.eluWith(x, this.alpha); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}

export interface SoftmaxArgs extends LayerArgs { axis?: number }

export class Softmax extends Layer {
  static override readonly className = 'Softmax';
  readonly axis: number;
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['axis']);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw invalid(this.name, 'axis', 'an integer axis', axis);
    this.axis = axis;
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    if (this.axis >= s.length || this.axis < -s.length || this.axis === 0 || this.axis === -s.length) {
      throw new Error(`Layer "${this.name}": axis ${this.axis} is not a feature axis of input shape ${formatShape(s)} (expected 1..${s.length - 1} or -1..-${s.length - 1})`);
    }
    return s;
  }
  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return ops.softmax(x, this.axis);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerIdentifier; sharedAxes?: number | number[] | null;
  alphaRegularizer?: RegularizerIdentifier | null; alphaConstraint?: ConstraintIdentifier | null;
}

/** relu(x) - alpha * relu(-x) with a learned alpha per feature (shared along sharedAxes). */
export class PReLU extends Layer {
  static override readonly className = 'PReLU';
  readonly sharedAxes: number[] | null;
  private readonly alphaInitializer: InitializerIdentifier;
  readonly alphaRegularizer: Regularizer | null;
  readonly alphaConstraint: Constraint | null;
  alpha?: Tensor;
  constructor(args: PReLUArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['alphaInitializer', 'sharedAxes', 'alphaRegularizer', 'alphaConstraint']);
    this.alphaRegularizer = getRegularizer(args.alphaRegularizer, `Layer "${this.name}": alphaRegularizer`);
    this.alphaConstraint = getConstraint(args.alphaConstraint, `Layer "${this.name}": alphaConstraint`);
    this.alphaInitializer = args.alphaInitializer ?? 'zeros';
    getInitializer(this.alphaInitializer, `Layer "${this.name}"`);
    const shared = args.sharedAxes === undefined || args.sharedAxes === null ? null : typeof args.sharedAxes === 'number' ? [args.sharedAxes] : [...args.sharedAxes];
    if (shared && shared.some((a) => !Number.isInteger(a) || a < 1)) throw invalid(this.name, 'sharedAxes', 'axes >= 1 (the batch axis cannot be shared)', args.sharedAxes);
    this.sharedAxes = shared;
  }
  override build(inputShape: ShapeSpec): void {
    const shape = inputShape.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d));
    if (shape.some((d) => d === null)) throw new Error(`Layer "${this.name}": the input's feature axes must be known (or shared) to build, got ${formatShape(inputShape)}`);
    const alpha = this.alpha = this.addWeight('alpha', shape as number[], getInitializer(this.alphaInitializer, this.name));
    attachRegularizer(alpha as Variable, this.alphaRegularizer);
    attachConstraint(alpha as Variable, this.alphaConstraint);
    this.built = true;
  }
  call(x: Tensor): Tensor { return ops.sub(ops.relu(x), ops.mul(ops.relu(ops.neg(x)), this.alpha!)); }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alphaInitializer: initializerConfig(this.alphaInitializer), sharedAxes: this.sharedAxes,
      alphaRegularizer: objectConfig(this.alphaRegularizer), alphaConstraint: objectConfig(this.alphaConstraint) };
  }
}

export interface ThresholdedReLUArgs extends LayerArgs { theta?: number }

/** TF.js's (and Keras 2's) ThresholdedReLU: x where x > theta, else 0. Default theta 1. */
export class ThresholdedReLU extends Layer {
  static override readonly className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['theta']);
    this.theta = finiteNumber(this.name, 'theta', args.theta ?? 1);
  }
  call(x: Tensor): Tensor {
    // The mask (x > theta) carries no gradient, as in Keras.
    return ops.mul(x, ops.step(ops.sub(x, this.theta)));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), theta: this.theta }; }
}

registerLayers(ReLU, LeakyReLU, ELU, Softmax, PReLU, ThresholdedReLU);
