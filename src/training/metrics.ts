// Keras's metrics by class and by name: getMetric resolves what compile() is given.

import { LOSSES, Loss, getLoss, toSnake } from './losses.ts';
import {
  BinaryAccuracy, CategoricalAccuracy, CosineSimilarity, LossMetric, MeanAbsoluteError, MeanMetricWrapper, MeanSquaredError, Metric, ResolvedByShape,
  RootMeanSquaredError, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, type MetricFn,
} from './metrics-mean.ts';
import { AUC, F1Score, Precision, Recall } from './metrics-confusion.ts';

export * from './metrics-mean.ts';
export * from './metrics-confusion.ts';
export * from './metrics-functions.ts';

/** Metric names compile() accepts (besides every loss name), snake_case. */
const METRICS: Record<string, () => Metric> = {
  binary_accuracy: () => new BinaryAccuracy(),
  categorical_accuracy: () => new CategoricalAccuracy(),
  sparse_categorical_accuracy: () => new SparseCategoricalAccuracy(),
  top_k_categorical_accuracy: () => new TopKCategoricalAccuracy(),
  sparse_top_k_categorical_accuracy: () => new SparseTopKCategoricalAccuracy(),
  precision: () => new Precision(),
  recall: () => new Recall(),
  auc: () => new AUC(),
  f1_score: () => new F1Score({ average: 'macro' }),
  mean_absolute_error: () => new MeanAbsoluteError(),
  mae: () => new MeanAbsoluteError(),
  mean_squared_error: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError(),
  root_mean_squared_error: () => new RootMeanSquaredError(),
  rmse: () => new RootMeanSquaredError(),
  // Keras's metric is +cos (to maximize); the loss of the same name is -cos.
  cosine_similarity: () => new CosineSimilarity(),
};

/** The names getMetric knows, for error messages. */
export const metricNames = (): string[] => ['accuracy', 'acc', 'crossentropy', 'ce', ...Object.keys(METRICS), ...Object.keys(LOSSES).filter((k) => !(k in METRICS))];

/**
 * A Metric, a function (yTrue, yPred) => per-sample values, or a name. 'accuracy'/'acc' and
 * 'crossentropy'/'ce' are resolved from the first batch's shapes as Keras 3 does, and keep the
 * user's spelling in the logs, as every name does (Keras 3's get_metric names the metric after
 * the string, so 'mae' logs as 'mae', as TF.js's history has it); any loss name is a metric
 * (the mean of its per-sample values).
 */
export function getMetric(id: string | MetricFn | Metric, _loss?: Loss): Metric {
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new MeanMetricWrapper(id, id.name || 'metric');
  if (typeof id !== 'string') throw new Error(`compile: a metric must be a Metric, a function or a name, got ${typeof id}`);
  if (id === 'accuracy' || id === 'acc') return new ResolvedByShape(id, 'accuracy');
  if (id === 'crossentropy' || id === 'ce') return new ResolvedByShape(id, 'crossentropy');
  const key = toSnake(id);
  const make = METRICS[key];
  if (make) return named(make(), id);
  if (key in LOSSES) return new LossMetric(getLoss(key), id);
  throw new Error(`compile: unknown metric '${id}', expected a Metric, a function (yTrue, yPred) => Tensor, or one of ${metricNames().join(', ')}`);
}

/** The metric under the user's name for it. */
function named(m: Metric, name: string): Metric {
  (m as { name: string }).name = name;
  return m;
}

/** The logs of a list of metrics, keys prefixed (fit's 'val_'). */
export function metricLogs(metrics: readonly Metric[], prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics) for (const [k, v] of Object.entries(m.logs())) out[prefix + k] = v;
  return out;
}


