// Activation functions by name, as Keras's `activation=` argument takes them (Keras 3's names,
// and TensorFlow.js's spellings where they differ, so its model files load).
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';

export const activations = {
  linear: (x: Tensor): Tensor => x,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  softmax: (x: Tensor): Tensor => ops.softmax(x, -1),
  softplus: ops.softplus,
  softsign: ops.softsign,
  elu: ops.elu,
  selu: ops.selu,
  gelu: ops.gelu,
  swish: ops.swish,
  silu: ops.swish,
  mish: ops.mish,
  relu6: ops.relu6,
  exponential: ops.exp,
  leaky_relu: (x: Tensor): Tensor => ops.leakyRelu(x, 0.2),
  hard_sigmoid: (x: Tensor): Tensor => ops.hardSigmoid(x),
  hard_swish: ops.hardSwish,
  hard_silu: ops.hardSwish,
  /** TensorFlow.js's hardSigmoid is Keras 2's: clip(0.2 x + 0.5, 0, 1). */
  hardSigmoid: (x: Tensor): Tensor => ops.hardSigmoid(x, 0.2),
  log_softmax: (x: Tensor): Tensor => ops.logSoftmax(x, -1),
  logSoftmax: (x: Tensor): Tensor => ops.logSoftmax(x, -1), // TF.js's spelling
  /** TF.js's gelu_new: GELU's tanh approximation (Keras's gelu(x, approximate=True)). */
  gelu_new: (x: Tensor): Tensor => ops.mul(ops.mul(x, 0.5), ops.add(ops.tanh(ops.mul(ops.add(x, ops.mul(ops.mul(x, ops.square(x)), 0.044715)), Math.sqrt(2 / Math.PI))), 1)),
  // Keras 3's other element-wise activations, with their default parameters, written with
  // arithmetic, clips and float masks (not boolean selections) so that they run in the SIMD kernels.
  celu: ops.elu, // alpha 1: max(0, x) + min(0, exp(x) - 1)
  hard_tanh: (x: Tensor): Tensor => ops.clip(x, -1, 1),
  tanh_shrink: (x: Tensor): Tensor => ops.sub(x, ops.tanh(x)),
  log_sigmoid: (x: Tensor): Tensor => ops.neg(ops.softplus(ops.neg(x))),
  squareplus: (x: Tensor): Tensor => ops.mul(ops.add(x, ops.sqrt(ops.add(ops.square(x), 4))), 0.5), // b = 4
  soft_shrink: (x: Tensor): Tensor => ops.sub(x, ops.clip(x, -0.5, 0.5)), // threshold 0.5
  hard_shrink: (x: Tensor): Tensor => ops.selectWhere('greater', ops.abs(x), 0.5, x), // x where |x| > 0.5, else 0
  sparse_plus: (x: Tensor): Tensor => ops.add(ops.mul(ops.square(ops.add(ops.clip(x, -1, 1), 1)), 0.25), ops.relu(ops.sub(x, 1))),
};
export type ActivationName = keyof typeof activations;

export function getActivation(name: ActivationName | null | undefined, what: string): (x: Tensor) => Tensor {
  const key = name ?? 'linear';
  if (typeof key !== 'string' || !Object.hasOwn(activations, key)) {
    throw new Error(`${what}: unknown activation '${String(key)}', expected one of ${Object.keys(activations).join(', ')}`);
  }
  return activations[key];
}
