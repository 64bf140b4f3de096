// Keras's stateful metrics: updateState(yTrue, yPred, sampleWeight?) per batch, result() for
// the epoch so far, resetState() between epochs. Metrics read the batch's outputs after the
// step (they are not part of compiled steps), so they work on the arrays directly.
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { TypedArray } from '../core/dtype.ts';
import { noGrad } from '../core/engine.ts';
import { CosineSimilarity as CosineSimilarityLoss, Loss, getLoss } from './losses.ts';
import * as ops from '../ops/index.ts';
import { nameOption, numberOption } from './option-values.ts';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Throws on an option the metric does not know (Keras rejects unknown kwargs): never silently ignored. */
export function checkMetricOptions(where: string, args: object | undefined, known: readonly string[]): void {
  for (const key of Object.keys(args ?? {})) {
    if (!known.includes(key)) throw new Error(`${where}: unknown option '${key}'. Valid options are: ${[...known].sort().join(', ')}`);
  }
}

export abstract class Metric {
  readonly name: string;
  constructor(name: string) { this.name = nameOption(new.target.name, name, ''); }
  abstract updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;
  abstract result(): number;
  abstract resetState(): void;
  /** The values this metric adds to the logs (one, under its name, unless it has several). */
  logs(): Record<string, number> { return { [this.name]: this.result() }; }
  /** resetState under its older name. */
  reset(): void { this.resetState(); }
  getConfig(): Record<string, unknown> { return { name: this.name }; }
}

/** A weighted running mean: Keras's Mean (what fit shows for the loss). */
export class Mean extends Metric {
  protected total = 0;
  protected count = 0;
  constructor(name = 'mean') { super(name); }
  update(value: number, weight = 1): void { this.total += value * weight; this.count += weight; }
  /** Keras's Mean.update_state(values, sample_weight): each sample's mean, weighted, counts once. */
  updateState(values: Tensor, sampleWeight?: Tensor): void {
    // Mean takes values, not (y_true, y_pred): as a compile() metric it would average the labels.
    if (arguments.length > 2) throw new Error(`${this.name}: Mean.updateState(values, sampleWeight) takes the values to average, got 3 arguments; to average a function of (y_true, y_pred) use MeanMetricWrapper`);
    this.add(samplewise(values, sampleWeight, this.name, false));
  }
  protected add([total, count]: [number, number]): void { this.total += total; this.count += count; }
  result(): number { return this.count === 0 ? 0 : this.total / this.count; }
  resetState(): void { this.total = 0; this.count = 0; }
}

/** Keras's Sum: the weighted sum of every value seen. */
export class Sum extends Metric {
  private total = 0;
  constructor(name = 'sum') { super(name); }
  updateState(values: Tensor, sampleWeight?: Tensor): void {
    if (arguments.length > 2) throw new Error(`${this.name}: Sum.updateState(values, sampleWeight) takes the values to add, got 3 arguments`);
    this.total += samplewise(values, sampleWeight, this.name, true)[0];
  }
  result(): number { return this.total; }
  resetState(): void { this.total = 0; }
}

/**
 * Keras's reduce_to_samplewise_values: the values reduced (mean, or sum) per weight (a weight
 * per sample, per timestep [batch, t], or per value), times the weight, then per sample; returns
 * the sum of those and the sum of the per-sample weights (each sample's mean weight: the count).
 */
function samplewise(values: Tensor, w: Tensor | undefined, where: string, sum: boolean): [number, number] {
  const size = values.size, batch = values.rank === 0 ? 1 : values.shape[0];
  const n = w ? w.size : batch;
  const fits = !w || n === size || n === batch || (w.rank >= 2 && w.rank < values.rank && w.shape.every((d, i) => d === values.shape[i]));
  if (!fits || (n > 0 && size % n !== 0)) throw new Error(`${where}: sample_weight of shape ${formatShape(w!.shape)} does not fit values of shape ${formatShape(values.shape)}: give one weight per sample (${batch}), per leading position, or per value`);
  const group = n === 0 ? 0 : size / n, perSample = batch === 0 ? 1 : n / batch;
  let total = 0, count = 0;
  for (let j = 0; j < n; j++) {
    let r = 0;
    for (let k = 0; k < group; k++) r += values.data[j * group + k];
    const weight = w ? w.data[j] : 1;
    total += (weight * (sum ? r : r / group)) / (sum ? 1 : perSample);
    count += weight / perSample;
  }
  return [total, count];
}

