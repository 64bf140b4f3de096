// The loops behind fit, evaluate and predict: batching, shuffling, callbacks and progress.
import { backend, noGrad } from '../core/engine.ts';
import { memoryOf } from '../compile/plan.ts';
import { allocArray, type DType } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import type { Model, ModelData } from '../models/model.ts';
import { stepLayout } from './step-layout.ts';
import type { ShapeSpec } from '../layers/layer.ts';
import { Callback, CallbackList, History, callbackList, type CallbackHooks, type Logs } from './callback-base.ts';
import { checkKnownOptions } from '../core/options.ts';
import { ProgbarLogger } from './callbacks.ts';
import { sampleWeights, type ClassWeight } from './sample-weights.ts';
import { SparseCategoricalCrossentropy } from './losses.ts';
import { Mean } from './metrics.ts';
import { Progbar, defaultOutput } from './progbar.ts';
import { InterruptGuard } from './interrupt.ts';
import { checkTrainBatchFits, explainTrainMemory, forEachBatch, inferenceBatch, powerOfTwoBatches } from './batching.ts';

/** Keras's verbose modes: 1 a bar (redrawn on a terminal), 2 one line per epoch without the bar. */
export function progbar(steps: number | null, verbose: number): Progbar {
  const out = defaultOutput();
  return new Progbar(steps, out, verbose === 1 && Boolean(out.isTTY), verbose === 2);
}

/** Per-output sample weights: one tensor for every output, or a list with one per output. */
export type SampleWeightData = Tensor | (Tensor | undefined)[];

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight]. */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, SampleWeightData];
  /** Validate every n epochs, or after the listed (1-based) epochs. */
  validationFreq?: number | number[];
  /** Batch size for validation (default: batchSize). */
  validationBatchSize?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch; 'auto' is 1 (Keras). */
  verbose?: Verbose;
  /** Callbacks, in order (one callback alone is taken too, as TF.js does). */
  callbacks?: CallbackHooks[] | CallbackHooks;
  /** The epoch to start at (for resuming): epochs counts from 0, not from here. */
  initialEpoch?: number;
  /** One weight per sample, multiplying its loss (Keras's sample_weight); per output as a list. */
  sampleWeight?: SampleWeightData;
  /** A weight per class index, applied to every sample of that class (Keras's class_weight; one output). */
  classWeight?: ClassWeight;
}
export interface EvaluateArgs { batchSize?: number; verbose?: Verbose; sampleWeight?: SampleWeightData; returnDict?: boolean }
export interface PredictArgs { batchSize?: number; verbose?: Verbose }
export type Verbose = 0 | 1 | 2 | 'auto';

/** Keras's verbose values: 0, 1, 2, or 'auto' (1); others are errors (3 drew a bar that never finished its line, 'auto' was silent). */
export function verbosity(v: unknown, where: string, fallback: 0 | 1): 0 | 1 | 2 {
  if (v === undefined) return fallback;
  if (v === 'auto') return 1;
  if (v === 0 || v === 1 || v === 2) return v;
  throw new Error(`${where}: verbose must be 0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto', got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
}

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
/**
 * The dtype each input travels in: float (uint8 images become float32), except integer data for
 * an input declared int32 (Keras keeps those: indices, labels), which stays int32.
 */
function inputDTypes(model: Model, xs: Tensor[]): (t: Tensor) => DType {
  const declared = model.isFunctional ? model.inputs.map((s) => s.dtype) : [];
  const kept = new Set(xs.filter((t, i) => declared[i] === 'int32' && (t.dtype === 'int32' || t.dtype === 'uint8')));
  return (t) => (kept.has(t) ? 'int32' : isFloatInput(t));
}
const rowsOf = (t: Tensor, start: number, end: number, dtype?: DType): Tensor => takeRows(t, null, start, end, dtype);

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

/** The data as one tensor per input and per output, checked: same sample counts, shapes the model accepts, labels in range; and the output shapes. */
export function checkData(model: Model, x: ModelData, y: ModelData, what: string): [Tensor[], Tensor[], ShapeSpec[]] {
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
    const classes = out[1], labels = ys[h], ignored = head.loss.ignoreClass;
    for (let i = 0; i < labels.size; i++) {
      const label = labels.data[i];
      if (label === ignored) continue;
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new Error(`${what}: y${ys.length > 1 ? `[${h}]` : ''}[${i}] = ${label} is not a class of the model's output (layer "${head.name === 'output_1' ? model.layers[model.layers.length - 1]?.name : head.name}" has ${classes} units, so labels must be integers in [0, ${classes - 1}])`);
      }
    }
  });
  return [xs, ys, outs];
}

