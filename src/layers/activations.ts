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
};
export type ActivationName = keyof typeof activations;

export function getActivation(name: ActivationName | null | undefined, what: string): (x: Tensor) => Tensor {
  const key = name ?? 'linear';
  if (typeof key !== 'string' || !Object.hasOwn(activations, key)) {
    throw new Error(`${what}: unknown activation '${String(key)}', expected one of ${Object.keys(activations).join(', ')}`);
  }
  return activations[key];
}
