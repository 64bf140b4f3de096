// The Loss base class: per-sample values from call(), then Keras's reduction (with optional
// sample weights and a mask) in apply(). Everything is ops, so compiled steps replay it.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { nameOption } from './option-values.ts';

/** Keras's fuzz factor (backend.epsilon()). */
export const EPSILON = 1e-7;

/** Keras 3's reductions; 'mean' is 'sum_over_batch_size', and null (Keras's None) is 'none'. */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean' | 'mean_with_sample_weight';
export const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'none', 'mean', 'mean_with_sample_weight'];

export interface LossArgs { reduction?: Reduction | null; name?: string }

/** Per-sample values plus, optionally, a 0/1 mask of the entries that count (ignoreClass). */
export interface LossValues { values: Tensor; mask?: Tensor }

/** Throws when an options object holds a key the loss does not know (Keras rejects unknown kwargs). */
export function checkLossOptions(where: string, args: object | undefined, known: readonly string[]): void {
  if (!args) return;
  const valid = new Set([...known, 'reduction', 'name']);
  for (const key of Object.keys(args)) {
    if (!valid.has(key) && (args as Record<string, unknown>)[key] !== undefined) {
      throw new Error(`${where}: unknown option '${key}'. Valid options are: ${[...valid].sort().join(', ')}`);
    }
  }
}

export abstract class Loss {
  readonly name: string;
  readonly reduction: Reduction;

  constructor(args: LossArgs | undefined, defaultName: string) {
    // null is Keras's None (no reduction, as a saved Keras config spells it), not the default.
    const reduction = args?.reduction === null ? 'none' : args?.reduction ?? 'sum_over_batch_size';
    if (!REDUCTIONS.includes(reduction)) {
      throw new Error(`${new.target.name}: unknown reduction '${String(reduction)}', expected one of ${REDUCTIONS.join(', ')} (or null)`);
    }
    this.reduction = reduction;
    this.name = nameOption(new.target.name, args?.name, defaultName);
  }

  /** Per-sample losses: shape [batch] (or [batch, ...] for inputs of rank above 2). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** call() and a mask; losses that ignore some entries override this. */
  protected values(yTrue: Tensor, yPred: Tensor): LossValues { return { values: this.call(yTrue, yPred) }; }

  /**
   * The loss reduced as Keras does: values times the sample weights (one per sample, or the
   * values' shape), then summed; 'sum_over_batch_size' divides by the number of values (masked
   * entries excluded; 'mean' too); 'mean_with_sample_weight' divides by the sum of the
   * weights (the mask folded in; each weight counts once, as Keras sums them unbroadcast);
   * 'none' returns the weighted values.
   */
  apply(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): Tensor {
    const { values, mask } = this.values(yTrue, yPred);
    let weighted = values;
    if (sampleWeight) weighted = ops.mul(weighted, broadcastWeights(sampleWeight, values, this.name));
    if (mask) weighted = ops.mul(weighted, mask);
    if (this.reduction === 'none') return weighted;
    const total = ops.sum(weighted);
    if (this.reduction === 'sum') return total;
    if (this.reduction === 'mean_with_sample_weight' && (sampleWeight || mask)) {
      const w = sampleWeight && mask ? ops.mul(broadcastWeights(sampleWeight, values, this.name), mask) : mask ?? sampleWeight!;
      return ops.divNoNan(total, ops.sum(w.dtype === total.dtype ? w : w.cast(total.dtype)));
    }
    // Keras scales valid entries by total / (valid + epsilon), so the mean is over the valid ones.
    if (mask) return ops.div(total, ops.add(ops.sum(mask), EPSILON));
    return ops.div(total, Math.max(values.size, 1));
  }

  getConfig(): Record<string, unknown> { return { name: this.name, reduction: this.reduction }; }
}