/** The weighted mean of a per-sample function (Keras's MeanMetricWrapper). */
export class MeanMetricWrapper extends Mean {
  constructor(readonly fn: MetricFn, name: string) { super(name); }
  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const values = noGrad(() => this.fn(yTrue, yPred));
    this.add(samplewise(values, sampleWeight, this.name, false));
  }
}

// --- Accuracies, computed on the arrays: rows of yPred's last axis.

const lastDim = (t: Tensor): number => (t.rank === 0 ? 1 : t.shape[t.rank - 1]);
function perRow(yPred: Tensor, f: (row: number, cols: number) => number): Tensor {
  const cols = lastDim(yPred), rows = yPred.size / cols;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = f(r, cols);
  return new Tensor(out, yPred.shape.slice(0, -1)); // yPred's shape less its last axis, as Keras's mean over axis -1
}
function argMaxRow(data: TypedArray, r: number, cols: number): number {
  let best = 0;
  for (let j = 1; j < cols; j++) if (data[r * cols + j] > data[r * cols + best]) best = j;
  return best;
}
function checkSparse(where: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.size * lastDim(yPred) !== yPred.size) {
    throw new Error(`${where}: y_true ${formatShape(yTrue.shape)} must hold one class index per row of y_pred ${formatShape(yPred.shape)}`);
  }
}
function checkSame(where: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.size !== yPred.size) throw new Error(`${where}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same shape`);
}

/** Per row, the fraction of entries where (yPred > threshold) equals yTrue. */
export const binaryAccuracy = (yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor => {
  checkSame('binary_accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => {
    let hits = 0;
    for (let j = 0; j < cols; j++) hits += +((yPred.data[r * cols + j] > threshold ? 1 : 0) === yTrue.data[r * cols + j]);
    return hits / cols;
  });
};
export const categoricalAccuracy = (yTrue: Tensor, yPred: Tensor): Tensor => {
  checkSame('categorical_accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => +(argMaxRow(yTrue.data, r, cols) === argMaxRow(yPred.data, r, cols)));
};
export const sparseCategoricalAccuracy = (yTrue: Tensor, yPred: Tensor): Tensor => {
  checkSparse('sparse_categorical_accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => +(argMaxRow(yPred.data, r, cols) === yTrue.data[r]));
};
/** Whether the label's score is among the k largest (ties count as inside, as TensorFlow's in_top_k). */
function inTopK(scores: TypedArray, r: number, cols: number, label: number, k: number): number {
  if (!(label >= 0 && label < cols)) return 0;
  const target = scores[r * cols + label];
  if (!Number.isFinite(target)) return 0;
  let above = 0;
  for (let j = 0; j < cols; j++) if (scores[r * cols + j] > target) above++;
  return +(above < k);
}
export const sparseTopKCategoricalAccuracy = (yTrue: Tensor, yPred: Tensor, k = 5): Tensor => {
  checkSparse('sparse_top_k_categorical_accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => inTopK(yPred.data, r, cols, yTrue.data[r], k));
};
export const topKCategoricalAccuracy = (yTrue: Tensor, yPred: Tensor, k = 5): Tensor => {
  checkSame('top_k_categorical_accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => inTopK(yPred.data, r, cols, argMaxRow(yTrue.data, r, cols), k));
};

/** Per row, the fraction of entries where yPred equals yTrue exactly (Keras's accuracy). */
export const accuracy = (yTrue: Tensor, yPred: Tensor): Tensor => {
  checkSame('accuracy', yTrue, yPred);
  return perRow(yPred, (r, cols) => {
    let hits = 0;
    for (let j = 0; j < cols; j++) hits += +(yPred.data[r * cols + j] === yTrue.data[r * cols + j]);
    return hits / cols;
  });
};
/** Keras's Accuracy class: how often predictions equal labels (the string 'accuracy' picks by shape instead). */
export class Accuracy extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) { checkMetricOptions('Accuracy', args, ['name']); super(accuracy, args.name ?? 'accuracy'); }
}

export class BinaryAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string; threshold?: number } = {}) {
    checkMetricOptions('BinaryAccuracy', args, ['name', 'threshold']);
    const name = args.name ?? 'binary_accuracy', threshold = numberOption('BinaryAccuracy', 'threshold', args.threshold, 0.5);
    super((t, p) => binaryAccuracy(t, p, threshold), name);
  }
}
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) { checkMetricOptions('CategoricalAccuracy', args, ['name']); super(categoricalAccuracy, args.name ?? 'categorical_accuracy'); }
}
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) { checkMetricOptions('SparseCategoricalAccuracy', args, ['name']); super(sparseCategoricalAccuracy, args.name ?? 'sparse_categorical_accuracy'); }
}
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string; k?: number } = {}) {
    checkMetricOptions('TopKCategoricalAccuracy', args, ['name', 'k']);
    const { name = 'top_k_categorical_accuracy', k = 5 } = args;
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`TopKCategoricalAccuracy: k must be a positive integer, got ${k}`);
    super((t, p) => topKCategoricalAccuracy(t, p, k), name);
  }
}
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string; k?: number } = {}) {
    checkMetricOptions('SparseTopKCategoricalAccuracy', args, ['name', 'k']);
    const { name = 'sparse_top_k_categorical_accuracy', k = 5 } = args;
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`SparseTopKCategoricalAccuracy: k must be a positive integer, got ${k}`);
    super((t, p) => sparseTopKCategoricalAccuracy(t, p, k), name);
  }
}

