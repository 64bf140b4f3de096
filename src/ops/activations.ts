// The activation functions beyond relu/sigmoid/tanh: kernels where one pays (elu, selu,
// softplus, softsign, erf), compositions of kernels for the rest. NaN propagates through all.
import { Tensor } from '../core/tensor.ts';
import { isFloat } from '../core/dtype.ts';
import type { GradTable } from './registry.ts';
import { add, div, exp, minimum, maximum, mul, neg, relu, sigmoid, square, step, sub, tanh, abs, unaryOp } from './elementwise.ts';
import { SELU_ALPHA, SELU_SCALE } from '../backends/js/activations.ts';

export type ActivationUnary = 'elu' | 'selu' | 'softplus' | 'softsign' | 'erf';

const float = (x: Tensor): Tensor => (isFloat(x.dtype) ? x : x.cast('float32'));

/** x for x > 0, e^x - 1 below (alpha = 1; eluWith scales the negative part). */
export const elu = (x: Tensor): Tensor => unaryOp('elu', float(x));
export const selu = (x: Tensor): Tensor => unaryOp('selu', float(x));
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', float(x));
export const softsign = (x: Tensor): Tensor => unaryOp('softsign', float(x));
export const erf = (x: Tensor): Tensor => unaryOp('erf', float(x));

/** ELU with another alpha: relu(x) + alpha * elu(min(x, 0)). */
export const eluWith = (x: Tensor, alpha: number): Tensor => (alpha === 1 ? elu(x) : add(relu(x), mul(elu(minimum(float(x), 0)), alpha)));
/** Keras 3's exact GELU: x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2)). */
export const gelu = (x: Tensor): Tensor => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
export const swish = (x: Tensor): Tensor => mul(x, sigmoid(x));
export const mish = (x: Tensor): Tensor => mul(x, tanh(softplus(x)));
/** Keras 3's hard_sigmoid, relu6(x + 3) / 6; TF.js's 'hardSigmoid' is the Keras 2 slope 0.2. */
export const hardSigmoid = (x: Tensor, slope = 1 / 6): Tensor => maximum(minimum(add(mul(x, slope), 0.5), 1), 0);
export const hardSwish = (x: Tensor): Tensor => mul(x, hardSigmoid(x));
/** x for x > 0, slope * x below: relu(x) - slope * relu(-x). */
export const leakyRelu = (x: Tensor, slope = 0.2): Tensor => sub(relu(x), mul(relu(neg(x)), slope));
/** TF.js's tf.prelu(x, alpha): x where x > 0, else alpha * x, alpha broadcast against x (learned slopes; both get gradients). */
export function prelu(x: Tensor, alpha: Tensor | number): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`prelu: x must be a Tensor, got ${typeof x}`);
  if (!(alpha instanceof Tensor) && typeof alpha !== 'number') throw new Error(`prelu: alpha must be a Tensor or a number, got ${typeof alpha}`);
  return sub(relu(x), mul(relu(neg(x)), alpha));
}

/** 1 where x > 0, else 0 (NaN at NaN, where y and so the gradient are NaN anyway), in x's dtype: a mask the gradient rules multiply by. */
const positive = (x: Tensor): Tensor => step(x);

export const activationGrads: GradTable<ActivationUnary> = {
  // x > 0: 1; else e^x = y + 1.
  elu: (dy, { inputs: [x], output: y }) => { const m = positive(x); return [mul(dy, add(m, mul(sub(1, m), add(y, 1))))]; },
  // x > 0: scale; else scale * alpha * e^x = y + scale * alpha.
  selu: (dy, { inputs: [x], output: y }) => { const m = positive(x); return [mul(dy, add(mul(m, SELU_SCALE), mul(sub(1, m), add(y, SELU_SCALE * SELU_ALPHA))))]; },
  softplus: (dy, { inputs: [x] }) => [mul(dy, sigmoid(x))],
  softsign: (dy, { inputs: [x] }) => [div(dy, square(add(abs(x), 1)))],
  erf: (dy, { inputs: [x] }) => [mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))],
};