/** Checked per-output sample weights (from sampleWeight and/or classWeight), undefined where none. */
function weightsFor(model: Model, ys: Tensor[], outs: ShapeSpec[], what: string, sampleWeight?: SampleWeightData, classWeight?: ClassWeight): (Tensor | undefined)[] {
  const names = model.heads.map((h, i) => (h.name === 'output_1' ? model.layers[model.layers.length - 1]?.name ?? model.name : model.outputNames[i] ?? h.name));
  if (Array.isArray(sampleWeight) && sampleWeight.length !== ys.length) {
    throw new Error(`${what}: sampleWeight has ${sampleWeight.length} entries but the model has ${ys.length} output(s): ${names.join(', ')}`);
  }
  if (classWeight !== undefined && ys.length > 1) throw new Error(`${what}: classWeight is only supported for models with one output (this one has ${ys.length}); use sampleWeight per output instead`);
  return ys.map((y, i) => {
    const sw = Array.isArray(sampleWeight) ? sampleWeight[i] : sampleWeight;
    return sampleWeights(what, y, outs[i] ?? [null], sw, classWeight, names[i]);
  });
}
const anyWeights = (ws: (Tensor | undefined)[]): boolean => ws.some((w) => w !== undefined);
const weightRows = (ws: (Tensor | undefined)[], start: number, end: number): (Tensor | undefined)[] => ws.map((w) => (w ? takeRows(w, null, start, end) : undefined));

/** Whether to validate after this (0-based) epoch, per Keras's validation_freq. */
function shouldValidate(freq: number | number[], epoch: number): boolean {
  return Array.isArray(freq) ? freq.includes(epoch + 1) : (epoch + 1) % freq === 0;
}

/** Losses are averaged over an epoch's batches; metrics are stateful and reported as they stand. */
const isLossLog = (key: string): boolean => key === 'loss' || key.endsWith('_loss');

/** Running means of a step's logs over the batches of an epoch, weighted by batch size. */
export class LogMeans {
  private readonly means = new Map<string, Mean>();
  update(logs: Logs, weight: number): Logs {
    const others: Logs = {};
    for (const [k, v] of Object.entries(logs)) {
      if (!isLossLog(k)) { others[k] = v; continue; }
      let m = this.means.get(k);
      if (!m) this.means.set(k, (m = new Mean(k)));
      m.update(typeof v === 'number' ? v : Number(v), weight);
    }
    return { ...this.result(), ...others };
  }
  result(): Logs { return Object.fromEntries([...this.means].map(([k, m]) => [k, m.result()])); }
  reset(): void { this.means.clear(); }
}

const readAll = (readers: BatchReader[], order: ArrayLike<number> | null, start: number, end: number): Tensor[] =>
  readers.map((r) => r.read(order, start, end));
const readSome = (readers: (BatchReader | null)[], order: ArrayLike<number> | null, start: number, end: number): (Tensor | undefined)[] =>
  readers.map((r) => r?.read(order, start, end));

export async function fitLoop(model: Model, x: ModelData, y: ModelData, args: FitArgs): Promise<History> {
  const guard = new InterruptGuard(model);
  try { return await fitEpochs(model, x, y, args, guard); } finally { guard.release(); }
}

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'validationFreq', 'validationBatchSize', 'verbose', 'callbacks', 'initialEpoch', 'sampleWeight', 'classWeight'];

