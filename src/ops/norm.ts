// Batch normalization as two fused kernels (statistics and normalization in one op; its whole
// gradient in another), and the per-channel affine map that inference-mode normalization is.
// Channels are the last axis; the layer moves another axis there first.
import { backend, record } from '../core/engine.ts';
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { mul } from './elementwise.ts';
import { sum } from './reduce.ts';
import { reshape } from './layout.ts';

const floatOf = (x: Tensor): 'float32' | 'float64' => (x.dtype === 'float64' ? 'float64' : 'float32');

function checkChannels(what: string, x: Tensor, ...params: (Tensor | null | undefined)[]): number {
  if (x.rank < 1) throw new Error(`${what}: expected at least one axis, got a scalar`);
  const channels = x.shape[x.rank - 1];
  for (const p of params) {
    if (p && (p.rank !== 1 || p.shape[0] !== channels)) {
      throw new Error(`${what}: expected a parameter of shape [${channels}] (one per channel of ${formatShape(x.shape)}), got ${formatShape(p.shape)}`);
    }
  }
  return channels;
}

/**
 * Normalizes x over every axis but the last with the batch's own statistics:
 * (x - mean) / sqrt(variance + epsilon) * gamma + beta. Returns y and the statistics (the
 * biased variance, as Keras 3 uses for the moving variance).
 */
export function batchNormTrain(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const channels = checkChannels('batchNormTrain', x, gamma, beta);
  const rows = x.size / channels;
  const dtype = floatOf(x);
  const mean = make(dtype, [channels], () => {}), variance = make(dtype, [channels], () => {});
  const y = make(dtype, x.shape, (out) => backend().batchNorm(x.data, gamma?.data ?? null, beta?.data ?? null, out, mean.data, variance.data, rows, channels, epsilon));
  const inputs = [x, gamma, beta].filter((t): t is Tensor => t !== null);
  record('batchNorm', inputs, y, { epsilon, hasGamma: gamma !== null, hasBeta: beta !== null }, [mean, variance]);
  return { y, mean, variance };
}

/** x * scale + shift per channel (the last axis); shift may be null. */
export function channelAffine(x: Tensor, scale: Tensor, shift: Tensor | null = null): Tensor {
  const channels = checkChannels('channelAffine', x, scale, shift);
  const y = make(floatOf(x), x.shape, (out) => backend().channelAffine(x.data, scale.data, shift?.data ?? null, out, x.size / channels, channels));
  record('channelAffine', shift ? [x, scale, shift] : [x, scale], y, {});
  return y;
}

export const normGrads: GradTable<'batchNorm' | 'channelAffine'> = {
  batchNorm: (dy, { inputs: [x, ...params], attrs: { epsilon, hasGamma, hasBeta }, saved: [mean, variance] }) => {
    const gamma = hasGamma ? params[0] : null;
    const channels = x.shape[x.rank - 1];
    const dgamma = make(dy.dtype, [channels], () => {}), dbeta = make(dy.dtype, [channels], () => {});
    const dx = make(dy.dtype, x.shape, (out) => backend().batchNormGrad(x.data, dy.data, mean.data, variance.data, gamma?.data ?? null, out, dgamma.data, dbeta.data, x.size / channels, channels, epsilon));
    return [dx, ...(hasGamma ? [dgamma] : []), ...(hasBeta ? [dbeta] : [])];
  },
  channelAffine: (dy, { inputs: [x, scale, shift] }, [, needsScale, needsShift]) => {
    const channels = x.shape[x.rank - 1];
    const rows = reshape(dy, [-1, channels]);
    return [
      channelAffine(dy, scale),
      needsScale ? sum(mul(rows, reshape(x, [-1, channels])), 0) : null,
      ...(shift ? [needsShift ? sum(rows, 0) : null] : []),
    ];
  },
};
