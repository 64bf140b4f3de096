// Keras's crossentropy losses: binary, categorical, sparse, and their focal variants.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { boolOption, numberOption } from './option-values.ts';
import { EPSILON, Loss, axisOf, checkAxis, checkBatch, checkLossOptions, meanLast, sameShape, sumLast, type LossArgs, type LossValues } from './loss-base.ts';

function checkSmoothing(where: string, s: unknown): number {
  return numberOption(where, 'labelSmoothing', s, 0, (x) => x >= 0 && x <= 1, 'in [0, 1]');
}

/** Element-wise binary crossentropy of probabilities (clipped to [eps, 1 - eps]) or of logits. */
function binaryCrossentropyElements(z: Tensor, x: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits) {
    // max(x, 0) - x z + log(1 + exp(-|x|)): finite for any logit.
    return ops.add(ops.sub(ops.relu(x), ops.mul(x, z)), ops.log(ops.add(ops.exp(ops.neg(ops.abs(x))), 1)));
  }
  const p = ops.clip(x, EPSILON, 1 - EPSILON);
  return ops.neg(ops.add(ops.mul(z, ops.log(p)), ops.mul(ops.sub(1, z), ops.log(ops.sub(1, p)))));
}

export interface BinaryCrossentropyArgs extends LossArgs { fromLogits?: boolean; labelSmoothing?: number; axis?: number }

/** The mean over `axis` (Keras's), the last one as meanLast does (rank-1 inputs stay per sample). */
function meanOver(where: string, x: Tensor, axis: number): Tensor {
  const a = axisOf(where, axis, x);
  return a === x.rank - 1 ? meanLast(x) : ops.mean(x, a);
}

export class BinaryCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(args: BinaryCrossentropyArgs = {}) {
    checkLossOptions('BinaryCrossentropy', args, ['fromLogits', 'labelSmoothing', 'axis']);
    super(args, 'binary_crossentropy');
    this.fromLogits = boolOption('BinaryCrossentropy', 'fromLogits', args.fromLogits, false);
    this.labelSmoothing = checkSmoothing('BinaryCrossentropy', args.labelSmoothing);
    this.axis = checkAxis('BinaryCrossentropy', args.axis ?? -1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    let z = sameShape('BinaryCrossentropy', yTrue, yPred);
    if (this.labelSmoothing) z = ops.add(ops.mul(z, 1 - this.labelSmoothing), 0.5 * this.labelSmoothing);
    return meanOver('BinaryCrossentropy', binaryCrossentropyElements(z, yPred, this.fromLogits), this.axis);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis }; }
}

export interface BinaryFocalCrossentropyArgs extends BinaryCrossentropyArgs { applyClassBalancing?: boolean; alpha?: number; gamma?: number }

/** Binary crossentropy times (1 - p_t)^gamma, optionally weighted alpha / 1 - alpha by class. */
export class BinaryFocalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly applyClassBalancing: boolean;
  readonly alpha: number;
  readonly gamma: number;
  readonly axis: number;
  constructor(args: BinaryFocalCrossentropyArgs = {}) {
    checkLossOptions('BinaryFocalCrossentropy', args, ['fromLogits', 'labelSmoothing', 'applyClassBalancing', 'alpha', 'gamma', 'axis']);
    super(args, 'binary_focal_crossentropy');
    this.fromLogits = boolOption('BinaryFocalCrossentropy', 'fromLogits', args.fromLogits, false);
    this.labelSmoothing = checkSmoothing('BinaryFocalCrossentropy', args.labelSmoothing);
    this.applyClassBalancing = boolOption('BinaryFocalCrossentropy', 'applyClassBalancing', args.applyClassBalancing, false);
    this.alpha = numberOption('BinaryFocalCrossentropy', 'alpha', args.alpha, 0.25);
    this.gamma = numberOption('BinaryFocalCrossentropy', 'gamma', args.gamma, 2, (g) => g >= 0, 'a number >= 0');
    this.axis = checkAxis('BinaryFocalCrossentropy', args.axis ?? -1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    let z = sameShape('BinaryFocalCrossentropy', yTrue, yPred);
    if (this.labelSmoothing) z = ops.add(ops.mul(z, 1 - this.labelSmoothing), 0.5 * this.labelSmoothing);
    const bce = binaryCrossentropyElements(z, yPred, this.fromLogits);
    const p = this.fromLogits ? ops.sigmoid(yPred) : yPred;
    const pT = ops.add(ops.mul(z, p), ops.mul(ops.sub(1, z), ops.sub(1, p)));
    let focal = ops.mul(ops.pow(ops.sub(1, pT), this.gamma), bce);
    if (this.applyClassBalancing) focal = ops.mul(focal, ops.add(ops.mul(z, this.alpha), ops.mul(ops.sub(1, z), 1 - this.alpha)));
    return meanOver('BinaryFocalCrossentropy', focal, this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, applyClassBalancing: this.applyClassBalancing, alpha: this.alpha, gamma: this.gamma, axis: this.axis };
  }
}