/** epochs and initialEpoch: integers >= 0 (a fractional initialEpoch ran fractional epochs). */
export function checkEpochs(epochs: number, initialEpoch: number): void {
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`fit: initialEpoch must be a non-negative integer (the 0-based epoch to start at), got ${initialEpoch}`);
}

async function fitEpochs(model: Model, x: ModelData, y: ModelData, args: FitArgs, guard: InterruptGuard): Promise<History> {
  checkKnownOptions(args, FIT_OPTIONS, 'fit');
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, validationFreq = 1 } = args;
  const verbose = verbosity(args.verbose, 'fit', 1);
  let { initialEpoch = 0 } = args;
  model.compiled('fit');
  checkEpochs(epochs, initialEpoch);
  const callbacks = callbackList(args.callbacks, 'fit');
  checkPositiveInt('fit: batchSize', batchSize);
  const validationBatchSize = args.validationBatchSize ?? batchSize;
  checkPositiveInt('fit: validationBatchSize', validationBatchSize);
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new Error(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
  if (Array.isArray(validationFreq) ? !validationFreq.every((e) => Number.isInteger(e) && e >= 1) : !(Number.isInteger(validationFreq) && validationFreq >= 1)) {
    throw new Error(`fit: validationFreq must be a positive integer or a list of (1-based) epochs, got ${JSON.stringify(validationFreq)}`);
  }
  let [xTrain, yTrain, outs] = checkData(model, x, y, 'fit');
  let weights = weightsFor(model, yTrain, outs, 'fit', args.sampleWeight, args.classWeight);

  let validation: [Tensor[], Tensor[], (Tensor | undefined)[]] | undefined;
  if (args.validationData) {
    const vd = args.validationData;
    if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3)) throw new Error('fit: validationData must be [x, y] or [x, y, sampleWeight]');
    const [vx, vy, vOuts] = checkData(model, vd[0], vd[1], 'fit (validationData)');
    validation = [vx, vy, weightsFor(model, vy, vOuts, 'fit (validationData)', vd[2] as SampleWeightData | undefined)];
  } else if (validationSplit > 0) {
    const n = xTrain[0].shape[0], split = Math.floor(n * (1 - validationSplit));
    if (split < 1 || split >= n) throw new Error(`fit: validationSplit ${validationSplit} of ${n} samples leaves no training or no validation data`);
    validation = [xTrain.map((t) => takeRows(t, null, split, n)), yTrain.map((t) => takeRows(t, null, split, n)), weightRows(weights, split, n)];
    [xTrain, yTrain, weights] = [xTrain.map((t) => takeRows(t, null, 0, split)), yTrain.map((t) => takeRows(t, null, 0, split)), weightRows(weights, 0, split)];
  }

  const n = xTrain[0].shape[0];
  const weighted = weights.map((w) => w !== undefined);
  const dtypeOf = inputDTypes(model, xTrain);
  checkTrainBatchFits(model, [...xTrain, ...yTrain, ...weights.filter((w): w is Tensor => w !== undefined)], stepLayout(xTrain, yTrain, weighted), batchSize, rowsOf, dtypeOf);
  const steps = Math.ceil(n / batchSize);
  // Weights made lazily on the first call must exist before any step collects them.
  model.ensureBuilt(xTrain.map((t) => takeRows(t, null, 0, 1, dtypeOf(t))));
  const history = new History();
  // As in Keras: the progress bar first, History last (so it records what callbacks add to the logs).
  const list = new CallbackList([...(verbose > 0 ? [new ProgbarLogger()] : []), ...callbacks, history]);
  const params = { epochs, steps, batchSize, verbose };
  for (const cb of list.callbacks) if (cb instanceof Callback) { cb.setModel(model); cb.setParams(params); }

  // Each epoch's order depends only on a seed drawn here and the epoch's number, so a run
  // resumed at initialEpoch (after the same setRandomSeed) sees the same batches.
  const seed = random().int(2 ** 32);
  const order = new Int32Array(n);
  const means = new LogMeans();
  const xReaders = xTrain.map((t) => new BatchReader(t, dtypeOf(t))), yReaders = yTrain.map((t) => new BatchReader(t, t.dtype));
  const wReaders = weights.map((w) => (w ? new BatchReader(w, 'float32') : null));
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  // A callback restoring a backup (BackupAndRestore) says where to resume.
  for (const cb of list.callbacks) {
    const resume = (cb as { resumeEpoch?: number }).resumeEpoch;
    if (resume !== undefined) initialEpoch = Math.max(initialEpoch, resume);
  }
  let epoch = initialEpoch, step = 0, epochLogs: Logs = {};
  // stopTraining is read after each batch and epoch, as Keras 3 reads it: set in onTrainBegin, one batch still runs.
  for (; epoch < epochs; epoch++) {
    await list.call('onEpochBegin', epoch, {});
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) new Random((seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(order);
    means.reset();
    model.resetMetrics();
    let logs: Logs = {};
    for (step = 0; step < steps; step++) {
      const start = step * batchSize, end = Math.min(start + batchSize, n);
      await list.call('onBatchBegin', step, { batch: step, size: end - start });
      // Keras's train_step(data): the default, or the model's override.
      const xb = readAll(xReaders, order, start, end), yb = readAll(yReaders, order, start, end);
      const batchLogs = explainTrainMemory(batchSize, () => model.trainStep(anyWeights(weights) ? [xb, yb, readSome(wReaders, order, start, end)] : [xb, yb]));
      logs = means.update(batchLogs, end - start);
      await list.call('onBatchEnd', step, { batch: step, size: end - start, ...logs });
      await guard.yieldSometimes();
      if (model.stopTraining) break;
    }
    if (guard.interrupted) break;
    if (validation && shouldValidate(validationFreq, epoch)) {
      const valLogs = evaluateLogs(model, validation[0], validation[1], validation[2], validationBatchSize);
      logs = { ...logs, ...Object.fromEntries(Object.entries(valLogs).map(([k, v]) => [`val_${k}`, v])) };
    }
    await list.call('onEpochEnd', epoch, logs);
    epochLogs = logs;
    if (model.stopTraining) break;
  }
  model.optimizer!.finalizeVariableValues(model.trainableWeights);
  await list.call('onTrainEnd', { ...epochLogs }); // Keras passes the last epoch's logs
  guard.finish(epoch, step);
  return history;
}

