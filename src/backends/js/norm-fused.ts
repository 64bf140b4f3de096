// Reference kernels of batch normalization fused with the relu or relu6 behind it (what a
// training plan's fusion makes of batchNorm -> relu and of relu's gradient -> batchNormGrad), written
// as the unfused kernels in turn so they agree with them by construction.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation } from '../backend.ts';
import { batchNorm, batchNormGrad } from './norm.ts';
import { epilogueActivation, epilogueMask } from './epilogue.ts';

/**
 * y = act(batchNorm(x)), with the batch's mean and variance written out. `coefficients` (a
 * backend's own record for its fused gradient, 3 * channels + 1 floats): the reference keeps
 * none and writes 0 (its gradient reads the mask from y).
 */
export function batchNormActivation(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray,
  rows: number, channels: number, epsilon: number, activation: ConvActivation, coefficients: TypedArray | null = null): void {
  const act = epilogueActivation('batchNormActivation', activation);
  if (coefficients && coefficients.length !== 3 * channels + 1) throw new Error(`batchNormActivation: coefficients must hold ${3 * channels + 1} floats for ${channels} channels, got ${coefficients.length}`);
  coefficients?.fill(0);
  batchNorm(x, gamma, beta, y, mean, variance, rows, channels, epsilon);
  for (let i = 0; i < y.length; i++) y[i] = act(y[i]);
}

/** y = act(batchNorm(x) + residual), with the batch's mean and variance written out. */
export function batchNormResidualActivation(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, residual: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray,
  rows: number, channels: number, epsilon: number, activation: ConvActivation): void {
  const act = epilogueActivation('batchNormResidualActivation', activation);
  batchNorm(x, gamma, beta, y, mean, variance, rows, channels, epsilon);
  // y rounds to its dtype before the add, as the unfused batchNorm's stored output does.
  for (let i = 0; i < y.length; i++) y[i] = act(y[i] + residual[i]);
}

/**
 * batchNormGrad of dy * mask(y), y = act(batchNorm(x)) (the activation's gradient from its output:
 * step(y) for relu, relu6Step(y) for relu6). `coefficients` (batchNormActivation's) is not needed here.
 */
export function batchNormActivationGrad(x: TypedArray, dy: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null,
  dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, channels: number, epsilon: number, activation: ConvActivation, coefficients: TypedArray | null = null): void {
  void coefficients;
  const mask = epilogueMask('batchNormActivationGrad', activation);
  const masked = new (dy.constructor as Float64ArrayConstructor)(dy.length);
  for (let i = 0; i < dy.length; i++) masked[i] = dy[i] * mask(y[i]);
  batchNormGrad(x, masked, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon);
}