/** Sample weights [batch] (or [batch, 1]) reshaped to broadcast over values [batch, ...]. */
export function broadcastWeights(w: Tensor, values: Tensor, where: string): Tensor {
  const batch = values.rank === 0 ? 1 : values.shape[0];
  if (w.size === values.size && w.rank === values.rank) return w.dtype === values.dtype ? w : w.cast(values.dtype);
  // Keras's squeeze_or_expand_to_same_rank: [batch, t, 1] weights for [batch, t] values lose their last axis.
  if (w.size === values.size && w.rank === values.rank + 1 && w.shape[w.rank - 1] === 1) return broadcastWeights(ops.reshape(w, values.shape), values, where);
  if (w.size !== batch) {
    throw new Error(`${where}: sample_weight of shape ${formatShape(w.shape)} does not fit losses of shape ${formatShape(values.shape)}: give one weight per sample (${batch})`);
  }
  const shaped = ops.reshape(w, values.rank === 0 ? [] : [batch, ...values.shape.slice(1).map(() => 1)]);
  return shaped.dtype === values.dtype ? shaped : shaped.cast(values.dtype);
}

export function checkBatch(loss: string, yTrue: Tensor, yPred: Tensor): void {
  if (yPred.rank < 1 || yTrue.rank < 1 || yTrue.shape[0] !== yPred.shape[0]) {
    throw new Error(`${loss}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same number of samples`);
  }
}

/**
 * yTrue as a float tensor of yPred's shape. Like Keras's squeeze_or_expand_to_same_rank, a
 * trailing axis of 1 may be missing on either side ([batch] labels for [batch, 1] outputs).
 */
export function sameShape(loss: string, yTrue: Tensor, yPred: Tensor): Tensor {
  checkBatch(loss, yTrue, yPred);
  let t = yTrue;
  if (t.shape.join() !== yPred.shape.join()) {
    if (t.size === yPred.size && Math.abs(t.rank - yPred.rank) === 1) t = ops.reshape(t, yPred.shape);
    else throw new Error(`${loss}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same shape`);
  }
  const dtype = yPred.dtype === 'float64' ? 'float64' : 'float32';
  return t.dtype === dtype ? t : t.cast(dtype);
}

/** A loss's axis option: an integer (negative counts from the end); checked against the rank at call time. */
export function checkAxis(where: string, axis: unknown): number {
  if (!Number.isInteger(axis)) throw new Error(`${where}: axis must be an integer, got ${String(axis)}`);
  return axis as number;
}
/** axis in [0, rank), or an error naming the loss and y_pred's shape. */
export function axisOf(where: string, axis: number, yPred: Tensor): number {
  const rank = yPred.rank;
  if (axis < -rank || axis >= rank) throw new Error(`${where}: axis ${axis} is out of range for y_pred of shape ${formatShape(yPred.shape)} (rank ${rank})`);
  return axis < 0 ? axis + rank : axis;
}

/** Mean over the last axis (Keras's axis=-1), leaving rank-1 inputs as one value per sample. */
export const meanLast = (x: Tensor): Tensor => (x.rank <= 1 ? x : ops.mean(x, -1));
export const sumLast = (x: Tensor): Tensor => (x.rank <= 1 ? x : ops.sum(x, -1));

/** log(1 + exp(x)), stable for large |x|: max(x, 0) + log(1 + exp(-|x|)). */
export const softplus = (x: Tensor): Tensor => ops.add(ops.relu(x), ops.log(ops.add(ops.exp(ops.neg(ops.abs(x))), 1)));

/**
 * A plain function (yTrue, yPred) => per-sample values, used as a loss (Keras's LossFunctionWrapper).
 * It must compute with ops: in a compiled step, values it computes in JS are frozen at the trace.
 */
export class LossFunctionWrapper extends Loss {
  constructor(readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor, args: LossArgs = {}) {
    super(args, args.name ?? (fn.name || 'loss'));
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const v = this.fn(yTrue, yPred);
    if (!v || typeof (v as Tensor).shape !== 'object') throw new Error(`loss function '${this.name}' must return a Tensor, got ${typeof v}`);
    return v;
  }
}
