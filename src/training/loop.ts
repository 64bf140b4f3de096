// The loops behind fit, evaluate and predict: batching, shuffling, callbacks and progress.
import { noGrad } from '../core/engine.ts';
import { allocArray, type DType } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import type { Model } from '../models/model.ts';
import type { ShapeSpec } from '../layers/layer.ts';
import { Callback, CallbackList, History, type CallbackHooks, type Logs } from './callback-base.ts';
import { ProgbarLogger } from './callbacks.ts';
import { sampleWeights, type ClassWeight } from './sample-weights.ts';
import { SparseCategoricalCrossentropy } from './losses.ts';
import { Mean, metricLogs } from './metrics.ts';
import { Progbar, defaultOutput } from './progbar.ts';

/** Keras's verbose modes: 1 a bar (redrawn on a terminal), 2 one line per epoch without the bar. */
export function progbar(steps: number, verbose: number): Progbar {
  const out = defaultOutput();
  return new Progbar(steps, out, verbose === 1 && Boolean(out.isTTY), verbose === 2);
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight]. */
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor];
  /** Validate every n epochs, or after the listed (1-based) epochs. */
  validationFreq?: number | number[];
  /** Batch size for validation (default: batchSize). */
  validationBatchSize?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks[];
  /** The epoch to start at (for resuming): epochs counts from 0, not from here. */
  initialEpoch?: number;
  /** One weight per sample, multiplying its loss (Keras's sample_weight). */
  sampleWeight?: Tensor;
  /** A weight per class index, applied to every sample of that class (Keras's class_weight). */
  classWeight?: ClassWeight;
}
export interface EvaluateArgs { batchSize?: number; verbose?: 0 | 1 | 2; sampleWeight?: Tensor; returnDict?: boolean }
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

function checkData(model: Model, x: Tensor, y: Tensor, what: string): ShapeSpec {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new Error(`${what}: x and y must be Tensors`);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new Error(`${what}: x and y must have the same number of samples, got x of shape ${formatShape(x.shape)} and y of shape ${formatShape(y.shape)}`);
  }
  const out = model.checkInputShape(x.shape);
  // Sparse labels must name one of the model's classes; checked once here, not per batch.
  if (model.loss instanceof SparseCategoricalCrossentropy && out.length === 2 && out[1] !== null) {
    const classes = out[1], ignored = model.loss.ignoreClass;
    for (let i = 0; i < y.size; i++) {
      const label = y.data[i];
      if (label === ignored) continue;
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        const last = model.layers[model.layers.length - 1];
        throw new Error(`${what}: y[${i}] = ${label} is not a class of the model's output (layer "${last?.name}" has ${classes} units, so labels must be integers in [0, ${classes - 1}])`);
      }
    }
  }
  return out;
}

const outputName = (model: Model): string => model.layers[model.layers.length - 1]?.name ?? model.name;

/** Whether to validate after this (0-based) epoch, per Keras's validation_freq. */
function shouldValidate(freq: number | number[], epoch: number): boolean {
  return Array.isArray(freq) ? freq.includes(epoch + 1) : (epoch + 1) % freq === 0;
}

