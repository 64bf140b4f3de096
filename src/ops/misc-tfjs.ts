// TF.js's remaining top-level helpers: diag, meshgrid, einsum (TF.js's subset: one or two
// operands, an arrow, no ellipsis or repeated labels; two operands as one batched matMul) as compositions of the core ops, so they
// differentiate and compile; bincount / denseBincount (scatter sums of the weights, bins chosen
// on read values), searchSorted / lowerBound / upperBound (int32 results of read values, no
// gradient, as TF.js), rand, TensorBuffer / buffer, ensureShape, movingAverage; the top-level
// any / all / argMin (methods already), broadcastArgs, setdiff1dAsync.
import { Tensor, tensor, ones } from '../core/tensor.ts';
import { allocArray, assertDType, type DType, type TypedArray } from '../core/dtype.ts';
import { broadcastShapes, formatShape, normalizeAxis, sizeOf, type Shape } from '../core/shape.ts';
import { div, equal, greater, mul, neg, notEqual, pow, sub } from './elementwise.ts';
import { argMax, broadcastTo, max, min, sum } from './reduce.ts';
import { cast, reshape, transpose } from './layout.ts';
import { eye } from './linalg.ts';
import { matMul } from './nn.ts';
import { scatterND } from './scatter.ts';
import { gather } from './indexing.ts';

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor;
const need = (what: string, name: string, t: unknown): void => { if (!isTensor(t)) throw new Error(`${what}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`); };

/** TF.js's tf.diag(x): shape x.shape ++ x.shape, x's values on the diagonal, zeros elsewhere. */
export function diag(x: Tensor): Tensor {
  need('diag', 'x', x);
  if (x.rank === 0) throw new Error('diag: x must have rank >= 1, got a scalar');
  const n = x.size;
  return reshape(mul(reshape(x, [n, 1]), eye(n, n, [], x.dtype === 'float64' ? 'float64' : x.dtype)), [...x.shape, ...x.shape]);
}

/**
 * TF.js's tf.meshgrid(x, y, {indexing = 'xy'}): coordinate grids of two vectors (x and y are
 * flattened); 'xy' gives [len(y), len(x)] grids, 'ij' [len(x), len(y)].
 */
export function meshgrid(x?: Tensor, y?: Tensor, { indexing = 'xy', ...rest }: { indexing?: 'xy' | 'ij' } = {}): Tensor[] {
  if (Object.keys(rest).length) throw new Error(`meshgrid: unknown option '${Object.keys(rest)[0]}' (known: indexing)`);
  if (indexing !== 'xy' && indexing !== 'ij') throw new Error(`meshgrid: indexing must be 'xy' or 'ij', got ${JSON.stringify(indexing)}`);
  if (x === undefined) return [];
  need('meshgrid', 'x', x);
  if (y === undefined) return [x];
  need('meshgrid', 'y', y);
  const w = x.size, h = y.size;
  if (indexing === 'xy') return [broadcastTo(reshape(x, [1, w]), [h, w]), broadcastTo(reshape(y, [h, 1]), [h, w])];
  return [broadcastTo(reshape(x, [w, 1]), [w, h]), broadcastTo(reshape(y, [1, h]), [w, h])];
}

/**
 * TF.js's tf.einsum(equation, ...tensors): each operand transposed to one label order and
 * broadcast, multiplied, and summed over the labels the output lacks.
 */