// --- Regression metrics.
const errors = (yTrue: Tensor, yPred: Tensor, f: (e: number) => number, where: string): Tensor => {
  checkSame(where, yTrue, yPred);
  return perRow(yPred, (r, cols) => {
    let s = 0;
    for (let j = 0; j < cols; j++) s += f(yPred.data[r * cols + j] - yTrue.data[r * cols + j]);
    return s / cols;
  });
};
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    checkMetricOptions('MeanAbsoluteError', args, ['name']);
    const name = args.name ?? 'mean_absolute_error';
    super((t, p) => errors(t, p, Math.abs, name), name);
  }
}
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    checkMetricOptions('MeanSquaredError', args, ['name']);
    const name = args.name ?? 'mean_squared_error';
    super((t, p) => errors(t, p, (e) => e * e, name), name);
  }
}
/** sqrt of the weighted mean squared error over everything seen (not a mean of per-batch roots). */
export class RootMeanSquaredError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    checkMetricOptions('RootMeanSquaredError', args, ['name']);
    const name = args.name ?? 'root_mean_squared_error';
    super((t, p) => errors(t, p, (e) => e * e, name), name);
  }
  override result(): number { return Math.sqrt(super.result()); }
}

/** The mean cosine of the angle between y_true and y_pred rows: Keras's metric, the loss's value negated. */
export class CosineSimilarity extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    checkMetricOptions('CosineSimilarity', args, ['name']);
    const loss = new CosineSimilarityLoss();
    super((t, p) => ops.neg(loss.call(t, p)), args.name ?? 'cosine_similarity');
  }
}

/** A loss's per-sample values, averaged (every loss can be a metric). */
export class LossMetric extends MeanMetricWrapper {
  constructor(readonly loss: Loss, name = loss.name) { super((t, p) => loss.call(t, p), name); }
}

/**
 * Keras 3's 'accuracy' (and 'crossentropy'): which one is decided from the shapes of the first
 * batch: y_pred with one column is binary; labels of lower rank than y_pred (or with one
 * column) are sparse; otherwise categorical.
 */
export class ResolvedByShape extends Metric {
  private inner?: Metric;
  constructor(name: string, private readonly kind: 'accuracy' | 'crossentropy') { super(name); }
  private resolve(yTrue: Tensor, yPred: Tensor): Metric {
    const binary = lastDim(yPred) === 1 || yPred.rank === 1;
    const sparse = (yTrue.rank < yPred.rank || lastDim(yTrue) === 1) && lastDim(yPred) > 1;
    const name = this.name;
    if (this.kind === 'accuracy') return binary ? new BinaryAccuracy({ name }) : sparse ? new SparseCategoricalAccuracy({ name }) : new CategoricalAccuracy({ name });
    return new LossMetric(getLoss(binary ? 'binary_crossentropy' : sparse ? 'sparse_categorical_crossentropy' : 'categorical_crossentropy'), name);
  }
  /** The metric it became (undefined before the first batch). */
  get resolved(): Metric | undefined { return this.inner; }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    (this.inner ??= this.resolve(yTrue, yPred)).updateState(yTrue, yPred, sampleWeight);
  }
  result(): number { return this.inner ? this.inner.result() : 0; }
  resetState(): void { this.inner?.resetState(); }
}
