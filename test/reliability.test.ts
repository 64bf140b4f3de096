// Regression tests of issue #14's bugs: expandDims(-1), .keras/.h5 save names, inputs without
// their batch or channel axis, batches too big for the backend's memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { callbacks, layers, models } from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { expectError } from './helpers/errors.ts';
import { tf } from './helpers/oracle.ts';

describe('axes: negative axes count from the end, as in NumPy and TensorFlow', () => {
  it('expandDims inserts at every axis of the result as tf.expandDims does', () => {
    const values = [[1, 2, 3], [4, 5, 6]];
    for (let axis = -3; axis <= 2; axis++) {
      const ours = dt.tensor(values).expandDims(axis), theirs = tf.expandDims(tf.tensor(values), axis);
      assert.deepEqual(ours.shape, theirs.shape, `axis ${axis}`);
      assert.deepEqual(ours.toArray(), theirs.arraySync(), `axis ${axis}`);
    }
    assert.deepEqual(dt.tensor([[1, 2, 3], [4, 5, 6]]).expandDims(-1).shape, [2, 3, 1]);
  });

  it('out-of-range axes are refused by every axis-taking op', async () => {
    const x = dt.tensor([[1, 2, 3], [4, 5, 6]]);
    await expectError('tensors', 'expandDims(3) on a rank-2 tensor', () => x.expandDims(3), /expandDims: axis 3 is out of range for a tensor of rank 3 \(valid axes are -3 to 2\)/);
    await expectError('tensors', 'expandDims(-4) on a rank-2 tensor', () => x.expandDims(-4), /axis -4 is out of range/);
    await expectError('tensors', 'sum(2) on a rank-2 tensor', () => x.sum(2), /sum: axis 2 is out of range for a tensor of rank 2/);
    await expectError('tensors', 'mean(-3) on a rank-2 tensor', () => x.mean(-3), /axis -3 is out of range/);
    await expectError('tensors', 'argMax(2) on a rank-2 tensor', () => x.argMax(2), /argMax: axis 2 is out of range/);
    await expectError('tensors', 'softmax(5) on a rank-2 tensor', () => x.softmax(5), /softmax: axis 5 is out of range/);
    await expectError('tensors', 'squeeze(1.5)', () => x.squeeze(1.5), /squeeze: axis 1.5 is out of range/);
    await expectError('tensors', 'sum(0) of a scalar', () => dt.scalar(3).sum(0), /a scalar has no axes/);
    // The in-range negative axes agree with TensorFlow.js.
    assert.deepEqual(x.sum(-1).toArray(), tf.sum(tf.tensor([[1, 2, 3], [4, 5, 6]]), -1).arraySync());
    assert.deepEqual(x.argMax(-2).toArray(), tf.argMax(tf.tensor([[1, 2, 3], [4, 5, 6]]), -2).arraySync());
    assert.deepEqual(x.expandDims(1).squeeze(-2).shape, [2, 3]);
  });
});

describe('save: Keras file names write Keras files, never a TensorFlow.js directory under that name', () => {
  it('model.keras is a zip, model.h5 an HDF5 file, a ModelCheckpoint to .keras writes one; a directory name keeps TF.js format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-rel-'));
    const model = seedModel();
    const magic = (p: string, n: number) => Array.from(readFileSync(p).subarray(0, n));
    await model.save(join(dir, 'model.keras'));
    assert.ok(statSync(join(dir, 'model.keras')).isFile(), 'model.keras is a file');
    assert.deepEqual(magic(join(dir, 'model.keras'), 2), [0x50, 0x4b], 'a zip (PK)');
    await model.save(join(dir, 'model.h5'));
    assert.deepEqual(magic(join(dir, 'model.h5'), 4), [0x89, 0x48, 0x44, 0x46], 'HDF5 magic');
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const cb = new callbacks.ModelCheckpoint({ filepath: join(dir, 'best.keras') });
    await model.fit(dt.zeros([4, 28, 28]), dt.tensor([0, 1, 2, 3], null, 'int32'), { epochs: 1, verbose: 0, callbacks: [cb] });
    assert.deepEqual(magic(join(dir, 'best.keras'), 2), [0x50, 0x4b], 'the checkpoint is a .keras zip');
    await model.save(join(dir, 'model')); // a directory name still writes TF.js's format
    assert.ok(existsSync(join(dir, 'model', 'model.json')));
  });
});

