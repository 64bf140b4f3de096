// What a dataset yields: tensors, numbers or strings, nested in arrays (tuples) and plain
// objects (keyed by input name), as tf.data's nested structures. Helpers to slice and stack them.
import { allocArray, dtypeOfArray, type DType, type TypedArray } from '../core/dtype.ts';
import { formatShape } from '../core/shape.ts';
import { Tensor, tensor, type NestedArray } from '../core/tensor.ts';

export type Element = Tensor | number | string | boolean | Element[] | { [key: string]: Element };

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** An array counts as a structure (tuple) when it holds tensors, typed arrays, or objects; numbers and nested number arrays are values. */
function isTuple(v: unknown[]): boolean {
  return v.length > 0 && v.some((e) => e instanceof Tensor || ArrayBuffer.isView(e) || isPlainObject(e) || (Array.isArray(e) && isTuple(e)));
}

/** Turns the leaves of a user structure into tensors (typed arrays and nested number arrays included). */
export function toTensorStructure(v: unknown, what: string): Element {
  if (v instanceof Tensor) return v;
  if (ArrayBuffer.isView(v)) return tensor(v as TypedArray);
  if (Array.isArray(v)) return isTuple(v) ? v.map((e, i) => toTensorStructure(e, `${what}[${i}]`)) : tensor(v as NestedArray);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, toTensorStructure(e, `${what}.${k}`)]));
  throw new Error(`${what}: expected a Tensor, a typed array, a nested array of numbers, or an array/object of those; got ${describe(v)}`);
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} Tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'no prototype'})` : `${typeof v} ${String(v)}`;
}

/** The leaves of an element, depth first (arrays by index, objects by insertion order). */
export function leaves(e: Element): (Tensor | number | string | boolean)[] {
  if (Array.isArray(e)) return e.flatMap(leaves);
  if (isPlainObject(e)) return Object.values(e as Record<string, Element>).flatMap(leaves);
  return [e as Tensor];
}

/** Rebuilds a structure like `like` from leaves produced by fn (called on each leaf with its path). */
export function mapStructure(like: Element, fn: (leaf: Tensor | number | string | boolean, path: string) => Element, path = ''): Element {
  if (Array.isArray(like)) return like.map((e, i) => mapStructure(e, fn, `${path}[${i}]`));
  if (isPlainObject(like)) return Object.fromEntries(Object.entries(like as Record<string, Element>).map(([k, e]) => [k, mapStructure(e, fn, path ? `${path}.${k}` : k)]));
  return fn(like as Tensor, path || 'element');
}

/** Same nesting (array lengths and object keys) or a clear error. */
function sameStructure(a: Element, b: Element, path: string, what: string): void {
  const kind = (e: Element): string => (Array.isArray(e) ? `array of ${e.length}` : isPlainObject(e) ? `object {${Object.keys(e).join(', ')}}` : 'leaf');
  if (kind(a) !== kind(b)) throw new Error(`${what}: element structure changed at ${path || 'the top'}: ${kind(a)} vs ${kind(b)}`);
  if (Array.isArray(a)) a.forEach((e, i) => sameStructure(e, (b as Element[])[i], `${path}[${i}]`, what));
  else if (isPlainObject(a)) for (const k of Object.keys(a)) sameStructure((a as Record<string, Element>)[k], (b as Record<string, Element>)[k], path ? `${path}.${k}` : k, what);
}

/** Row i of every tensor in the structure, as views (no copy). */
export function sliceRow(s: Element, i: number): Element {
  return mapStructure(s, (leaf) => {
    const t = leaf as Tensor;
    const row = t.size / t.shape[0];
    return new Tensor(t.data.subarray(i * row, (i + 1) * row), t.shape.slice(1));
  });
}

/** The number of rows shared by every tensor of a structure, or a clear error. */
export function rowCount(s: Element, what: string): number {
  let n = -1, first = '';
  mapStructure(s, (leaf, path) => {
    if (!(leaf instanceof Tensor) || leaf.rank === 0) throw new Error(`${what}: ${path} must be a Tensor with a leading axis to slice, got ${describe(leaf)}`);
    if (n < 0) { n = leaf.shape[0]; first = path; } else if (leaf.shape[0] !== n) {
      throw new Error(`${what}: all components must have the same first dimension, but ${first} has ${n} rows and ${path} has ${leaf.shape[0]}`);
    }
    return leaf;
  });
  if (n < 0) throw new Error(`${what}: the structure holds no tensors`);
  return n;
}

const leafDType = (v: Tensor | number | boolean): DType => (v instanceof Tensor ? v.dtype : typeof v === 'boolean' ? 'uint8' : 'float32');

/**
 * Batch buffers to reuse. A batch made by Dataset.batch draws its arrays from its pool; whoever
 * consumes a batch and is done with it (fit, evaluate and predict, after each step: the compiled
 * step has copied it) calls releaseBatch, and the next batch is assembled in the same memory.
 * A batch never released (kept by user code) is never written again.
 */
export class BufferPool {
  private readonly free = new Map<string, TypedArray[]>();
  take(dtype: DType, length: number): TypedArray {
    const a = this.free.get(`${dtype}:${length}`)?.pop() ?? allocArray(dtype, length);
    owners.set(a, this);
    return a;
  }
  give(a: TypedArray): void {
    const key = `${dtypeOfArray(a)}:${a.length}`;
    const list = this.free.get(key) ?? [];
    if (list.length < 8) list.push(a);
    this.free.set(key, list);
  }
}
const owners = new WeakMap<TypedArray, BufferPool>();

/** Hands a batch's arrays back to the pool they came from (a no-op for other tensors). */
export function releaseBatch(e: unknown): void {
  const visit = (v: unknown): void => {
    if (v instanceof Tensor) {
      const pool = owners.get(v.data);
      if (pool) { owners.delete(v.data); pool.give(v.data); }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) Object.values(v).forEach(visit);
  };
  visit(e);
}

/** Stacks one component (path) of every element: tensors of one shape and dtype, or numbers/booleans. */
function stackColumn(column: unknown[], path: string, what: string, pool?: BufferPool): Tensor {
  const leaf = column[0];
  if (typeof leaf === 'string') throw new Error(`${what}: component ${path} is a string; strings cannot be batched (map them to tensors first)`);
  if (!(leaf instanceof Tensor) && typeof leaf !== 'number' && typeof leaf !== 'boolean') {
    throw new Error(`${what}: component ${path} of element 0 is ${describe(leaf)}; a batch stacks tensors, numbers, booleans, typed arrays or (nested) arrays of numbers`);
  }
  const shape = leaf instanceof Tensor ? leaf.shape : [];
  const dtype = leafDType(leaf as Tensor);
  const rowSize = leaf instanceof Tensor ? leaf.size : 1;
  const out = pool ? pool.take(dtype, rowSize * column.length) : allocArray(dtype, rowSize * column.length);
  for (let k = 0; k < column.length; k++) {
    const v = column[k];
    if (v instanceof Tensor) {
      if (v.dtype !== dtype || v.size !== rowSize || v.rank !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${what}: cannot batch component ${path} of different shapes or dtypes: element 0 is ${dtype} ${formatShape(shape)}, element ${k} is ${v.dtype} ${formatShape(v.shape)} (resize or pad the elements first, e.g. with map)`);
      }
      out.set(v.data, k * rowSize);
    } else if ((typeof v === 'number' || typeof v === 'boolean') && !(leaf instanceof Tensor)) out[k] = Number(v);
    else throw new Error(`${what}: component ${path} of element ${k} is ${describe(v)}, element 0's is ${describe(leaf)}`);
  }
  return new Tensor(out, [column.length, ...shape]);
}

