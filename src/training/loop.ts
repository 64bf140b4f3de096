// The loops behind fit, evaluate and predict: batching, shuffling, callbacks and progress.
import { noGrad } from '../core/engine.ts';
import { allocArray, type DType } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import type { Model } from '../models/model.ts';
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
  validationData?: [Tensor, Tensor];
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

export const isFloatInput = (t: Tensor): DType => (t.dtype === 'float64' ? 'float64' : 'float32');

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

export function checkData(model: Model, x: Tensor, y: Tensor, what: string): void {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new Error(`${what}: x and y must be Tensors`);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new Error(`${what}: x and y must have the same number of samples, got x of shape ${formatShape(x.shape)} and y of shape ${formatShape(y.shape)}`);
  }
  const out = model.checkInputShape(x.shape);
  // Sparse labels must name one of the model's classes; checked once here, not per batch.
  if (model.loss instanceof SparseCategoricalCrossentropy && out.length === 2 && out[1] !== null) {
    const classes = out[1];
    for (let i = 0; i < y.size; i++) {
      const label = y.data[i];
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        const last = model.layers[model.layers.length - 1];
        throw new Error(`${what}: y[${i}] = ${label} is not a class of the model's output (layer "${last?.name}" has ${classes} units, so labels must be integers in [0, ${classes - 1}])`);
      }
    }
  }
}

export async function fitLoop(model: Model, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, verbose = 1, callbacks = [], initialEpoch = 0 } = args;
  model.compiled('fit');
  checkPositiveInt('fit: batchSize', batchSize);
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
  checkData(model, x, y, 'fit');

  let [xTrain, yTrain] = [x, y];
  let validation = args.validationData;
  if (validation) checkData(model, validation[0], validation[1], 'fit (validationData)');
  else if (validationSplit > 0) {
    const n = x.shape[0], split = Math.floor(n * (1 - validationSplit));
    if (split < 1 || split >= n) throw new Error(`fit: validationSplit ${validationSplit} of ${n} samples leaves no training or no validation data`);
    [xTrain, yTrain] = [takeRows(x, null, 0, split), takeRows(y, null, 0, split)];
    validation = [takeRows(x, null, split, n), takeRows(y, null, split, n)];
  }

  const n = xTrain.shape[0];
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  const list = new CallbackList([history, ...callbacks]);
  const params = { epochs, steps, batchSize, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }

  // Each epoch's order depends only on a seed drawn here and the epoch's number, so a run
  // resumed at initialEpoch (after the same setRandomSeed) sees the same batches.
  const seed = random().int(2 ** 32);
  const order = new Int32Array(n);
  const lossMean = new Mean('loss');
  const xReader = new BatchReader(xTrain, isFloatInput(xTrain)), yReader = new BatchReader(yTrain, yTrain.dtype);
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
    await list.call('onEpochBegin', epoch, {});
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) new Random((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
    lossMean.reset();
    model.metrics.forEach((m) => m.reset());
    const bar = verbose > 0 ? progbar(steps, verbose) : null;
    let logs: Logs = {};
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      await list.call('onBatchBegin', step, { batch: step, size: end - start });
      const xb = xReader.read(order, start, end), yb = yReader.read(order, start, end);
      const { loss, yPred } = model.trainStep(xb, yb);
      lossMean.update(loss, end - start);
      model.metrics.forEach((m) => m.updateState(yb, yPred));
      logs = { loss: lossMean.result(), ...Object.fromEntries(model.metrics.map((m) => [m.name, m.result()])) };
      bar?.update(step + 1, logs);
      await list.call('onBatchEnd', step, { batch: step, size: end - start, ...logs });
      if (model.stopTraining) break;
    }
    if (validation) {
      const [valLoss, ...valMetrics] = evaluateLoop(model, validation[0], validation[1], { batchSize, verbose: 0 });
      logs = { ...logs, val_loss: valLoss, ...Object.fromEntries(model.metrics.map((m, i) => [`val_${m.name}`, valMetrics[i]])) };
    }
    bar?.finish(logs);
    await list.call('onEpochEnd', epoch, logs);
  }
  await list.call('onTrainEnd', {});
  return history;
}

export function evaluateLoop(model: Model, x: Tensor, y: Tensor, { batchSize = 32, verbose = 1 }: EvaluateArgs = {}): number[] {
  model.compiled('evaluate');
  checkPositiveInt('evaluate: batchSize', batchSize);
  checkData(model, x, y, 'evaluate');
  const n = x.shape[0], steps = Math.ceil(n / batchSize);
  const lossMean = new Mean('loss');
  model.metrics.forEach((m) => m.reset());
  const bar = verbose > 0 ? progbar(steps, verbose) : null;
  let logs: Logs = {};
  const xReader = new BatchReader(x, isFloatInput(x)), yReader = new BatchReader(y, y.dtype);
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      const yb = yReader.read(null, start, end);
      const { loss, yPred } = model.evaluateStep(xReader.read(null, start, end), yb);
      lossMean.update(loss, end - start);
      model.metrics.forEach((m) => m.updateState(yb, yPred));
      logs = { loss: lossMean.result(), ...Object.fromEntries(model.metrics.map((m) => [m.name, m.result()])) };
      bar?.update(step + 1, logs);
    }
  });
  bar?.finish(logs);
  return [lossMean.result(), ...model.metrics.map((m) => m.result())];
}

export function predictLoop(model: Model, x: Tensor, { batchSize = 32, verbose = 0 }: PredictArgs = {}): Tensor {
  checkPositiveInt('predict: batchSize', batchSize);
  if (!(x instanceof Tensor) || x.rank === 0) throw new Error('predict: x must be a Tensor with a batch axis');
  model.checkInputShape(x.shape);
  const n = x.shape[0], steps = Math.ceil(n / batchSize);
  const bar = verbose > 0 ? progbar(steps, verbose) : null;
  let out: Tensor | undefined;
  const xReader = new BatchReader(x, isFloatInput(x));
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      const yb = model.predictStep(xReader.read(null, start, end));
      out ??= new Tensor(allocArray(yb.dtype, (yb.size / yb.shape[0]) * n), [n, ...yb.shape.slice(1)]);
      out.data.set(yb.data, (yb.size / yb.shape[0]) * start);
      bar?.update(step + 1, {});
    }
  });
  bar?.finish({});
  return out ?? new Tensor(allocArray('float32', 0), [0]);
}
