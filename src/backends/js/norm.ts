// Reference batch-normalization kernels over x viewed as [rows, channels] (channels last).
// Statistics are accumulated in float64, so float32 inputs lose nothing to long sums.
import type { TypedArray } from '../../core/dtype.ts';

export function batchNorm(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, channels: number, epsilon: number): void {
  const s = new Float64Array(channels), s2 = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0, o = r * channels; c < channels; c++) s[c] += x[o + c];
  }
  for (let c = 0; c < channels; c++) s[c] /= rows;
  // Two passes (mean, then squared deviations): no cancellation for data far from zero.
  for (let r = 0; r < rows; r++) {
    for (let c = 0, o = r * channels; c < channels; c++) { const d = x[o + c] - s[c]; s2[c] += d * d; }
  }
  for (let c = 0; c < channels; c++) { mean[c] = s[c]; variance[c] = s2[c] / rows; }
  const scale = new Float64Array(channels), shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(s2[c] / rows + epsilon);
    shift[c] = (beta ? beta[c] : 0) - s[c] * scale[c];
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