/** The means of testStep's logs over all batches (loss, per-output losses), and the metrics over them all. */
export function evaluateLogs(model: Model, xs: Tensor[], ys: Tensor[], weights: (Tensor | undefined)[], asked: number, bar: Progbar | null = null): Logs {
  const present = weights.filter((w): w is Tensor => w !== undefined);
  // An oversized batch is split to what fits (the answer is the same in any batching).
  const dtypeOf = inputDTypes(model, xs);
  const batchSize = inferenceBatch(model, 'evaluate', [...xs, ...ys, ...present], stepLayout(xs, ys, weights.map((w) => w !== undefined)), asked, rowsOf, dtypeOf);
  const n = xs[0].shape[0];
  const means = new LogMeans();
  let logs: Logs = {};
  const xReaders = xs.map((t) => new BatchReader(t, dtypeOf(t))), yReaders = ys.map((t) => new BatchReader(t, t.dtype));
  const wReaders = weights.map((w) => (w ? new BatchReader(w, 'float32') : null));
  model.resetMetrics();
  noGrad(() => {
    forEachBatch(n, batchSize, (start, end) => {
      const xb = readAll(xReaders, null, start, end), yb = readAll(yReaders, null, start, end);
      logs = means.update(model.testStep(anyWeights(weights) ? [xb, yb, readSome(wReaders, null, start, end)] : [xb, yb]), end - start);
      bar?.update(Math.ceil(end / batchSize), logs);
    });
  });
  bar?.finish(logs);
  return logs;
}

