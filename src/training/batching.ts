// Batches and the backend's memory limit. A training batch is the user's choice (its size
// changes the maths), so one that cannot fit is refused before any work, with the batch that
// would fit. Evaluation and prediction give the same answer in any batching, so there an
// oversized batch is split, as Keras batches its own.
import { MemoryLimitError, formatBytes } from '../core/errors.ts';
import type { DType } from '../core/dtype.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Model } from '../models/model.ts';
import type { StepLayout } from './step-layout.ts';

type RowReader = (t: Tensor, start: number, end: number, dtype?: DType) => Tensor;
/** The first rows of every step input (x's as floats, the rest in their own dtype). */
const firstRows = (inputs: Tensor[], b: number, rows: RowReader, nIn: number, xDType: (t: Tensor) => DType): Tensor[] =>
  inputs.map((t, i) => rows(t, 0, b, i < nIn ? xDType(t) : t.dtype));

function refusal(what: string, batch: number, needed: number, free: number, limit: number, fits: number): MemoryLimitError {
  return new MemoryLimitError(needed, free, limit,
    `${what}: a batch of ${batch} samples needs about ${formatBytes(needed)} of backend memory for its compiled step, but only ` +
    `${formatBytes(free)} of the wasm backend's ${formatBytes(limit)} WebAssembly memory limit are free. ` +
    (fits > 0 ? `The largest batch that fits is about ${fits}: use batchSize: ${fits} or less.` : 'Not even one sample fits: use a smaller model.'));
}

/** Throws before any work when a training batch of this size cannot fit the backend's memory. */
export function checkTrainBatchFits(model: Model, inputs: Tensor[], layout: StepLayout, batchSize: number, rows: RowReader, xDType: (t: Tensor) => DType): void {
  const batch = Math.min(batchSize, inputs[0].shape[0]);
  const r = model.batchThatFits('train', batch, layout, (b) => firstRows(inputs, b, rows, layout.nIn, xDType));
  if (r.batch < batch) throw refusal('fit', batch, r.needed!, r.free!, r.limit!, r.batch);
}

/** A training step whose batch turned out not to fit (the estimate missed): the error says what to do. */
export function explainTrainMemory<T>(batchSize: number, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (!(e instanceof MemoryLimitError) || e.explained) throw e;
    throw new MemoryLimitError(e.requested, e.free, e.limit,
      `fit: a training step at batchSize ${batchSize} ran out of backend memory (${formatBytes(e.requested)} more were asked for, ` +
      `${formatBytes(e.free)} of the ${formatBytes(e.limit)} WebAssembly memory limit were free); no weights were changed. Use a smaller batchSize.`);
  }
}

/** The batch size evaluate/predict use: the asked one, or the largest whose step fits. */
export function inferenceBatch(model: Model, kind: 'evaluate' | 'predict', inputs: Tensor[], layout: StepLayout, batchSize: number, rows: RowReader, xDType: (t: Tensor) => DType): number {
  const n = inputs[0].shape[0];
  if (n === 0) return batchSize;
  const batch = Math.min(batchSize, n);
  const fits = model.batchThatFits(kind, batch, layout, (b) => firstRows(inputs, b, rows, layout.nIn, xDType)).batch;
  return Math.max(1, fits);
}

/** The largest power of two not above n (for n >= 1). */
const floorPow2 = (n: number): number => 2 ** Math.floor(Math.log2(n));

/**
 * Runs step(start, end) over [0, n) in batches of at most batchSize. A batch that hits the
 * memory limit (the step throws before it has done anything) is halved and tried again.
 *
 * With `powersOfTwo` (predict) every batch is a power of two: batchSize rounded down, the rest
 * in falling powers of two (13 rows at batchSize 8: 8, 4, 1). Then whatever batch sizes are
 * asked, a model compiles at most log2(batchSize) + 1 predict steps, each no bigger than
 * batchSize, so many calls on varying sizes neither retrace nor grow memory without end.
 * Prediction gives the same answer in any batching.
 */
export function forEachBatch(n: number, batchSize: number, step: (start: number, end: number) => void, powersOfTwo = false): void {
  let size = powersOfTwo ? floorPow2(batchSize) : batchSize;
  for (let start = 0; start < n;) {
    while (powersOfTwo && size > n - start) size /= 2;
    const end = Math.min(start + size, n);
    try {
      step(start, end);
    } catch (e) {
      if (e instanceof MemoryLimitError && end - start > 1) { size = powersOfTwo ? size / 2 : Math.ceil((end - start) / 2); continue; }
      throw e;
    }
    start = end;
  }
}

/** How many batches forEachBatch(n, batchSize, _, true) runs (where none hits the limit). */
export function powerOfTwoBatches(n: number, batchSize: number): number {
  const size = floorPow2(batchSize), rest = n % size;
  return Math.floor(n / size) + [...rest.toString(2)].filter((d) => d === '1').length;
}
