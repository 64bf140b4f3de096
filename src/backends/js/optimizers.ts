// Reference kernels for the optimizer updates after Adam/SGD/RMSprop (those are in nn.ts).
// In place on the weights and slots; the wasm kernels (assembly/optimizers.ts) do the same
// arithmetic in float32 SIMD.
import type { TypedArray } from '../../core/dtype.ts';

export function adagrad(w: TypedArray, g: TypedArray, acc: TypedArray, lr: number, epsilon: number): void {
  for (let i = 0; i < w.length; i++) {
    acc[i] += g[i] * g[i];
    w[i] -= (lr * g[i]) / Math.sqrt(acc[i] + epsilon);
  }
}

export function adadelta(w: TypedArray, g: TypedArray, accGrad: TypedArray, accDelta: TypedArray, lr: number, rho: number, epsilon: number): void {
  for (let i = 0; i < w.length; i++) {
    accGrad[i] = rho * accGrad[i] + (1 - rho) * g[i] * g[i];
    const d = (Math.sqrt(accDelta[i] + epsilon) / Math.sqrt(accGrad[i] + epsilon)) * g[i];
    accDelta[i] = rho * accDelta[i] + (1 - rho) * d * d;
    w[i] -= lr * d;
  }
}

export function adamax(w: TypedArray, g: TypedArray, m: TypedArray, u: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void {
  const c1 = 1 - Math.pow(beta1, step);
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    u[i] = Math.max(beta2 * u[i], Math.abs(g[i]));
    w[i] -= ((lr / c1) * m[i]) / (u[i] + epsilon);
  }
}

/** a, b: the momentum schedule's coefficients of m and g this step; c2 = 1 - beta2^t. */
export function nadam(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, a: number, b: number, c2: number): void {
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    w[i] -= (lr * (a * m[i] + b * g[i])) / (Math.sqrt(v[i] / c2) + epsilon);
  }
}

export function lion(w: TypedArray, g: TypedArray, m: TypedArray, lr: number, beta1: number, beta2: number): void {
  for (let i = 0; i < w.length; i++) {
    w[i] -= lr * Math.sign(beta1 * m[i] + (1 - beta1) * g[i]);
    m[i] = beta2 * m[i] + (1 - beta2) * g[i];
  }
}

/** FTRL-proximal; l2 already includes beta / (2 lr), as Keras adds it. */
export function ftrl(w: TypedArray, g: TypedArray, acc: TypedArray, linear: TypedArray, lr: number, power: number, l1: number, l2: number, l2Shrinkage: number): void {
  for (let i = 0; i < w.length; i++) {
    const gs = g[i] + 2 * l2Shrinkage * w[i];
    const next = acc[i] + g[i] * g[i];
    const pNew = Math.pow(next, -power), pOld = Math.pow(acc[i], -power);
    linear[i] += gs - ((pNew - pOld) / lr) * w[i];
    const q = pNew / lr + 2 * l2;
    w[i] = Math.abs(linear[i]) > l1 ? (Math.sign(linear[i]) * l1 - linear[i]) / q : 0;
    acc[i] = next;
  }
}

export function emaUpdate(avg: TypedArray, w: TypedArray, momentum: number): void {
  for (let i = 0; i < w.length; i++) avg[i] = momentum * avg[i] + (1 - momentum) * w[i];
}

/** Centered RMSprop: the second moment minus the squared mean gradient in the denominator. */
export function rmspropCentered(
  w: TypedArray, g: TypedArray, ms: TypedArray, mg: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, epsilon: number,
): void {
  for (let i = 0; i < w.length; i++) {
    ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
    mg[i] = rho * mg[i] + (1 - rho) * g[i];
    const inc = (lr * g[i]) / Math.sqrt(ms[i] - mg[i] * mg[i] + epsilon);
    if (moment) { moment[i] = momentum * moment[i] + inc; w[i] -= moment[i]; }
    else w[i] -= inc;
  }
}
