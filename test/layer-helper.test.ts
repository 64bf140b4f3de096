// The layer test helper (test/helpers/layer-test.ts) on the layers deeptype already had.
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

runLayerTest({
  name: 'Dense (relu, rank 3 input)',
  make: () => new layers.Dense({ units: 4, activation: 'relu' }),
  inputShape: [2, 3, 5],
  tfjs: (tf) => tf.layers.dense({ units: 4, activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv2D (same, strides 2)',
  make: () => new layers.Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
  inputShape: [2, 6, 7, 3],
  tfjs: (tf) => tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'MaxPooling2D (2x2)',
  make: () => new layers.MaxPooling2D({ poolSize: 2 }),
  inputShape: [2, 6, 7, 3],
  tfjs: (tf) => tf.layers.maxPooling2d({ poolSize: 2 }),
  weights: { trainable: 0, nonTrainable: 0 },
});

runLayerTest({
  name: 'Flatten',
  make: () => new layers.Flatten(),
  inputShape: [2, 3, 4, 2],
  tfjs: (tf) => tf.layers.flatten(),
  weights: { trainable: 0, nonTrainable: 0 },
});

// channelsFirst moves axis 1 last before flattening (deeptype ignored it and flattened as is).
runLayerTest({
  name: 'Flatten channelsFirst',
  make: () => new layers.Flatten({ dataFormat: 'channelsFirst' }),
  inputShape: [2, 3, 4, 2],
  tfjs: (tf) => tf.layers.flatten({ dataFormat: 'channelsFirst' }),
  weights: { trainable: 0, nonTrainable: 0 },
});

runLayerTest({
  name: 'Reshape',
  make: () => new layers.Reshape({ targetShape: [4, 6] }),
  inputShape: [2, 3, 4, 2],
  tfjs: (tf) => tf.layers.reshape({ targetShape: [4, 6] }),
  weights: { trainable: 0, nonTrainable: 0 },
});

runLayerTest({
  name: 'Activation (tanh)',
  make: () => new layers.Activation({ activation: 'tanh' }),
  inputShape: [2, 5, 3],
  tfjs: (tf) => tf.layers.activation({ activation: 'tanh' }),
  weights: { trainable: 0, nonTrainable: 0 },
});
