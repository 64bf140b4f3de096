// Batch statistics a convolution hands to the BatchNormalization behind it (a training plan's
// fusion, compile/fusions-bn-stats.ts): conv2dBatchStats writes the output and its per-channel
// mean and variance, and the BN kernels given them take no statistics pass of their own. The
// record is 4C floats of the buffer's own dtype: the f64 mean, then the f64 variance, each as a
// pair hi = fround(v), lo = fround(v - hi) (hi + lo within 2^-48 relative), so a float32 plan
// buffer holds them wherever it lies.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvInfo } from '../backend.ts';
import { conv2d } from './nn.ts';

/** Floats of a statistics record for C channels. */
export const statisticsFloats = (C: number): number => 4 * C;

/** Throws unless `statistics` holds a record for C channels (the kernel's name in the message). */
export function checkStatistics(kernel: string, statistics: TypedArray, C: number): void {
  if (!(statistics instanceof Float32Array || statistics instanceof Float64Array) || statistics.length !== statisticsFloats(C)) {
    throw new Error(`${kernel}: statistics must be a float array of ${statisticsFloats(C)} values for ${C} channels, got ${statistics.constructor.name}(${statistics.length})`);
  }
}

export function writeStatistics(statistics: TypedArray, mean: ArrayLike<number>, variance: ArrayLike<number>, C: number): void {
  for (let c = 0; c < C; c++) {
    const m = Math.fround(mean[c]), v = Math.fround(variance[c]);
    statistics[c] = m; statistics[C + c] = mean[c] - m;
    statistics[2 * C + c] = v; statistics[3 * C + c] = variance[c] - v;
  }
}

export function readStatistics(statistics: TypedArray, C: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let c = 0; c < C; c++) { mean[c] = statistics[c] + statistics[C + c]; variance[c] = statistics[2 * C + c] + statistics[3 * C + c]; }
  return { mean, variance };
}

/** Column mean and (biased) variance of [rows, C] in f64, in two passes (the reference batchNorm's). */
export function columnMoments(x: TypedArray, rows: number, C: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0, o = r * C; c < C; c++) mean[c] += x[o + c];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0, o = r * C; c < C; c++) { const d = x[o + c] - mean[c]; variance[c] += d * d; }
  for (let c = 0; c < C; c++) variance[c] /= rows;
  return { mean, variance };
}

/** conv2d, and the output's batch statistics over its batch * outH * outW rows written to `statistics`. */
export function conv2dBatchStats(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, statistics: TypedArray): void {
  checkStatistics('conv2dBatchStats', statistics, info.outC);
  conv2d(x, w, bias, out, info);
  const m = columnMoments(out, info.batch * info.outH * info.outW, info.outC);
  writeStatistics(statistics, m.mean, m.variance, info.outC);
}
