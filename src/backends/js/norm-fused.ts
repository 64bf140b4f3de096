// Reference kernels of batch normalization fused with the relu behind it (what a training
// plan's fusion makes of batchNorm -> relu and of relu's gradient -> batchNormGrad), written
// as the unfused kernels in turn so they agree with them by construction.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation } from '../backend.ts';
import { batchNorm, batchNormGrad } from './norm.ts';

function checkActivation(what: string, activation: ConvActivation): void {
  if (activation !== 'relu') throw new Error(`${what}: unknown activation '${activation as string}', expected 'relu'`);
}

/** y = relu(batchNorm(x)), with the batch's mean and variance written out. */
export function batchNormActivation(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray,
  rows: number, channels: number, epsilon: number, activation: ConvActivation): void {
  checkActivation('batchNormActivation', activation);
  batchNorm(x, gamma, beta, y, mean, variance, rows, channels, epsilon);
  for (let i = 0; i < y.length; i++) y[i] = y[i] > 0 ? y[i] : 0;
}

/** batchNormGrad of dy * step(y), y = relu(batchNorm(x)) (relu's gradient from its output). */
export function batchNormActivationGrad(x: TypedArray, dy: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null,
  dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, channels: number, epsilon: number, activation: ConvActivation): void {
  checkActivation('batchNormActivationGrad', activation);
  const masked = new (dy.constructor as Float64ArrayConstructor)(dy.length);
  for (let i = 0; i < dy.length; i++) masked[i] = dy[i] * (y[i] > 0 ? 1 : 0);
  batchNormGrad(x, masked, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon);
}
