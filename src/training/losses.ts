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
// TF.js's core loss functions (reduced as its computeWeightedLoss does); tf.Reduction is top-level.
export { absoluteDifference, computeWeightedLoss, cosineDistance, hingeLoss, huberLoss, logLoss, meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy } from './losses-tfjs.ts';

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

type LossClass = new (args: never) => Loss;
const CLASSES: Record<string, LossClass> = {
  BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
  MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence,
  Poisson, Hinge, SquaredHinge, CategoricalHinge, CosineSimilarity,
};

export interface LossConfig { class_name: string; config: Record<string, unknown> }

/**
 * How a saved model names its loss: Keras's name when the options are the defaults (what
 * TensorFlow.js reads), else the class and its getConfig() so that options survive loading.
 */
export function lossToConfig(loss: Loss): string | LossConfig {
  const entry = Object.entries(CLASSES).find(([, C]) => loss.constructor === C);
  if (!entry) return loss.name;
  const defaults = JSON.stringify(new entry[1]({} as never).getConfig()), own = JSON.stringify(loss.getConfig());
  return defaults === own ? loss.name : { class_name: entry[0], config: loss.getConfig() };
}

/** A Loss, a function (yTrue, yPred) => per-sample values, a saved {class_name, config}, or a name in Keras's or camelCase spelling. */
export function getLoss(id: Loss | LossFn | string | LossConfig): Loss {
  if (id instanceof Loss) return id;
  if (typeof id === 'function') return new LossFunctionWrapper(id);
  if (id && typeof id === 'object' && 'class_name' in id) {
    const C = CLASSES[id.class_name];
    if (!C) throw new Error(`unknown loss class '${String(id.class_name)}', expected one of ${Object.keys(CLASSES).join(', ')}`);
    return new C((id.config ?? {}) as never);
  }
  const make = typeof id === 'string' ? LOSSES[toSnake(id)] : undefined;
  if (!make) throw new Error(`compile: unknown loss '${String(id)}', expected a Loss, a function (yTrue, yPred) => Tensor, or one of ${Object.keys(LOSSES).join(', ')}`);
  return make();
}
