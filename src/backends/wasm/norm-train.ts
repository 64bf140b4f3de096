// Batch normalization's training kernels on wasm (assembly/norm-train.ts): the SIMD backward
// pass, and both passes fused with the activation behind the normalization (its code, ACT,
// passed through to the kernels). Anything not float32
// goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation } from '../backend.ts';
import * as refNorm from '../js/norm.ts';
import * as refFused from '../js/norm-fused.ts';
import { batchScaleShift, gradCoefficients, PARTIALS, rowChunk, SMALL } from './norm.ts';
import type { WasmBackend } from './index.ts';

type Buf = Float32Array;
const f32 = (...xs: (TypedArray | null)[]): boolean => xs.every((x) => x === null || x instanceof Float32Array);
const ACT: Record<ConvActivation, number> = { relu: 1, relu6: 2 };
/** Up to walkChannels channels the gradient's column sums walk channel groups down blocks of rows (sums in registers); wider rows go in order. */
export const normTrainTuning = { walkChannels: 32 };

/** act(batchNorm(x)) (relu or relu6) in one pass writing y (the statistics as batchNorm's). */
export function batchNormActivation(b: WasmBackend, x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray,
  rows: number, C: number, epsilon: number, activation: ConvActivation): void {
  if (!f32(x, y, gamma, beta) || !(activation in ACT)) return refFused.batchNormActivation(x, gamma, beta, y, mean, variance, rows, C, epsilon, activation);
  b.inWasm([x as Buf], [y as Buf], ([px], [py]) => {
    const [ps, pc, pd] = batchScaleShift(b, px, rows, C, gamma, beta, mean, variance, epsilon);
    b.par('affineRowsMasked', [0, 0, px, 0, ps, pd, pc, py, C, ACT[activation]], rows, 1, rowChunk(b, rows, C));
  });
}

/** act(batchNorm(x) + residual) in one pass writing y (a residual block's tail). */
export function batchNormResidualActivation(b: WasmBackend, x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, residual: TypedArray, y: TypedArray,
  mean: TypedArray, variance: TypedArray, rows: number, C: number, epsilon: number, activation: ConvActivation): void {
  if (!f32(x, y, gamma, beta, residual) || !(activation in ACT)) return refFused.batchNormResidualActivation(x, gamma, beta, residual, y, mean, variance, rows, C, epsilon, activation);
  b.inWasm([x as Buf, residual as Buf], [y as Buf], ([px, pr], [py]) => {
    const [ps, pc, pd] = batchScaleShift(b, px, rows, C, gamma, beta, mean, variance, epsilon);
    b.par('affineRowsResidual', [pr, px, ps, pd, pc, py, C, ACT[activation]], rows, 1, rowChunk(b, rows, C));
  });
}

/**
 * batchNorm's gradients for dy, or with the activation's gradient folded in (dy * step(r) for
 * relu, r its output; r null: plain batchNormGrad). Two passes: the column sums, then dx.
 */
export function batchNormGradMasked(b: WasmBackend, x: TypedArray, dy: TypedArray, r: TypedArray | null, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null,
  dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, C: number, epsilon: number, activation: ConvActivation = 'relu'): void {
  if (!f32(x, dy, dx, gamma, r) || (r && !(activation in ACT))) {
    if (r) return refFused.batchNormActivationGrad(x, dy, r, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon, activation);
    return refNorm.batchNormGrad(x, dy, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon);
  }
  b.inWasm([x as Buf, dy as Buf, ...(r ? [r as Buf] : [])], [dx as Buf], ([px, pdy, pr = 0], [pdx]) => {
    const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
    const [m64, inv64] = [b.scratch(C * 8), b.scratch(C * 8)];
    const chunk = rows * C < SMALL ? rows : b.chunkOf(rows);
    const parts = Math.ceil(rows / chunk);
    const partials = b.scratch(parts * PARTIALS * C * 8);
    new Float64Array(b.mem.buffer, m64, C).set(mean);
    new Float64Array(b.mem.buffer, inv64, C).set(inv);
    const act = r ? ACT[activation] : 0;
    b.par('bnGradSumsMasked', [px, pdy, pr, m64, inv64, partials, C, chunk, act, C <= normTrainTuning.walkChannels ? 1 : 0], rows, 1, chunk);
    // dx = a g + k (x - m) + d per channel, g the (masked) dy.
    const [pa, pk, pd, pm] = gradCoefficients(b, partials, parts, rows, C, mean, inv, gamma, dgamma, dbeta);
    b.par('affineRowsMasked', [pdy, pr, px, pa, pk, pd, pm, pdx, C, act], rows, 1, rowChunk(b, rows, C));
  });
}
