// fit / evaluate / predict over streamed batches (Datasets, generators, async iterables,
// Sequences), through the DataAdapter. Steps are compiled as with tensors: one plan per batch
// shape, so a short last batch gets a plan of its own.
import { noGrad } from '../core/engine.ts';
import { allocArray, type TypedArray } from '../core/dtype.ts';
import { Tensor } from '../core/tensor.ts';
import type { Model, ModelData } from '../models/model.ts';
import { Callback, CallbackList, History, callbackList, type Logs } from './callback-base.ts';
import { DataAdapter, isDataSource, type Batch, type DataSource } from './data-adapter.ts';
import { checkData, checkEpochs, evaluateLogs, LogMeans, progbar, verbosity, type FitArgs, type Verbose } from './loop.ts';

export interface StreamFitArgs extends Omit<FitArgs, 'validationData' | 'batchSize' | 'validationSplit' | 'shuffle'> {
  /** Batches per epoch; required for an infinite dataset. With it, each epoch continues where the last one stopped (Keras). */
  stepsPerEpoch?: number;
  validationData?: [ModelData, ModelData] | DataSource;
  /** Batches of validationData to evaluate after each epoch (default: all of it). */
  validationSteps?: number;
  batchSize?: never;
  validationSplit?: never;
  /** Ignored for streamed data, as in Keras: shuffle the dataset itself. */
  shuffle?: boolean;
}
export interface StreamEvaluateArgs { steps?: number; verbose?: Verbose }

/** TF.js's fitDataset names: batchesPerEpoch / validationBatches are Keras's stepsPerEpoch / validationSteps. */
export interface TfjsFitDatasetArgs extends StreamFitArgs { batchesPerEpoch?: number; validationBatches?: number }
/** TF.js's evaluateDataset names: batches is Keras's steps. */
export interface TfjsEvaluateDatasetArgs extends StreamEvaluateArgs { batches?: number }

/** Renames TF.js's options to Keras's (one of each pair, not both). */
export function fromTfjsNames<A extends object>(args: A | undefined, names: Record<string, string>, what: string): A | undefined {
  if (!args) return args;
  const out = { ...args } as Record<string, unknown>;
  for (const [tfjs, keras] of Object.entries(names)) {
    if (!(tfjs in out)) continue;
    if (out[keras] !== undefined) throw new Error(`${what}: give ${tfjs} (TF.js's name) or ${keras}, not both`);
    out[keras] = out[tfjs];
    delete out[tfjs];
  }
  return out as A;
}
export interface StreamPredictArgs { steps?: number; verbose?: Verbose }

const KNOWN_FIT = new Set(['epochs', 'verbose', 'callbacks', 'initialEpoch', 'stepsPerEpoch', 'validationData', 'validationSteps', 'shuffle', 'batchSize', 'validationSplit']);

function rejectTensorOnly(args: Record<string, unknown>, what: string): void {
  for (const k of Object.keys(args)) if (!KNOWN_FIT.has(k)) throw new Error(`${what}: unknown option '${k}' (known for a dataset: ${[...KNOWN_FIT].filter((o) => o !== 'batchSize' && o !== 'validationSplit').join(', ')})`);
  if (args.batchSize !== undefined) throw new Error(`${what}: batchSize cannot be given with a dataset or generator: its batches are already made (batch the dataset instead, e.g. ds.batch(${args.batchSize}))`);
  if (args.validationSplit) throw new Error(`${what}: validationSplit works only with tensors; give validationData (e.g. ds.take(n) for validation and ds.skip(n) for training)`);
}

/** The batch as one tensor per input and output (and its sample weights), checked as fit checks tensors (shapes, label range), naming the step. */
function stepData(model: Model, batch: Batch, what: string): [Tensor[], Tensor[]] | [Tensor[], Tensor[], (Tensor | undefined)[]] {
  const [xs, ys] = checkData(model, batch.x, batch.y!, what);
  const sw = batch.sampleWeight as Tensor | Tensor[] | undefined;
  if (sw === undefined) return [xs, ys];
  const sws = Array.isArray(sw) ? sw : ys.map(() => sw);
  sws.forEach((w, i) => {
    if (w !== undefined && (w.rank === 0 || w.shape[0] !== ys[i].shape[0])) {
      throw new Error(`${what}: the sample weights have shape [${w.shape}], expected one weight per sample ([${ys[i].shape[0]}])`);
    }
  });
  return [xs, ys, sws];
}