export function einsum(equation: string, ...tensors: Tensor[]): Tensor {
  const what = 'einsum';
  if (typeof equation !== 'string') throw new Error(`${what}: equation must be a string such as 'ij,jk->ik', got ${typeof equation}`);
  tensors.forEach((t, i) => need(what, `operand ${i}`, t));
  const eq = equation.replace(/\s/g, '');
  const arrows = eq.split('->').length - 1;
  if (arrows !== 1) throw new Error(`${what}: the equation must have exactly one '->' (TF.js's form, e.g. 'ij,jk->ik'), got '${equation}'`);
  const [lhs, out] = eq.split('->');
  if (lhs.includes('.')) throw new Error(`${what}: the ellipsis ('...') is not supported, as in TF.js; name every axis`);
  const terms = lhs.split(',');
  if (terms.length !== tensors.length) throw new Error(`${what}: the equation '${equation}' has ${terms.length} operand(s), got ${tensors.length} tensor(s)`);
  if (terms.length > 2) throw new Error(`${what}: at most two operands are supported (as in TF.js), got ${terms.length}; chain einsum calls`);
  const label = /^[a-zA-Z]*$/;
  for (const [i, t] of terms.entries()) {
    if (!label.test(t)) throw new Error(`${what}: operand ${i}'s labels '${t}' must be letters`);
    if (new Set(t).size !== t.length) throw new Error(`${what}: operand ${i}'s labels '${t}' repeat a label (a diagonal), which TF.js does not support either; take tf.diag or a gather first`);
    if (t.length !== tensors[i].rank) throw new Error(`${what}: operand ${i} has ${t.length} labels '${t}' but rank ${tensors[i].rank} (shape ${formatShape(tensors[i].shape)})`);
  }
  if (!label.test(out) || new Set(out).size !== out.length) throw new Error(`${what}: the output labels '${out}' must be distinct letters`);
  const missing = [...out].find((l) => !terms.some((t) => t.includes(l)));
  if (missing) throw new Error(`${what}: the output label '${missing}' is in no operand`);
  const all = [...out, ...[...new Set(terms.join(''))].filter((l) => !out.includes(l))];
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((l, d) => {
    const n = tensors[i].shape[d];
    if (sizes.has(l) && sizes.get(l) !== n) throw new Error(`${what}: label '${l}' has size ${sizes.get(l)} in one place and ${n} in operand ${i} (shape ${formatShape(tensors[i].shape)})`);
    sizes.set(l, n);
  }));
  if (terms.length === 2) return contract(terms[0], terms[1], out, tensors[0], tensors[1], sizes);
  // One operand: transposed to `all`'s order, summed over the labels the output lacks.
  const aligned = terms.map((t, i) => {
    const present = all.filter((l) => t.includes(l));
    const moved = transpose(tensors[i], present.map((l) => t.indexOf(l)));
    return reshape(moved, all.map((l) => (t.includes(l) ? sizes.get(l)! : 1)));
  });
  const summed = all.map((_, d) => d).slice(out.length);
  return summed.length ? sum(aligned[0], summed) : aligned[0];
}

/**
 * Two operands as one batched matMul: labels in both and the output are the batch, in both but
 * not the output contracted, in one and the output that side's free axes; a label in one operand
 * only and not the output is summed away first.
 */
function contract(ta: string, tb: string, out: string, a: Tensor, b: Tensor, sizes: Map<string, number>): Tensor {
  const sumOwn = (t: string, x: Tensor, other: string): [string, Tensor] => {
    const gone = [...t].filter((l) => !other.includes(l) && !out.includes(l));
    return gone.length ? [[...t].filter((l) => !gone.includes(l)).join(''), sum(x, gone.map((l) => t.indexOf(l)))] : [t, x];
  };
  [ta, a] = sumOwn(ta, a, tb);
  [tb, b] = sumOwn(tb, b, ta);
  const batch = [...out].filter((l) => ta.includes(l) && tb.includes(l));
  const inner = [...ta].filter((l) => tb.includes(l) && !out.includes(l));
  const freeA = [...ta].filter((l) => !tb.includes(l)), freeB = [...tb].filter((l) => !ta.includes(l));
  const size = (ls: string[]) => ls.reduce((p, l) => p * sizes.get(l)!, 1);
  const am = reshape(transpose(a, [...batch, ...freeA, ...inner].map((l) => ta.indexOf(l))), [size(batch), size(freeA), size(inner)]);
  const bm = reshape(transpose(b, [...batch, ...inner, ...freeB].map((l) => tb.indexOf(l))), [size(batch), size(inner), size(freeB)]);
  const order = [...batch, ...freeA, ...freeB];
  const y = reshape(matMul(am, bm), order.map((l) => sizes.get(l)!));
  return transpose(y, [...out].map((l) => order.indexOf(l)));
}

