// LayerNormalization and GroupNormalization through the layer test helper.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

runLayerTest({
  name: 'LayerNormalization (last axis)',
  make: () => new layers.LayerNormalization(),
  inputShape: [3, 4, 6],
  tfjs: (tf) => tf.layers.layerNormalization({}),
  weights: { trainable: 2, nonTrainable: 0 },
});
runLayerTest({
  name: 'LayerNormalization (axes [1, 2], epsilon 0.01, no center)',
  make: () => new layers.LayerNormalization({ axis: [1, 2], epsilon: 0.01, center: false }),
  inputShape: [2, 3, 4],
  tfjs: (tf) => tf.layers.layerNormalization({ axis: [1, 2], epsilon: 0.01, center: false }),
  weights: { trainable: 1, nonTrainable: 0 },
  // TF.js 4.22 cannot differentiate its layerNormalization without beta (its tape fails with
  // "Cannot read properties of undefined (reading 'id')"), so it cannot train it either.
  skip: { oracleGrads: 'TF.js cannot differentiate layerNormalization with center: false', tfjsFiles: 'TF.js cannot train layerNormalization with center: false' },
});

/** Keras 3's GroupNormalization on [n, ..., c] in float64: statistics per sample and group. */
function groupNorm(x: Float64Array, n: number, c: number, groups: number, eps: number, gamma?: Float64Array, beta?: Float64Array): Float64Array {
  const per = x.length / n, spatial = per / c, cg = c / groups, out = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let s = 0; s < spatial; s++) for (let k = 0; k < cg; k++) idx.push(b * per + s * c + g * cg + k);
      const mean = idx.reduce((a, i) => a + x[i], 0) / idx.length;
      const variance = idx.reduce((a, i) => a + (x[i] - mean) ** 2, 0) / idx.length;
      for (const i of idx) {
        const ch = i % c;
        out[i] = ((x[i] - mean) / Math.sqrt(variance + eps)) * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0);
      }
    }
  }
  return out;
}
runLayerTest({
  name: 'GroupNormalization (groups 2, images)',
  make: () => new layers.GroupNormalization({ groups: 2 }),
  inputShape: [2, 3, 3, 4],
  reference: (x, [gamma, beta]) => groupNorm(x, 2, 4, 2, 1e-3, gamma, beta),
  weights: { trainable: 2, nonTrainable: 0 },
});
runLayerTest({
  name: 'GroupNormalization (groups 3, sequences, no scale)',
  make: () => new layers.GroupNormalization({ groups: 3, scale: false, epsilon: 1e-2 }),
  inputShape: [2, 4, 6],
  reference: (x, [beta]) => groupNorm(x, 2, 6, 3, 1e-2, undefined, beta),
  weights: { trainable: 1, nonTrainable: 0 },
});

describe('normalization layers reject bad input', () => {
  it('groups that do not divide the channels, bad epsilon, bad axis, unknown options', () => {
    assert.throws(() => new layers.GroupNormalization({ groups: 3, name: 'gn' }).apply(dt.zeros([1, 2, 2, 4])),
      /Layer "gn": groups=3 must divide the number of channels \(4\) of input shape \[null, 2, 2, 4\]/);
    assert.throws(() => new layers.GroupNormalization({ groups: 0, name: 'gn' }), /argument 'groups' of layer "gn". Expected a positive integer. Received groups=0/);
    assert.throws(() => new layers.LayerNormalization({ epsilon: 0, name: 'ln' }), /argument 'epsilon' of layer "ln". Expected a number in \(0, Infinity\]. Received epsilon=0/);
    assert.throws(() => new layers.LayerNormalization({ axis: 0, name: 'ln' }).apply(dt.zeros([2, 3])), /Layer "ln": axis 0 is not a feature axis/);
    assert.throws(() => new layers.LayerNormalization({ gammaInitializer: 'one' as 'ones', name: 'ln' }), /Layer "ln": unknown initializer 'one'/);
    assert.throws(() => new layers.LayerNormalization({ momentum: 0.9 } as never), /unknown option 'momentum'/);
  });
});
