// fit / evaluate / predict over streamed batches (Datasets, generators, async iterables,
// Sequences), through the DataAdapter. Steps are compiled as with tensors: one plan per batch
// shape, so a short last batch gets a plan of its own.
import { noGrad } from '../core/engine.ts';
import { allocArray, type TypedArray } from '../core/dtype.ts';
import { Tensor } from '../core/tensor.ts';
import type { Model } from '../models/model.ts';
import { Callback, CallbackList, History, type Logs } from './callbacks.ts';
import { Mean } from './metrics.ts';
import { DataAdapter, isDataSource, type DataSource } from './data-adapter.ts';
import { checkData, evaluateLoop, progbar, type FitArgs } from './loop.ts';

export interface StreamFitArgs extends Omit<FitArgs, 'validationData' | 'batchSize' | 'validationSplit' | 'shuffle'> {
  /** Batches per epoch; required for an infinite dataset. With it, each epoch continues where the last one stopped (Keras). */
  stepsPerEpoch?: number;
  validationData?: [Tensor, Tensor] | DataSource;
  /** Batches of validationData to evaluate after each epoch (default: all of it). */
  validationSteps?: number;
  batchSize?: never;
  validationSplit?: never;
  /** Ignored for streamed data, as in Keras: shuffle the dataset itself. */
  shuffle?: boolean;
}
export interface StreamEvaluateArgs { steps?: number; verbose?: 0 | 1 | 2 }
export interface StreamPredictArgs { steps?: number; verbose?: 0 | 1 | 2 }

const KNOWN_FIT = new Set(['epochs', 'verbose', 'callbacks', 'initialEpoch', 'stepsPerEpoch', 'validationData', 'validationSteps', 'shuffle', 'batchSize', 'validationSplit']);

function rejectTensorOnly(args: Record<string, unknown>, what: string): void {
  for (const k of Object.keys(args)) if (!KNOWN_FIT.has(k)) throw new Error(`${what}: unknown option '${k}'`);
  if (args.batchSize !== undefined) throw new Error(`${what}: batchSize cannot be given with a dataset or generator: its batches are already made (batch the dataset instead, e.g. ds.batch(${args.batchSize}))`);
  if (args.validationSplit) throw new Error(`${what}: validationSplit works only with tensors; give validationData (e.g. ds.take(n) for validation and ds.skip(n) for training)`);
}

const metricLogs = (model: Model, loss: Mean): Logs => ({ loss: loss.result(), ...Object.fromEntries(model.metrics.map((m) => [m.name, m.result()])) });

export async function fitStream(model: Model, source: DataSource, args: StreamFitArgs = {}): Promise<History> {
  rejectTensorOnly(args as Record<string, unknown>, 'fit');
  const { epochs = 1, verbose = 1, callbacks = [], initialEpoch = 0, stepsPerEpoch, validationData, validationSteps } = args;
  model.compiled('fit');
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  const train = new DataAdapter(source, 'fit', stepsPerEpoch);
  const validation = validationData === undefined ? null
    : isDataSource(validationData) ? new DataAdapter(validationData, 'fit (validationData)', validationSteps)
    : validationData;
  if (validation && !(validation instanceof DataAdapter)) checkData(model, validation[0], validation[1], 'fit (validationData)');

  let steps = train.steps;
  const history = new History();
  const list = new CallbackList([history, ...callbacks]);
  const params = { epochs, steps, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }
  const lossMean = new Mean('loss');
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  try {
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
      await list.call('onEpochBegin', epoch, {});
      lossMean.reset();
      model.metrics.forEach((m) => m.reset());
      const bar = verbose > 0 ? progbar(steps, verbose) : null;
      let logs: Logs = {};
      let step = 0;
      for await (const batch of train.epoch()) {
        const { x, y } = batch;
        checkData(model, x, y!, `fit (step ${step})`);
        const size = x.shape[0];
        await list.call('onBatchBegin', step, { batch: step, size });
        const { loss, yPred } = model.trainStep(x, y!);
        lossMean.update(loss, size);
        model.metrics.forEach((m) => m.updateState(y!, yPred));
        if (!model.runEagerly) batch.release(); // the compiled step copied it; eager steps may keep views
        logs = metricLogs(model, lossMean);
        step++;
        bar?.update(step, logs);
        await list.call('onBatchEnd', step - 1, { batch: step - 1, size, ...logs });
        if (model.stopTraining) break;
      }
      if (step === 0 && !train.exhausted) throw new Error('fit: the dataset yielded no batches in this epoch (is it empty, or filtered to nothing?)');
      if (train.exhausted) {
        // Keras's behaviour with steps_per_epoch: out of data ends training, with a warning.
        console.warn(`fit: your input ran out of data after ${step} steps of epoch ${epoch + 1}; interrupting training. Make sure the dataset can generate at least stepsPerEpoch * epochs batches (e.g. with repeat()).`);
        model.stopTraining = true;
      }
      if (steps === null) steps = step; // known after the first epoch (the bar shows it, as Keras's)
      if (validation && step > 0) {
        const [valLoss, ...valMetrics] = validation instanceof DataAdapter
          ? await evaluateAdapter(model, validation, 0)
          : evaluateLoop(model, validation[0], validation[1], { verbose: 0 });
        logs = { ...logs, val_loss: valLoss, ...Object.fromEntries(model.metrics.map((m, i) => [`val_${m.name}`, valMetrics[i]])) };
      }
      bar?.finish(logs);
      if (step > 0) await list.call('onEpochEnd', epoch, logs);
    }
  } finally { await train.close(); }
  await list.call('onTrainEnd', {});
  return history;
}