function checkBins(what: string, x: Tensor, weights: Tensor, size: number): void {
  need(what, 'x', x);
  need(what, 'weights', weights);
  if (x.dtype !== 'int32') throw new Error(`${what}: x must be int32, got ${x.dtype}`);
  if (!Number.isInteger(size) || size < 0) throw new Error(`${what}: size must be a non-negative integer, got ${size}`);
  if (weights.size > 0 && formatShape(weights.shape) !== formatShape(x.shape)) throw new Error(`${what}: weights must have x's shape ${formatShape(x.shape)} or be empty, got ${formatShape(weights.shape)}`);
  const neg = x.data.findIndex((v) => v < 0);
  if (neg >= 0) throw new Error(`${what}: x must be non-negative; x[${neg}] is ${x.data[neg]}`);
}

/** Counts (or sums of weights) of each value of rows [r, n] into [r, size] bins; values >= size are left out. */
function binRows(x: Tensor, weights: Tensor, size: number, binary: boolean): Tensor {
  const [r, n] = x.rank === 1 ? [1, x.size] : x.shape;
  const dtype: DType = weights.size > 0 ? weights.dtype : 'float32';
  const kept: number[] = [], at: number[] = [];
  x.data.forEach((v, i) => { if (v < size) { kept.push(i); at.push(Math.floor(i / n), v); } });
  const values = binary || weights.size === 0 ? ones([kept.length], dtype) : reshape(gatherFlat(weights, kept), [kept.length]);
  const counts = kept.length ? scatterND(tensor(Int32Array.from(at), [kept.length, 2], 'int32'), values, [r, size]) : tensor(allocArray(dtype, r * size), [r, size]);
  return binary ? cast(greater(counts, 0), dtype) : counts;
}
const gatherFlat = (t: Tensor, idx: number[]): Tensor => gather(reshape(t, [t.size]), tensor(Int32Array.from(idx), [idx.length], 'int32'));

/** TF.js's tf.bincount(x, weights, size): per value v < size of the int32 vector x, its count (or the sum of its weights). */
export function bincount(x: Tensor, weights: Tensor, size: number): Tensor {
  checkBins('bincount', x, weights, size);
  if (x.rank !== 1) throw new Error(`bincount: x must be a vector, got shape ${formatShape(x.shape)}; denseBincount takes [rows, n]`);
  return reshape(binRows(x, weights, size, false), [size]);
}

/** TF.js's tf.denseBincount(x, weights, size, binaryOutput = false): bincount of a vector or of each row of [rows, n]. */
export function denseBincount(x: Tensor, weights: Tensor, size: number, binaryOutput = false): Tensor {
  checkBins('denseBincount', x, weights, size);
  if (x.rank !== 1 && x.rank !== 2) throw new Error(`denseBincount: x must be [n] or [rows, n], got shape ${formatShape(x.shape)}`);
  if (typeof binaryOutput !== 'boolean') throw new Error(`denseBincount: binaryOutput must be a boolean, got ${JSON.stringify(binaryOutput)}`);
  const y = binRows(x, weights, size, binaryOutput);
  return x.rank === 1 ? reshape(y, [size]) : y;
}

/**
 * TF.js's tf.searchSorted(sortedSequence, values, side = 'left'): for each value, the index in
 * its row of sortedSequence ([n] or [rows, n], sorted along the last axis) where it would go to
 * keep the row sorted: before equal entries ('left') or after them ('right'). int32, no gradient.
 */
export function searchSorted(sortedSequence: Tensor, values: Tensor, side: 'left' | 'right' = 'left'): Tensor {
  const what = 'searchSorted';
  need(what, 'sortedSequence', sortedSequence);
  need(what, 'values', values);
  if (side !== 'left' && side !== 'right') throw new Error(`${what}: side must be 'left' or 'right', got ${JSON.stringify(side)}`);
  if (sortedSequence.rank < 1) throw new Error(`${what}: sortedSequence must have rank >= 1, got a scalar`);
  if (values.rank !== sortedSequence.rank || formatShape(values.shape.slice(0, -1)) !== formatShape(sortedSequence.shape.slice(0, -1))) {
    throw new Error(`${what}: values (${formatShape(values.shape)}) must have sortedSequence's rank and leading axes (${formatShape(sortedSequence.shape)})`);
  }
  const n = sortedSequence.shape[sortedSequence.rank - 1], m = values.shape[values.rank - 1];
  const seq = sortedSequence.data, v = values.data, out = new Int32Array(values.size);
  // TF.js's binary search (comparisons with NaN are false, as there).
  for (let i = 0; i < values.size; i++) {
    const base = Math.floor(i / Math.max(1, m)) * n;
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (side === 'left' ? seq[base + mid] < v[i] : seq[base + mid] <= v[i]) lo = mid + 1; else hi = mid;
    }
    out[i] = hi;
  }
  return tensor(out, values.shape, 'int32');
}
export const lowerBound = (sortedSequence: Tensor, values: Tensor): Tensor => searchSorted(sortedSequence, values, 'left');
export const upperBound = (sortedSequence: Tensor, values: Tensor): Tensor => searchSorted(sortedSequence, values, 'right');

