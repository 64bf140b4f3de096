// compile() for models with one or several outputs: a loss, a weight and metrics per output
// ("head"), and Keras's log names for them (dense_1_loss, dense_1_accuracy).
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { Loss, getLoss, type LossFn } from '../training/losses.ts';
import { Metric, getMetric, metricLogs, type MetricFn } from '../training/metrics.ts';

export type LossId = Loss | LossFn | string;
export type MetricId = string | MetricFn | Metric;
/** One per output, by position or keyed by output name; a single value is used for every output. */
export type PerOutput<T> = T | T[] | Record<string, T>;

export interface Head { name: string; loss: Loss; weight: number; metrics: Metric[] }

/** Spreads a per-output setting over the outputs, rejecting keys that name no output. */
function perOutput<T>(value: PerOutput<T> | undefined, outputs: string[], what: string, isSingle: (v: unknown) => boolean): (T | undefined)[] {
  if (value === undefined) return outputs.map(() => undefined);
  if (Array.isArray(value) && !isSingle(value)) {
    if (value.length !== outputs.length) {
      throw new Error(`compile: ${what} has ${value.length} entries but the model has ${outputs.length} output(s): ${outputs.join(', ')}`);
    }
    return value as T[];
  }
  if (typeof value === 'object' && value !== null && !isSingle(value)) {
    const record = value as Record<string, T>;
    for (const key of Object.keys(record)) {
      if (!outputs.includes(key)) throw new Error(`compile: ${what} is keyed by '${key}', which is not an output of the model; its outputs are: ${outputs.join(', ')}`);
    }
    return outputs.map((o) => record[o]);
  }
  return outputs.map(() => value as T);
}

const isLoss = (v: unknown): boolean => typeof v === 'string' || typeof v === 'function' || v instanceof Loss;
const isMetricList = (v: unknown): boolean => Array.isArray(v) && v.every((m) => typeof m === 'string' || typeof m === 'function' || m instanceof Metric);

function metricList(m: unknown, output: string): MetricId[] {
  if (m === undefined || m === null) return [];
  if (isMetricList([m])) return [m as MetricId];
  if (isMetricList(m)) return m as MetricId[];
  throw new Error(`compile: metrics for output '${output}' must be a metric (a name, a function or a Metric) or a list of them, got ${JSON.stringify(m) ?? typeof m}`);
}

export function makeHeads(outputs: string[], loss: PerOutput<LossId>, metrics: PerOutput<MetricId | MetricId[]> | undefined, lossWeights: PerOutput<number> | undefined): Head[] {
  const losses = perOutput<LossId>(loss, outputs, 'loss', isLoss);
  // A plain list of metrics applies to every output (as Keras 2 did); otherwise one list per output.
  // One metric alone (metrics: 'mae', or {cls: 'accuracy'}) is a list of one, as TF.js takes it.
  const single: unknown = isMetricList([metrics]) ? [metrics] : metrics;
  const metricLists = (isMetricList(single) ? outputs.map(() => single as MetricId[]) : perOutput<MetricId[]>(single as PerOutput<MetricId[]>, outputs, 'metrics', isMetricList))
    .map((m, i) => metricList(m, outputs[i]));
  const weights = perOutput<number>(lossWeights, outputs, 'lossWeights', (v) => typeof v === 'number');
  return outputs.map((name, i) => {
    const l = losses[i];
    if (l === undefined) throw new Error(`compile: no loss for output '${name}'; give one per output (${outputs.join(', ')})`);
    const w = weights[i] ?? 1;
    if (!Number.isFinite(w)) throw new Error(`compile: lossWeights for output '${name}' must be a finite number, got ${JSON.stringify(w) ?? String(w)}`);
    const lossFn = getLoss(l);
    const prefix = outputs.length > 1 ? `${name}_` : '';
    const ms = metricLists[i].map((m) => getMetric(m, lossFn)).map((m) => {
      if (prefix) (m as { name: string }).name = prefix + m.name;
      return m;
    });
    return { name, loss: lossFn, weight: w, metrics: ms };
  });
}

/** A head's batch loss as one value ('none' reductions are averaged, so a step always has a scalar loss). */
function scalarLoss(loss: Loss, y: Tensor, yPred: Tensor, sampleWeight?: Tensor): Tensor {
  const value = loss.apply(y, yPred, sampleWeight);
  return value.size === 1 ? value : ops.mean(value);
}

/**
 * The weighted total loss and each head's loss, as tensors (computed by kernels, so plans replay
 * them). Sample weights, where given, are inputs of the step like x and y.
 */
export function headLosses(heads: Head[], ys: Tensor[], yPreds: Tensor[], sampleWeights: (Tensor | undefined)[] = []): Tensor[] {
  const each = heads.map((h, i) => scalarLoss(h.loss, ys[i], yPreds[i], sampleWeights[i]));
  if (each.length === 1) return each;
  let total = heads[0].weight === 1 ? each[0] : ops.mul(each[0], heads[0].weight);
  for (let i = 1; i < each.length; i++) total = ops.add(total, heads[i].weight === 1 ? each[i] : ops.mul(each[i], heads[i].weight));
  return [total, ...each];
}

/**
 * Keras's log names for a step: loss, then each head's loss (several outputs only), then the
 * metrics. The losses are this batch's (fit averages them over the epoch); the metrics are
 * stateful and cumulative since their last reset (resetMetrics, at each epoch's start), as Keras's.
 */
/** The names of a step's logs, in evaluate()'s order (Keras's metrics_names). */
export function logNames(heads: Head[]): string[] {
  if (heads.length === 0) return [];
  return ['loss', ...(heads.length > 1 ? heads.map((h) => `${h.name}_loss`) : []), ...heads.flatMap((h) => Object.keys(metricLogs(h.metrics)))];
}

export function stepLogs(heads: Head[], lossValues: number[], ys: Tensor[], yPreds: Tensor[], sampleWeights: (Tensor | undefined)[] = []): Record<string, number> {
  const logs: Record<string, number> = { loss: lossValues[0] };
  if (heads.length > 1) heads.forEach((h, i) => { logs[`${h.name}_loss`] = lossValues[i + 1]; });
  heads.forEach((h, i) => {
    for (const m of h.metrics) m.updateState(ys[i], yPreds[i], sampleWeights[i]);
    Object.assign(logs, metricLogs(h.metrics));
  });
  return logs;
}

