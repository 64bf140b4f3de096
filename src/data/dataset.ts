// Dataset: a recipe for a stream of elements, in the spirit of tf.data. Each iteration runs the
// recipe afresh (a new async iterator), so a dataset can be iterated once per epoch.
import { checkKnownOptions } from '../core/options.ts';
import { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import { CHUNK, rowNumbers, shuffled } from './shuffle.ts';
import { orderedParallel } from './parallel.ts';
import { type Element, BufferPool, isPlainObject, rowCount, sliceRow, stack, toTensorStructure, leaves, describe } from './element.ts';

/** `size` of a dataset: a count, Infinity (repeats forever) or null (not known without iterating). */
export type Cardinality = number | null;

type Source<T> = () => AsyncIterator<T> | Iterator<T>;

/** What Dataset.zip takes: Datasets in arrays and objects, nested. */
export type ZipStructure = Dataset<Element> | ZipStructure[] | { [key: string]: ZipStructure };

/** A function that map can run on worker threads: a module and the name of one of its exports. */
export interface WorkerFunction { readonly module: string | URL; readonly exportName: string }

/** Describes fn (exported as exportName from module, a file URL or path) for map on worker threads. */
export function workerFunction(module: string | URL, exportName = 'default'): WorkerFunction {
  return { module, exportName };
}

export interface MapOptions {
  /** How many calls run at once (async functions; worker threads for a WorkerFunction). 'auto' = the cores. Order is kept. */
  numParallelCalls?: number | 'auto';
}

export interface ShuffleOptions {
  /** Fixes the order: the same seed gives the same orders. */
  seed?: number;
  /** A new order each iteration (default true); false repeats the first iteration's order. */
  reshuffleEachIteration?: boolean;
}

/**
 * TF.js's count arguments (take, skip, repeat): an integer or Infinity, where undefined or a
 * negative integer means `all` (as TF.js documents: take all, skip all, repeat forever).
 */
function countOf(what: string, n: unknown, all: string): number {
  if (n === undefined) return Infinity;
  if (typeof n !== 'number' || !(Number.isInteger(n) || n === Infinity)) {
    throw new Error(`${what} must be an integer or Infinity (negative or undefined: ${all}), got ${show(n)}`);
  }
  return n < 0 ? Infinity : n;
}

/** A number as itself, anything else described (so '2' does not read as 2). */
const show = (v: unknown): string => (typeof v === 'number' ? String(v) : describe(v));

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';
const combine = (...sizes: Cardinality[]): Cardinality => (sizes.some((s) => s === null) ? null : sizes.reduce<number>((a, b) => a + (b as number), 0));

export function cores(): number {
  try { return process.getBuiltinModule('node:os').availableParallelism(); } catch { return (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1; }
}

export class Dataset<T = Element> implements AsyncIterable<T> {
  /** The number of elements: a count, Infinity, or null when unknown (as tfjs-data's `size`). */
  readonly size: Cardinality;
  private readonly source: Source<T> | null;
  private readonly chunkSource: (() => AsyncIterator<T[]>) | null;
  /**
   * Set by fromTensorSlices: element i is rows(i). shuffle then shuffles row numbers and makes
   * each element as it leaves, rather than holding thousands of elements in its buffer (which
   * outlive the young generation and make the collector's full passes slow).
   */
  private rows: ((i: number) => T) | null = null;

  /** A dataset whose iterations call source() for a fresh (sync or async) iterator of elements. */
  constructor(source: Source<T>, size: Cardinality = null) {
    this.source = source;
    this.chunkSource = null;
    this.size = size;
  }

  /**
   * Inside a pipeline elements travel in chunks (arrays of up to CHUNK), so each stage costs one
   * await per chunk rather than per element: what keeps streaming from slowing training.
   */
  private static fromChunks<U>(chunks: () => AsyncIterator<U[]>, size: Cardinality): Dataset<U> {
    const d = new Dataset<U>(null as unknown as Source<U>, size);
    (d as unknown as { source: null }).source = null;
    (d as unknown as { chunkSource: () => AsyncIterator<U[]> }).chunkSource = chunks;
    return d;
  }

  /** The elements in chunks (never empty arrays). */
  chunks(): AsyncIterator<T[]> {
    if (this.chunkSource) return this.chunkSource();
    const it = this.source!();
    if (!it || typeof (it as AsyncIterator<T>).next !== 'function') throw new Error('Dataset: the source did not return an iterator');
    if (Symbol.asyncIterator in it) {
      const a = it as AsyncIterator<T>;
      return {
        next: async () => { const r = await a.next(); return r.done ? { done: true, value: undefined } : { done: false, value: [r.value] }; },
        return: async () => { await a.return?.(); return { done: true, value: undefined }; },
      };
    }
    // A sync iterator (fromTensorSlices, arrays, sync generators) is read CHUNK elements at a time.
    const sync = it as Iterator<T>;
    return {
      next: async () => {
        const out: T[] = [];
        for (let k = 0; k < CHUNK; k++) {
          const r = sync.next();
          if (r.done) break;
          out.push(r.value);
        }
        return out.length ? { done: false, value: out } : { done: true, value: undefined };
      },
      return: async () => { sync.return?.(); return { done: true, value: undefined }; },
    };
  }

  /** Builds a dataset from a generator over this one's chunks. */
  private pipe<U>(stage: (upstream: AsyncIterable<T[]>) => AsyncGenerator<U[]>, size: Cardinality): Dataset<U> {
    const self = this;
    return Dataset.fromChunks(() => stage({ [Symbol.asyncIterator]: () => self.chunks() }), size);
  }

  // --- Sources

  /**
   * Slices tensors along their first axis: a Tensor, a typed array, a nested array of numbers,
   * or an array (tuple) / object (keyed by input name) of those, all with the same row count.
   */
  static fromTensorSlices(x: unknown): Dataset<Element> {
    const structure = toTensorStructure(x, 'Dataset.fromTensorSlices');
    const n = rowCount(structure, 'Dataset.fromTensorSlices');
    let rowOf: (i: number) => Element;
    if (structure instanceof Tensor) {
      // The common case without a structure walk per row.
      const t = structure, row = t.size / Math.max(1, n), shape = t.shape.slice(1);
      rowOf = (i) => new Tensor(t.data.subarray(i * row, (i + 1) * row), shape);
    } else rowOf = (i) => sliceRow(structure, i);
    const d = new Dataset(function* () { for (let i = 0; i < n; i++) yield rowOf(i); }, n);
    d.rows = rowOf;
    return d;
  }

  /** The items of an array, one element each (tfjs-data's `tf.data.array`). */
  static fromArray<T>(items: readonly T[]): Dataset<T> {
    if (!Array.isArray(items)) throw new Error(`data.array: expected an array of elements, got ${describe(items)}`);
    const copy = [...items];
    return new Dataset(() => copy[Symbol.iterator](), copy.length);
  }

  /** Elements from a (sync or async) generator function, called afresh for each iteration. */
  static fromGenerator<T>(generator: () => Iterator<T> | AsyncIterator<T> | Iterable<T> | AsyncIterable<T> | Promise<Iterator<T> | AsyncIterator<T>>, size: Cardinality = null): Dataset<T> {
    if (typeof generator !== 'function') throw new Error(`Dataset.fromGenerator: expected a function that returns an iterator (a generator function), got ${describe(generator)}; for an iterable use Dataset.fromAsyncIterable`);
    const iteratorOf = (r: unknown): AsyncIterator<T> | Iterator<T> => {
      const it = r as Iterator<T> & Partial<AsyncIterable<T> & Iterable<T>>;
      if (it && typeof it[Symbol.asyncIterator] === 'function') return it[Symbol.asyncIterator]!();
      if (it && typeof it[Symbol.iterator] === 'function') return it[Symbol.iterator]!();
      if (it && typeof it.next === 'function') return it;
      throw new Error(`Dataset.fromGenerator: the generator function returned ${describe(it)}, not an iterator`);
    };
    return new Dataset(() => {
      const r = generator();
      if (!isPromise(r)) return iteratorOf(r);
      // TF.js's () => Promise<Iterator>: the iterator once the promise resolves.
      let inner: Promise<AsyncIterator<T> | Iterator<T>> | undefined;
      const get = () => (inner ??= (r as Promise<unknown>).then(iteratorOf));
      return {
        [Symbol.asyncIterator]() { return this; },
        next: async () => (await get()).next(),
        return: async () => { if (inner) await (await inner).return?.(); return { done: true, value: undefined }; },
      } as AsyncIterator<T>;
    }, size);
  }

  /**
   * Elements from an async (or sync) iterable. A one-shot iterator (a generator object) can be
   * iterated only once; a second iteration is an error rather than an empty epoch.
   */
  static fromAsyncIterable<T>(iterable: AsyncIterable<T> | Iterable<T>, size: Cardinality = null): Dataset<T> {
    const oneShot = typeof (iterable as { next?: unknown }).next === 'function';
    let used = false;
    return new Dataset(() => {
      if (oneShot && used) throw new Error('Dataset.fromAsyncIterable: this iterator was already consumed (a generator object runs once); pass a generator function to Dataset.fromGenerator to iterate more than once');
      used = true;
      const a = iterable as Partial<AsyncIterable<T> & Iterable<T>>;
      if (typeof a[Symbol.asyncIterator] === 'function') return a[Symbol.asyncIterator]!();
      if (typeof a[Symbol.iterator] === 'function') return a[Symbol.iterator]!();
      throw new Error(`Dataset.fromAsyncIterable: expected an async or sync iterable, got ${describe(iterable)}`);
    }, size);
  }

  /**
   * Zips datasets element by element into the structure they are given in: an array, an object,
   * or (as TF.js) any nesting of those with Datasets at the leaves. Ends with the shortest.
   */
  static zip(datasets: ZipStructure): Dataset<Element> {
    if (datasets instanceof Dataset || (!Array.isArray(datasets) && !isPlainObject(datasets))) {
      throw new Error(`Dataset.zip: expected an array or object of Datasets (nested as you like), got ${datasets instanceof Dataset ? 'a Dataset' : describe(datasets)}`);
    }
    const found: Dataset<Element>[] = [];
    const walk = (s: unknown, path: string): void => {
      if (s instanceof Dataset) found.push(s);
      else if (Array.isArray(s)) s.forEach((e, i) => walk(e, `${path}[${i}]`));
      else if (isPlainObject(s)) for (const [k, e] of Object.entries(s)) walk(e, path ? `${path}.${k}` : k);
      else throw new Error(`Dataset.zip: component ${path} is ${describe(s)}, not a Dataset`);
    };
    walk(datasets, '');
    // Each leaf replaced by the next value, in the walk's order.
    const rebuild = (s: unknown, values: Element[], at: { i: number }): Element =>
      s instanceof Dataset ? values[at.i++] : Array.isArray(s) ? s.map((e) => rebuild(e, values, at))
        : Object.fromEntries(Object.entries(s as Record<string, unknown>).map(([k, e]) => [k, rebuild(e, values, at)]));
    const sizes = found.map((d) => d.size);
    // Zipping nothing gives nothing (not an endless stream of empty structures).
    const size = found.length === 0 ? 0 : sizes.some((s) => s === null) ? null : Math.min(...(sizes as number[]));
    return new Dataset(async function* () {
      if (found.length === 0) return;
      const its = found.map((d) => d[Symbol.asyncIterator]());
      try {
        for (;;) {
          const results = await Promise.all(its.map((it) => it.next()));
          if (results.some((r) => r.done)) return;
          yield rebuild(datasets, results.map((r) => r.value), { i: 0 });
        }
      } finally { await Promise.all(its.map((it) => it.return?.())); }
    }, size);
  }

  /** TF.js's tf.data.func(f): each next() is f()'s {value, done} (or a promise of it), until done. */
  static fromFunction<T>(f: () => IteratorResult<T> | Promise<IteratorResult<T>>): Dataset<T> {
    if (typeof f !== 'function') throw new Error(`data.func: expected a function that returns {value, done}, got ${describe(f)}`);
    return new Dataset(() => ({
      [Symbol.asyncIterator]() { return this; },
      next: async () => {
        const r = await f();
        if (r === null || typeof r !== 'object' || !('done' in r || 'value' in r)) throw new Error(`data.func: the function returned ${describe(r)}, not {value, done}`);
        return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
      },
    }) as AsyncIterator<T>);
  }

  // --- Iteration

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const chunks = this.chunks();
    let current: T[] = [], at = 0;
    return {
      next: async () => {
        while (at >= current.length) {
          const r = await chunks.next();
          if (r.done) return { done: true, value: undefined };
          current = r.value; at = 0;
        }
        return { done: false, value: current[at++] };
      },
      return: async () => { await chunks.return?.(); return { done: true, value: undefined }; },
    };
  }

  /** TF.js's `await ds.iterator()`: an iterator whose next() resolves to {value, done}. */
  async iterator(): Promise<AsyncIterator<T>> {
    // TF.js's iterators end with {value: null, done: true} (the async-iteration protocol's is undefined).
    const it = this[Symbol.asyncIterator]();
    return {
      next: async () => { const r = await it.next(); return r.done ? { value: null, done: true } as IteratorResult<T> : r; },
      return: async () => { await it.return?.(); return { value: null, done: true } as IteratorResult<T>; },
    };
  }

  /** Calls fn on every element (awaiting it when it returns a promise). */
  async forEachAsync(fn: (e: T) => unknown): Promise<void> { for await (const e of this) await fn(e); }

  /** All elements in an array (a finite dataset only). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new Error('Dataset.toArray: the dataset is infinite (repeat() without a count); take(n) first');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  // --- Transformations

  /** TF.js's toArrayForTest: toArray with 100 elements prefetched (what TF.js's tests use). */
  toArrayForTest(): Promise<T[]> { return this.prefetch(100).toArray(); }

  /** TF.js's mapAsync: map with an async fn (map awaits promises too). */
  mapAsync<U>(fn: (e: T) => Promise<U>): Dataset<U> { return this.map(fn); }

  /**
   * fn on every element. numParallelCalls > 1 keeps that many calls in flight (useful when fn is
   * async, e.g. decoding on the libuv pool); a WorkerFunction runs on that many worker threads.
   * The output order is the input order either way.
   */
  map<U>(fn: ((e: T) => U | Promise<U>) | WorkerFunction, options: MapOptions = {}): Dataset<U> {
    const { numParallelCalls = 1 } = options;
    for (const k of Object.keys(options)) if (k !== 'numParallelCalls') throw new Error(`Dataset.map: unknown option '${k}' (known: numParallelCalls)`);
    const parallel = numParallelCalls === 'auto' ? cores() : numParallelCalls;
    if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`Dataset.map: numParallelCalls must be a positive integer or 'auto', got ${show(numParallelCalls)}`);
    const upstream = this;
    if (typeof fn !== 'function') {
      if (!fn || typeof fn.exportName !== 'string') throw new Error(`Dataset.map: expected a function or workerFunction(module, exportName), got ${describe(fn)}`);
      const worker = fn;
      return this.pipe(async function* () {
        const { WorkerPool } = await import('./worker-pool.ts');
        const pool = new WorkerPool(worker, parallel);
        try { yield* orderedParallel(upstream, (e) => pool.call(e) as Promise<U>, parallel * 2); } finally { await pool.close(); }
      }, this.size);
    }
    if (parallel > 1) return this.pipe(() => orderedParallel(upstream, fn, parallel), this.size);
    return this.pipe(async function* (chunks) {
      for await (const chunk of chunks) {
        let out: U[] = [];
        for (const e of chunk) {
          const r = fn(e);
          if (!isPromise(r)) { out.push(r as U); continue; }
          // An async fn passes its results on one by one, so prefetch can overlap them with the consumer.
          if (out.length) { yield out; out = []; }
          yield [await r];
        }
        if (out.length) yield out;
      }
    }, this.size);
  }

  filter(predicate: (e: T) => boolean | Promise<boolean>): Dataset<T> {
    return this.pipe(async function* (chunks) {
      for await (const chunk of chunks) {
        const out: T[] = [];
        for (const e of chunk) {
          const keep = predicate(e);
          if (isPromise(keep) ? await keep : keep) out.push(e);
        }
        if (out.length) yield out;
      }
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Stacks `batchSize` consecutive elements along a new first axis (each component must share
   * shape and dtype). The last batch may be smaller unless dropRemainder. TF.js's form
   * batch(n, smallLastBatch) works too: batch(n, false) drops the short last batch.
   */
  batch(batchSize: number, options: { dropRemainder?: boolean } | boolean = {}): Dataset<Element> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Dataset.batch: batchSize must be a positive integer, got ${show(batchSize)}`);
    if (typeof options !== 'boolean') checkKnownOptions(options, ['dropRemainder'], 'Dataset.batch');
    const dropRemainder = typeof options === 'boolean' ? !options : options.dropRemainder ?? false;
    const size = this.size === null || this.size === Infinity ? this.size : dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
    return (this as unknown as Dataset<Element>).pipe(async function* (chunks) {
      let pending: Element[] = [], batchIndex = 0;
      const pool = new BufferPool();
      for await (const chunk of chunks) {
        const out: Element[] = [];
        for (const e of chunk) {
          pending.push(e);
          if (pending.length === batchSize) { out.push(stack(pending, `Dataset.batch (batch ${batchIndex++})`, pool)); pending = []; }
        }
        if (out.length) yield out;
      }
      if (pending.length > 0 && !dropRemainder) yield [stack(pending, `Dataset.batch (batch ${batchIndex})`, pool)];
    }, size);
  }

  /** Splits batched elements back into rows (the inverse of batch). */
  unbatch(): Dataset<Element> {
    return (this as unknown as Dataset<Element>).pipe(async function* (chunks) {
      for await (const chunk of chunks) {
        const out: Element[] = [];
        for (const e of chunk) {
          const n = rowCount(e, 'Dataset.unbatch');
          for (let i = 0; i < n; i++) out.push(sliceRow(e, i));
        }
        if (out.length) yield out;
      }
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Fills a buffer of bufferSize elements and yields a random one of them at each step, as
   * tf.data does (bufferSize >= the dataset's size gives a uniform shuffle). TF.js's form
   * shuffle(n, seed, reshuffleEachIteration) works too: a string seed is hashed to a number
   * (a fixed order, though not TF.js's, whose generator differs).
   */
  shuffle(bufferSize: number, options: ShuffleOptions | string | number | null = {}, reshuffle?: boolean): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new Error(`Dataset.shuffle: bufferSize must be a positive integer, got ${show(bufferSize)}`);
    if (typeof options === 'object' && options !== null) checkKnownOptions(options, ['seed', 'reshuffleEachIteration'], 'Dataset.shuffle');
    if (reshuffle !== undefined && typeof reshuffle !== 'boolean') throw new Error(`Dataset.shuffle: reshuffleEachIteration must be a boolean, got ${show(reshuffle)}`);
    // TF.js's positional form; a null seed (as undefined) draws one.
    const { seed, reshuffleEachIteration = true } = typeof options === 'string' ? { seed: hashSeed(options), reshuffleEachIteration: reshuffle }
      : typeof options === 'number' || options === null ? { seed: options ?? undefined, reshuffleEachIteration: reshuffle } : options;
    if (typeof reshuffleEachIteration !== 'boolean') throw new Error(`Dataset.shuffle: reshuffleEachIteration must be a boolean, got ${show(reshuffleEachIteration)}`);
    if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`Dataset.shuffle: seed must be an integer, got ${show(seed)}`);
    const base = seed ?? random().int(2 ** 32);
    let iteration = 0;
    const rows = this.rows, n = this.size as number;
    return this.pipe(async function* (chunks) {
      const k = reshuffleEachIteration ? iteration++ : 0;
      const rng = new Random((base + Math.imul(k, 0x9e3779b1)) >>> 0);
      // The same draws on row numbers give the same order as on the elements themselves.
      if (rows) for (const out of shuffled(rowNumbers(n), bufferSize, rng)) yield out.map(rows);
      else for await (const out of shuffled(chunks, bufferSize, rng)) yield out;
    }, this.size);
  }

  /** The dataset `times` times over (forever without a count, or with a negative one, as TF.js documents). */
  repeat(times?: number): Dataset<T> {
    const count = countOf('Dataset.repeat: count', times, 'forever');
    const upstream = this;
    const size = count === 0 ? 0 : this.size === null ? null : count === Infinity ? (this.size === 0 ? 0 : Infinity) : this.size * count;
    return Dataset.fromChunks(async function* () {
      for (let k = 0; k < count; k++) {
        let any = false;
        for await (const chunk of { [Symbol.asyncIterator]: () => upstream.chunks() }) { any = true; yield chunk; }
        if (!any) return; // an empty dataset repeated forever is empty, not a hang
      }
    }, size);
  }

  take(n?: number): Dataset<T> {
    const count = countOf('Dataset.take: count', n, 'all elements');
    const size = this.size === null ? null : Math.min(this.size, count);
    return this.pipe(async function* (chunks) {
      let left = count;
      if (left <= 0) return;
      for await (const chunk of chunks) {
        if (chunk.length >= left) { yield chunk.slice(0, left); return; }
        left -= chunk.length;
        yield chunk;
      }
    }, size);
  }

  skip(n?: number): Dataset<T> {
    const count = countOf('Dataset.skip: count', n, 'the whole dataset');
    // Skipping all of an endless dataset would never return.
    if (count === Infinity && this.size === Infinity) throw new Error(`Dataset.skip: cannot skip ${n === undefined || n === Infinity ? n : `${n} (all)`} elements of an infinite dataset (it would never end); take(n) first`);
    const size = this.size === null ? null : this.size === Infinity ? Infinity : Math.max(0, this.size - count);
    return this.pipe(async function* (chunks) {
      let left = count;
      for await (const chunk of chunks) {
        if (left >= chunk.length) { left -= chunk.length; continue; }
        yield left > 0 ? chunk.slice(left) : chunk;
        left = 0;
      }
    }, size);
  }

  /** This dataset's elements, then other's. */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) throw new Error(`Dataset.concatenate: expected a Dataset, got ${describe(other)}`);
    const first = this;
    return Dataset.fromChunks(async function* () {
      yield* { [Symbol.asyncIterator]: () => first.chunks() };
      yield* { [Symbol.asyncIterator]: () => other.chunks() };
    }, combine(this.size, other.size));
  }

  /**
   * Remembers the elements of the first complete iteration and replays them afterwards: in memory,
   * or in a file when `filename` is given (then later runs of the program reuse it too).
   * An iteration stopped early caches nothing.
   */
  cache(filename?: string): Dataset<T> {
    const upstream = this;
    if (filename !== undefined) {
      if (typeof filename !== 'string' || filename === '') throw new Error(`Dataset.cache: filename must be a non-empty path, got ${describe(filename)}`);
      return new Dataset(async function* () {
        const { fileCache } = await import('./file-cache.ts');
        yield* fileCache(upstream as unknown as Dataset<Element>, filename) as AsyncGenerator<T>;
      }, this.size);
    }
    let cached: T[][] | null = null;
    return this.pipe(async function* (chunks) {
      if (cached) { yield* cached; return; }
      const filling: T[][] = [];
      for await (const chunk of chunks) { filling.push(chunk); yield chunk; }
      cached = filling;
    }, this.size);
  }

  /** Keeps up to `bufferSize` chunks of elements (at least that many elements) requested ahead, so upstream work overlaps the consumer. */
  prefetch(bufferSize = 1): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new Error(`Dataset.prefetch: bufferSize must be a positive integer, got ${show(bufferSize)}`);
    const upstream = this;
    return Dataset.fromChunks(async function* () {
      const it = upstream.chunks();
      const queue: Promise<IteratorResult<T[]>>[] = [];
      try {
        for (;;) {
          while (queue.length < bufferSize + 1) queue.push(it.next());
          const r = await queue.shift()!;
          if (r.done) return;
          yield r.value;
        }
      } finally {
        // Settle what is in flight before closing upstream, so no call outlives the iteration.
        await Promise.allSettled(queue);
        await it.return?.();
      }
    }, this.size);
  }
}

export { isPlainObject, leaves };

/** A 32-bit FNV-1a hash of TF.js's string seeds. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
