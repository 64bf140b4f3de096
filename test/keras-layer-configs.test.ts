// Every registered layer class maps to Keras 3's and Keras 2's layer configs and back: the
// rebuilt layer has the same getConfig(). Generic over the registry: a class added later
// without a case here is listed by the last test (so the table below is kept complete).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { layers } from '../src/index.ts';
import { layerClassNames } from '../src/layers/registry.ts';
import { layerFromKeras, layerToKeras } from '../src/io/keras-layers.ts';
import type { Layer } from '../src/layers/layer.ts';

const L = layers as unknown as Record<string, new (a?: unknown) => Layer>;
// Non-default options where a layer has them, so that each one is carried across.
const CASES: Record<string, unknown> = {
  Activation: { activation: 'tanh' }, Add: {}, Average: {}, Subtract: {}, Multiply: {}, Maximum: {}, Minimum: {},
  AveragePooling1D: { poolSize: 3, strides: 1, padding: 'same' }, AveragePooling2D: { poolSize: [2, 3], padding: 'same' },
  MaxPooling1D: { poolSize: 2 }, MaxPooling2D: { poolSize: [3, 3], strides: [1, 2], padding: 'same' },
  GlobalAveragePooling1D: {}, GlobalAveragePooling2D: { keepdims: true }, GlobalMaxPooling1D: {}, GlobalMaxPooling2D: {},
  BatchNormalization: { momentum: 0.9, epsilon: 1e-4, center: false },
  Concatenate: { axis: 1 }, Dot: { axes: 1, normalize: true },
  Conv1D: { filters: 3, kernelSize: 5, strides: 1, padding: 'causal', dilationRate: 2, activation: 'relu' },
  Conv2D: { filters: 6, kernelSize: [3, 5], strides: [1, 1], padding: 'same', dilationRate: [2, 2], useBias: false, kernelInitializer: 'heNormal' },
  Conv2DTranspose: { filters: 4, kernelSize: 3, strides: 2, padding: 'same' },
  Conv3D: { filters: 4, kernelSize: [3, 2, 3], strides: [1, 2, 1], padding: 'same', dilationRate: 1, groups: 2, activation: 'relu' },
  Conv3DTranspose: { filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0, 1], useBias: false },
  DepthwiseConv2D: { kernelSize: 3, depthMultiplier: 2 }, SeparableConv2D: { filters: 5, kernelSize: 3, depthMultiplier: 2 },
  DepthwiseConv1D: { kernelSize: 3, depthMultiplier: 2, padding: 'causal', dilationRate: 2 }, SeparableConv1D: { filters: 5, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' },
  Conv1DTranspose: { filters: 4, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 },
  Embedding: { inputDim: 11, outputDim: 4, inputLength: 6, embeddingsInitializer: 'glorotUniform' }, UnitNormalization: { axis: [1, 2] }, Identity: {},
  Cropping2D: { cropping: [[1, 2], [0, 1]] }, ZeroPadding2D: { padding: [[1, 0], [2, 2]] }, UpSampling2D: { size: [2, 3], interpolation: 'bilinear' },
  ZeroPadding1D: { padding: [2, 1] }, Cropping1D: { cropping: [0, 2] }, UpSampling1D: { size: 3 }, SpatialDropout1D: { rate: 0.25 },
  MaxPooling3D: { poolSize: [2, 3, 1], strides: [1, 2, 1], padding: 'same' }, AveragePooling3D: { poolSize: 3, strides: 2 },
  GlobalAveragePooling3D: { keepdims: true }, GlobalMaxPooling3D: {}, SpatialDropout3D: { rate: 0.3, seed: 2 },
  ZeroPadding3D: { padding: [[1, 0], [2, 2], [0, 3]] }, Cropping3D: { cropping: [1, 0, 2] }, UpSampling3D: { size: [1, 2, 3] },
  Permute: { dims: [2, 1] }, RepeatVector: { n: 4 }, Reshape: { targetShape: [4, -1] }, Flatten: {},
  Dense: { units: 7, activation: 'softmax', biasInitializer: 'ones' },
  Dropout: { rate: 0.3 }, SpatialDropout2D: { rate: 0.2 }, GaussianNoise: { stddev: 0.1 }, GaussianDropout: { rate: 0.4 }, AlphaDropout: { rate: 0.25, seed: 3 },
  RandomFlip: { mode: 'horizontal', seed: 3 }, RandomTranslation: { heightFactor: 0.1, widthFactor: [-0.2, 0.1], fillMode: 'constant' },
  RandomZoom: { heightFactor: 0.2, widthFactor: null, interpolation: 'nearest' }, RandomRotation: { factor: 0.1, seed: 1 },
  RandomContrast: { factor: 0.3 }, RandomBrightness: { factor: [-0.1, 0.2], valueRange: [0, 1] },
  RandomCrop: { height: 4, width: 3, seed: 2 },
  ActivityRegularization: { l1: 0.01, l2: 0.02 }, ReLU: { maxValue: 6, negativeSlope: 0.1, threshold: 0.5 }, LeakyReLU: { negativeSlope: 0.2 }, ThresholdedReLU: { theta: 0.7 },
  PReLU: {}, ELU: { alpha: 0.5 }, Softmax: { axis: 1 },
  LayerNormalization: { epsilon: 1e-4, center: false }, GroupNormalization: { groups: 2, epsilon: 1e-4 },
  Rescaling: { scale: 1 / 255, offset: -0.5 }, Normalization: { mean: [1, 2], variance: [4, 9] },
  Resizing: { height: 8, width: 6, interpolation: 'nearest' }, CenterCrop: { height: 4, width: 5 },
  TimeDistributed: { layer: new layers.Conv2D({ filters: 3, kernelSize: 2, padding: 'same' }) },
  CategoryEncoding: { numTokens: 7, outputMode: 'oneHot' }, RandomWidth: { factor: [-0.2, 0.3], interpolation: 'nearest', seed: 2 }, RandomHeight: { factor: 0.25 },
};

describe('layer configs, Keras 3 and Keras 2', () => {
  for (const [name, args] of Object.entries(CASES)) {
    it(name, () => {
      const layer = new L[name](args);
      for (const version of [3, 2] as const) {
        const o = JSON.parse(JSON.stringify(layerToKeras(layer, version)));
        assert.equal(o.class_name, name);
        if (version === 3) assert.deepEqual([o.module, o.registered_name], ['keras.layers', null]);
        else assert.deepEqual(Object.keys(o).sort(), ['class_name', 'config']);
        assert.ok(!Object.keys(o.config).some((k) => /[A-Z]/.test(k)), `snake_case keys: ${Object.keys(o.config)}`);
        const back = layerFromKeras(o, `case.${version}`);
        assert.deepEqual(back.getConfig(), layer.getConfig(), `${name} through Keras ${version}`);
      }
    });
  }

  it('InputLayer: batch_shape (Keras 3) and batch_input_shape (Keras 2)', () => {
    for (const key of ['batch_shape', 'batch_input_shape']) {
      const layer = layerFromKeras({ class_name: 'InputLayer', config: { [key]: [null, 5, 3], dtype: 'float32', sparse: false, name: 'in' } }, 'f');
      assert.deepEqual(layer.batchInputShape, [null, 5, 3]);
    }
  });

  it('every registered layer class has a case here', () => {
    // Lambda holds a function no file can store: its refusal is tested in test/lambda.test.ts.
    const missing = layerClassNames().filter((n) => n !== 'InputLayer' && n !== 'Lambda' && !(n in CASES));
    assert.deepEqual(missing, [], `add cases for ${missing.join(', ')}`);
  });
});
