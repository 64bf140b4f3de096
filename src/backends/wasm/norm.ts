// The wasm backend's random, moving-average and batch-normalization kernels (assembly/random.ts,
// assembly/norm.ts): the JavaScript side that places arrays, splits the work over threads and
// combines the per-chunk f64 statistics. Anything not float32 goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import type { RandomDist } from '../backend.ts';
import * as refRandom from '../js/random.ts';
import * as refNorm from '../js/norm.ts';
import type { WasmBackend } from './index.ts';

const DIST: Record<RandomDist, number> = { uniform: 0, normal: 1, truncatedNormal: 2, bernoulli: 3 };
/** Below this many values a job runs on the calling thread alone (waking workers costs more). */
export const SMALL = 4096;
const f32 = (...xs: (TypedArray | null)[]): boolean => xs.every((x) => x === null || x instanceof Float32Array);
type Buf = Float32Array;

export function random(b: WasmBackend, dist: RandomDist, state: Int32Array, out: TypedArray, lo: number, hi: number): void {
  if (!f32(out)) return refRandom.random(dist, state, out, lo, hi);
  b.inWasm([], [out as Buf], (_, [po]) => {
    // Job arguments reach worker threads as i32: the two parameters go through memory.
    const params = b.scratch(16);
    new Float64Array(b.mem.buffer, params, 2).set([lo, hi]);
    const args = [DIST[dist], state[0], state[1], state[2], state[3], po, params];
    if (out.length < SMALL) b.mem.exports.randomFill(...args, 0, out.length);
    else b.par('randomFill', args, out.length, 4);
  });
  refRandom.advance(dist, state, out.length);
}

export function movingAverage(b: WasmBackend, v: TypedArray, x: TypedArray, momentum: number): void {
  // v is updated in place, so it must live in wasm memory already (a weight does).
  if (!f32(v, x) || !b.mem.owns(v)) return refRandom.movingAverage(v, x, momentum);
  b.inWasm([x as Buf], [], ([px]) => b.mem.exports.movingAverage(v.byteOffset, px, momentum, 0, v.length));
}

/** Column statistics of [rows, C] at px: per-chunk f64 sums, combined here. */
export function moments(b: WasmBackend, px: number, rows: number, C: number): { mean: Float64Array; variance: Float64Array; meanAt: number } {
  const chunk = rows * C < SMALL ? rows : b.chunkOf(rows);
  const parts = Math.ceil(rows / chunk);
  const partials = b.scratch(parts * C * 8), meanAt = b.scratch(C * 8);
  const combine = (): Float64Array => {
    const p = new Float64Array(b.mem.buffer, partials, parts * C), s = new Float64Array(C);
    for (let k = 0; k < parts; k++) for (let c = 0; c < C; c++) s[c] += p[k * C + c];
    return s.map((v) => v / rows);
  };
  b.par('bnMoments', [px, 0, partials, C, chunk], rows, 1, chunk);
  const mean = combine();
  new Float64Array(b.mem.buffer, meanAt, C).set(mean);
  b.par('bnMoments', [px, meanAt, partials, C, chunk], rows, 1, chunk);
  return { mean, variance: combine(), meanAt };
}

/** Writes f32 vectors into fresh scratch; returns their offsets. */
export function vectors(b: WasmBackend, ...vs: ArrayLike<number>[]): number[] {
  const at = vs.map((v) => b.scratch(v.length * 4));
  vs.forEach((v, i) => new Float32Array(b.mem.buffer, at[i], v.length).set(v));
  return at;
}

/**
 * The batch's statistics (written to mean and variance) and y = x * scale + shift per channel,
 * scale and shift as wasm vectors: batchNorm's forward, plain or fused with its activation.
 */
export function batchScaleShift(b: WasmBackend, px: number, rows: number, C: number, gamma: TypedArray | null, beta: TypedArray | null,
  mean: TypedArray, variance: TypedArray, epsilon: number): number[] {
  const m = moments(b, px, rows, C);
  const scale = new Float64Array(C), shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(m.variance[c] + epsilon);
    shift[c] = (beta ? beta[c] : 0) - m.mean[c] * scale[c];
  }
  mean.set(m.mean);
  variance.set(m.variance);
  return vectors(b, scale, shift);
}