/** One-hot targets smoothed toward uniform: y (1 - s) + s / classes (the classes along `axis`). */
function smoothCategorical(y: Tensor, s: number, axis: number): Tensor {
  return s ? ops.add(ops.mul(y, 1 - s), s / y.shape[axis]) : y;
}

function checkOneHot(loss: string, yTrue: Tensor, yPred: Tensor): Tensor {
  checkBatch(loss, yTrue, yPred);
  if (yTrue.shape.join() !== yPred.shape.join()) {
    throw new Error(`${loss}: y_true ${formatShape(yTrue.shape)} must be one-hot rows of the same shape as y_pred ${formatShape(yPred.shape)} (for integer labels use SparseCategoricalCrossentropy)`);
  }
  return yTrue.cast(yPred.dtype === 'float64' ? 'float64' : 'float32');
}

/** log of the probabilities along `axis`, from the logits when they are known (stable), else from clipped probabilities. */
function logProbabilities(yPred: Tensor, fromLogits: boolean, axis: number): Tensor {
  // softmaxInputOf knows only softmaxes over the last axis.
  const logits = fromLogits ? yPred : axis === yPred.rank - 1 ? ops.softmaxInputOf(yPred) : undefined;
  if (logits) return ops.logSoftmax(logits, axis);
  return ops.log(ops.clip(ops.div(yPred, ops.sum(yPred, axis, true)), EPSILON, 1 - EPSILON));
}

export interface CategoricalCrossentropyArgs extends LossArgs { fromLogits?: boolean; labelSmoothing?: number; axis?: number }

export class CategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  /** The classes' axis. */
  readonly axis: number;
  constructor(args: CategoricalCrossentropyArgs = {}) {
    checkLossOptions('CategoricalCrossentropy', args, ['fromLogits', 'labelSmoothing', 'axis']);
    super(args, 'categorical_crossentropy');
    this.fromLogits = boolOption('CategoricalCrossentropy', 'fromLogits', args.fromLogits, false);
    this.labelSmoothing = checkSmoothing('CategoricalCrossentropy', args.labelSmoothing);
    this.axis = checkAxis('CategoricalCrossentropy', args.axis ?? -1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const axis = axisOf('CategoricalCrossentropy', this.axis, yPred);
    const t = smoothCategorical(checkOneHot('CategoricalCrossentropy', yTrue, yPred), this.labelSmoothing, axis);
    const logP = logProbabilities(yPred, this.fromLogits, axis);
    return ops.neg(ops.sum(ops.mul(t.cast(logP.dtype), logP), axis));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis }; }
}

export interface CategoricalFocalCrossentropyArgs extends CategoricalCrossentropyArgs { alpha?: number; gamma?: number }

/** sum over classes of -alpha (1 - p)^gamma y log p (Keras's categorical_focal_crossentropy). */
export class CategoricalFocalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly alpha: number;
  readonly gamma: number;
  readonly axis: number;
  constructor(args: CategoricalFocalCrossentropyArgs = {}) {
    checkLossOptions('CategoricalFocalCrossentropy', args, ['fromLogits', 'labelSmoothing', 'alpha', 'gamma', 'axis']);
    super(args, 'categorical_focal_crossentropy');
    this.fromLogits = boolOption('CategoricalFocalCrossentropy', 'fromLogits', args.fromLogits, false);
    this.labelSmoothing = checkSmoothing('CategoricalFocalCrossentropy', args.labelSmoothing);
    this.alpha = numberOption('CategoricalFocalCrossentropy', 'alpha', args.alpha, 0.25);
    this.gamma = numberOption('CategoricalFocalCrossentropy', 'gamma', args.gamma, 2, (g) => g >= 0, 'a number >= 0');
    this.axis = checkAxis('CategoricalFocalCrossentropy', args.axis ?? -1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const axis = axisOf('CategoricalFocalCrossentropy', this.axis, yPred);
    const t = smoothCategorical(checkOneHot('CategoricalFocalCrossentropy', yTrue, yPred), this.labelSmoothing, axis);
    const probs = this.fromLogits ? ops.softmax(yPred, axis) : yPred;
    const p = ops.clip(ops.div(probs, ops.sum(probs, axis, true)), EPSILON, 1 - EPSILON);
    const cce = ops.neg(ops.mul(t, ops.log(p)));
    return ops.sum(ops.mul(ops.mul(ops.pow(ops.sub(1, p), this.gamma), this.alpha), cce), axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, alpha: this.alpha, gamma: this.gamma, axis: this.axis };
  }
}

