// ONNX export, checked by running the exported graph in ONNX Runtime.
import { describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from '../src/index.ts';
import { datasets, layers, models } from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

async function runOnnx(path: string, x: dt.Tensor): Promise<dt.Tensor> {
  const session = await ort.InferenceSession.create(path);
  const result = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  const out = result.output;
  return dt.tensor(out.data as Float32Array, out.dims as number[]);
}

function assertClose(a: dt.Tensor, b: dt.Tensor, tol: number, what: string): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`${what}: shapes [${a.shape}] and [${b.shape}]`);
  for (let i = 0; i < a.size; i++) {
    if (Math.abs(a.data[i] - b.data[i]) > tol * Math.max(1, Math.abs(b.data[i]))) throw new Error(`${what}: element ${i}: ${a.data[i]} vs ${b.data[i]}`);
  }
}

describe('ONNX export', () => {
  it('the seed model runs in ONNX Runtime with the same outputs on 100 test images', async () => {
    dt.setRandomSeed(2);
    const [[xTrain, yTrain], [xTest]] = datasets.mnist.loadData();
    const model = seedModel();
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await model.fit(xTrain.index([0, 512]).div(255), yTrain.index([0, 512]), { epochs: 1, verbose: 0 });
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'seed.onnx');
    await model.exportOnnx(path);
    const x = xTest.index([0, 100]).div(255);
    assertClose(await runOnnx(path, x), model.predict(x), 1e-5, 'seed model');
  });

  it('strides, valid padding, even kernels, activations and a Dense after a Flatten', async () => {
    const model = new models.Sequential([
      new layers.Input({ shape: [11, 10, 3] }),
      new layers.Conv2D({ filters: 6, kernelSize: [4, 3], strides: 2, padding: 'same', activation: 'relu' }),
      new layers.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
      new layers.Conv2D({ filters: 5, kernelSize: 2, padding: 'valid', activation: 'tanh' }),
      new layers.Flatten(),
      new layers.Dense({ units: 7, activation: 'sigmoid' }),
      new layers.Activation({ activation: 'softmax' }),
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'small.onnx');
    await model.exportOnnx(path);
    const x = randomTensor([4, 11, 10, 3], new Random(3), -1, 1, 'float32');
    assertClose(await runOnnx(path, x), model.predict(x), 1e-5, 'small model');
  });

  it('Flatten channelsFirst (axis 1 moved last first) after a Conv2D (NCHW in ONNX) and on a rank-3 input', async () => {
    for (const [shape, first] of [[[6, 5, 3], [new layers.Conv2D({ filters: 4, kernelSize: 3 })]], [[4, 3], []]] as [number[], layers.Layer[]][]) {
      const model = new models.Sequential([new layers.Input({ shape }), ...first, new layers.Flatten({ dataFormat: 'channelsFirst' }), new layers.Dense({ units: 5 })]);
      const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'flatten-cf.onnx');
      await model.exportOnnx(path);
      const x = randomTensor([2, ...shape], new Random(4), -1, 1, 'float32');
      assertClose(await runOnnx(path, x), model.predict(x), 1e-5, `Flatten channelsFirst on [${shape}]`);
    }
  });
});

describe('ONNX export of the convolution family', () => {
  it('dilated and grouped Conv2D, DepthwiseConv2D, SeparableConv2D and Conv2DTranspose run in ONNX Runtime with the same outputs', async () => {
    dt.setRandomSeed(6);
    const model = new models.Sequential([
      new layers.Input({ shape: [13, 12, 4] }),
      new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
      new layers.Conv2D({ filters: 8, kernelSize: 3, groups: 4, strides: 2, padding: 'valid' }),
      new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
      new layers.SeparableConv2D({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
      new layers.Conv2DTranspose({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' }),
      new layers.Conv2DTranspose({ filters: 3, kernelSize: 4, strides: 3, padding: 'valid', outputPadding: 2 }),
      new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }),
      new layers.Flatten(),
      new layers.Dense({ units: 4 }),
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'conv.onnx');
    await model.exportOnnx(path);
    const x = randomTensor([3, 13, 12, 4], new Random(8), -1, 1, 'float32');
    assertClose(await runOnnx(path, x), model.predict(x), 1e-5, 'conv family model');
  });
});
