// TF.js's vector and matrix helpers, composed from the core ops (so each differentiates and
// compiles like them): dot, outerProduct, norm, euclideanNorm, logSumExp, eye, linspace,
// batchNorm, localResponseNormalization, clipByValue, and the rank-named aliases
// (concat1d, slice2d, tensor5d, ...).
import { Tensor, fill, onesLike, tensor } from '../core/tensor.ts';
import { floatOf, type DType } from '../core/dtype.ts';
import { formatShape, normalizeAxis, sizeOf, type Shape } from '../core/shape.ts';
import { abs, add, clip, div, exp, log, mul, pow, sqrt, square, sub } from './elementwise.ts';
import { rsqrt } from './math.ts';
import { record } from '../core/engine.ts';
import { max, min, sum } from './reduce.ts';
import { matMul } from './nn.ts';
import { reshape, slice, squeeze } from './layout.ts';
import { concat } from './concat.ts';
import { pad } from './spatial.ts';
import { reverse, where } from './indexing.ts';

type Axis = number | number[] | null | undefined; // null or undefined: every axis, as TF.js
const axesOf = (x: Tensor, axis: Axis): number[] =>
  (axis === undefined || axis === null ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + x.rank : a)));

/** TF.js's tf.dot: vector . vector (a scalar), matrix . vector, vector . matrix, matrix . matrix. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2) {
    throw new Error(`dot: both arguments must be vectors or matrices (rank 1 or 2), got ranks ${a?.rank} and ${b?.rank}`);
  }
  const inner = [a.shape[a.rank - 1], b.shape[0]];
  if (inner[0] !== inner[1]) throw new Error(`dot: inner dimensions differ: ${formatShape(a.shape)} . ${formatShape(b.shape)}`);
  const m = matMul(a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a, b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b);
  if (a.rank === 1 && b.rank === 1) return reshape(m, []);
  return a.rank === 1 ? reshape(m, [m.shape[1]]) : b.rank === 1 ? reshape(m, [m.shape[0]]) : m;
}

/** TF.js's tf.outerProduct(v1, v2): [m] x [n] -> [m, n]. */
export function outerProduct(v1: Tensor, v2: Tensor): Tensor {
  if (v1?.rank !== 1 || v2?.rank !== 1) throw new Error(`outerProduct: expected two vectors, got ranks ${v1?.rank} and ${v2?.rank}`);
  return matMul(reshape(v1, [v1.shape[0], 1]), reshape(v2, [1, v2.shape[0]]));
}

/** log(sum(exp(x))) along axis, stable (the max subtracted first); its gradient is softmax. */
export function logSumExp(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const axes = axis === undefined || axis === null ? axesOf(x, axis) : [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, x.rank, 'logSumExp: axis')))];
  // Over no values: log(0) = -Infinity (NumPy's and TensorFlow's; TF.js gives NaN). The shape alone decides.
  if (axes.some((a) => x.shape[a] === 0)) {
    return fill(x.shape.flatMap((d, i) => (!axes.includes(i) ? [d] : keepDims ? [1] : [])), -Infinity, floatOf(x.dtype));
  }
  const m = max(x, axes, true);
  const y = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return keepDims ? y : squeeze(y, axes);
}

/** sqrt(sum(x^2)) along axis (TF.js's tf.euclideanNorm). */
export const euclideanNorm = (x: Tensor, axis?: Axis, keepDims = false): Tensor => sqrt(sum(square(x), axesOf(x, axis), keepDims));

/**
 * TF.js's tf.norm(x, ord = 'euclidean', axis, keepDims): vector norms (ord 'euclidean', 2, 1,
 * Infinity, -Infinity or any p > 0) over one axis or all values; matrix norms ('fro',
 * 'euclidean', 1, -1, Infinity, -Infinity) over two axes.
 */
