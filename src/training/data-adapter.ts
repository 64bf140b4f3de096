// One shape for everything fit/evaluate/predict can read from: a Dataset, an async (or sync)
// iterable, a generator function, or a utils.Sequence (Keras's PyDataset) becomes an epoch
// iterator of batches {x, y, sampleWeight}. Each batch is checked as it arrives, with the step
// in the message (mismatched x/y sizes, a sample shape that changes mid-epoch).
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { allocArray } from '../core/dtype.ts';
import { Dataset } from '../data/dataset.ts';
import { describe, isPlainObject, releaseBatch, toTensorStructure, type Element } from '../data/element.ts';

/**
 * Keras's PyDataset (keras.utils.Sequence): random access to whole batches. `length` is the number
 * of batches per epoch, `getItem(i)` returns batch i as [x, y], [x, y, sampleWeight] or x.
 */
export abstract class Sequence {
  abstract get length(): number;
  abstract getItem(index: number): unknown | Promise<unknown>;
  /** Called at the end of every epoch (e.g. to reshuffle). */
  onEpochEnd(): void | Promise<void> {}
}

/** What fit/evaluate/predict accept besides tensors. */
export type DataSource = Dataset<unknown> | Sequence | AsyncIterable<unknown> | Iterable<unknown> | (() => Iterator<unknown> | AsyncIterator<unknown>);

export interface Batch {
  x: Tensor; y?: Tensor; sampleWeight?: Tensor;
  /** Hands the batch's buffers back to its dataset once the step is done with them (see releaseBatch). */
  release(): void;
}

export function isDataSource(v: unknown): v is DataSource {
  if (v instanceof Tensor || v === null || v === undefined) return false;
  if (v instanceof Dataset || v instanceof Sequence || typeof v === 'function') return true;
  const o = v as Record<symbol, unknown>;
  return typeof o[Symbol.asyncIterator] === 'function' || (typeof o[Symbol.iterator] === 'function' && !Array.isArray(v) && !ArrayBuffer.isView(v));
}

/**
 * Batches from a source. `steps` is the number of batches per epoch when known (null: read to
 * the end; Infinity: never ends). An epoch either restarts the source (no stepsPerEpoch) or, as
 * Keras does with steps_per_epoch, carries on from where the previous epoch stopped.
 */
export class DataAdapter {
  readonly steps: number | null;
  private readonly sequence?: Sequence;
  private readonly dataset?: Dataset<unknown>;
  private carried?: AsyncIterator<unknown>;
  /** Set when a carried-over iterator ran out (Keras stops training then). */
  exhausted = false;

  constructor(source: DataSource, private readonly what: string, private readonly stepsPerEpoch?: number, private readonly needsY = true) {
    if (stepsPerEpoch !== undefined && (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1)) {
      throw new Error(`${what}: steps must be a positive integer, got ${stepsPerEpoch}`);
    }
    if (source instanceof Sequence) {
      const n = source.length;
      if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: the Sequence's length must be a non-negative integer, got ${n}`);
      this.sequence = source;
      this.steps = stepsPerEpoch ?? n;
      return;
    }
    this.dataset = source instanceof Dataset ? source
      : typeof source === 'function' ? Dataset.fromGenerator(source as () => Iterator<unknown>)
      : Dataset.fromAsyncIterable(source as AsyncIterable<unknown>);
    const size = this.dataset.size;
    if (stepsPerEpoch === undefined && size === Infinity) {
      throw new Error(`${what}: the dataset is infinite (it repeats forever), so give the number of batches per epoch: steps${what.startsWith('fit') && !what.includes('validation') ? 'PerEpoch' : ''} (e.g. Math.ceil(samples / batchSize))`);
    }
    this.steps = stepsPerEpoch ?? size;
  }