export async function fitLoop(model: Model, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, verbose = 1, callbacks = [], validationFreq = 1 } = args;
  let { initialEpoch = 0 } = args;
  model.compiled('fit');
  checkPositiveInt('fit: batchSize', batchSize);
  const validationBatchSize = args.validationBatchSize ?? batchSize;
  checkPositiveInt('fit: validationBatchSize', validationBatchSize);
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
  if (Array.isArray(validationFreq) ? !validationFreq.every((e) => Number.isInteger(e) && e >= 1) : !(Number.isInteger(validationFreq) && validationFreq >= 1)) {
    throw new Error(`fit: validationFreq must be a positive integer or a list of (1-based) epochs, got ${JSON.stringify(validationFreq)}`);
  }
  const outShape = checkData(model, x, y, 'fit');
  let weights = sampleWeights('fit', y, outShape, args.sampleWeight, args.classWeight, outputName(model));

  let [xTrain, yTrain] = [x, y];
  let validation = args.validationData as Tensor[] | undefined;
  if (validation) {
    if (!Array.isArray(validation) || (validation.length !== 2 && validation.length !== 3)) throw new Error('fit: validationData must be [x, y] or [x, y, sampleWeight]');
    const valOut = checkData(model, validation[0], validation[1], 'fit (validationData)');
    const valWeights = sampleWeights('fit (validationData)', validation[1], valOut, validation[2], undefined, outputName(model));
    validation = valWeights ? [validation[0], validation[1], valWeights] : [validation[0], validation[1]];
  } else if (validationSplit > 0) {
    const n = x.shape[0], split = Math.floor(n * (1 - validationSplit));
    if (split < 1 || split >= n) throw new Error(`fit: validationSplit ${validationSplit} of ${n} samples leaves no training or no validation data`);
    [xTrain, yTrain] = [takeRows(x, null, 0, split), takeRows(y, null, 0, split)];
    validation = [takeRows(x, null, split, n), takeRows(y, null, split, n), ...(weights ? [takeRows(weights, null, split, n)] : [])];
    if (weights) weights = takeRows(weights, null, 0, split);
  }

  const n = xTrain.shape[0];
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  // As in Keras: the progress bar first, History last (so it records what callbacks add to the logs).
  const list = new CallbackList([...(verbose > 0 ? [new ProgbarLogger()] : []), ...callbacks, history]);
  const params = { epochs, steps, batchSize, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }

  // Each epoch's order depends only on a seed drawn here and the epoch's number, so a run
  // resumed at initialEpoch (after the same setRandomSeed) sees the same batches.
  const seed = random().int(2 ** 32);
  const order = new Int32Array(n);
  const lossMean = new Mean('loss');
  const xReader = new BatchReader(xTrain, isFloatInput(xTrain)), yReader = new BatchReader(yTrain, yTrain.dtype);
  const wReader = weights ? new BatchReader(weights, 'float32') : null;
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  // A callback restoring a backup (BackupAndRestore) says where to resume.
  for (const cb of list.callbacks) {
    const resume = (cb as { resumeEpoch?: number }).resumeEpoch;
    if (resume !== undefined) initialEpoch = Math.max(initialEpoch, resume);
  }
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await list.call('onEpochBegin', epoch, {});
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) new Random((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
    lossMean.reset();
    model.metrics.forEach((m) => m.reset());
    let logs: Logs = {};
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      await list.call('onBatchBegin', step, { batch: step, size: end - start });
      const xb = xReader.read(order, start, end), yb = yReader.read(order, start, end), wb = wReader?.read(order, start, end);
      const { loss, yPred } = model.trainStep(xb, yb, wb);
      lossMean.update(loss, end - start);
      model.metrics.forEach((m) => m.updateState(yb, yPred, wb));
      logs = { loss: lossMean.result(), ...metricLogs(model.metrics) };
      await list.call('onBatchEnd', step, { batch: step, size: end - start, ...logs });
      if (model.stopTraining) break;
    }
    if (validation && shouldValidate(validationFreq, epoch)) {
      const valLogs = evaluateLogs(model, validation[0], validation[1], validation[2], validationBatchSize, 0);
      logs = { ...logs, ...Object.fromEntries(Object.entries(valLogs).map(([k, v]) => [`val_${k}`, v])) };
    }
    await list.call('onEpochEnd', epoch, logs);
  }
  model.optimizer!.finalizeVariableValues(model.trainableWeights);
  await list.call('onTrainEnd', {});
  return history;
}

/** The loss and metrics over a dataset, by name (Keras's evaluate logs). */
function evaluateLogs(model: Model, x: Tensor, y: Tensor, weights: Tensor | undefined, batchSize: number, verbose: number): Logs {
  const n = x.shape[0], steps = Math.ceil(n / batchSize);
  const lossMean = new Mean('loss');
  model.metrics.forEach((m) => m.reset());
  const bar = verbose > 0 ? progbar(steps, verbose) : null;
  let logs: Logs = {};
  const xReader = new BatchReader(x, isFloatInput(x)), yReader = new BatchReader(y, y.dtype);
  const wReader = weights ? new BatchReader(weights, 'float32') : null;
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      const yb = yReader.read(null, start, end), wb = wReader?.read(null, start, end);
      const { loss, yPred } = model.evaluateStep(xReader.read(null, start, end), yb, wb);
      lossMean.update(loss, end - start);
      model.metrics.forEach((m) => m.updateState(yb, yPred, wb));
      logs = { loss: lossMean.result(), ...metricLogs(model.metrics) };
      bar?.update(step + 1, logs);
    }
  });
  bar?.finish(logs);
  return { loss: lossMean.result(), ...metricLogs(model.metrics) };
}

export function evaluateLoop(model: Model, x: Tensor, y: Tensor, { batchSize = 32, verbose = 1, sampleWeight, returnDict = false }: EvaluateArgs = {}): number[] | Record<string, number> {
  model.compiled('evaluate');
  checkPositiveInt('evaluate: batchSize', batchSize);
  const out = checkData(model, x, y, 'evaluate');
  const weights = sampleWeights('evaluate', y, out, sampleWeight, undefined, outputName(model));
  const logs = evaluateLogs(model, x, y, weights, batchSize, verbose);
  return returnDict ? logs : Object.values(logs);
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
