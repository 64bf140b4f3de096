// Keras's losses by class and by name. Each class's call() gives per-sample values; apply()
// reduces them (Keras's 'sum_over_batch_size' by default), with optional sample weights.
import { Loss, LossFunctionWrapper } from './loss-base.ts';
import {
  BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
} from './losses-crossentropy.ts';
import {
  CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
  MeanSquaredError, MeanSquaredLogarithmicError, Poisson, SquaredHinge,
} from './losses-regression.ts';
import type { Tensor } from '../core/tensor.ts';

export { EPSILON, Loss, LossFunctionWrapper, REDUCTIONS, type LossArgs, type Reduction } from './loss-base.ts';
export * from './losses-crossentropy.ts';
export * from './losses-regression.ts';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras's loss names (and their aliases), snake_case. */
export const LOSSES: Record<string, () => Loss> = {
  binary_crossentropy: () => new BinaryCrossentropy(),
  binary_focal_crossentropy: () => new BinaryFocalCrossentropy(),
  categorical_crossentropy: () => new CategoricalCrossentropy(),
  categorical_focal_crossentropy: () => new CategoricalFocalCrossentropy(),
  sparse_categorical_crossentropy: () => new SparseCategoricalCrossentropy(),
  mean_squared_error: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError(),
  mean_absolute_error: () => new MeanAbsoluteError(),
  mae: () => new MeanAbsoluteError(),
  mean_absolute_percentage_error: () => new MeanAbsolutePercentageError(),
  mape: () => new MeanAbsolutePercentageError(),
  mean_squared_logarithmic_error: () => new MeanSquaredLogarithmicError(),
  msle: () => new MeanSquaredLogarithmicError(),
  huber: () => new Huber(),
  huber_loss: () => new Huber(),
  log_cosh: () => new LogCosh(),
  logcosh: () => new LogCosh(),
  kl_divergence: () => new KLDivergence(),
  kld: () => new KLDivergence(),
  kullback_leibler_divergence: () => new KLDivergence(),
  poisson: () => new Poisson(),
  hinge: () => new Hinge(),
  squared_hinge: () => new SquaredHinge(),
  categorical_hinge: () => new CategoricalHinge(),
  cosine_similarity: () => new CosineSimilarity(),
};

/** 'BinaryCrossentropy', 'binaryCrossentropy' and 'binary_crossentropy' all become the last. */
export const toSnake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();

/** A Loss, a function (yTrue, yPred) => per-sample values, or a name in Keras's or camelCase spelling. */
export function getLoss(id: Loss | LossFn | string): Loss {
  if (id instanceof Loss) return id;
  if (typeof id === 'function') return new LossFunctionWrapper(id);
  const make = typeof id === 'string' ? LOSSES[toSnake(id)] : undefined;
  if (!make) throw new Error(`compile: unknown loss '${String(id)}', expected a Loss, a function (yTrue, yPred) => Tensor, or one of ${Object.keys(LOSSES).join(', ')}`);
  return make();
}
