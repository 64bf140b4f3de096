// Metrics: a per-sample function plus a running mean over the batches of an epoch.
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { noGrad } from '../core/engine.ts';
import { Loss, SparseCategoricalCrossentropy, CategoricalCrossentropy } from './losses.ts';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export const sparseCategoricalAccuracy: MetricFn = (yTrue, yPred) =>
  ops.equal(ops.argMax(yPred, -1), ops.reshape(yTrue, [-1]).cast('int32')).cast('float32');
export const categoricalAccuracy: MetricFn = (yTrue, yPred) =>
  ops.equal(ops.argMax(yPred, -1), ops.argMax(yTrue, -1)).cast('float32');
export const binaryAccuracy: MetricFn = (yTrue, yPred) =>
  ops.mean(ops.equal(ops.greater(yPred, 0.5), yTrue.cast('float32')).cast('float32'), -1);

/** A weighted running mean: what Keras shows for loss and metrics during an epoch. */
export class Mean {
  private total = 0;
  private count = 0;
  constructor(readonly name: string) {}
  update(value: number, weight = 1): void { this.total += value * weight; this.count += weight; }
  result(): number { return this.count === 0 ? 0 : this.total / this.count; }
  reset(): void { this.total = 0; this.count = 0; }
}

export class Metric extends Mean {
  constructor(name: string, readonly fn: MetricFn) { super(name); }
  /** Adds one batch. */
  updateState(yTrue: Tensor, yPred: Tensor): void {
    const values = noGrad(() => this.fn(yTrue, yPred));
    const n = values.size;
    let s = 0;
    for (let i = 0; i < n; i++) s += values.data[i];
    this.update(n ? s / n : 0, n);
  }
}

/** Resolves 'acc'/'accuracy' against the loss, as Keras does; the log key keeps the user's spelling. */
export function getMetric(id: string | MetricFn, loss: Loss): Metric {
  if (typeof id === 'function') return new Metric(id.name || 'metric', id);
  if (id === 'acc' || id === 'accuracy') {
    const fn = loss instanceof SparseCategoricalCrossentropy ? sparseCategoricalAccuracy
      : loss instanceof CategoricalCrossentropy ? categoricalAccuracy : binaryAccuracy;
    return new Metric(id, fn);
  }
  const named: Record<string, MetricFn> = {
    sparse_categorical_accuracy: sparseCategoricalAccuracy, sparseCategoricalAccuracy,
    categorical_accuracy: categoricalAccuracy, categoricalAccuracy,
    binary_accuracy: binaryAccuracy, binaryAccuracy,
  };
  if (!named[id]) throw new Error(`compile: unknown metric '${id}', expected 'accuracy', 'acc', a function, or one of ${Object.keys(named).join(', ')}`);
  return new Metric(id, named[id]);
}