export async function fitStream(model: Model, source: DataSource, args: StreamFitArgs = {}): Promise<History> {
  rejectTensorOnly(args as Record<string, unknown>, 'fit');
  const { epochs = 1, initialEpoch = 0, stepsPerEpoch, validationData, validationSteps } = args;
  const verbose = verbosity(args.verbose, 'fit', 1);
  model.compiled('fit');
  checkEpochs(epochs, initialEpoch);
  const callbacks = callbackList(args.callbacks, 'fit');
  const train = new DataAdapter(source, 'fit', stepsPerEpoch);
  const validation = validationData === undefined ? null
    : isDataSource(validationData) ? new DataAdapter(validationData, 'fit (validationData)', validationSteps)
    : checkData(model, validationData[0], validationData[1], 'fit (validationData)').slice(0, 2) as [Tensor[], Tensor[]];

  let steps = train.steps;
  const history = new History();
  // History last, as with tensors: it records what callbacks add to the logs (learning_rate).
  const list = new CallbackList([...callbacks, history]);
  const params = { epochs, steps, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }
  const means = new LogMeans();
  model.stopTraining = false;
  let epochLogs: Logs = {};
  await list.call('onTrainBegin', {});
  try {
    for (let epoch = initialEpoch; epoch < epochs; epoch++) { // stopTraining read after each batch and epoch, as in Keras 3
      if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
      await list.call('onEpochBegin', epoch, {});
      means.reset();
      model.resetMetrics();
      const bar = verbose > 0 ? progbar(steps, verbose) : null;
      let logs: Logs = {};
      let step = 0;
      for await (const batch of train.epoch()) {
        const data = stepData(model, batch, `fit (step ${step})`);
        const size = data[0][0].shape[0];
        await list.call('onBatchBegin', step, { batch: step, size });
        logs = means.update(model.trainStep(data), size);
        if (!model.runEagerly) batch.release(); // the compiled step copied it; eager steps may keep views
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
        const valLogs = validation instanceof DataAdapter ? await evaluateAdapter(model, validation, 0) : evaluateLogs(model, validation[0], validation[1], [], 32);
        logs = { ...logs, ...Object.fromEntries(Object.entries(valLogs).map(([k, v]) => [`val_${k}`, v])) };
      }
      bar?.finish(logs);
      if (step > 0) { await list.call('onEpochEnd', epoch, logs); epochLogs = logs; }
      if (model.stopTraining) break;
    }
  } finally { await train.close(); }
  model.optimizer!.finalizeVariableValues(model.trainableWeights); // useEma: the averages, as fit on tensors
  await list.call('onTrainEnd', { ...epochLogs });
  return history;
}

async function evaluateAdapter(model: Model, data: DataAdapter, verbose: number): Promise<Logs> {
  const means = new LogMeans();
  const bar = verbose > 0 ? progbar(data.steps, verbose) : null;
  let step = 0, logs: Logs = {};
  model.resetMetrics();
  try {
    for await (const batch of data.epoch()) {
      const stepBatch = stepData(model, batch, `evaluate (step ${step})`);
      logs = means.update(noGrad(() => model.testStep(stepBatch)), stepBatch[0][0].shape[0]);
      if (!model.runEagerly) batch.release();
      step++;
      bar?.update(step, logs);
    }
  } finally { await data.close(); }
  if (step === 0) throw new Error('evaluate: the dataset yielded no batches');
  bar?.finish(logs);
  return logs;
}

/** [loss, ...per-output losses, ...metrics], as for tensors. */
export async function evaluateStream(model: Model, source: DataSource, { steps, verbose, ...rest }: StreamEvaluateArgs = {}): Promise<number[]> {
  for (const k of Object.keys(rest)) throw new Error(`evaluate: unknown option '${k}' for a dataset (known: steps, verbose)`);
  model.compiled('evaluate');
  return Object.values(await evaluateAdapter(model, new DataAdapter(source, 'evaluate', steps), verbosity(verbose, 'evaluate', 1)));
}

/** Every output's predictions for every batch, concatenated; a batch may be x alone or [x, ...] (the rest is ignored, as Keras does). */
export async function predictStream(model: Model, source: DataSource, { steps, verbose: asked, ...rest }: StreamPredictArgs = {}): Promise<Tensor[]> {
  for (const k of Object.keys(rest)) throw new Error(`predict: unknown option '${k}' for a dataset (known: steps, verbose)`);
  const verbose = verbosity(asked, 'predict', 0);
  const data = new DataAdapter(source, 'predict', steps, false);
  const bar = verbose > 0 ? progbar(data.steps, verbose) : null;
  let parts: TypedArray[][] = [], rowShapes: number[][] | null = null, rows = 0, step = 0;
  try {
    for await (const batch of data.epoch()) {
      const xs = model.dataFor(batch.x, 'input', `predict (step ${step})`);
      if (step === 0) model.checkInputShapes(xs.map((t) => t.shape));
      const ybs = noGrad(() => model.predictStep(xs));
      if (!model.runEagerly) batch.release();
      rowShapes ??= ybs.map((yb) => yb.shape.slice(1));
      if (parts.length === 0) parts = ybs.map(() => []);
      ybs.forEach((yb, i) => parts[i].push(yb.data.slice())); // predictStep's outputs are reused by the next step
      rows += ybs[0].shape[0];
      step++;
      bar?.update(step, {});
    }
  } finally { await data.close(); }
  bar?.finish({});
  if (!rowShapes) throw new Error('predict: the dataset yielded no batches');
  return parts.map((chunks, i) => {
    const out = allocArray(chunks[0] instanceof Float64Array ? 'float64' : 'float32', chunks.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of chunks) { out.set(p, offset); offset += p.length; }
    return new Tensor(out, [rows, ...rowShapes![i]]);
  });
}