export function batchNorm(b: WasmBackend, x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, C: number, epsilon: number): void {
  if (!f32(x, y, gamma, beta)) return refNorm.batchNorm(x, gamma, beta, y, mean, variance, rows, C, epsilon);
  b.inWasm([x as Buf], [y as Buf], ([px], [py]) => {
    const [ps, pd] = batchScaleShift(b, px, rows, C, gamma, beta, mean, variance, epsilon);
    b.par('affineRows', [px, 0, ps, 0, pd, py, C], rows, 1, rows * C < SMALL ? rows : undefined);
  });
}

/**
 * From bnGradSums' per-chunk partials (sum dy and sum dy * xhat per channel): dgamma and dbeta,
 * and dx's per-channel coefficients as wasm vectors, dx = a dy + k x + d (the reference kernel's
 * formula, expanded). Shared by the plain and the fused (masked) gradient.
 */
export function gradCoefficients(b: WasmBackend, partials: number, parts: number, rows: number, C: number, mean: ArrayLike<number>, inv: Float64Array,
  gamma: TypedArray | null, dgamma: TypedArray, dbeta: TypedArray): number[] {
  const p = new Float64Array(b.mem.buffer, partials, parts * 2 * C);
  const sumDy = new Float64Array(C), sumDyXhat = new Float64Array(C);
  for (let k = 0; k < parts; k++) for (let c = 0; c < C; c++) { sumDy[c] += p[k * 2 * C + c]; sumDyXhat[c] += p[k * 2 * C + C + c]; }
  dgamma.set(sumDyXhat);
  dbeta.set(sumDy);
  const a = new Float64Array(C), k = new Float64Array(C), d = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const g = gamma ? gamma[c] : 1;
    a[c] = g * inv[c];
    k[c] = (-g * inv[c] * inv[c] * sumDyXhat[c]) / rows;
    d[c] = (-g * inv[c] * sumDy[c]) / rows - k[c] * mean[c];
  }
  return vectors(b, a, k, d);
}

export function batchNormGrad(b: WasmBackend, x: TypedArray, dy: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, C: number, epsilon: number): void {
  if (!f32(x, dy, dx, gamma)) return refNorm.batchNormGrad(x, dy, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon);
  b.inWasm([x as Buf, dy as Buf], [dx as Buf], ([px, pdy], [pdx]) => {
    const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
    const m64 = b.scratch(C * 8), inv64 = b.scratch(C * 8);
    const chunk = rows * C < SMALL ? rows : b.chunkOf(rows);
    const parts = Math.ceil(rows / chunk);
    const partials = b.scratch(parts * 2 * C * 8);
    new Float64Array(b.mem.buffer, m64, C).set(mean);
    new Float64Array(b.mem.buffer, inv64, C).set(inv);
    b.par('bnGradSums', [px, pdy, m64, inv64, partials, C, chunk], rows, 1, chunk);
    const [pa, pk, pd] = gradCoefficients(b, partials, parts, rows, C, mean, inv, gamma, dgamma, dbeta);
    b.par('affineRows', [pdy, px, pa, pk, pd, pdx, C], rows, 1, rows * C < SMALL ? rows : undefined);
  });
}

export function channelAffine(b: WasmBackend, x: TypedArray, scale: TypedArray, shift: TypedArray | null, out: TypedArray, rows: number, C: number): void {
  if (!f32(x, out, scale, shift)) return refNorm.channelAffine(x, scale, shift, out, rows, C);
  b.inWasm([x as Buf, scale as Buf, ...(shift ? [shift as Buf] : [])], [out as Buf], ([px, ps, pd], [po]) => {
    b.par('affineRows', [px, 0, ps, 0, pd ?? 0, po, C], rows, 1, rows * C < SMALL ? rows : undefined);
  });
}
