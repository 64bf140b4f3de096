// TF.js's metric functions (tf.metrics.meanSquaredError(yTrue, yPred), ...): per-sample values
// as Keras's losses compute them, and TF.js's scalar precision, recall and r2Score.
import type { Tensor } from '../core/tensor.ts';
import { zerosLike } from '../core/tensor.ts';
import { add, div, equal, greater, logicalAnd, sub, sum, mean, where, square } from '../ops/index.ts';
import { BinaryCrossentropy, CategoricalCrossentropy } from './losses-crossentropy.ts';
import { CosineSimilarity, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError } from './losses-regression.ts';

export const meanSquaredError = (yTrue: Tensor, yPred: Tensor): Tensor => new MeanSquaredError().call(yTrue, yPred);
export const meanAbsoluteError = (yTrue: Tensor, yPred: Tensor): Tensor => new MeanAbsoluteError().call(yTrue, yPred);
export const meanAbsolutePercentageError = (yTrue: Tensor, yPred: Tensor): Tensor => new MeanAbsolutePercentageError().call(yTrue, yPred);
export const binaryCrossentropy = (yTrue: Tensor, yPred: Tensor): Tensor => new BinaryCrossentropy().call(yTrue, yPred);
export const categoricalCrossentropy = (yTrue: Tensor, yPred: Tensor): Tensor => new CategoricalCrossentropy().call(yTrue, yPred);
/** -cos(yTrue, yPred) along the last axis (TF.js's cosineProximity, Keras's cosine_similarity loss). */
export const cosineProximity = (yTrue: Tensor, yPred: Tensor): Tensor => new CosineSimilarity().call(yTrue, yPred);
export const mse = meanSquaredError, MSE = meanSquaredError;
export const mae = meanAbsoluteError;
export const mape = meanAbsolutePercentageError, MAPE = meanAbsolutePercentageError;

/** a / b, 0 where b is 0. */
const ratio = (a: Tensor, b: Tensor): Tensor => where(greater(b, 0), div(a, b), zerosLike(a));
const counted = (yTrue: Tensor, yPred: Tensor, t: number, p: number): Tensor => sum(logicalAnd(equal(yTrue, t), equal(yPred, p)).cast('float32'));

/** TF.js's precision over the whole batch: TP / (TP + FP) of 0/1 predictions (0 when nothing is predicted 1). */
export function precision(yTrue: Tensor, yPred: Tensor): Tensor {
  const tp = counted(yTrue, yPred, 1, 1);
  return ratio(tp, add(tp, counted(yTrue, yPred, 0, 1)));
}
/** TF.js's recall over the whole batch: TP / (TP + FN) of 0/1 predictions (0 when no target is 1). */
export function recall(yTrue: Tensor, yPred: Tensor): Tensor {
  const tp = counted(yTrue, yPred, 1, 1);
  return ratio(tp, add(tp, counted(yTrue, yPred, 1, 0)));
}
/** 1 - SS_res / SS_tot over every entry (TF.js's r2Score). */
export function r2Score(yTrue: Tensor, yPred: Tensor): Tensor {
  const ssRes = sum(square(sub(yTrue, yPred)));
  const ssTot = sum(square(sub(yTrue, mean(yTrue))));
  return sub(1, div(ssRes, ssTot));
}
