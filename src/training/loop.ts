// The loops behind fit, evaluate and predict: batching, shuffling, callbacks and progress.
import { noGrad } from '../core/engine.ts';
import { allocArray, type DType } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import type { Model, ModelData } from '../models/model.ts';
import { Callback, CallbackList, History, type CallbackHooks, type Logs } from './callbacks.ts';
import { SparseCategoricalCrossentropy } from './losses.ts';
import { Mean } from './metrics.ts';
import { Progbar, defaultOutput } from './progbar.ts';

/** Keras's verbose modes: 1 redraws a bar on a terminal, 2 prints one line per epoch. */
export function progbar(steps: number | null, verbose: number): Progbar {
  const out = defaultOutput();
  return new Progbar(steps, out, verbose === 1 && Boolean(out.isTTY));
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  validationData?: [ModelData, ModelData];
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks[];
  /** The epoch to start at (for resuming): epochs counts from 0, not from here. */
  initialEpoch?: number;
}
export interface EvaluateArgs { batchSize?: number; verbose?: 0 | 1 | 2 }
export interface PredictArgs { batchSize?: number; verbose?: 0 | 1 | 2 }

/**
 * Copies rows order[start..end) of t into a new tensor (of dtype, if given), or into `into`
 * when it has the right size: the loops reuse one batch buffer instead of allocating per step.
 */
export function takeRows(t: Tensor, order: ArrayLike<number> | null, start: number, end: number, dtype: DType = t.dtype, into?: Tensor): Tensor {
  const row = t.size / t.shape[0];
  const reuse = into && into.dtype === dtype && into.size === (end - start) * row;
  const out = reuse ? into.data : allocArray(dtype, (end - start) * row);
  for (let i = start; i < end; i++) {
    const r = order ? order[i] : i;
    out.set(t.data.subarray(r * row, (r + 1) * row), (i - start) * row);
  }
  return reuse ? into : new Tensor(out, [end - start, ...t.shape.slice(1)]);
}

/** takeRows with a buffer kept per batch size (the last batch of an epoch may be smaller). */
class BatchReader {
  private readonly buffers = new Map<number, Tensor>();
  constructor(private readonly source: Tensor, private readonly dtype: DType) {}
  read(order: ArrayLike<number> | null, start: number, end: number): Tensor {
    const t = takeRows(this.source, order, start, end, this.dtype, this.buffers.get(end - start));
    this.buffers.set(end - start, t);
    return t;
  }
}

const isFloatInput = (t: Tensor): DType => (t.dtype === 'float64' ? 'float64' : 'float32');

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

/** The data as one tensor per input and per output, checked: same sample counts, shapes the model accepts, labels in range. */
export function checkData(model: Model, x: ModelData, y: ModelData, what: string): [Tensor[], Tensor[]] {
  const xs = model.dataFor(x, 'input', what), ys = model.dataFor(y, 'output', what);
  const n = xs[0].rank === 0 ? -1 : xs[0].shape[0];
  for (const [t, kind, i] of [...xs.map((t, i) => [t, 'x', i] as const), ...ys.map((t, i) => [t, 'y', i] as const)]) {
    if (t.rank === 0 || t.shape[0] !== n) {
      const all = [...xs.map((a, j) => `x${xs.length > 1 ? `[${j}]` : ''} of shape ${formatShape(a.shape)}`), ...ys.map((b, j) => `y${ys.length > 1 ? `[${j}]` : ''} of shape ${formatShape(b.shape)}`)].join(' and ');
      throw new Error(`${what}: x and y must have the same number of samples, got ${all}${xs.length + ys.length > 2 ? ` (${kind}[${i}] differs)` : ''}`);
    }
  }
  const outs = model.checkInputShapes(xs.map((t) => t.shape));
  // Sparse labels must name one of the model's classes; checked once here, not per batch.
  model.heads.forEach((head, h) => {
    const out = outs[h];
    if (!(head.loss instanceof SparseCategoricalCrossentropy) || !out || out.length !== 2 || out[1] === null) return;
    const classes = out[1], labels = ys[h];
    for (let i = 0; i < labels.size; i++) {
      const label = labels.data[i];
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new Error(`${what}: y${ys.length > 1 ? `[${h}]` : ''}[${i}] = ${label} is not a class of the model's output (layer "${head.name === 'output_1' ? model.layers[model.layers.length - 1]?.name : head.name}" has ${classes} units, so labels must be integers in [0, ${classes - 1}])`);
      }
    }
  });
  return [xs, ys];
}

/** Running means of a step's logs over the batches of an epoch, weighted by batch size. */
export class LogMeans {
  private readonly means = new Map<string, Mean>();
  update(logs: Logs, weight: number): Logs {
    for (const [k, v] of Object.entries(logs)) {
      let m = this.means.get(k);
      if (!m) this.means.set(k, (m = new Mean(k)));
      m.update(typeof v === 'number' ? v : Number(v), weight);
    }
    return this.result();
  }
  result(): Logs { return Object.fromEntries([...this.means].map(([k, m]) => [k, m.result()])); }
  reset(): void { this.means.clear(); }
}

const readAll = (readers: BatchReader[], order: ArrayLike<number> | null, start: number, end: number): Tensor[] =>
  readers.map((r) => r.read(order, start, end));

