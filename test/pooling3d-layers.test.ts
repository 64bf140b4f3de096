// The 3-D pooling layers through the layer test helper (TF.js for MaxPooling3D and
// AveragePooling3D; Keras's formula in float64 for the global ones, which TF.js lacks, and where
// TF.js 4.22's 3-D pooling is wrong: see test/pooling3d-ops.test.ts), and their option errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { assertCompiledTrainsAsEager } from './helpers/compare.ts';
import { reference } from './helpers/pool3d-reference.ts';

const none = { trainable: 0, nonTrainable: 0 };
const TFJS_SAME_GRAD = 'TF.js 4.22 avgPool3d gradient divides by the full window at same-padding borders';
const TFJS_NO_LAYER = (name: string) => `TF.js has no ${name}`;

runLayerTest({
  name: 'MaxPooling3D (2)',
  make: () => new layers.MaxPooling3D({ poolSize: 2 }),
  inputShape: [2, 4, 4, 5, 3],
  tfjs: (tf) => tf.layers.maxPooling3d({ poolSize: 2 }),
  weights: none,
});
runLayerTest({
  name: 'MaxPooling3D ([3, 2, 2], strides [1, 2, 2], same)',
  make: () => new layers.MaxPooling3D({ poolSize: [3, 2, 2], strides: [1, 2, 2], padding: 'same' }),
  inputShape: [2, 3, 5, 4, 2],
  tfjs: (tf) => tf.layers.maxPooling3d({ poolSize: [3, 2, 2], strides: [1, 2, 2], padding: 'same' }),
  weights: none,
});
runLayerTest({
  name: 'MaxPooling3D ([2, 2, 3], strides [2, 1, 3], valid: TF.js gradient wrong for poolH != poolW)',
  make: () => new layers.MaxPooling3D({ poolSize: [2, 2, 3], strides: [2, 1, 3] }),
  inputShape: [2, 5, 3, 7, 2],
  tfjs: (tf) => tf.layers.maxPooling3d({ poolSize: [2, 2, 3], strides: [2, 1, 3] }),
  weights: none,
  skip: { oracleGrads: "TF.js 4.22's maxPool3d gradient misplaces window positions when poolH != poolW; the float64 finite differences stand in" },
});
runLayerTest({
  name: 'AveragePooling3D (2, strides 1, valid)',
  make: () => new layers.AveragePooling3D({ poolSize: 2, strides: 1 }),
  inputShape: [2, 3, 4, 3, 2],
  tfjs: (tf) => tf.layers.averagePooling3d({ poolSize: 2, strides: 1 }),
  weights: none,
});
runLayerTest({
  name: 'AveragePooling3D (3, strides 2, same)',
  make: () => new layers.AveragePooling3D({ poolSize: 3, strides: 2, padding: 'same' }),
  inputShape: [2, 5, 4, 3, 2],
  tfjs: (tf) => tf.layers.averagePooling3d({ poolSize: 3, strides: 2, padding: 'same' }),
  weights: none,
  skip: { oracleGrads: TFJS_SAME_GRAD },
});
runLayerTest({
  name: 'AveragePooling3D ([1, 2, 2], strides [1, 3, 3], same: TF.js pads -1 there)',
  make: () => new layers.AveragePooling3D({ poolSize: [1, 2, 2], strides: [1, 3, 3], padding: 'same' }),
  inputShape: [2, 2, 6, 6, 2],
  reference: (x) => reference(dt.tensor(x, [2, 2, 6, 6, 2], 'float64'), [1, 2, 2], [1, 3, 3], 'same', 'avg').y.data as Float64Array,
  weights: none,
  skip: { tfjsFiles: "TF.js 4.22's 3-D 'same' padding is -1 where a stride exceeds the window: its predictions differ from TF's rule" },
});

/** Keras's global pooling in float64: the mean or max over depth, height and width per sample and channel. */
function globalPool(x: Float64Array, [n, d, h, w, c]: number[], kind: 'avg' | 'max'): Float64Array {
  const out = new Float64Array(n * c), cells = d * h * w;
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) {
    let acc = kind === 'avg' ? 0 : -Infinity;
    for (let i = 0; i < cells; i++) {
      const v = x[(b * cells + i) * c + k];
      acc = kind === 'avg' ? acc + v / cells : Math.max(acc, v);
    }
    out[b * c + k] = acc;
  }
  return out;
}
for (const keepdims of [false, true]) {
  runLayerTest({
    name: `GlobalAveragePooling3D (keepdims ${keepdims})`,
    make: () => new layers.GlobalAveragePooling3D({ keepdims }),
    inputShape: [2, 3, 2, 4, 3],
    reference: (x) => globalPool(x, [2, 3, 2, 4, 3], 'avg'),
    weights: none,
    skip: { tfjsFiles: TFJS_NO_LAYER('GlobalAveragePooling3D') },
  });
  runLayerTest({
    name: `GlobalMaxPooling3D (keepdims ${keepdims})`,
    make: () => new layers.GlobalMaxPooling3D({ keepdims }),
    inputShape: [2, 2, 3, 3, 2],
    reference: (x) => globalPool(x, [2, 2, 3, 3, 2], 'max'),
    weights: none,
    skip: { tfjsFiles: TFJS_NO_LAYER('GlobalMaxPooling3D') },
  });
}

