// TF.js's core loss functions (tf.losses.meanSquaredError(labels, predictions, weights,
// reduction), ...): element-wise losses reduced as TF.js's computeWeightedLoss does, by
// default the sum over the nonzero weights (the mean, without weights). Keras's losses are the
// classes beside them (new losses.MeanSquaredError(): per-sample means, then the batch mean).
import { Tensor, ones } from '../core/tensor.ts';
import { abs, add, div, log, log1p, logSoftmax, mean, minimum, mul, neg, notEqual, relu, square, sub, sum, exp } from '../ops/index.ts';

/** TF.js's tf.Reduction. */
export const Reduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;
export type ReductionValue = (typeof Reduction)[keyof typeof Reduction];

/** losses times weights (broadcast), then reduced. */
export function computeWeightedLoss(losses: Tensor, weights?: Tensor | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  if (![0, 1, 2, 3].includes(reduction)) throw new Error(`losses.computeWeightedLoss: reduction must be one of Reduction.NONE/MEAN/SUM/SUM_BY_NONZERO_WEIGHTS (0-3), got ${String(reduction)}`);
  const weighted = weights ? mul(losses, weights) : losses;
  if (reduction === Reduction.NONE) return weighted;
  if (reduction === Reduction.SUM) return sum(weighted);
  if (!weights) return reduction === Reduction.MEAN ? mean(weighted) : div(sum(weighted), losses.size);
  if (reduction === Reduction.MEAN) {
    const broadcast = losses.size / weights.size;
    const r = div(sum(weighted), sum(weights));
    return broadcast > 1 ? div(r, broadcast) : r;
  }
  const nonZero = sum(notEqual(mul(weights, ones(losses.shape)), 0).cast('float32'));
  return div(sum(weighted), nonZero);
}

type W = Tensor | null | undefined;
const checked = (what: string, a: Tensor, b: Tensor): void => {
  if (a.shape.join() !== b.shape.join()) throw new Error(`losses.${what}: labels and predictions must have the same shape, got [${a.shape}] and [${b.shape}]`);
};

export function absoluteDifference(labels: Tensor, predictions: Tensor, weights?: W, reduction?: ReductionValue): Tensor {
  checked('absoluteDifference', labels, predictions);
  return computeWeightedLoss(abs(sub(labels, predictions)), weights, reduction);
}
export function meanSquaredError(labels: Tensor, predictions: Tensor, weights?: W, reduction?: ReductionValue): Tensor {
  checked('meanSquaredError', labels, predictions);
  return computeWeightedLoss(square(sub(labels, predictions)), weights, reduction);
}
/** 0.5 e^2 inside delta, delta (|e| - delta / 2) beyond. */
export function huberLoss(labels: Tensor, predictions: Tensor, weights?: W, delta = 1, reduction?: ReductionValue): Tensor {
  checked('huberLoss', labels, predictions);
  const error = abs(sub(labels, predictions)), quadratic = minimum(error, delta);
  return computeWeightedLoss(add(mul(square(quadratic), 0.5), mul(sub(error, quadratic), delta)), weights, reduction);
}
export function logLoss(labels: Tensor, predictions: Tensor, weights?: W, epsilon = 1e-7, reduction?: ReductionValue): Tensor {
  checked('logLoss', labels, predictions);
  const losses = sub(neg(mul(labels, log(add(predictions, epsilon)))), mul(sub(1, labels), log(add(sub(1, predictions), epsilon))));
  return computeWeightedLoss(losses, weights, reduction);
}
/** Labels 0/1 read as -1/+1: relu(1 - label * prediction). */
export function hingeLoss(labels: Tensor, predictions: Tensor, weights?: W, reduction?: ReductionValue): Tensor {
  checked('hingeLoss', labels, predictions);
  return computeWeightedLoss(relu(sub(1, mul(sub(mul(labels, 2), 1), predictions))), weights, reduction);
}
/** 1 - sum(labels * predictions) along axis (both expected unit-normalized). */
export function cosineDistance(labels: Tensor, predictions: Tensor, axis: number, weights?: W, reduction?: ReductionValue): Tensor {
  checked('cosineDistance', labels, predictions);
  return computeWeightedLoss(sub(1, sum(mul(labels, predictions), axis, true)), weights, reduction);
}
/** Element-wise sigmoid cross-entropy of logits, stable for large |logits|. */
export function sigmoidCrossEntropy(multiClassLabels: Tensor, logits: Tensor, weights?: W, labelSmoothing = 0, reduction?: ReductionValue): Tensor {
  checked('sigmoidCrossEntropy', multiClassLabels, logits);
  const labels = labelSmoothing > 0 ? add(mul(multiClassLabels, 1 - labelSmoothing), 0.5 * labelSmoothing) : multiClassLabels;
  const losses = add(sub(relu(logits), mul(logits, labels)), log1p(exp(neg(abs(logits)))));
  return computeWeightedLoss(losses, weights, reduction);
}
/** Per-row -sum(labels * logSoftmax(logits)) over the last axis. */
export function softmaxCrossEntropy(onehotLabels: Tensor, logits: Tensor, weights?: W, labelSmoothing = 0, reduction?: ReductionValue): Tensor {
  checked('softmaxCrossEntropy', onehotLabels, logits);
  const classes = onehotLabels.shape[onehotLabels.rank - 1];
  const labels = labelSmoothing > 0 ? add(mul(onehotLabels, 1 - labelSmoothing), labelSmoothing / classes) : onehotLabels;
  return computeWeightedLoss(neg(sum(mul(labels, logSoftmax(logits, -1)), -1)), weights, reduction);
}