export async function fitLoop(model: Model, x: ModelData, y: ModelData, args: FitArgs): Promise<History> {
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, verbose = 1, callbacks = [], initialEpoch = 0 } = args;
  model.compiled('fit');
  checkPositiveInt('fit: batchSize', batchSize);
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
  let [xTrain, yTrain] = checkData(model, x, y, 'fit');

  let validation: [Tensor[], Tensor[]] | undefined;
  if (args.validationData) validation = checkData(model, args.validationData[0], args.validationData[1], 'fit (validationData)');
  else if (validationSplit > 0) {
    const n = xTrain[0].shape[0], split = Math.floor(n * (1 - validationSplit));
    if (split < 1 || split >= n) throw new Error(`fit: validationSplit ${validationSplit} of ${n} samples leaves no training or no validation data`);
    validation = [xTrain.map((t) => takeRows(t, null, split, n)), yTrain.map((t) => takeRows(t, null, split, n))];
    [xTrain, yTrain] = [xTrain.map((t) => takeRows(t, null, 0, split)), yTrain.map((t) => takeRows(t, null, 0, split))];
  }

  const n = xTrain[0].shape[0];
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  const list = new CallbackList([history, ...callbacks]);
  const params = { epochs, steps, batchSize, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }

  // Each epoch's order depends only on a seed drawn here and the epoch's number, so a run
  // resumed at initialEpoch (after the same setRandomSeed) sees the same batches.
  const seed = random().int(2 ** 32);
  const order = new Int32Array(n);
  const means = new LogMeans();
  const xReaders = xTrain.map((t) => new BatchReader(t, isFloatInput(t))), yReaders = yTrain.map((t) => new BatchReader(t, t.dtype));
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
    await list.call('onEpochBegin', epoch, {});
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) new Random((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
    means.reset();
    const bar = verbose > 0 ? progbar(steps, verbose) : null;
    let logs: Logs = {};
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      await list.call('onBatchBegin', step, { batch: step, size: end - start });
      // Keras's train_step(data): the default, or the model's override.
      const batchLogs = model.trainStep([readAll(xReaders, order, start, end), readAll(yReaders, order, start, end)]);
      logs = means.update(batchLogs, end - start);
      bar?.update(step + 1, logs);
      await list.call('onBatchEnd', step, { batch: step, size: end - start, ...logs });
      if (model.stopTraining) break;
    }
    if (validation) {
      const valLogs = evaluateLogs(model, validation[0], validation[1], batchSize);
      logs = { ...logs, ...Object.fromEntries(Object.entries(valLogs).map(([k, v]) => [`val_${k}`, v])) };
    }
    bar?.finish(logs);
    await list.call('onEpochEnd', epoch, logs);
  }
  await list.call('onTrainEnd', {});
  return history;
}

/** The means of testStep's logs over all batches (loss, per-output losses, metrics). */
export function evaluateLogs(model: Model, xs: Tensor[], ys: Tensor[], batchSize: number, bar: Progbar | null = null): Logs {
  const n = xs[0].shape[0], steps = Math.ceil(n / batchSize);
  const means = new LogMeans();
  let logs: Logs = {};
  const xReaders = xs.map((t) => new BatchReader(t, isFloatInput(t))), yReaders = ys.map((t) => new BatchReader(t, t.dtype));
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      logs = means.update(model.testStep([readAll(xReaders, null, start, end), readAll(yReaders, null, start, end)]), end - start);
      bar?.update(step + 1, logs);
    }
  });
  bar?.finish(logs);
  return logs;
}

/** [loss, ...per-output losses, ...metrics], as Keras's evaluate returns them. */
export function evaluateLoop(model: Model, x: ModelData, y: ModelData, { batchSize = 32, verbose = 1 }: EvaluateArgs = {}): number[] {
  model.compiled('evaluate');
  checkPositiveInt('evaluate: batchSize', batchSize);
  const [xs, ys] = checkData(model, x, y, 'evaluate');
  const steps = Math.ceil(xs[0].shape[0] / batchSize);
  return Object.values(evaluateLogs(model, xs, ys, batchSize, verbose > 0 ? progbar(steps, verbose) : null));
}

/** One tensor per model output, each with a row per sample of x. */
export function predictLoop(model: Model, xs: Tensor[], { batchSize = 32, verbose = 0 }: PredictArgs = {}): Tensor[] {
  checkPositiveInt('predict: batchSize', batchSize);
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor) || x.rank === 0) throw new Error(`predict: x${xs.length > 1 ? `[${i}]` : ''} must be a Tensor with a batch axis`);
    if (x.shape[0] !== xs[0].shape[0]) throw new Error(`predict: every input must have the same number of samples, got ${xs.map((t) => formatShape(t.shape)).join(' and ')}`);
  });
  model.checkInputShapes(xs.map((t) => t.shape));
  const n = xs[0].shape[0], steps = Math.ceil(n / batchSize);
  const bar = verbose > 0 ? progbar(steps, verbose) : null;
  let outs: Tensor[] | undefined;
  const readers = xs.map((x) => new BatchReader(x, isFloatInput(x)));
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      const ybs = model.predictStep(readAll(readers, null, start, end));
      outs ??= ybs.map((yb) => new Tensor(allocArray(yb.dtype, (yb.size / yb.shape[0]) * n), [n, ...yb.shape.slice(1)]));
      ybs.forEach((yb, i) => outs![i].data.set(yb.data, (yb.size / yb.shape[0]) * start));
      bar?.update(step + 1, {});
    }
  });
  bar?.finish({});
  return outs ?? [new Tensor(allocArray('float32', 0), [0])];
}