describe('a volume model of every 3-D layer', () => {
  // A CT-scan-like stack (keras-io's 3-D classifier pools with MaxPooling3D and ends in
  // GlobalAveragePooling3D), with BatchNormalization and a seeded SpatialDropout3D in training.
  const build = (): models.Model => {
    dt.setRandomSeed(3);
    return new models.Sequential([
      new layers.Input({ shape: [6, 7, 5, 2] }),
      new layers.Dense({ units: 4, activation: 'relu' }),
      new layers.MaxPooling3D({ poolSize: 2, padding: 'same' }),
      new layers.BatchNormalization(),
      new layers.ZeroPadding3D({ padding: [1, 0, 1] }),
      new layers.AveragePooling3D({ poolSize: [2, 2, 1], strides: 1 }),
      new layers.SpatialDropout3D({ rate: 0.25, seed: 9 }),
      new layers.UpSampling3D({ size: [1, 2, 2] }),
      new layers.Cropping3D({ cropping: [[0, 1], [1, 1], [0, 2]] }),
      new layers.GlobalMaxPooling3D({ keepdims: true }),
      new layers.GlobalAveragePooling3D(),
      new layers.Dense({ units: 3, activation: 'softmax' }),
    ]);
  };
  const x = dt.randomUniform([4, 6, 7, 5, 2], -1, 1, 'float32', 5), y = dt.tensor([0, 1, 2, 1], [4], 'int32');
  for (const name of ['js', 'wasm']) {
    it(`trains compiled as eagerly on ${name} (three Adam steps, same weights)`, async () => {
      // setBackend, not withBackend: the helper awaits, and withBackend restores the backend at its first await.
      const saved = dt.getBackend();
      dt.setBackend(name);
      try {
        await dt.ready();
        await assertCompiledTrainsAsEager(build, x, y, `3-D stack on ${name}`);
        assert.equal(dt.getBackend(), name);
      } finally { dt.setBackend(saved); }
    });
  }
});

describe('3-D pooling layers: shapes, factories and errors', () => {
  it('shapes on symbolic inputs (unknown batch), factories and TF.js aliases', () => {
    const x = layers.input({ shape: [9, 8, 7, 3] });
    assert.deepEqual(layers.maxPooling3d({ poolSize: 2 }).apply(x).shape, [null, 4, 4, 3, 3]);
    assert.deepEqual(layers.avgPool3d({ poolSize: [3, 2, 2], strides: [2, 2, 3], padding: 'same' }).apply(x).shape, [null, 5, 4, 3, 3]);
    assert.equal(layers.avgPooling3d, layers.averagePooling3d);
    assert.deepEqual(layers.globalAveragePooling3d({}).apply(x).shape, [null, 3]);
    assert.deepEqual(layers.globalMaxPooling3d({ keepdims: true }).apply(x).shape, [null, 1, 1, 1, 3]);
    assert.ok(layers.maxPooling3d({}) instanceof layers.MaxPooling3D);
  });

  it('bad options and inputs name the layer, the argument, expected and given', () => {
    assert.throws(() => new layers.MaxPooling3D({ poolSize: [2, 2] as unknown as number, name: 'p' }), /argument 'poolSize' of layer "p". Expected a positive integer or 3 of them. Received poolSize=\[2,2\]/);
    assert.throws(() => new layers.AveragePooling3D({ strides: 0, name: 'p' }), /argument 'strides' of layer "p". Expected a positive integer or 3 of them. Received strides=0/);
    assert.throws(() => new layers.MaxPooling3D({ padding: 'full' as 'same', name: 'p' }), /argument 'padding' of layer "p". Expected 'valid' or 'same'. Received padding="full"/);
    assert.throws(() => new layers.MaxPooling3D({ dataFormat: 'channelsFirst', name: 'p' }), /argument 'dataFormat' of layer "p". Expected 'channelsLast'/);
    assert.throws(() => new layers.GlobalAveragePooling3D({ dataFormat: 'channels_first', name: 'g' }), /argument 'dataFormat' of layer "g"/);
    assert.throws(() => new layers.MaxPooling3D({ pool_size: 2 } as never), /pool_size/);
    assert.throws(() => new layers.GlobalMaxPooling3D({ keepDims: true } as never), /keepDims/);
    assert.throws(() => layers.maxPooling3d({ poolSize: 3, name: 'small' }).apply(layers.input({ shape: [2, 8, 8, 1] })), /Layer "small": the pooling window \(poolSize=\[3,3,3\]\) is larger than the input \(shape \[null, 2, 8, 8, 1\]\) with padding 'valid'/);
    assert.throws(() => layers.maxPooling3d({ name: 'rank' }).apply(dt.zeros([1, 4, 4, 1])), /rank/);
    assert.throws(() => layers.globalAveragePooling3d({ name: 'rank' }).apply(dt.zeros([1, 4, 4, 1])), /rank/);
  });
});