export function norm(x: Tensor, ord: number | 'euclidean' | 'fro' = 'euclidean', axis?: Axis, keepDims = false): Tensor {
  const axes = axesOf(x, axis);
  if (x.rank === 0) {
    // A scalar's norm is its magnitude, for every ord (TF.js's); it has no axis to name.
    if (axis !== undefined && axis !== null) throw new Error(`norm: x is a scalar (rank 0), which has no axis ${JSON.stringify(axis)}`);
    return abs(x);
  }
  // No axis: the vector norm of all values (TF.js flattens for vector ords).
  if (axes.length === x.rank && x.rank > 1 && (axis === undefined || axis === null) && ord !== 'fro') {
    const flat = norm(reshape(x, [x.size]), ord, 0);
    return keepDims ? reshape(flat, x.shape.map(() => 1)) : flat;
  }
  if (axes.length === 1 || (axes.length === x.rank && x.rank === 1)) {
    if (ord === 'euclidean' || ord === 2) return euclideanNorm(x, axes, keepDims);
    if (ord === 1) return sum(abs(x), axes, keepDims);
    if (ord === Infinity) return max(abs(x), axes, keepDims);
    if (ord === -Infinity) return min(abs(x), axes, keepDims);
    if (typeof ord === 'number' && ord > 0) return pow(sum(pow(abs(x), ord), axes, keepDims), 1 / ord);
    throw new Error(`norm: ord ${JSON.stringify(ord)} is not a vector norm (use 'euclidean', 1, 2, Infinity, -Infinity or p > 0)`);
  }
  if (axes.length === 2) {
    const [r, c] = axes;
    if (ord === 'fro' || ord === 'euclidean') return sqrt(sum(square(x), axes, keepDims));
    const colSums = (t: Tensor) => sum(abs(t), r, true), rowSums = (t: Tensor) => sum(abs(t), c, true);
    const pick = ord === 1 ? max(colSums(x), c, true) : ord === -1 ? min(colSums(x), c, true)
      : ord === Infinity ? max(rowSums(x), r, true) : ord === -Infinity ? min(rowSums(x), r, true) : undefined;
    if (!pick) throw new Error(`norm: ord ${JSON.stringify(ord)} is not a matrix norm (use 'fro', 'euclidean', 1, -1, Infinity or -Infinity)`);
    return keepDims ? pick : squeeze(pick, axes);
  }
  throw new Error(`norm: axis must be one axis or two (a matrix norm), got ${JSON.stringify(axis)}`);
}

/** The identity matrix [numRows, numColumns] (TF.js's tf.eye), repeated over batchShape. */
export function eye(numRows: number, numColumns = numRows, batchShape: number[] = [], dtype: DType = 'float32'): Tensor {
  for (const [v, name] of [[numRows, 'numRows'], [numColumns, 'numColumns']] as const) {
    // 0 gives no rows or columns (TF.js's and NumPy's eye(0): shape [0, 0]).
    if (!Number.isInteger(v) || v < 0) throw new Error(`eye: ${name} must be an integer >= 0, got ${v}`);
  }
  const one = Array.from({ length: numRows * numColumns }, (_, i) => (Math.floor(i / numColumns) === i % numColumns ? 1 : 0));
  const reps = sizeOf(batchShape);
  return tensor(Array.from({ length: reps }, () => one).flat(), [...batchShape, numRows, numColumns], dtype);
}

/** num evenly spaced values from start to stop, both included (TF.js's tf.linspace). */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 1) throw new Error(`linspace: num must be a positive integer, got ${num}`);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  return tensor(Array.from({ length: num }, (_, i) => start + i * step), [num]);
}

/** TF.js's tf.batchNorm: (x - mean) * scale / sqrt(variance + varianceEpsilon) + offset, all broadcast. */
export function batchNorm(x: Tensor, mean: Tensor | number, variance: Tensor | number, offset?: Tensor | number, scale?: Tensor | number, varianceEpsilon = 0.001): Tensor {
  // A number variance (TF.js takes one) is a number here: add(number, number) has no tensor to make.
  const inv = typeof variance === 'number' ? 1 / Math.sqrt(variance + varianceEpsilon) : rsqrt(add(variance, varianceEpsilon));
  let y = mul(sub(x, mean), inv);
  if (scale !== undefined && scale !== null) y = mul(y, scale);
  return offset !== undefined && offset !== null ? add(y, offset) : y;
}
export const batchNorm2d = batchNorm, batchNorm3d = batchNorm, batchNorm4d = batchNorm;

/**
 * TF.js's tf.localResponseNormalization (AlexNet's LRN) over the last axis of [b, h, w, c]:
 * x / (bias + alpha * sum of x^2 over channels c - depthRadius .. c + depthRadius)^beta.
 */
