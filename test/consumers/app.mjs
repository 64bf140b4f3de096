// Consumer check 1: plain Node ESM, the seed model trained for a few steps on synthetic data.
import { tensor, layers, models, datasets, plot, getBackend, getThreads, setRandomSeed } from 'deeptype';

setRandomSeed(1);
const model = new models.Sequential([
  new layers.Input({ shape: [28, 28] }),
  new layers.Reshape({ targetShape: [28, 28, 1] }),
  new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same' }),
  new layers.MaxPooling2D({ poolSize: [2, 2] }),
  new layers.Conv2D({ filters: 16, kernelSize: [3, 3], padding: 'same' }),
  new layers.MaxPooling2D({ poolSize: [2, 2] }),
  new layers.Flatten(),
  new layers.Dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
// Ten easy classes: image k is bright in row band k.
const n = 160;
const x = tensor(Float32Array.from({ length: n * 784 }, (_, i) => (Math.floor((i % 784) / 28 / 2.8) === Math.floor(i / 784) % 10 ? 1 : 0)), [n, 28, 28]);
const y = tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n]);
const history = await model.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0 });
// The optional packages are not installed: each feature says which one it needs.
const attempt = async (f) => { try { await f(); return 'worked'; } catch (e) { return e.message; } };
const mnist = await attempt(() => datasets.mnist.loadData());
const png = await attempt(() => plot.plotHistory(history).toPNG());
const svg = plot.plotHistory(history).toSVG().startsWith('<svg');
const onnx = await attempt(() => model.exportOnnx('model.onnx'));
console.log(JSON.stringify({ backend: getBackend(), threads: getThreads(), loss: history.history.loss, accuracy: history.history.accuracy, mnist, png, svg, onnx }));
