// TF.js's ops that pick entries by their values: topk, unique, whereAsync, booleanMaskAsync,
// inTopKAsync, and the samplers multinomial / randomUniformInt / randomStandardNormal / dropout.
// The choice is made on read values (its size or order depends on them, as in TF.js); the
// values picked are then gathered by op, so topk's and booleanMask's values carry gradients.
// In a compiled step a choice would be frozen: the step's second trace sees it and refuses.
import { Tensor, tensor } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import { formatShape, sizeOf, type Shape } from '../core/shape.ts';
import { Random } from '../core/random.ts';
import { cast, reshape, transpose } from './layout.ts';
import { gather } from './indexing.ts';
import { div, greaterEqual, mul } from './elementwise.ts';
import { randomNormal, randomUniform, SeedGenerator } from './random.ts';

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor;
const int32 = (values: number[], shape: Shape): Tensor => tensor(Int32Array.from(values), shape, 'int32');

/** Order of entries: larger value first, NaN first of all (as TF), then the lower index. */
const byValue = (v: ArrayLike<number>) => (i: number, j: number): number => {
  const a = v[i], b = v[j];
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? i - j : Number.isNaN(a) ? -1 : 1;
  return b - a || i - j;
};

/**
 * TF.js's tf.topk(x, k = 1, sorted = true): the k largest entries of each last-axis row and their
 * indices (ties: the lower index first). values is differentiable (a gather of x).
 */
export function topk(x: Tensor, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  if (!isTensor(x) || x.rank < 1) throw new Error(`topk: x must be a tensor of rank >= 1, got ${isTensor(x) ? 'a scalar' : typeof x}`);
  const n = x.shape[x.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`topk: k must be an integer in [0, ${n}] (the last dimension), got ${k}`);
  if (typeof sorted !== 'boolean') throw new Error(`topk: sorted must be a boolean, got ${typeof sorted}`);
  const rows = x.size / n, v = x.data, picked: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = v.subarray(r * n, r * n + n);
    picked.push(...Array.from({ length: n }, (_, i) => i).sort(byValue(row)).slice(0, k));
  }
  const shape = [...x.shape.slice(0, -1), k];
  const flat = picked.map((i, p) => Math.floor(p / k) * n + i);
  return { values: reshape(gather(reshape(x, [x.size]), int32(flat, [flat.length])), shape), indices: int32(picked, shape) };
}

/**
 * TF.js's tf.unique(x, axis = 0): the distinct entries (slices along axis) in order of first
 * appearance, and for each entry of x the index of its value.
 */
export function unique(x: Tensor, axis = 0): { values: Tensor; indices: Tensor } {
  if (!isTensor(x) || x.rank < 1) throw new Error(`unique: x must be a tensor of rank >= 1, got ${isTensor(x) ? 'a scalar' : typeof x}`);
  const a = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= x.rank) throw new Error(`unique: axis must be in [${-x.rank}, ${x.rank}), got ${axis}`);
  // Slices along the axis as rows: move the axis first.
  const perm = [a, ...x.shape.map((_, i) => i).filter((i) => i !== a)];
  const rows = transpose(x, perm), n = x.shape[a], width = x.size / Math.max(1, n), v = rows.data;
  const seen = new Map<string, number>(), first: number[] = [], indices: number[] = [];
  for (let r = 0; r < n; r++) {
    const key = Array.from(v.subarray(r * width, r * width + width), (e) => (Object.is(e, -0) ? 0 : e)).join(',');
    let id = seen.get(key);
    if (id === undefined) { id = first.length; seen.set(key, id); first.push(r); }
    indices.push(id);
  }
  return { values: gather(x, int32(first, [first.length]), a), indices: int32(indices, [n]) };
}

/** The coordinates of the nonzero entries, [count, rank] int32 (TF.js's tf.whereAsync). */
export async function whereAsync(condition: Tensor): Promise<Tensor> {
  if (!isTensor(condition)) throw new Error(`whereAsync: condition must be a tensor, got ${typeof condition}`);
  const coords: number[] = [], strides = condition.shape.map((_, i) => sizeOf(condition.shape.slice(i + 1)));
  condition.data.forEach((c, flat) => { if (c) coords.push(...strides.map((s, d) => Math.floor(flat / s) % condition.shape[d])); });
  return int32(coords, [coords.length / Math.max(1, condition.rank), condition.rank]);
}

/** The slices of x where mask (its leading dimensions from axis on) is true (TF.js's tf.booleanMaskAsync). */
export async function booleanMaskAsync(x: Tensor, mask: Tensor, axis = 0): Promise<Tensor> {
  if (!isTensor(x) || !isTensor(mask)) throw new Error('booleanMaskAsync: x and mask must be tensors');
  const part = x.shape.slice(axis, axis + mask.rank);
  if (mask.rank === 0 || part.length !== mask.rank || part.some((d, i) => d !== mask.shape[i])) {
    throw new Error(`booleanMaskAsync: mask's shape ${formatShape(mask.shape)} must match x's dimensions ${axis}.. (${formatShape(x.shape)})`);
  }
  const flat = reshape(x, [...x.shape.slice(0, axis), sizeOf(part), ...x.shape.slice(axis + mask.rank)]);
  const keep = Array.from(mask.data).flatMap((m, i) => (m ? [i] : []));
  return gather(flat, int32(keep, [keep.length]), axis);
}

