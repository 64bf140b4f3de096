// Activation functions by name, as Keras's `activation=` argument takes them.
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';

export const activations = {
  linear: (x: Tensor): Tensor => x,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  softmax: (x: Tensor): Tensor => ops.softmax(x, -1),
  softplus: (x: Tensor): Tensor => ops.log(ops.add(ops.exp(x), 1)),
  elu: (x: Tensor): Tensor => ops.add(ops.relu(x), ops.minimum(ops.sub(ops.exp(ops.minimum(x, 0)), 1), 0)),
};
export type ActivationName = keyof typeof activations;

export function getActivation(name: ActivationName | null | undefined, what: string): (x: Tensor) => Tensor {
  const key = name ?? 'linear';
  if (!(key in activations)) throw new Error(`${what}: unknown activation '${key}', expected one of ${Object.keys(activations).join(', ')}`);
  return activations[key];
}
