// One system of the benchmark: deeptype trains the seed model (or, with --model convnet,
// keras-io's MNIST convnet at batch 128) for one epoch (or on --limit samples, extrapolated)
// and predicts the test set; prints one JSON line.
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { datasets, losses, optimizers } from 'deeptype';
import { seedModel } from '../examples/seed-model.ts';
import { kerasIoConvnet } from '../examples/keras-io-convnet.ts';

const { values } = parseArgs({ options: {
  backend: { type: 'string', default: 'wasm' }, threads: { type: 'string' }, limit: { type: 'string' }, epochs: { type: 'string', default: '1' },
  model: { type: 'string', default: 'seed' },
} });
const convnet = values.model === 'convnet';
const batchSize = convnet ? 128 : 32;
dt.setBackend(values.backend!);
if (values.threads) dt.setThreads(Number(values.threads));
await dt.ready();
dt.setRandomSeed(1);

let [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
const limit = values.limit ? Number(values.limit) : xTrain.shape[0];
[xTrain, yTrain] = [xTrain.index([0, limit]).div(255), yTrain.index([0, limit])];
xTest = xTest.div(255);
if (convnet) [xTrain, xTest] = [xTrain.reshape([-1, 28, 28, 1]), xTest.reshape([-1, 28, 28, 1])];
const model = convnet ? kerasIoConvnet() : seedModel();
model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });

const epochs = Number(values.epochs), steps = Math.ceil(limit / batchSize), fullSteps = Math.ceil(60000 / batchSize);
const rssAfterEpoch: number[] = [];
let start = 0;
const epochSeconds: number[] = [];
await model.fit(xTrain, yTrain, { epochs, batchSize, verbose: 0, callbacks: [{
  onEpochBegin: () => { start = performance.now(); },
  onEpochEnd: () => { epochSeconds.push((performance.now() - start) / 1000); rssAfterEpoch.push(process.memoryUsage().rss / 2 ** 20); },
}] });
const seconds = epochSeconds[epochs - 1];
const msPerStep = (seconds / steps) * 1000;

// Inference at batch 256; a first batch compiles the plan and is not timed. The js backend
// predicts a subset only (and is marked extrapolated).
const inferN = values.limit ? Math.min(2560, xTest.shape[0]) : xTest.shape[0];
const xInfer = xTest.index([0, inferN]);
model.predict(xTest.index([0, 256]), { batchSize: 256 });
const t = performance.now();
model.predict(xInfer, { batchSize: 256 });
const inferImagesPerSec = inferN / ((performance.now() - t) / 1000);
const [, testAccuracy] = model.evaluate(xTest, yTest, { batchSize: 256, verbose: 0 });

console.log(JSON.stringify({
  name: `deeptype-${values.backend}${convnet ? '-convnet' : ''}`, threads: dt.getThreads(), secondsPerEpoch: (msPerStep * fullSteps) / 1000, msPerStep, inferImagesPerSec,
  peakRssMB: process.resourceUsage().maxRSS / 1024, rssAfterEpochMB: rssAfterEpoch, testAccuracy: values.limit ? null : testAccuracy,
  extrapolated: Boolean(values.limit), trainedSamples: limit,
}));
process.exit(0);
