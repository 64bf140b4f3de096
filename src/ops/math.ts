// TF.js's math functions beyond the arithmetic: rounding, trigonometry, log1p/expm1/rsqrt,
// masks of the special values, floor division and remainder, atan2, logical ops, and the
// compositions TF.js offers (squaredDifference, divNoNan, logSigmoid). Reference kernels serve
// every backend; the hot element-wise ops stay in elementwise.ts with SIMD kernels.
import type { Tensor, TensorLike } from '../core/tensor.ts';
import { isFloat } from '../core/dtype.ts';
import type { GradTable } from './registry.ts';
import { add, binaryOp, div, equal, exp, mul, neg, reciprocal, square, sub, unaryOp } from './elementwise.ts';
import { softplus } from './activations.ts';
import { mean, sumTo } from './reduce.ts';
import { reshape } from './layout.ts';
import { zerosLike } from '../core/tensor.ts';
import { where } from './indexing.ts';

export type MathUnary = 'floor' | 'ceil' | 'round' | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan'
  | 'sinh' | 'cosh' | 'asinh' | 'acosh' | 'atanh' | 'log1p' | 'expm1' | 'rsqrt';

const float = (x: Tensor): Tensor => (isFloat(x.dtype) ? x : x.cast('float32'));

export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x);
/** Rounds half to even (TF.js's round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2). */
export const round = (x: Tensor): Tensor => unaryOp('round', x);
export const sin = (x: Tensor): Tensor => unaryOp('sin', x);
export const cos = (x: Tensor): Tensor => unaryOp('cos', x);
export const tan = (x: Tensor): Tensor => unaryOp('tan', x);
export const asin = (x: Tensor): Tensor => unaryOp('asin', x);
export const acos = (x: Tensor): Tensor => unaryOp('acos', x);
export const atan = (x: Tensor): Tensor => unaryOp('atan', x);
export const sinh = (x: Tensor): Tensor => unaryOp('sinh', x);
export const cosh = (x: Tensor): Tensor => unaryOp('cosh', x);
export const asinh = (x: Tensor): Tensor => unaryOp('asinh', x);
export const acosh = (x: Tensor): Tensor => unaryOp('acosh', x);
export const atanh = (x: Tensor): Tensor => unaryOp('atanh', x);
/** log(1 + x), exact for small x. */
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x);
/** e^x - 1, exact for small x. */
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', x);
/** 1 / sqrt(x). */
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
/** Booleans (uint8): where x is NaN, +-Infinity, or neither. */
export const isNaN = (x: Tensor): Tensor => unaryOp('isNaN', x);
export const isInf = (x: Tensor): Tensor => unaryOp('isInf', x);
export const isFinite = (x: Tensor): Tensor => unaryOp('isFinite', x);

/** a - floor(a / b) * b: the remainder with the divisor's sign (TF.js's mod, Python's %). */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mod', a, b);
/** floor(a / b); no gradient (piecewise constant). */
export const floorDiv = (a: TensorLike, b: TensorLike): Tensor => binaryOp('floorDiv', a, b);
/** The angle of the point (b, a): atan(a / b) in the right quadrant. */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binaryOp('atan2', a, b);
/** Booleans (uint8), reading nonzero as true. */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalAnd', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalOr', a, b);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalXor', a, b);
export const logicalNot = (x: Tensor): Tensor => equal(x, 0);

/** (a - b)^2. */
export const squaredDifference = (a: TensorLike, b: TensorLike): Tensor => square(sub(a, b));
/** a / b, and 0 where b is 0 (even where a is NaN or Inf, as TF.js). */
export function divNoNan(a: TensorLike, b: TensorLike): Tensor {
  const q = div(a, b);
  const zero = equal(b, 0);
  return where(zero, zerosLike(q), q);
}
/** log(sigmoid(x)) = -softplus(-x), without overflow. */
export const logSigmoid = (x: Tensor): Tensor => neg(softplus(neg(float(x))));

/** The sum of tensors of one shape (TF.js's addN). */
export function addN(xs: Tensor[]): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error('addN: expected a non-empty list of Tensors');
  const bad = xs.findIndex((x) => x.shape.join() !== xs[0].shape.join());
  if (bad > 0) throw new Error(`addN: every tensor must have the same shape; tensor 0 has [${xs[0].shape}], tensor ${bad} has [${xs[bad].shape}]`);
  return xs.reduce((a, b) => add(a, b));
}

/** The mean and (biased) variance over the axes (TF.js's moments). */
export function moments(x: Tensor, axis?: number | number[], keepDims = false): { mean: Tensor; variance: Tensor } {
  const m = mean(x, axis, true);
  const variance = mean(square(sub(x, m)), axis, keepDims);
  return { mean: keepDims ? m : reshape(m, variance.shape), variance };
}

/** 1 / sqrt(1 - x^2), the derivative of asin. */
const invSqrtOneMinusSquare = (x: Tensor): Tensor => rsqrt(sub(1, square(x)));

export const mathGrads: GradTable<MathUnary | 'mod' | 'atan2'> = {
  // Piecewise constant: zero gradient (TF.js's rule), not none, so a graph through them still trains the rest.
  floor: (dy) => [zerosLike(dy)],
  ceil: (dy) => [zerosLike(dy)],
  round: (dy) => [zerosLike(dy)],
  sin: (dy, { inputs: [x] }) => [mul(dy, cos(x))],
  cos: (dy, { inputs: [x] }) => [neg(mul(dy, sin(x)))],
  tan: (dy, { inputs: [x] }) => [div(dy, square(cos(x)))],
  asin: (dy, { inputs: [x] }) => [mul(dy, invSqrtOneMinusSquare(x))],
  acos: (dy, { inputs: [x] }) => [neg(mul(dy, invSqrtOneMinusSquare(x)))],
  atan: (dy, { inputs: [x] }) => [div(dy, add(square(x), 1))],
  sinh: (dy, { inputs: [x] }) => [mul(dy, cosh(x))],
  cosh: (dy, { inputs: [x] }) => [mul(dy, sinh(x))],
  asinh: (dy, { inputs: [x] }) => [mul(dy, rsqrt(add(square(x), 1)))],
  acosh: (dy, { inputs: [x] }) => [mul(dy, rsqrt(sub(square(x), 1)))],
  atanh: (dy, { inputs: [x] }) => [div(dy, sub(1, square(x)))],
  log1p: (dy, { inputs: [x] }) => [div(dy, add(x, 1))],
  expm1: (dy, { inputs: [x] }) => [mul(dy, exp(x))],
  // d/dx x^-1/2 = -1/2 x^-3/2 = -y^3 / 2.
  rsqrt: (dy, { output: y }) => [mul(dy, mul(mul(y, square(y)), -0.5))],
  // a - floor(a/b) b: 1 in a, -floor(a/b) in b (away from the jumps).
  mod: (dy, { inputs: [a, b] }, [na, nb]) => [
    na ? sumTo(dy, a.shape) : null,
    nb ? sumTo(mul(dy, neg(floorDiv(a, b))), b.shape) : null,
  ],
  // d/da atan2(a, b) = b / (a^2 + b^2), d/db = -a / (a^2 + b^2).
  atan2: (dy, { inputs: [a, b] }, [na, nb]) => {
    const r = reciprocal(add(square(a), square(b)));
    return [na ? sumTo(mul(dy, mul(b, r)), a.shape) : null, nb ? sumTo(neg(mul(dy, mul(a, r))), b.shape) : null];
  },
};