export function localResponseNormalization(x: Tensor, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor {
  if (x?.rank !== 4 && x?.rank !== 3) throw new Error(`localResponseNormalization: x must be [batch, height, width, channels] or [height, width, channels], got rank ${x?.rank}`);
  if (!Number.isInteger(depthRadius) || depthRadius < 0) throw new Error(`localResponseNormalization: depthRadius must be an integer >= 0, got ${depthRadius}`);
  const c = x.shape[x.rank - 1];
  // The window sum as a product with a band matrix: channel i sums channels within depthRadius.
  const band = tensor(Array.from({ length: c * c }, (_, k) => (Math.abs(Math.floor(k / c) - (k % c)) <= depthRadius ? 1 : 0)), [c, c], x.dtype === 'float64' ? 'float64' : 'float32');
  const sq = reshape(matMul(reshape(square(x), [x.size / c, c]), band), x.shape);
  return div(x, pow(add(mul(sq, alpha), bias), beta));
}

/** TF.js's tf.clipByValue: values limited to [min, max]. */
export function clipByValue(x: Tensor, clipValueMin: number, clipValueMax: number): Tensor {
  if (!(clipValueMin <= clipValueMax)) throw new Error(`clipByValue: clipValueMin (${clipValueMin}) must be <= clipValueMax (${clipValueMax})`);
  return clip(x, clipValueMin, clipValueMax);
}

// Rank-named aliases, as TF.js spells them; each checks the rank it names.
function ofRank<T extends unknown[]>(name: string, rank: number, f: (x: Tensor, ...a: T) => Tensor): (x: Tensor, ...a: T) => Tensor {
  return (x, ...a) => {
    if (x?.rank !== rank) throw new Error(`${name}: expected a rank-${rank} tensor, got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
    return f(x, ...a);
  };
}
const sliceN = (x: Tensor, begin: number | number[], size?: number | number[]): Tensor => slice(x, begin, size);
export const slice1d = ofRank('slice1d', 1, sliceN), slice2d = ofRank('slice2d', 2, sliceN), slice3d = ofRank('slice3d', 3, sliceN), slice4d = ofRank('slice4d', 4, sliceN);
export const reverse1d = ofRank('reverse1d', 1, (x) => reverse(x)), reverse2d = ofRank('reverse2d', 2, reverse), reverse3d = ofRank('reverse3d', 3, reverse), reverse4d = ofRank('reverse4d', 4, reverse);
const padN = (x: Tensor, paddings: [number, number] | [number, number][], constantValue = 0): Tensor => {
  const p = (x.rank === 1 && typeof paddings[0] === 'number' ? [paddings] : paddings) as [number, number][];
  const padded = pad(x, p);
  if (constantValue === 0) return padded;
  // The border takes constantValue; values inside stay bit for bit (-0 included).
  return where(pad(onesLike(x), p), padded, tensor([constantValue], [], padded.dtype));
};
export const pad1d = ofRank('pad1d', 1, padN), pad2d = ofRank('pad2d', 2, padN), pad3d = ofRank('pad3d', 3, padN), pad4d = ofRank('pad4d', 4, padN);
function concatN(rank: number) {
  return (xs: Tensor[], axis = 0): Tensor => {
    const bad = xs.findIndex((x) => x?.rank !== rank);
    if (bad >= 0) throw new Error(`concat${rank}d: tensor ${bad} has rank ${xs[bad]?.rank}, expected ${rank}`);
    return concat(xs, axis);
  };
}
export const concat1d = concatN(1), concat2d = concatN(2), concat3d = concatN(3), concat4d = concatN(4);
function tensorN(rank: number) {
  return (values: Parameters<typeof tensor>[0], shape?: Shape, dtype?: DType): Tensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) throw new Error(`tensor${rank}d: expected ${rank} dimensions, got shape ${formatShape(t.shape)}`);
    return t;
  };
}
export const tensor5d = tensorN(5), tensor6d = tensorN(6);

/** A new tensor of x's values (TF.js's tf.clone; tensors are immutable, so the values are shared). */
export function clone(x: Tensor): Tensor {
  const y = new Tensor(x.data, [...x.shape]);
  record('reshape', [x], y, {}); // the identity, for the gradient
  return y;
}
