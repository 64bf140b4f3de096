import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, losses, optimizers, callbacks } from '../src/index.ts';
import { Random } from '../src/core/random.ts';

/** Two noisy blobs in 4-d: a problem a small dense net learns in a few epochs. */
function blobs(n: number, seed = 1): [dt.Tensor, dt.Tensor] {
  const rng = new Random(seed);
  const x = new Float32Array(n * 4), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (y[i] ? 1 : -1) * (j + 1) * 0.5 + rng.normal(0, 0.5);
  }
  return [dt.tensor(x, [n, 4]), dt.tensor(y, [n])];
}

function smallModel(): models.Sequential {
  return new models.Sequential([
    new layers.Input({ shape: [4] }),
    new layers.Dense({ units: 8, activation: 'relu' }),
    new layers.Dense({ units: 2, activation: 'softmax' }),
  ]);
}

describe('training', () => {
  it('fit lowers the loss, records history and reaches high accuracy', async () => {
    dt.setRandomSeed(1);
    const [x, y] = blobs(256);
    const model = smallModel();
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0 });
    assert.deepEqual(history.epoch, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(history.history.loss[7] < history.history.loss[0] * 0.5, `loss ${history.history.loss}`);
    const [loss, acc] = model.evaluate(x, y, { verbose: 0 });
    assert.ok(acc > 0.95, `accuracy ${acc}`);
    assert.ok(Math.abs(loss - history.history.loss[7]) < 0.1);
    assert.deepEqual(model.predict(x).shape, [256, 2]);
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      dt.setRandomSeed(9);
      const [x, y] = blobs(64);
      const model = smallModel();
      model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }) });
      return (await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 })).history.loss;
    };
    assert.deepEqual(await run(), await run());
  });

  it('validationSplit and validationData add val_ logs; callbacks see every hook', async () => {
    dt.setRandomSeed(2);
    const [x, y] = blobs(100);
    const model = smallModel();
    model.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.RMSprop(), metrics: ['acc'] });
    const seen: string[] = [];
    const h = await model.fit(x, y, {
      epochs: 2, batchSize: 32, validationSplit: 0.2, verbose: 0,
      callbacks: [{ onTrainBegin: () => { seen.push('train'); }, onEpochEnd: (e) => { seen.push(`epoch${e}`); }, onBatchEnd: (b) => { seen.push(`b${b}`); } }],
    });
    assert.deepEqual(Object.keys(h.history).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    assert.deepEqual(seen, ['train', 'b0', 'b1', 'b2', 'epoch0', 'b0', 'b1', 'b2', 'epoch1']); // 80 samples, batch 32
    const h2 = await model.fit(x, y, { epochs: 1, validationData: blobs(20, 3), verbose: 0 });
    assert.ok('val_loss' in h2.history);
  });

  it('EarlyStopping stops when the monitored value stops improving', async () => {
    const [x, y] = blobs(32);
    const model = smallModel();
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.SGD({ learningRate: 1e-9 }) });
    const stopper = new callbacks.EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 1 });
    const h = await model.fit(x, y, { epochs: 10, verbose: 0, callbacks: [stopper] });
    assert.equal(h.epoch.length, 2);
  });

  it('a custom training loop with valueAndGrads and an optimizer', () => {
    dt.setRandomSeed(4);
    const [x, y] = blobs(64);
    const model = smallModel();
    const loss = new losses.SparseCategoricalCrossentropy();
    const opt = new optimizers.Adam({ learningRate: 0.01 });
    let first = 0, last = 0;
    for (let i = 0; i < 30; i++) {
      const { value, grads } = dt.valueAndGrads(() => loss.apply(y, model.apply(x)), model.trainableWeights);
      opt.apply(grads, model.trainableWeights);
      if (i === 0) first = value.item();
      last = value.item();
    }
    assert.ok(last < first * 0.5, `${first} -> ${last}`);
  });

  it('refuses bad input with the argument, expected and actual values', async () => {
    const [x, y] = blobs(10);
    const model = smallModel();
    await assert.rejects(model.fit(x, y), /You must call compile\(\) on model ".*" before fit\(\)/);
    assert.throws(() => model.compile({ loss: 'sparse_categorical_crossentropyy', optimizer: 'adam' }),
      /unknown loss 'sparse_categorical_crossentropyy', expected a Loss, .* or one of .*sparse_categorical_crossentropy/);
    assert.throws(() => model.compile({ loss: 'mse', optimizer: 'adamww' }), /unknown optimizer 'adamww'/);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await assert.rejects(model.fit(x, y.index([0, 9]), { verbose: 0 }),
      /fit: x and y must have the same number of samples, got x of shape \[10, 4\] and y of shape \[9\]/);
    await assert.rejects(model.fit(x, dt.tensor([0, 1, 0, 1, 2, 0, 1, 0, 1, 0], null, 'int32'), { verbose: 0 }),
      /fit: y\[4\] = 2 is not a class of the model's output \(layer "dense.*" has 2 units, so labels must be integers in \[0, 1\]\)/);
    await assert.rejects(model.fit(dt.zeros([10, 5]), y, { verbose: 0 }), /expected shape=|expected axis -1 of input shape to have value 4/);
    await assert.rejects(model.fit(x, y, { batchSize: 0, verbose: 0 }), /batchSize must be a positive integer, got 0/);
  });

  it('refuses [28, 28] images for a conv model without Reshape before training starts', async () => {
    const model = new models.Sequential([
      new layers.Conv2D({ filters: 2, kernelSize: 3, name: 'conv_first' }), new layers.Flatten(), new layers.Dense({ units: 2, activation: 'softmax' }),
    ]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await assert.rejects(model.fit(dt.zeros([4, 28, 28]), dt.tensor([0, 1, 0, 1]), { verbose: 0 }),
      /Input 0 of layer "conv_first" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: \[null, 28, 28\]/);
  });
});

describe('progress bar', () => {
  it("formats Keras's line", async () => {
    const { progressLine } = await import('../src/training/progbar.ts');
    assert.equal(progressLine(1875, 1875, 9.2, { loss: 0.0729, acc: 0.9778 }),
      '1875/1875 [==============================] - 9s 5ms/step - loss: 0.0729 - acc: 0.9778');
    assert.equal(progressLine(32, 1875, 1, { loss: 2.3 }), '  32/1875 [..............................] - ETA: 58s - loss: 2.3000');
    assert.equal(progressLine(938, 1875, 10, {}), ' 938/1875 [==============>...............] - ETA: 10s');
  });
});

describe('compiled steps follow model changes', () => {
  it('freezing a layer or adding one after training takes effect', async () => {
    dt.setRandomSeed(12);
    const [x, y] = blobs(64);
    const model = smallModel();
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    model.layers[0].trainable = false;
    const frozen = model.layers[0].getWeights();
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    frozen.forEach((w, i) => assert.deepEqual(Array.from(model.layers[0].getWeights()[i].data), Array.from(w.data)));
    model.add(new layers.Dense({ units: 2, activation: 'softmax' }));
    assert.deepEqual(model.predict(x).shape, [64, 2]);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
  });
});