  /** The batches of one epoch. */
  async *epoch(): AsyncGenerator<Batch> {
    const shapes: { x?: number[]; y?: number[] } = {};
    if (this.sequence) {
      for (let i = 0; i < this.steps!; i++) yield this.toBatch(await this.sequence.getItem(i % this.sequence.length), i, shapes);
      await this.sequence.onEpochEnd();
      return;
    }
    const carry = this.stepsPerEpoch !== undefined;
    const it = carry ? (this.carried ??= this.dataset![Symbol.asyncIterator]()) : this.dataset![Symbol.asyncIterator]();
    let step = 0;
    try {
      while (this.stepsPerEpoch === undefined || step < this.stepsPerEpoch) {
        const r = await it.next();
        if (r.done) { if (carry) this.exhausted = true; return; }
        yield this.toBatch(r.value, step++, shapes);
      }
    } finally {
      if (!carry) await it.return?.();
    }
  }

  /** Ends a carried-over iteration (after the last epoch). */
  async close(): Promise<void> { await this.carried?.return?.(); this.carried = undefined; }

  private readonly floatBuffers = new Map<number, Float32Array>();
  /** Models take float inputs: uint8 / int32 batches (e.g. raw pixels) are converted, into a buffer reused per size. */
  private asFloat(t: Tensor): Tensor {
    if (t.dtype === 'float32' || t.dtype === 'float64') return t;
    const out = this.floatBuffers.get(t.size) ?? allocArray('float32', t.size) as Float32Array;
    this.floatBuffers.set(t.size, out);
    out.set(t.data);
    return new Tensor(out, t.shape);
  }

  private toBatch(item: unknown, step: number, shapes: { x?: number[]; y?: number[] }): Batch {
    const where = `${this.what}, step ${step}`;
    let parts: unknown[];
    if (Array.isArray(item) && item.length >= 1 && item.length <= 3 && !item.every((e) => typeof e === 'number')) parts = item;
    else parts = [item];
    let structure: Element[];
    try { structure = parts.map((p, i) => toTensorStructure(p, `${where}: ${['x', 'y', 'sampleWeight'][i]}`)); } catch (e) {
      throw new Error(`${(e as Error).message}. Each batch must be [x, y], [x, y, sampleWeight] or x`);
    }
    const [x, y, sw] = structure.map((s, i) => single(s, ['x', 'y', 'sampleWeight'][i], where));
    if (this.needsY && !y) throw new Error(`${where}: the batch has no targets: expected [x, y] or [x, y, sampleWeight], got ${describe(item)}`);
    for (const [name, t] of [['y', y], ['sampleWeight', sw]] as const) {
      if (t && (t.rank === 0 || t.shape[0] !== x.shape[0])) {
        throw new Error(`${where}: x and ${name} have different batch sizes: x has shape ${formatShape(x.shape)}, ${name} has shape ${formatShape(t.shape)}`);
      }
    }
    for (const [name, t] of [['x', x], ['y', y]] as const) {
      if (!t) continue;
      const seen = shapes[name];
      if (!seen) shapes[name] = t.shape;
      else if (seen.length !== t.shape.length || seen.some((d, i) => i > 0 && d !== t.shape[i])) {
        throw new Error(`${where}: ${name} changed shape mid-epoch: earlier batches had samples of shape ${formatShape(seen.slice(1))}, this one ${formatShape(t.shape.slice(1))} (every batch must share the sample shape; only the batch size may differ)`);
      }
    }
    return { x: this.asFloat(x), y, sampleWeight: sw, release: () => releaseBatch(item) };
  }
}

/** A model with one input takes a tensor, or an object with one key (its input's name). */
function single(s: Element | undefined, name: string, where: string): Tensor {
  if (s === undefined) return undefined as unknown as Tensor;
  if (s instanceof Tensor) {
    if (s.rank === 0) throw new Error(`${where}: ${name} is a scalar; a batch needs a leading batch axis`);
    return s;
  }
  if (isPlainObject(s) && Object.keys(s).length === 1 && Object.values(s)[0] instanceof Tensor) return single(Object.values(s)[0], name, where);
  throw new Error(`${where}: ${name} must be one Tensor (or an object with one input's name) for a single-input model, got ${describe(s)}`);
}


