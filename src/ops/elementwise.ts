// Elementwise ops with broadcasting, and their gradients.
import { backend, record } from '../core/engine.ts';
import { floatOf, isFloat, upcast, type DType } from '../core/dtype.ts';
import { broadcastShapes, broadcastStrides } from '../core/shape.ts';
import type { Tensor, TensorLike } from '../core/tensor.ts';
import type { BinaryOp, UnaryOp } from '../backends/backend.ts';
import type { GradTable } from './registry.ts';
import { asTensor, make } from './util.ts';
import { broadcastTo, sumTo } from './reduce.ts';
import type { ActivationUnary } from './activations.ts';
import type { MathUnary } from './math.ts';

/** Unary ops whose rules live here (the activations' are in activations.ts, the math functions' in math.ts). */
type DifferentiableUnary = Exclude<UnaryOp, Mask | ActivationUnary | MathUnary>;
/** Unary ops that make a 0/1 mask (no gradient, never on the tape). */
type Mask = 'sign' | 'step' | 'relu6Step' | SpecialMask;
/** Masks of the special values, as booleans (uint8). */
type SpecialMask = 'isNaN' | 'isInf' | 'isFinite';
const MASKS = new Set<UnaryOp>(['sign', 'step', 'relu6Step', 'isNaN', 'isInf', 'isFinite']);
const BOOL_RESULT = new Set<UnaryOp>(['isNaN', 'isInf', 'isFinite']);
type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'reluGrad' | 'relu6Grad';
const FLOAT_RESULT = new Set<UnaryOp>(['exp', 'log', 'sqrt', 'reciprocal', 'sigmoid', 'tanh',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'log1p', 'expm1', 'rsqrt']);

export function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const dtype: DType = BOOL_RESULT.has(op) ? 'uint8' : FLOAT_RESULT.has(op) ? floatOf(x.dtype) : x.dtype === 'uint8' ? 'int32' : x.dtype;
  const y = make(dtype, x.shape, (out) => backend().unary(op, x.data, out));
  if (!MASKS.has(op)) record(op as Exclude<UnaryOp, Mask>, [x], y, {});
  return y;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
/** 1 where x > 0, else alpha, NaN where x is NaN (TF.js's tf.step(x, alpha = 0)); alpha 0 is the derivative of relu. */
export const step = (x: Tensor, alpha = 0): Tensor => {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`step: alpha must be a finite number (the value where x <= 0), got ${String(alpha)}`);
  return alpha === 0 ? unaryOp('step', x) : add(mul(unaryOp('step', x), 1 - alpha), alpha);
};
/** min(max(x, 0), 6) in one kernel (Keras's relu6; NaN stays NaN). */
export const relu6 = (x: Tensor): Tensor => unaryOp('relu6', x);
/** 1 where 0 < x < 6, else 0: the derivative of relu6 read from its output. */
export const relu6Step = (x: Tensor): Tensor => unaryOp('relu6Step', x);

/** Ops that give booleans (uint8), with no gradient. */
const COMPARISON = new Set<BinaryOp>(['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr', 'logicalXor']);
/** Piecewise constant in both operands: no gradient (as TensorFlow's FloorDiv). */
const NOT_DIFFERENTIABLE = new Set<BinaryOp>(['floorDiv']);
// pow is not here: int ** int stays int32, as TF.js's, NumPy's and Keras's (a negative exponent truncates, as TF.js).
const FLOAT_BINARY = new Set<BinaryOp>(['div', 'atan2']);

/** `maskDType`: a comparison's 1/0 result in that float dtype instead of booleans (see selectWhere). */
export function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike, maskDType?: DType): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const ta = typeof a === 'number' ? asTensor(a, b as Tensor) : a;
  const tb = asTensor(b, ta);
  const shape = broadcastShapes(ta.shape, tb.shape, op);
  let dtype = upcast(ta.dtype, tb.dtype);
  if (COMPARISON.has(op)) dtype = maskDType ?? 'uint8';
  else if (FLOAT_BINARY.has(op)) dtype = floatOf(dtype);
  else if (dtype === 'uint8') dtype = 'int32'; // uint8 arithmetic would wrap around
  const y = make(dtype, shape, (out) =>
    backend().binary(op, ta.data, broadcastStrides(ta.shape, shape), tb.data, broadcastStrides(tb.shape, shape), out, shape));
  if (!COMPARISON.has(op) && !NOT_DIFFERENTIABLE.has(op) && isFloat(dtype)) record(op as ArithmeticOp | 'mod' | 'atan2', [ta, tb], y, {});
  return y;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** dy where y > 0, else 0 (dy times step(y), one kernel): relu's gradient from its output y. */