/** [loss, ...per-output losses, ...metrics] as Keras's evaluate returns them, or by name with returnDict. */
export function evaluateLoop(model: Model, x: ModelData, y: ModelData, args: EvaluateArgs = {}): number[] | Record<string, number> {
  checkKnownOptions(args, ['batchSize', 'verbose', 'sampleWeight', 'returnDict'], 'evaluate');
  const { batchSize = 32, sampleWeight, returnDict = false } = args, verbose = verbosity(args.verbose, 'evaluate', 1);
  model.compiled('evaluate');
  checkPositiveInt('evaluate: batchSize', batchSize);
  const [xs, ys, outs] = checkData(model, x, y, 'evaluate');
  const weights = weightsFor(model, ys, outs, 'evaluate', sampleWeight);
  const steps = Math.ceil(xs[0].shape[0] / batchSize);
  const logs = evaluateLogs(model, xs, ys, weights, batchSize, verbose > 0 ? progbar(steps, verbose) : null);
  return returnDict ? logs : Object.values(logs);
}

/**
 * The most samples one predict step takes, whatever batchSize asks (the answer is the same in
 * any batching). The trace of a step holds all its intermediates at once and WebAssembly memory
 * never shrinks: a MobileNet-style net traced at batch 256 kept ~650 MB; steps of 64 run the
 * 256 images in the same CPU time (within 3% on the zoo, bench/profile-latency.ts notes).
 */
export const PREDICT_STEP_ROWS = 64;

/** One tensor per model output, each with a row per sample of x. */
export function predictLoop(model: Model, xs: Tensor[], args: PredictArgs = {}): Tensor[] {
  checkKnownOptions(args, ['batchSize', 'verbose'], 'predict');
  const { batchSize: asked = 32 } = args, verbose = verbosity(args.verbose, 'predict', 0);
  checkPositiveInt('predict: batchSize', asked);
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor) || x.rank === 0) throw new Error(`predict: x${xs.length > 1 ? `[${i}]` : ''} must be a Tensor with a batch axis`);
    if (x.shape[0] !== xs[0].shape[0]) throw new Error(`predict: every input must have the same number of samples, got ${xs.map((t) => formatShape(t.shape)).join(' and ')}`);
  });
  model.checkInputShapes(xs.map((t) => t.shape));
  // An oversized batch is split to what fits the backend's memory (as Keras batches its own).
  const dtypeOf = inputDTypes(model, xs);
  const batchSize = Math.min(PREDICT_STEP_ROWS, inferenceBatch(model, 'predict', xs, stepLayout(xs, [], []), asked, rowsOf, dtypeOf));
  const n = xs[0].shape[0];
  const bar = verbose > 0 ? progbar(powerOfTwoBatches(n, batchSize), verbose) : null;
  let outs: Tensor[] | undefined, done = 0;
  const readers = xs.map((x) => new BatchReader(x, dtypeOf(x)));
  // One batch of every row, already float: the inputs themselves (a compiled step copies its
  // inputs in anyway; the copy's allocation alone took ~2 us of the seed model's ~100 us batch-1
  // predict). Not inputs in the backend's memory (another plan's results): a plan's workspace
  // may hold them, and the copy keeps them apart from it.
  const memory = memoryOf(backend());
  const asIs = xs.every((x) => x.dtype === dtypeOf(x) && !memory.owns(x.data));
  noGrad(() => {
    forEachBatch(n, batchSize, (start, end) => {
      const ybs = model.predictStep(asIs && start === 0 && end === n ? xs : readAll(readers, null, start, end));
      outs ??= ybs.map((yb) => new Tensor(allocArray(yb.dtype, (yb.size / yb.shape[0]) * n), [n, ...yb.shape.slice(1)]));
      ybs.forEach((yb, i) => outs![i].data.set(yb.data, (yb.size / yb.shape[0]) * start));
      bar?.update(++done, {});
    }, true); // in powers of two: a bounded set of compiled steps (see forEachBatch)
  });
  bar?.finish({});
  return outs ?? [new Tensor(allocArray('float32', 0), [0])];
}