/**
 * The sparse labels as a flat vector, checked to be class indices of yPred (or ignoreClass).
 * yPred is [..., classes] (rows of a classifier, or pixels of a segmentation map) and yTrue
 * holds one label per row: yPred's shape without its last axis, or with a last axis of 1.
 */
function checkLabels(loss: string, yTrue: Tensor, yPred: Tensor, ignoreClass: number | null): Tensor {
  checkBatch(loss, yTrue, yPred);
  if (yPred.rank < 2) throw new Error(`${loss}: y_pred must be [batch, ..., classes], got ${formatShape(yPred.shape)}`);
  const rows = yPred.shape.slice(0, -1), classes = yPred.shape[yPred.rank - 1];
  const fits = yTrue.shape.join() === rows.join() || yTrue.shape.join() === [...rows, 1].join();
  if (!fits) {
    throw new Error(`${loss}: expected one integer label per ${yPred.rank === 2 ? 'sample' : 'position'} of y_pred ${formatShape(yPred.shape)} (y_true of shape ${formatShape(rows)}), got y_true of shape ${formatShape(yTrue.shape)}`);
  }
  for (const label of yTrue.data) {
    if (label === ignoreClass) continue;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`${loss}: received a label value of ${label} which is outside the valid range of [0, ${classes - 1}]`);
    }
  }
  const flat = yTrue.rank === 1 ? yTrue : ops.reshape(yTrue, [-1]);
  return flat.dtype === 'int32' ? flat : flat.cast('int32');
}

export interface SparseCategoricalCrossentropyArgs extends LossArgs { fromLogits?: boolean; ignoreClass?: number | null }

export class SparseCategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly ignoreClass: number | null;
  constructor(args: SparseCategoricalCrossentropyArgs = {}) {
    checkLossOptions('SparseCategoricalCrossentropy', args, ['fromLogits', 'ignoreClass']);
    super(args, 'sparse_categorical_crossentropy');
    this.fromLogits = boolOption('SparseCategoricalCrossentropy', 'fromLogits', args.fromLogits, false);
    this.ignoreClass = args.ignoreClass ?? null;
    if (this.ignoreClass !== null && !Number.isInteger(this.ignoreClass)) throw new Error(`SparseCategoricalCrossentropy: ignoreClass must be an integer or null, got ${this.ignoreClass}`);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor { return this.values(yTrue, yPred).values; }
  protected override values(yTrue: Tensor, yPred: Tensor): LossValues {
    // [..., classes] as rows [n, classes]; the values go back to yPred's shape without classes.
    const rowsShape = yPred.shape.slice(0, -1), classes = yPred.shape[yPred.rank - 1];
    let labels = checkLabels('SparseCategoricalCrossentropy', yTrue, yPred, this.ignoreClass);
    // As Keras 3 does: when the probabilities came straight out of a softmax, start from its
    // logits instead, one fused and numerically stable op.
    const asRows = (t: Tensor | null | undefined): Tensor | undefined => (t && t.rank > 2 ? ops.reshape(t, [-1, classes]) : t ?? undefined);
    const logits = asRows(this.fromLogits ? yPred : ops.softmaxInputOf(yPred));
    yPred = asRows(yPred)!;
    let mask: Tensor | undefined;
    if (this.ignoreClass !== null) {
      // Ignored entries read class 0 and count 0 (as Keras: y_true * mask, then where(mask, loss, 0)).
      const valid = ops.notEqual(labels, this.ignoreClass);
      labels = ops.mul(labels, valid.cast('int32'));
      mask = valid.cast(yPred.dtype === 'float64' ? 'float64' : 'float32');
    }
    let values: Tensor;
    if (logits) values = ops.sparseSoftmaxCrossEntropy(logits, labels);
    else {
      const p = ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
      values = ops.neg(sumLast(ops.mul(ops.oneHot(labels, classes, 1, 0, p.dtype), ops.log(p))));
    }
    if (mask) values = ops.mul(values, mask);
    if (rowsShape.length > 1) {
      values = ops.reshape(values, rowsShape);
      if (mask) mask = ops.reshape(mask, rowsShape);
    }
    return { values, mask };
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), fromLogits: this.fromLogits, ignoreClass: this.ignoreClass }; }
}
