// One system of the benchmark: TensorFlow.js's pure-JS cpu backend on the seed model. A full
// epoch takes hours here, so it trains a few steps and predicts a few batches, extrapolated.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { datasets } from 'deeptype';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '3' } } });
await tf.setBackend('cpu');
const steps = Number(values.steps);
const [[xTrain, yTrain], [xTest]] = datasets.mnist.loadData();
const x = tf.tensor(Float32Array.from(xTrain.data.subarray(0, steps * 32 * 784), (v) => v / 255), [steps * 32, 28, 28]);
const y = tf.tensor(Float32Array.from(yTrain.data.subarray(0, steps * 32)), [steps * 32]);
const model = tf.sequential({ layers: [
  tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [28, 28] }),
  tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }), tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }), tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7), metrics: ['acc'] });
const t = performance.now();
await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
const msPerStep = (performance.now() - t) / steps;
const xi = tf.tensor(Float32Array.from(xTest.data.subarray(0, 256 * 784), (v) => v / 255), [256, 28, 28]);
const t2 = performance.now();
(model.predict(xi, { batchSize: 256 }) as tf.Tensor).dataSync();
const inferImagesPerSec = 256 / ((performance.now() - t2) / 1000);
console.log(JSON.stringify({
  name: 'tfjs-cpu', threads: 1, secondsPerEpoch: (msPerStep * 1875) / 1000, msPerStep, inferImagesPerSec,
  peakRssMB: process.resourceUsage().maxRSS / 1024, testAccuracy: null, extrapolated: true, trainedSamples: steps * 32,
}));