/** TF.js's tf.rand(shape, randFunction, dtype = 'float32'): each value randFunction() in turn. */
export function rand(shape: Shape, randFunction: () => number, dtype: DType = 'float32'): Tensor {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`rand: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  if (typeof randFunction !== 'function') throw new Error(`rand: randFunction must be a function () => number, got ${typeof randFunction}`);
  assertDType(dtype, 'rand');
  const out = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = randFunction();
  return tensor(out, shape, dtype);
}

/** TF.js's TensorBuffer: a mutable array with a shape, read and written by coordinates, then made a tensor. */
export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  readonly strides: number[];
  values: TypedArray;
  constructor(shape: Shape, dtype: DType = 'float32', values?: TypedArray | number[]) {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`buffer: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    assertDType(dtype, 'buffer');
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.strides = shape.slice(1).map((_, i) => sizeOf(shape.slice(i + 1)));
    if (values !== undefined && values.length !== this.size) throw new Error(`buffer: ${values.length} values given for shape ${formatShape(shape)} (${this.size} values)`);
    this.values = allocArray(dtype, this.size);
    if (values) this.values.set(values as ArrayLike<number>);
  }
  get rank(): number { return this.shape.length; }
  /** Writes value at the coordinates locs (one per axis). */
  set(value: number, ...locs: number[]): void { this.values[this.locToIndex(locs, 'set')] = value; }
  /** The value at the coordinates locs (TF.js reads element 0 when a buffer of rank > 0 gets none: here an error). */
  get(...locs: number[]): number { return this.values[this.locToIndex(locs, 'get')]; }
  locToIndex(locs: number[], what = 'locToIndex'): number {
    if (locs.length !== this.rank) throw new Error(`TensorBuffer.${what}: expected ${this.rank} coordinates for shape ${formatShape(this.shape)}, got ${locs.length}`);
    let index = 0;
    locs.forEach((l, d) => {
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[d]) throw new Error(`TensorBuffer.${what}: coordinate ${d} is ${l}, outside [0, ${this.shape[d]})`);
      index += l * (d < this.rank - 1 ? this.strides[d] : 1);
    });
    return index;
  }
  indexToLoc(index: number): number[] {
    if (!Number.isInteger(index) || index < 0 || index >= Math.max(1, this.size)) throw new Error(`TensorBuffer.indexToLoc: index ${index} is outside [0, ${this.size})`);
    return this.shape.map((_, d) => Math.floor(index / (d < this.rank - 1 ? this.strides[d] : 1)) % this.shape[d]);
  }
  /** A tensor with a copy of the values. */
  toTensor(): Tensor { return tensor(this.values.slice(), this.shape, this.dtype); }
}

/** TF.js's tf.buffer(shape, dtype = 'float32', values?). */
export const buffer = (shape: Shape, dtype: DType = 'float32', values?: TypedArray | number[]): TensorBuffer => new TensorBuffer(shape, dtype, values);

/** TF.js's tf.ensureShape(x, shape): x itself if its shape matches shape (null: any size), else an error. */
export function ensureShape(x: Tensor, shape: (number | null)[]): Tensor {
  need('ensureShape', 'x', x);
  if (!Array.isArray(shape)) throw new Error(`ensureShape: shape must be a list of sizes (null for any), got ${typeof shape}`);
  if (shape.length !== x.rank || shape.some((d, i) => d !== null && d !== undefined && d !== x.shape[i])) {
    throw new Error(`ensureShape: x has shape ${formatShape(x.shape)}, not compatible with the expected ${formatShape(shape)}`);
  }
  return x;
}

/**
 * TF.js's tf.movingAverage(v, x, decay, step?, zeroDebias = true): v - (v - x) * (1 - decay), the
 * update divided by 1 - decay^step when zeroDebias. Returns the new value; v is not assigned.
 */