export const reluGrad = (dy: Tensor, y: Tensor): Tensor => binaryOp('reluGrad', dy, y);
/** dy where 0 < y < 6, else 0: relu6's gradient from its output y. */
export const relu6Grad = (dy: Tensor, y: Tensor): Tensor => binaryOp('relu6Grad', dy, y);
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', a, b);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('notEqual', a, b);
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greaterEqual', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lessEqual', a, b);

/** Limits values to [min, max]; the gradient passes where min <= x <= max. */
export const clip = (x: Tensor, min: number, max: number): Tensor => maximum(minimum(x, max), min);

/**
 * value where `a op b` holds, else 0 (the gradients' selections): the comparison written straight
 * as a 1/0 mask of value's dtype, with no boolean tensor between, so that it runs in SIMD too.
 */
export const selectWhere = (op: BinaryOp, a: TensorLike, b: TensorLike, value: Tensor): Tensor => mul(value, binaryOp(op, a, b, value.dtype));

export const elementwiseGrads: GradTable<DifferentiableUnary | ArithmeticOp> = {
  neg: (dy) => [neg(dy)],
  abs: (dy, { inputs: [x] }) => [mul(dy, sign(x))],
  exp: (dy, { output }) => [mul(dy, output)],
  log: (dy, { inputs: [x] }) => [div(dy, x)],
  sqrt: (dy, { output }) => [div(dy, mul(output, 2))],
  square: (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))],
  reciprocal: (dy, { output }) => [neg(mul(dy, square(output)))],
  // From the output (relu(x) > 0 exactly where x > 0), so that x itself is not kept for the
  // backward pass and a plan can fuse the relu into the kernel that produces x.
  // One kernel rather than step, cast and mul: one pass, and no mask array in an eager trace.
  relu: (dy, { output }) => [reluGrad(dy, output)],
  // Also from the output, for the same reason: 0 at x <= 0 and at x >= 6. That is TensorFlow's
  // Relu6Grad and PyTorch's rule; TF.js alone passes the gradient at exactly x = 6.
  relu6: (dy, { output }) => [relu6Grad(dy, output)],
  sigmoid: (dy, { output: y }) => [mul(dy, mul(y, sub(1, y)))],
  tanh: (dy, { output: y }) => [mul(dy, sub(1, square(y)))],
  // Binary rules skip an operand nothing needs the gradient of (a constant such as the
  // batch size a mean divides by): in a compiled step that is work saved on every batch.
  add: (dy, { inputs: [a, b] }, [na, nb]) => [na ? sumTo(dy, a.shape) : null, nb ? sumTo(dy, b.shape) : null],
  sub: (dy, { inputs: [a, b] }, [na, nb]) => [na ? sumTo(dy, a.shape) : null, nb ? sumTo(neg(dy), b.shape) : null],
  mul: (dy, { inputs: [a, b] }, [na, nb]) => [na ? sumTo(mul(dy, b), a.shape) : null, nb ? sumTo(mul(dy, a), b.shape) : null],
  div: (dy, { inputs: [a, b] }, [na, nb]) => [na ? sumTo(div(dy, b), a.shape) : null, nb ? sumTo(neg(div(mul(dy, a), square(b))), b.shape) : null],
  pow: (dy, { inputs: [a, b], output }, [na, nb]) => {
    const da = na ? sumTo(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape) : null;
    if (!nb) return [da, null];
    // d/db a^b = a^b log a, taken as 0 where a <= 0 (as TensorFlow does).
    const logA = selectWhere('greater', a, 0, log(maximum(a, Number.MIN_VALUE)));
    return [da, sumTo(mul(dy, mul(output, broadcastTo(logA, output.shape))), b.shape)];
  },
  // Linear in dy; the mask's derivative in y is 0 wherever it is defined.
  reluGrad: (ddx, { inputs: [dy, y] }, [nd]) => [nd ? sumTo(reluGrad(ddx, y), dy.shape) : null, null],
  relu6Grad: (ddx, { inputs: [dy, y] }, [nd]) => [nd ? sumTo(relu6Grad(ddx, y), dy.shape) : null, null],
  // (a clip's bound, e.g. minimum(x, 6), needs no gradient: its comparison is skipped)
  maximum: (dy, { inputs: [a, b], output }, [na, nb]) => [
    na ? sumTo(selectWhere('greaterEqual', broadcastTo(a, output.shape), b, dy), a.shape) : null,
    nb ? sumTo(selectWhere('less', broadcastTo(a, output.shape), b, dy), b.shape) : null,
  ],
  minimum: (dy, { inputs: [a, b], output }, [na, nb]) => [
    na ? sumTo(selectWhere('lessEqual', broadcastTo(a, output.shape), b, dy), a.shape) : null,
    nb ? sumTo(selectWhere('greater', broadcastTo(a, output.shape), b, dy), b.shape) : null,
  ],
};
