// One shape for everything fit/evaluate/predict can read from: a Dataset, an async (or sync)
// iterable, a generator function, or a utils.Sequence (Keras's PyDataset) becomes an epoch
// iterator of batches {x, y, sampleWeight}. Each batch is checked as it arrives, with the step
// in the message (mismatched x/y sizes, a sample shape that changes mid-epoch).
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import { allocArray } from '../core/dtype.ts';
import { Dataset } from '../data/dataset.ts';
import type { ModelData } from '../models/model.ts';
import { describe, mapStructure, releaseBatch, toTensorStructure, type Element } from '../data/element.ts';

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

/** TF.js's batch element for fitDataset: exactly the keys xs and ys. */
const isXsYs = (v: unknown): v is { xs: unknown; ys: unknown } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && Object.keys(v).sort().join() === 'xs,ys';

/** One batch as the model takes it: x and y as a tensor, a list (per input/output) or an object keyed by name. */
export interface Batch {
  x: ModelData; y?: ModelData; sampleWeight?: Tensor;
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
    const shapes = new Map<string, number[]>();
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

  private readonly floatBuffers = new Map<string, Float32Array>();
  /** Models take float inputs: uint8 / int32 batches (e.g. raw pixels) are converted, into a buffer reused per input and size. */
  private asFloat(t: Tensor, path: string): Tensor {
    if (t.dtype === 'float32' || t.dtype === 'float64') return t;
    const key = `${path}:${t.size}`;
    const out = this.floatBuffers.get(key) ?? allocArray('float32', t.size) as Float32Array;
    this.floatBuffers.set(key, out);
    out.set(t.data);
    return new Tensor(out, t.shape);
  }

  private toBatch(item: unknown, step: number, shapes: Map<string, number[]>): Batch {
    const where = `${this.what}, step ${step}`;
    // [x, y] / [x, y, sampleWeight], or TF.js's {xs, ys}; anything else is x alone.
    const parts = isXsYs(item) ? [item.xs, item.ys] : Array.isArray(item) && item.length >= 1 && item.length <= 3 && !item.every((e) => typeof e === 'number') ? item : [item];
    const names = ['x', 'y', 'sampleWeight'];
    let structure: Element[];
    try { structure = parts.map((p, i) => toTensorStructure(p, `${where}: ${names[i]}`)); } catch (e) {
      throw new Error(`${(e as Error).message}. Each batch must be [x, y], [x, y, sampleWeight], {xs, ys} or x`);
    }
    if (this.needsY && structure.length < 2) throw new Error(`${where}: the batch has no targets: expected [x, y] or [x, y, sampleWeight], got ${describe(item)}`);
    const tensors = structure.map((s, i) => flatTensors(s, names[i], where));
    const n = tensors[0][0][1].shape[0];
    for (const [part, list] of tensors.entries()) {
      for (const [path, t] of list) {
        if (t.rank === 0) throw new Error(`${where}: ${path} is a scalar; a batch needs a leading batch axis`);
        if (t.shape[0] !== n) throw new Error(`${where}: x and ${names[part] === 'x' ? path : names[part]} have different batch sizes: ${tensors[0][0][0]} has shape ${formatShape(tensors[0][0][1].shape)}, ${path} has shape ${formatShape(t.shape)}`);
        const seen = shapes.get(path);
        if (!seen) shapes.set(path, t.shape);
        else if (seen.length !== t.shape.length || seen.some((d, i) => i > 0 && d !== t.shape[i])) {
          throw new Error(`${where}: ${path} changed shape mid-epoch: earlier batches had samples of shape ${formatShape(seen.slice(1))}, this one ${formatShape(t.shape.slice(1))} (every batch must share the sample shape; only the batch size may differ)`);
        }
      }
    }
    const x = mapStructure(structure[0], (leaf, path) => this.asFloat(leaf as Tensor, path)) as ModelData;
    const sw = structure[2];
    if (sw !== undefined && !(sw instanceof Tensor)) throw new Error(`${where}: sampleWeight must be one Tensor, got ${describe(sw)}`);
    return { x, y: structure[1] as ModelData | undefined, sampleWeight: sw as Tensor | undefined, release: () => releaseBatch(item) };
  }
}

/** The tensors of a batch part with their paths ('x', 'x[1]', 'x.image'), or a clear error for anything else. */
function flatTensors(s: Element, name: string, where: string): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  mapStructure(s, (leaf, path) => {
    const full = path === 'element' ? name : path.startsWith('[') ? `${name}${path}` : `${name}.${path}`;
    if (!(leaf instanceof Tensor)) throw new Error(`${where}: ${full} must be a Tensor, got ${describe(leaf)}`);
    out.push([full, leaf]);
    return leaf;
  });
  if (out.length === 0) throw new Error(`${where}: ${name} holds no tensors`);
  return out;
}
