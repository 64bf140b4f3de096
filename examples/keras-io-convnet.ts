// keras-io's "Simple MNIST convnet" (https://keras.io/examples/vision/mnist_convnet/), ported:
// the model is the same, the data and recipe too (batch 128, 15 epochs, validationSplit 0.1,
// Adam). Run: node --import tsx examples/keras-io-convnet.ts [--epochs 15]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { datasets, layers, models } from 'deeptype';

export function kerasIoConvnet(): models.Sequential {
  return new models.Sequential([
    new layers.Input({ shape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }),
    new layers.Flatten(),
    new layers.Dropout({ rate: 0.5 }),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { epochs: { type: 'string', default: '15' }, limit: { type: 'string' } } });
  dt.setRandomSeed(1);
  let [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
  if (values.limit) [xTrain, yTrain] = [xTrain.index([0, Number(values.limit)]), yTrain.index([0, Number(values.limit)])];
  // Scale images to [0, 1] and add the channel axis, as the Keras example does with np.expand_dims(x, -1).
  xTrain = xTrain.div(255).reshape([-1, 28, 28, 1]);
  xTest = xTest.div(255).reshape([-1, 28, 28, 1]);
  const model = kerasIoConvnet();
  model.summary();
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(xTrain, yTrain, { batchSize: 128, epochs: Number(values.epochs), validationSplit: 0.1 });
  const [loss, acc] = model.evaluate(xTest, yTest, { verbose: 0 });
  console.log(`Test loss: ${loss.toFixed(4)}\nTest accuracy: ${acc.toFixed(4)}\nTraining time: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  process.exit(0);
}
