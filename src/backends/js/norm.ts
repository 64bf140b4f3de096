// Reference batch-normalization kernels over x viewed as [rows, channels] (channels last).
// Statistics are accumulated in float64, so float32 inputs lose nothing to long sums.
import type { TypedArray } from '../../core/dtype.ts';
import { checkStatistics, columnMoments, readStatistics } from './norm-stats.ts';

/** `statistics` (a record of norm-stats.ts, from conv2dBatchStats): the batch's mean and variance, not computed here. */
export function batchNorm(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, channels: number, epsilon: number,
  statistics: TypedArray | null = null): void {
  if (statistics) checkStatistics('batchNorm', statistics, channels);
  // Two passes (mean, then squared deviations): no cancellation for data far from zero.
  const m = statistics ? readStatistics(statistics, channels) : columnMoments(x, rows, channels);
  mean.set(m.mean);
  variance.set(m.variance);
  const scale = new Float64Array(channels), shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(m.variance[c] + epsilon);
    shift[c] = (beta ? beta[c] : 0) - m.mean[c] * scale[c];
  }
  channelAffine(x, scale, shift, y, rows, channels);
}

export function batchNormGrad(x: TypedArray, dy: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, channels: number, epsilon: number): void {
  const sumDy = new Float64Array(channels), sumDyXhat = new Float64Array(channels), inv = new Float64Array(channels);
  for (let c = 0; c < channels; c++) inv[c] = 1 / Math.sqrt(variance[c] + epsilon);
  for (let r = 0; r < rows; r++) {
    for (let c = 0, o = r * channels; c < channels; c++) {
      sumDy[c] += dy[o + c];
      sumDyXhat[c] += dy[o + c] * (x[o + c] - mean[c]) * inv[c];
    }
  }
  for (let c = 0; c < channels; c++) { dgamma[c] = sumDyXhat[c]; dbeta[c] = sumDy[c]; }
  // dx = gamma * inv / N * (N dy - sum(dy) - xhat * sum(dy xhat))
  for (let r = 0; r < rows; r++) {
    for (let c = 0, o = r * channels; c < channels; c++) {
      const xhat = (x[o + c] - mean[c]) * inv[c];
      dx[o + c] = ((gamma ? gamma[c] : 1) * inv[c] / rows) * (rows * dy[o + c] - sumDy[c] - xhat * sumDyXhat[c]);
    }
  }
}

export function channelAffine(x: TypedArray, scale: ArrayLike<number>, shift: ArrayLike<number> | null, out: TypedArray, rows: number, channels: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0, o = r * channels; c < channels; c++) out[o + c] = x[o + c] * scale[c] + (shift ? shift[c] : 0);
  }
}