export function movingAverage(v: Tensor, x: Tensor, decay: number | Tensor, step?: number | Tensor, zeroDebias = true): Tensor {
  const what = 'movingAverage';
  need(what, 'v', v);
  need(what, 'x', x);
  if (formatShape(v.shape) !== formatShape(x.shape)) throw new Error(`${what}: v and x must have one shape, got ${formatShape(v.shape)} and ${formatShape(x.shape)}`);
  if (!(isTensor(decay) || (typeof decay === 'number' && decay >= 0 && decay <= 1))) throw new Error(`${what}: decay must be a number in [0, 1] or a scalar Tensor, got ${decay}`);
  const one = tensor([1], [], v.dtype === 'float64' ? 'float64' : 'float32');
  let update = mul(sub(v, x), sub(one, decay));
  if (zeroDebias) {
    if (step === undefined || step === null) throw new Error(`${what}: with zeroDebias (the default), step is required (the number of updates so far, from 1)`);
    const debias = typeof decay === 'number' && typeof step === 'number' ? 1 - decay ** step : sub(one, pow(isTensor(decay) ? decay : tensor([decay], [], one.dtype), step));
    update = div(update, debias);
  }
  return sub(v, update);
}

// By counts, so that over an empty axis any is false and all true (NumPy's and TensorFlow's; TF.js's all gives false).
/** TF.js's tf.any(x, axis?, keepDims = false): 1 (uint8) where an entry along the axes is nonzero. */
export const any = (x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor => { need('any', 'x', x); return notEqual(sum(notEqual(x, 0), axis, keepDims), 0); };
/** TF.js's tf.all(x, axis?, keepDims = false): 1 (uint8) where every entry along the axes is nonzero. */
export const all = (x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor => { need('all', 'x', x); return equal(sum(equal(x, 0), axis, keepDims), 0); };
/** TF.js's tf.argMin(x, axis = 0): the index of the first minimum along the axis (int32). */
export const argMin = (x: Tensor, axis = 0): Tensor => {
  need('argMin', 'x', x);
  const a = normalizeAxis(axis, x.rank, 'argMin: axis');
  if (x.shape[a] === 0) throw new Error(`argMin: cannot reduce an empty axis (axis ${a} of shape ${formatShape(x.shape)}): no values have no first minimum`);
  return argMax(neg(x.dtype === 'uint8' ? cast(x, 'int32') : x), a);
};

/** TF.js's tf.broadcastArgs(s0, s1): the broadcast shape of two int32 shape vectors. */
export function broadcastArgs(s0: Tensor, s1: Tensor): Tensor {
  for (const [name, s] of [['s0', s0], ['s1', s1]] as const) {
    if (!isTensor(s) || s.rank !== 1 || s.dtype !== 'int32') throw new Error(`broadcastArgs: ${name} must be an int32 vector (a shape), got ${isTensor(s) ? `${s.dtype} ${formatShape(s.shape)}` : typeof s}`);
  }
  const shape = broadcastShapes(Array.from(s0.data), Array.from(s1.data), 'broadcastArgs');
  return tensor(Int32Array.from(shape), [shape.length], 'int32');
}

/** TF.js's tf.setdiff1dAsync(x, y): the entries of vector x not in y, in order, and their indices in x (int32). */
export async function setdiff1dAsync(x: Tensor, y: Tensor): Promise<[Tensor, Tensor]> {
  for (const [name, t] of [['x', x], ['y', y]] as const) {
    if (!isTensor(t) || t.rank !== 1) throw new Error(`setdiff1dAsync: ${name} must be a vector, got ${isTensor(t) ? formatShape(t.shape) : typeof t}`);
  }
  if (x.dtype !== y.dtype) throw new Error(`setdiff1dAsync: x (${x.dtype}) and y (${y.dtype}) must have one dtype`);
  const drop = new Set(y.data), keep = Array.from(x.data.keys()).filter((i) => !drop.has(x.data[i]));
  const values = allocArray(x.dtype, keep.length);
  keep.forEach((i, k) => { values[k] = x.data[i]; });
  return [tensor(values, [keep.length], x.dtype), tensor(Int32Array.from(keep), [keep.length], 'int32')];
}
