// Dropout, the noise layers and BatchNormalization through the shared layer test helper. The
// random layers are compared at rate 0 (exact; their statistics and per-step masks are checked in
// test/random-state.test.ts); BatchNormalization in training mode (batch statistics) and in
// inference mode (moving statistics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

runLayerTest({
  name: 'BatchNormalization (momentum 0.9, epsilon 1e-3)',
  make: () => new layers.BatchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
  inputShape: [4, 3, 3, 5],
  tfjs: (tf) => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
  weights: { trainable: 2, nonTrainable: 2 },
  modes: [true, false],
  tol: 1e-4,
  skip: { trainStep: 'the helper evaluates (moving statistics) before and after a training step that itself moves them; the training-mode fit is checked against op by op in test/random-state.test.ts' },
});
runLayerTest({
  name: 'BatchNormalization (dense features, no center)',
  make: () => new layers.BatchNormalization({ center: false }),
  inputShape: [6, 4],
  // TF.js 4.22's batchNormalization without beta fails in training mode ("reading 'read'"), so
  // Keras's formula in float64 is the reference: batch statistics (biased variance) in
  // training, the moving ones in inference; finite differences check the gradients.
  reference: (x, [gamma, movingMean, movingVariance], training) => {
    const C = 4, rows = x.length / C, eps = 1e-3, y = new Float64Array(x.length);
    for (let c = 0; c < C; c++) {
      let mean = movingMean[c], variance = movingVariance[c];
      if (training) {
        mean = 0; for (let r = 0; r < rows; r++) mean += x[r * C + c] / rows;
        variance = 0; for (let r = 0; r < rows; r++) variance += (x[r * C + c] - mean) ** 2 / rows;
      }
      for (let r = 0; r < rows; r++) y[r * C + c] = ((x[r * C + c] - mean) / Math.sqrt(variance + eps)) * gamma[c];
    }
    return y;
  },
  weights: { trainable: 1, nonTrainable: 2 },
  modes: [true, false],
  tol: 1e-4,
  skip: { tfjsFiles: 'TF.js 4.22 cannot train batchNormalization with center: false',
    trainStep: 'the helper evaluates (moving statistics) before and after a training step that itself moves them' },
});
runLayerTest({
  name: 'Dropout (rate 0: exact)',
  make: () => new layers.Dropout({ rate: 0 }),
  inputShape: [3, 5],
  // TF.js 4.22's dropout layer fails under tf.grads at rate 0 ("reading 'read'"); the identity
  // is the reference, and TF.js files with Dropout are checked in test/random-state.test.ts.
  reference: (x) => x,
  weights: { trainable: 0, nonTrainable: 0 },
  modes: [true, false],
  skip: { tfjsFiles: 'TF.js 4.22 cannot train its dropout at rate 0; covered at rate 0.5 in random-state.test.ts' },
});
runLayerTest({
  name: 'GaussianNoise (stddev 0: exact)',
  make: () => new layers.GaussianNoise({ stddev: 0 }),
  inputShape: [3, 4],
  tfjs: (tf) => tf.layers.gaussianNoise({ stddev: 0 }),
  weights: { trainable: 0, nonTrainable: 0 },
  modes: [true, false],
});
runLayerTest({
  name: 'GaussianDropout (rate 0: exact)',
  make: () => new layers.GaussianDropout({ rate: 0 }),
  inputShape: [3, 4],
  tfjs: (tf) => tf.layers.gaussianDropout({ rate: 0 }),
  weights: { trainable: 0, nonTrainable: 0 },
  modes: [true, false],
});
runLayerTest({
  name: 'SpatialDropout2D (rate 0: exact)',
  make: () => new layers.SpatialDropout2D({ rate: 0 }),
  inputShape: [2, 3, 3, 4],
  reference: (x) => x,
  weights: { trainable: 0, nonTrainable: 0 },
  modes: [true, false],
  skip: { tfjsFiles: 'TF.js has no SpatialDropout2D' },
});

// The same layers at real rates: random in training, so the helper compares layers of the same
// seed (compiled vs eager, wasm vs js) and checks the reference in inference only.
const stochastic = { weights: { trainable: 0, nonTrainable: 0 }, modes: [false, true], stochastic: true };
runLayerTest({ name: 'Dropout (rate 0.5)', make: () => new layers.Dropout({ rate: 0.5, seed: 1 }), inputShape: [3, 5], tfjs: (tf) => tf.layers.dropout({ rate: 0.5 }), ...stochastic });
runLayerTest({ name: 'Dropout (noiseShape [null, 1, 4])', make: () => new layers.Dropout({ rate: 0.3, noiseShape: [null, 1, 4], seed: 2 }), inputShape: [2, 3, 4], reference: (x) => x, ...stochastic });
runLayerTest({ name: 'GaussianNoise (stddev 0.3)', make: () => new layers.GaussianNoise({ stddev: 0.3, seed: 3 }), inputShape: [3, 4], tfjs: (tf) => tf.layers.gaussianNoise({ stddev: 0.3 }), ...stochastic });
runLayerTest({ name: 'GaussianDropout (rate 0.4)', make: () => new layers.GaussianDropout({ rate: 0.4, seed: 4 }), inputShape: [3, 4], tfjs: (tf) => tf.layers.gaussianDropout({ rate: 0.4 }), ...stochastic });
runLayerTest({ name: 'SpatialDropout2D (rate 0.5)', make: () => new layers.SpatialDropout2D({ rate: 0.5, seed: 5 }), inputShape: [2, 3, 3, 4], reference: (x) => x, ...stochastic });
runLayerTest({ name: 'AlphaDropout (rate 0.3)', make: () => new layers.AlphaDropout({ rate: 0.3, seed: 6 }), inputShape: [3, 4], tfjs: (tf) => tf.layers.alphaDropout({ rate: 0.3 }), ...stochastic });

// AlphaDropout in training against Keras's formula: every output is a * x + b (kept) or
// a * alpha' + b (dropped), about `rate` of them dropped, and a standard normal input keeps
// mean 0 and variance 1 (what it is for).
test('AlphaDropout in training: Keras\'s affine map, the drop rate, mean and variance kept', () => {
  const rate = 0.2, n = 40000, alphaP = -1.6732632423543772 * 1.0507009873554805;
  const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5, b = -a * alphaP * rate;
  const x = dt.randomNormal([n], 0, 1, 'float64', 3);
  const y = new layers.AlphaDropout({ rate, seed: 1 }).apply(x, { training: true }) as dt.Tensor;
  let dropped = 0, mean = 0;
  for (let i = 0; i < n; i++) {
    const kept = Math.abs(y.data[i] - (a * x.data[i] + b)) < 1e-9, gone = Math.abs(y.data[i] - (a * alphaP + b)) < 1e-9;
    assert.ok(kept || gone, `entry ${i}: ${y.data[i]} is neither a*x+b nor a*alpha'+b`);
    if (gone && !kept) dropped++;
    mean += y.data[i] / n;
  }
  const variance = Array.from(y.data).reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  assert.ok(Math.abs(dropped / n - rate) < 0.01, `dropped ${dropped / n}`);
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  assert.deepEqual(Array.from((new layers.AlphaDropout({ rate }).apply(x) as dt.Tensor).data), Array.from(x.data), 'identity at inference');
  assert.throws(() => new layers.AlphaDropout({ rate: 1 }), /rate/);
});