/**
 * A non-empty array of only numbers or booleans, or of only such arrays: a value, not a tuple
 * (the rule of isTuple). Numbers beside arrays ([features, label]) make a tuple.
 */
const isNumericArray = (v: unknown): v is unknown[] =>
  Array.isArray(v) && v.length > 0 && (v.every((e) => typeof e === 'number' || typeof e === 'boolean') || v.every(isNumericArray));

function hasNumericArray(e: Element): boolean {
  if (isNumericArray(e) || ArrayBuffer.isView(e)) return true;
  if (Array.isArray(e)) return e.some(hasNumericArray);
  return isPlainObject(e) && Object.values(e as Record<string, Element>).some(hasNumericArray);
}

function numericArraysToTensors(e: Element, what: string, path: string): Element {
  if (isNumericArray(e)) {
    const flat = (e as unknown[]).flat(Infinity);
    try { return tensor(e as NestedArray, null, flat.every((b) => typeof b === 'boolean') ? 'uint8' : 'float32'); } catch (err) {
      throw new Error(`${what}: component ${path || 'element'} is a ragged nested array (${(err as Error).message.replace(/^tensor: /, '')}); every element of a batch needs one shape`);
    }
  }
  if (ArrayBuffer.isView(e)) return tensor(e as unknown as TypedArray);
  if (Array.isArray(e)) return e.map((v, i) => numericArraysToTensors(v, what, `${path}[${i}]`));
  if (isPlainObject(e)) return Object.fromEntries(Object.entries(e as Record<string, Element>).map(([k, v]) => [k, numericArraysToTensors(v, what, path ? `${path}.${k}` : k)]));
  return e;
}

/**
 * Stacks elements along a new first axis. Every element must have the same structure, and each
 * component the same shape and dtype; `what` names the caller in errors.
 */
export function stack(elements: Element[], what: string, pool?: BufferPool): Element {
  // A (nested) array of numbers or a typed array is one value, batched into one tensor as TF.js does, not a tuple.
  if (hasNumericArray(elements[0])) elements = elements.map((e, k) => numericArraysToTensors(e, `${what}: element ${k}`, ''));
  const first = elements[0];
  if (first instanceof Tensor) return stackColumn(elements, 'element', what, pool);
  // The common [x, y] tuple without a structure walk per element.
  if (Array.isArray(first) && first.every((e) => e instanceof Tensor || typeof e === 'number')) {
    for (let k = 1; k < elements.length; k++) {
      const e = elements[k];
      if (!Array.isArray(e) || e.length !== first.length) sameStructure(first, e, '', `${what}: element ${k}`);
    }
    return first.map((_, c) => stackColumn(elements.map((e) => (e as Element[])[c]), `[${c}]`, what, pool));
  }
  for (let k = 1; k < elements.length; k++) sameStructure(first, elements[k], '', `${what}: element ${k}`);
  const columns = elements.map(leaves);
  let col = 0;
  return mapStructure(first, (_leaf, path) => { const c = col++; return stackColumn(columns.map((l) => l[c]), path, what, pool); });
}

/** The first dimension of the first tensor in a structure (a batch's size). */
export function batchSizeOf(e: Element): number {
  const t = leaves(e).find((l): l is Tensor => l instanceof Tensor);
  return t && t.rank > 0 ? t.shape[0] : 1;
}