/** Whether each target class is among the k highest predictions of its row (TF.js's tf.inTopKAsync; bool as uint8). */
export async function inTopKAsync(predictions: Tensor, targets: Tensor, k = 1): Promise<Tensor> {
  if (!isTensor(predictions) || predictions.rank < 1) throw new Error('inTopKAsync: predictions must be a tensor of rank >= 1');
  if (!isTensor(targets) || formatShape(targets.shape) !== formatShape(predictions.shape.slice(0, -1))) {
    throw new Error(`inTopKAsync: targets must have shape ${formatShape(predictions.shape.slice(0, -1))} (predictions without the last axis), got ${isTensor(targets) ? formatShape(targets.shape) : typeof targets}`);
  }
  const n = predictions.shape[predictions.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`inTopKAsync: k must be an integer in [0, ${n}], got ${k}`);
  const { indices } = topk(predictions, k);
  const hits = Array.from(targets.data, (t, r) => (Array.from(indices.data.subarray(r * k, r * k + k)).includes(t) ? 1 : 0));
  return tensor(Uint8Array.from(hits), targets.shape, 'uint8');
}

/**
 * numSamples class indices per row drawn from a categorical distribution (TF.js's
 * tf.multinomial): logits [classes] or [batch, classes]; normalized: the rows are probabilities.
 */
export function multinomial(logits: Tensor, numSamples: number, seed?: number, normalized = false): Tensor {
  if (!isTensor(logits) || (logits.rank !== 1 && logits.rank !== 2)) throw new Error(`multinomial: logits must be [classes] or [batch, classes], got ${isTensor(logits) ? formatShape(logits.shape) : typeof logits}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  const classes = logits.shape[logits.rank - 1], rows = logits.size / classes;
  if (classes < 2) throw new Error(`multinomial: needs at least 2 classes, got ${classes}`);
  const rng = new Random(seed ?? Math.floor(Math.random() * 2 ** 31)), v = logits.data, out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(v.subarray(r * classes, r * classes + classes));
    const m = Math.max(...row);
    const w = normalized ? row : row.map((l) => Math.exp(l - m));
    const total = w.reduce((s, p) => s + p, 0);
    if (!(total > 0)) throw new Error(`multinomial: row ${r} has no positive probability`);
    for (let s = 0; s < numSamples; s++) {
      let u = rng.uniform(0, total), c = 0;
      while (c < classes - 1 && u >= w[c]) { u -= w[c]; c++; }
      out.push(c);
    }
  }
  return int32(out, logits.rank === 1 ? [numSamples] : [rows, numSamples]);
}

/** Uniform integers in [minval, maxval) (TF.js's tf.randomUniformInt). */
export function randomUniformInt(shape: Shape, minval: number, maxval: number, seed?: number): Tensor {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || maxval <= minval) throw new Error(`randomUniformInt: minval and maxval must be integers with minval < maxval, got ${minval}, ${maxval}`);
  // Drawn in float64 so that every integer of a wide range stays reachable; floor keeps them below maxval.
  const u = randomUniform(shape, minval, maxval, 'float64', seed);
  return tensor(Int32Array.from(u.data, (x) => Math.min(maxval - 1, Math.floor(x))), shape, 'int32');
}

/** Standard normal values (TF.js's tf.randomStandardNormal). */
export const randomStandardNormal = (shape: Shape, dtype: DType = 'float32', seed?: number): Tensor => randomNormal(shape, 0, 1, dtype, seed);

/**
 * TF.js's tf.dropout(x, rate, noiseShape?, seed?): each entry (or each noiseShape slice, broadcast)
 * zeroed with probability rate, the others scaled by 1 / (1 - rate).
 */
export function dropout(x: Tensor, rate: number, noiseShape?: number[], seed?: number | SeedGenerator): Tensor {
  if (!isTensor(x)) throw new Error(`dropout: x must be a tensor, got ${typeof x}`);
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const shape = noiseShape ?? x.shape;
  if (shape.length !== x.rank || shape.some((d, i) => d !== 1 && d !== x.shape[i])) throw new Error(`dropout: noiseShape ${formatShape(shape)} must broadcast to x's shape ${formatShape(x.shape)}`);
  const keep = cast(greaterEqual(randomUniform(shape, 0, 1, 'float32', seed), rate), x.dtype === 'float64' ? 'float64' : 'float32');
  return div(mul(x, keep), 1 - rate);
}