describe('inputs without their batch or channel axis', () => {
  it('one [28, 28] image for a model of [28, 28] inputs: says the batch axis is missing and how to add it', async () => {
    const model = seedModel();
    const image = dt.zeros([28, 28]);
    const message = await expectError('models', 'predict(one [28, 28] image) on a model with Input({shape: [28, 28]})', () => model.predict(image),
      /takes batches of shape \[null, 28, 28\], got \[28, 28\]: this looks like one sample without its batch axis. Add the batch axis with x.expandDims\(0\) \(shape \[1, 28, 28\]\)/);
    assert.doesNotMatch(message, /total size of new array/);
    assert.deepEqual(model.predict(image.expandDims(0)).shape, [1, 10]); // the advice works
  });

  it('a [N, 28, 28] batch into a Conv2D model: suggests the channel axis or a Reshape', async () => {
    const declared = new models.Sequential([
      new layers.Input({ shape: [28, 28, 1] }), new layers.Conv2D({ filters: 2, kernelSize: 3 }), new layers.Flatten(), new layers.Dense({ units: 3 }),
    ]);
    const x = dt.zeros([4, 28, 28]);
    await expectError('models', 'predict([4, 28, 28]) on a model with Input({shape: [28, 28, 1]})', () => declared.predict(x),
      /got \[4, 28, 28\]: the channel axis is missing. Add it with x.expandDims\(-1\) \(shape \[4, 28, 28, 1\]\), or start the model with new layers.Input\(\{shape: \[28, 28\]\}\) and new layers.Reshape\(\{targetShape: \[28, 28, 1\]\}\)/);
    assert.deepEqual(declared.predict(x.expandDims(-1)).shape, [4, 3]);
    const undeclared = new models.Sequential([new layers.Conv2D({ filters: 2, kernelSize: 3 }), new layers.Flatten(), new layers.Dense({ units: 3 })]);
    undeclared.compile({ loss: 'mse', optimizer: 'sgd' });
    await expectError('models', 'fit([4, 28, 28]) on a model that starts with Conv2D (no Input)', () => undeclared.fit(x, dt.zeros([4, 3]), { verbose: 0 }),
      /Input 0 of layer "conv2d.*" is incompatible with the layer: expected ndim=4, found ndim=3.*Layer "conv2d.*" \(Conv2D\) takes images of shape \[batch, height, width, channels\], got \[4, 28, 28\]: the channel axis is missing. Add it with x.expandDims\(-1\).*new layers.Reshape\(\{targetShape: \[28, 28, 1\]\}\)/);

  });
});

describe('losses never broadcast targets against outputs', () => {
  it('MeanSquaredError of [N] targets and [N, 1] outputs is the per-sample error (Keras), and other shapes are refused', async () => {
    const t = [0.5, -1, 2, 3], p = [1, 0, 2.5, 1];
    const expected = t.reduce((acc, ti, i) => acc + (p[i] - ti) ** 2, 0) / t.length; // Keras: mean((y_pred - y_true)^2)
    const loss = new dt.losses.MeanSquaredError();
    const yTrue = dt.tensor(t, null, 'float64'), yPred = dt.tensor(p, [4, 1], 'float64');
    assert.ok(Math.abs(loss.apply(yTrue, yPred).item() - expected) < 1e-12, 'y_true [4], y_pred [4, 1]');
    assert.ok(Math.abs(loss.apply(yPred, yTrue).item() - expected) < 1e-12, 'y_true [4, 1], y_pred [4]');
    await expectError('training', 'MeanSquaredError of y_true [2, 3] and y_pred [2, 4]', () => loss.apply(dt.zeros([2, 3]), dt.zeros([2, 4])),
      /MeanSquaredError: y_true \[2, 3\] and y_pred \[2, 4\] must have the same shape/);
  });
});
