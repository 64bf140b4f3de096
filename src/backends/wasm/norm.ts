// The wasm backend's random, moving-average and batch-normalization kernels (assembly/random.ts,
// assembly/norm.ts): the JavaScript side that places arrays, splits the work over threads and
// combines the per-chunk f64 statistics. Anything not float32 goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import type { RandomDist } from '../backend.ts';
import * as refRandom from '../js/random.ts';
import * as refNorm from '../js/norm.ts';
import type { WasmBackend } from './index.ts';
import { elementChunk, MIN_CHUNK_FLOATS } from './split-policy.ts';

const DIST: Record<RandomDist, number> = { uniform: 0, normal: 1, truncatedNormal: 2, bernoulli: 3 };
/** Below this many values a job runs on the calling thread alone (waking workers costs more). */
export const SMALL = 4096;
/** f64 per channel in each chunk's partials of the column sums: 2 sums, then the kernel's f32 scratch. */
export const PARTIALS = 4;
/** Rows of C floats per chunk of the row-wise affine passes (split-policy.ts: tiny ones on the calling thread). */
export const rowChunk = (b: WasmBackend, rows: number, C: number): number => elementChunk((t, a) => b.chunkOf(t, a), rows, C, 1);
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

/**
 * Column statistics of [rows, C] at px in one pass over x: per-chunk f64 sums of d and d^2,
 * d = x - x[0, c] (the first row as the shift, so a large mean does not cancel the variance
 * away), combined here.
 */
export function moments(b: WasmBackend, px: number, rows: number, C: number): { mean: Float64Array; variance: Float64Array } {
  const chunk = rows * C < SMALL ? rows : b.chunkOf(rows);
  const parts = Math.ceil(rows / chunk);
  const partials = b.scratch(parts * PARTIALS * C * 8);
  b.par('bnShiftedSums', [px, px, partials, C, chunk], rows, 1, chunk);
  const p = new Float64Array(b.mem.buffer, partials, parts * PARTIALS * C), shift = new Float32Array(b.mem.buffer, px, C);
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0, t = 0;
    for (let k = 0; k < parts; k++) { s += p[k * PARTIALS * C + c]; t += p[k * PARTIALS * C + C + c]; }
    const m = s / rows;
    mean[c] = shift[c] + m;
    variance[c] = Math.max(0, t / rows - m * m);
  }
  return { mean, variance };
}

/** out[c] = sum over rows of x[r, c] ([rows, C] at px, out at po): per-chunk f64 sums, added here. */
export function columnSums(b: WasmBackend, px: number, po: number, rows: number, C: number): void {
  // Below two of split-policy's minimum chunks on the calling thread: global average pooling at
  // batch 1 (ResNet-20's 64 x 64 floats, ~2 us) took ~4 us on two threads.
  const chunk = rows * C < 2 * MIN_CHUNK_FLOATS ? rows : b.chunkOf(rows);
  const parts = Math.ceil(rows / chunk), partials = b.scratch(parts * C * 8);
  b.par('columnSums', [px, partials, C, chunk], rows, 1, chunk);
  const p = new Float64Array(b.mem.buffer, partials, parts * C), out = new Float32Array(b.mem.buffer, po, C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let k = 0; k < parts; k++) s += p[k * C + c];
    out[c] = s;
  }
}

/** Writes f32 vectors into fresh scratch; returns their offsets. */
export function vectors(b: WasmBackend, ...vs: ArrayLike<number>[]): number[] {
  const at = vs.map((v) => b.scratch(v.length * 4));
  vs.forEach((v, i) => new Float32Array(b.mem.buffer, at[i], v.length).set(v));
  return at;
}

/**
 * The batch's statistics (written to mean and variance) and y = (x - center) * scale + shift
 * per channel, as wasm vectors [scale, center, shift]: center is the mean rounded to f32 and
 * shift = beta - scale * (mean - center) in f64, so a mean large against the spread does not
 * cancel in f32 (x * scale + (beta - mean * scale) would). batchNorm's forward, plain or fused.
 */
export function batchScaleShift(b: WasmBackend, px: number, rows: number, C: number, gamma: TypedArray | null, beta: TypedArray | null,
  mean: TypedArray, variance: TypedArray, epsilon: number): number[] {
  const m = moments(b, px, rows, C);
  const scale = new Float64Array(C), center = Float32Array.from(m.mean), shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(m.variance[c] + epsilon);
    shift[c] = (beta ? beta[c] : 0) - scale[c] * (m.mean[c] - center[c]);
  }
  mean.set(m.mean);
  variance.set(m.variance);
  return vectors(b, scale, center, shift);
}

export function batchNorm(b: WasmBackend, x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, C: number, epsilon: number): void {
  if (!f32(x, y, gamma, beta)) return refNorm.batchNorm(x, gamma, beta, y, mean, variance, rows, C, epsilon);
  b.inWasm([x as Buf], [y as Buf], ([px], [py]) => {
    const [ps, pc, pd] = batchScaleShift(b, px, rows, C, gamma, beta, mean, variance, epsilon);
    b.par('affineRowsMasked', [0, 0, px, 0, ps, pd, pc, py, C, 0], rows, 1, rowChunk(b, rows, C));
  });
}

/**
 * From bnGradSumsMasked's per-chunk partials (sum dy and sum dy * xhat per channel): dgamma and dbeta,
 * and dx's per-channel coefficients as wasm vectors [a, k, d, m], dx = a dy + k (x - m) + d (the
 * reference kernel's formula, expanded around m, the mean rounded to f32, so that k x and d do
 * not cancel in f32 where the mean is large). Shared by the plain and the fused (masked) gradient.
 */
export function gradCoefficients(b: WasmBackend, partials: number, parts: number, rows: number, C: number, mean: ArrayLike<number>, inv: Float64Array,
  gamma: TypedArray | null, dgamma: TypedArray, dbeta: TypedArray): number[] {
  const p = new Float64Array(b.mem.buffer, partials, parts * PARTIALS * C);
  const sumDy = new Float64Array(C), sumDyXhat = new Float64Array(C);
  for (let k = 0; k < parts; k++) for (let c = 0; c < C; c++) { sumDy[c] += p[k * PARTIALS * C + c]; sumDyXhat[c] += p[k * PARTIALS * C + C + c]; }
  dgamma.set(sumDyXhat);
  dbeta.set(sumDy);
  const a = new Float64Array(C), k = new Float64Array(C), d = new Float64Array(C), m = Float32Array.from(mean);
  for (let c = 0; c < C; c++) {
    const g = gamma ? gamma[c] : 1;
    a[c] = g * inv[c];
    k[c] = (-g * inv[c] * inv[c] * sumDyXhat[c]) / rows;
    // The f32-rounded mean's correction; none where it is 0 (0 * an infinite k would be NaN).
    const shift = mean[c] - m[c];
    d[c] = (-g * inv[c] * sumDy[c]) / rows - (shift === 0 ? 0 : k[c] * shift);
  }
  return vectors(b, a, k, d, m);
}

export function channelAffine(b: WasmBackend, x: TypedArray, scale: TypedArray, shift: TypedArray | null, out: TypedArray, rows: number, C: number): void {
  if (!f32(x, out, scale, shift)) return refNorm.channelAffine(x, scale, shift, out, rows, C);
  b.inWasm([x as Buf, scale as Buf, ...(shift ? [shift as Buf] : [])], [out as Buf], ([px, ps, pd], [po]) => {
    b.par('affineRows', [px, 0, ps, 0, pd ?? 0, po, C], rows, 1, rowChunk(b, rows, C));
  });
}