async function evaluateAdapter(model: Model, data: DataAdapter, verbose: number): Promise<number[]> {
  const lossMean = new Mean('loss');
  model.metrics.forEach((m) => m.reset());
  const bar = verbose > 0 ? progbar(data.steps, verbose) : null;
  let step = 0;
  for await (const batch of data.epoch()) {
    const { x, y } = batch;
    checkData(model, x, y!, `evaluate (step ${step})`);
    noGrad(() => {
      const { loss, yPred } = model.evaluateStep(x, y!);
      lossMean.update(loss, x.shape[0]);
      model.metrics.forEach((m) => m.updateState(y!, yPred));
    });
    if (!model.runEagerly) batch.release();
    step++;
    bar?.update(step, metricLogs(model, lossMean));
  }
  if (step === 0) throw new Error('evaluate: the dataset yielded no batches');
  bar?.finish(metricLogs(model, lossMean));
  await data.close();
  return [lossMean.result(), ...model.metrics.map((m) => m.result())];
}

export async function evaluateStream(model: Model, source: DataSource, { steps, verbose = 1, ...rest }: StreamEvaluateArgs = {}): Promise<number[]> {
  for (const k of Object.keys(rest)) throw new Error(`evaluate: unknown option '${k}' for a dataset (known: steps, verbose)`);
  model.compiled('evaluate');
  return evaluateAdapter(model, new DataAdapter(source, 'evaluate', steps), verbose);
}

/** Predictions for every batch, concatenated; a batch may be x alone or [x, ...] (the rest is ignored, as Keras does). */
export async function predictStream(model: Model, source: DataSource, { steps, verbose = 0, ...rest }: StreamPredictArgs = {}): Promise<Tensor> {
  for (const k of Object.keys(rest)) throw new Error(`predict: unknown option '${k}' for a dataset (known: steps, verbose)`);
  const data = new DataAdapter(source, 'predict', steps, false);
  const bar = verbose > 0 ? progbar(data.steps, verbose) : null;
  const parts: TypedArray[] = [];
  let rowShape: number[] | null = null, rows = 0, step = 0;
  for await (const batch of data.epoch()) {
    const { x } = batch;
    if (step === 0) model.checkInputShape(x.shape);
    const yb = noGrad(() => model.predictStep(x));
    if (!model.runEagerly) batch.release();
    rowShape ??= yb.shape.slice(1);
    parts.push(yb.data.slice()); // predictStep's output is reused by the next step
    rows += yb.shape[0];
    step++;
    bar?.update(step, {});
  }
  await data.close();
  bar?.finish({});
  if (!rowShape) throw new Error('predict: the dataset yielded no batches');
  const out = allocArray(parts[0] instanceof Float64Array ? 'float64' : 'float32', parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return new Tensor(out, [rows, ...rowShape]);
}
