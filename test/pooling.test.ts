// Pooling layers through the layer test helper, and their bad-input errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const none = { trainable: 0, nonTrainable: 0 };
// TF.js's avgPool gradient divides by the full window at 'same' borders, although its forward
// pass (rightly) divides by the pixels inside: d/dx of avgPool([1,2,3,4], 2, 'same') at the last
// pixel is 1000 by finite differences of TF.js's own forward with weights [1,10,100,1000], 550
// by tf.grad. There the float64 finite differences are the reference for gradients.
const TFJS_SAME_GRAD = 'TF.js 4.22 avgPool gradient is wrong at same-padding borders';

for (const padding of ['valid', 'same'] as const) {
  runLayerTest({
    name: `AveragePooling2D (3x2, strides 2, ${padding})`,
    make: () => new layers.AveragePooling2D({ poolSize: [3, 2], strides: 2, padding }),
    inputShape: [2, 7, 6, 5],
    tfjs: (tf) => tf.layers.averagePooling2d({ poolSize: [3, 2], strides: 2, padding }),
    weights: none,
    skip: padding === 'same' ? { oracleGrads: TFJS_SAME_GRAD } : {},
  });
}
runLayerTest({
  name: 'MaxPooling1D (3, strides 2, same)',
  make: () => new layers.MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }),
  inputShape: [2, 7, 4],
  tfjs: (tf) => tf.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
  weights: none,
});
runLayerTest({
  name: 'AveragePooling1D (2, same)',
  make: () => new layers.AveragePooling1D({ poolSize: 2, padding: 'same' }),
  inputShape: [2, 7, 4],
  tfjs: (tf) => tf.layers.averagePooling1d({ poolSize: 2, padding: 'same' }),
  weights: none,
  skip: { oracleGrads: TFJS_SAME_GRAD },
});
runLayerTest({
  name: 'GlobalAveragePooling2D',
  make: () => new layers.GlobalAveragePooling2D(),
  inputShape: [2, 4, 5, 3],
  tfjs: (tf) => tf.layers.globalAveragePooling2d({}),
  weights: none,
});
runLayerTest({
  name: 'GlobalMaxPooling2D',
  make: () => new layers.GlobalMaxPooling2D(),
  inputShape: [2, 4, 5, 3],
  tfjs: (tf) => tf.layers.globalMaxPooling2d({}),
  weights: none,
});
runLayerTest({
  name: 'GlobalAveragePooling2D (keepdims)',
  make: () => new layers.GlobalAveragePooling2D({ keepdims: true }),
  inputShape: [2, 4, 5, 3],
  // TF.js has no keepdims: the mean over the image axes, kept, in float64.
  reference: (x) => {
    const out = new Float64Array(2 * 3);
    for (let i = 0; i < x.length; i++) out[Math.floor(i / 60) * 3 + (i % 3)] += x[i] / 20;
    return out;
  },
  weights: none,
});
runLayerTest({
  name: 'GlobalMaxPooling2D (keepdims)',
  make: () => new layers.GlobalMaxPooling2D({ keepdims: true }),
  inputShape: [2, 4, 5, 3],
  reference: (x) => {
    const out = new Float64Array(2 * 3).fill(-Infinity);
    for (let i = 0; i < x.length; i++) { const o = Math.floor(i / 60) * 3 + (i % 3); out[o] = Math.max(out[o], x[i]); }
    return out;
  },
  weights: none,
});
runLayerTest({
  name: 'GlobalAveragePooling1D',
  make: () => new layers.GlobalAveragePooling1D(),
  inputShape: [2, 6, 3],
  tfjs: (tf) => tf.layers.globalAveragePooling1d({}),
  weights: none,
});
runLayerTest({
  name: 'GlobalMaxPooling1D',
  make: () => new layers.GlobalMaxPooling1D(),
  inputShape: [2, 6, 3],
  tfjs: (tf) => tf.layers.globalMaxPooling1d({}),
  weights: none,
});

describe('pooling layers reject bad input', () => {
  it('names the layer, the argument, the expected and the given value', () => {
    assert.throws(() => new layers.AveragePooling2D({ poolSize: [0, 2], name: 'ap' }), /argument 'poolSize' of layer "ap". Expected a positive integer or 2 of them. Received poolSize=\[0,2\]/);
    assert.throws(() => new layers.AveragePooling2D({ poolSize: -2, name: 'ap' }), /'poolSize'.*Received poolSize=-2/);
    assert.throws(() => new layers.MaxPooling1D({ strides: 0, name: 'mp' }), /argument 'strides' of layer "mp".*Received strides=0/);
    assert.throws(() => new layers.AveragePooling1D({ padding: 'full' as 'same', name: 'p' }), /argument 'padding' of layer "p". Expected 'valid' or 'same'. Received padding="full"/);
    assert.throws(() => new layers.GlobalAveragePooling2D({ dataFormat: 'channelsFirst', name: 'g' }), /argument 'dataFormat' of layer "g"/);
  });
  it('rejects unknown options, listing the valid ones', () => {
    assert.throws(() => new layers.AveragePooling2D({ poolsize: 2 } as never), /unknown option 'poolsize'. Valid options are: .*poolSize/);
    assert.throws(() => new layers.GlobalMaxPooling2D({ keepDims: true } as never), /unknown option 'keepDims'.*keepdims/);
  });
  it('a window larger than the input is an error naming the layer and sizes', () => {
    const pool = new layers.AveragePooling2D({ poolSize: 5, name: 'big' });
    assert.throws(() => pool.apply(dt.zeros([1, 4, 4, 1])), /Layer "big": the pooling window \(poolSize=\[5,5\]\) is larger than the input \(shape \[1, 4, 4, 1\]\) with padding 'valid'/);
    assert.throws(() => new layers.MaxPooling1D({ poolSize: 4, name: 'big1' }).apply(dt.zeros([1, 3, 2])), /Layer "big1": the pooling window/);
  });
});
