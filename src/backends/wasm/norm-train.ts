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
/**
 * walkChannels: up to this many channels the gradient's column sums walk channel groups down
 * blocks of rows (sums in registers); wider rows go in order. maskFromInput: the fused gradient
 * rebuilds the activation's mask from x with the forward's coefficients (one array fewer read in
 * each of its two passes) where the forward left them; false: it reads the activation's output.
 */
export const normTrainTuning = { walkChannels: 32, maskFromInput: true };

/** Floats of batchNormActivation's coefficients output for C channels: scale, centre, shift, then 1 where they were written. */
export const coefficientFloats = (C: number): number => 3 * C + 1;

/**
 * act(batchNorm(x)) (relu or relu6) in one pass writing y (the statistics as batchNorm's), and
 * where `coefficients` is given (coefficientFloats(C) floats) the f32 scale, centre and shift it
 * used, then 1: the fused gradient rebuilds the mask from them (0 there: the reference ran).
 */
export function batchNormActivation(b: WasmBackend, x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray,
  rows: number, C: number, epsilon: number, activation: ConvActivation, coefficients: TypedArray | null = null): void {
  if (coefficients && coefficients.length !== coefficientFloats(C)) throw new Error(`batchNormActivation: coefficients must hold ${coefficientFloats(C)} floats for ${C} channels, got ${coefficients.length}`);
  if (!f32(x, y, gamma, beta, coefficients) || !(activation in ACT)) return refFused.batchNormActivation(x, gamma, beta, y, mean, variance, rows, C, epsilon, activation, coefficients);
  b.inWasm([x as Buf], [y as Buf, ...(coefficients ? [coefficients as Buf] : [])], ([px], [py, pco]) => {
    const [ps, pc, pd] = batchScaleShift(b, px, rows, C, gamma, beta, mean, variance, epsilon);
    b.par('affineRowsMasked', [0, 0, px, 0, ps, pd, pc, py, C, ACT[activation]], rows, 1, rowChunk(b, rows, C));
    if (pco === undefined) return;
    const co = new Float32Array(b.mem.buffer, pco, coefficientFloats(C));
    [ps, pc, pd].forEach((at, i) => co.set(new Float32Array(b.mem.buffer, at, C), i * C));
    co[3 * C] = 1;
  });
}

/** The forward's scale and shift (offsets 0 and 2C of coefficients) where the gradient can rebuild the mask from x, else null. */
function maskCoefficients(coefficients: TypedArray | null, mean: TypedArray, C: number): Float32Array | null {
  if (!normTrainTuning.maskFromInput || !(coefficients instanceof Float32Array) || coefficients.length !== coefficientFloats(C) || coefficients[3 * C] !== 1) return null;
  // The kernels centre x on the mean rounded to f32: the forward's centre must be that value.
  for (let c = 0; c < C; c++) if (coefficients[C + c] !== Math.fround(mean[c])) return null;
  return coefficients;
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
  dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, C: number, epsilon: number, activation: ConvActivation = 'relu', coefficients: TypedArray | null = null): void {
  if (!f32(x, dy, dx, gamma, r) || (r && !(activation in ACT))) {
    if (r) return refFused.batchNormActivationGrad(x, dy, r, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon, activation, coefficients);
    return refNorm.batchNormGrad(x, dy, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon);
  }
  // With the forward's coefficients the mask comes from x (r is not read); else from r.
  const co = r ? maskCoefficients(coefficients, mean, C) : null;
  const reads = co ? [x as Buf, dy as Buf, co] : [x as Buf, dy as Buf, ...(r ? [r as Buf] : [])];
  b.inWasm(reads, [dx as Buf], ([px, pdy, pr = 0], [pdx]) => {
    const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
    const [m64, inv64] = [b.scratch(C * 8), b.scratch(C * 8)];
    const chunk = rows * C < SMALL ? rows : b.chunkOf(rows);
    const parts = Math.ceil(rows / chunk);
    const partials = b.scratch(parts * PARTIALS * C * 8);
    new Float64Array(b.mem.buffer, m64, C).set(mean);
    new Float64Array(b.mem.buffer, inv64, C).set(inv);
    const act = r ? ACT[activation] : 0;
    const walk = C <= normTrainTuning.walkChannels ? 1 : 0;
    // pr: the coefficients (scale at pr, shift at pr + 8C) where co, else r's offset or 0.
    if (co) b.par('bnGradSumsFromInput', [px, pdy, pr, pr + 8 * C, m64, inv64, partials, C, chunk, act, walk], rows, 1, chunk);
    else b.par('bnGradSumsMasked', [px, pdy, pr, m64, inv64, partials, C, chunk, act, walk], rows, 1, chunk);
    // dx = a g + k (x - m) + d per channel, g the (masked) dy.
    const [pa, pk, pd, pm] = gradCoefficients(b, partials, parts, rows, C, mean, inv, gamma, dgamma, dbeta);
    if (co) b.par('affineRowsFromInput', [pdy, pr, pr + 8 * C, px, pa, pk, pd, pm, pdx, C, act], rows, 1, rowChunk(b, rows, C));
    else b.par('affineRowsMasked', [pdy, pr, px, pa, pk, pd, pm, pdx, C, act], rows, 1, rowChunk(b, rows, C));
  });
}
