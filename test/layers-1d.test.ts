// The sequence counterparts of the 2D padding, cropping, upsampling and spatial-dropout layers,
// through the shared layer test helper. TF.js lacks the first three: Keras's definitions are
// written out here in float64 on [batch, steps, features].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const none = { trainable: 0, nonTrainable: 0 };
const [n, steps, c] = [2, 5, 3];
/** y[b, t, f] = x[b, source(t), f], or 0 where source(t) is outside the input. */
const gather = (outSteps: number, source: (t: number) => number) => (x: Float64Array): Float64Array => {
  const y = new Float64Array(n * outSteps * c);
  for (let b = 0; b < n; b++) for (let t = 0; t < outSteps; t++) for (let f = 0; f < c; f++) {
    const s = source(t);
    y[(b * outSteps + t) * c + f] = s >= 0 && s < steps ? x[(b * steps + s) * c + f] : 0;
  }
  return y;
};

runLayerTest({ name: 'ZeroPadding1D ([1, 2])', make: () => new layers.ZeroPadding1D({ padding: [1, 2] }), inputShape: [n, steps, c], weights: none, reference: gather(steps + 3, (t) => t - 1) });
runLayerTest({ name: 'ZeroPadding1D (default 1)', make: () => new layers.ZeroPadding1D(), inputShape: [n, steps, c], weights: none, reference: gather(steps + 2, (t) => t - 1) });
runLayerTest({ name: 'Cropping1D ([2, 1])', make: () => new layers.Cropping1D({ cropping: [2, 1] }), inputShape: [n, steps, c], weights: none, reference: gather(steps - 3, (t) => t + 2) });
runLayerTest({ name: 'UpSampling1D (size 3)', make: () => new layers.UpSampling1D({ size: 3 }), inputShape: [n, steps, c], weights: none, reference: gather(steps * 3, (t) => Math.floor(t / 3)) });
runLayerTest({
  name: 'SpatialDropout1D (rate 0.5)', make: () => new layers.SpatialDropout1D({ rate: 0.5, seed: 3 }), inputShape: [n, steps, c], weights: none,
  tfjs: (tf) => tf.layers.spatialDropout1d({ rate: 0.5 }), modes: [false, true], stochastic: true,
});

test('bad arguments name the layer: a spatial dropout\'s noiseShape, cropping every step, a zero size', () => {
  assert.throws(() => new layers.SpatialDropout2D({ rate: 0.5, noiseShape: [null, 1, 1, 3] } as never), /SpatialDropout2D|spatial_dropout2d.*takes no noiseShape.*\[null,1,1,3\]/);
  assert.throws(() => new layers.SpatialDropout1D({ rate: 0.5, noiseShape: [null, 1, 3] } as never), /takes no noiseShape/);
  assert.throws(() => new layers.Cropping1D({ cropping: 3 }).apply(dt.ones([1, 5, 2])), /cropping \[3, 3\] removes all 5 steps.*crop fewer/);
  assert.throws(() => new layers.UpSampling1D({ size: 0 }), /size/);
  assert.throws(() => new layers.ZeroPadding1D({ padding: [1, -1] }), /padding/);
  assert.throws(() => new layers.ZeroPadding1D({ pad: 1 } as never), /unknown option 'pad'/);
});
