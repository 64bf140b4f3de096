// Regression tests of issue #14's bugs: expandDims(-1), .keras/.h5 save names, inputs without
// their batch or channel axis, batches too big for the backend's memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
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

describe('save: Keras file names write Keras files; weights-only names are refused for a model', () => {
  it('model.keras and model.h5 are Keras files, a ModelCheckpoint to .keras writes one, model.weights.h5 fails with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-rel-'));
    const model = seedModel();
    await model.save(join(dir, 'model.keras'));
    assert.equal(readFileSync(join(dir, 'model.keras')).subarray(0, 2).toString(), 'PK', 'a .keras zip');
    await model.save(join(dir, 'model.h5'));
    assert.equal(readFileSync(join(dir, 'model.h5')).subarray(1, 4).toString(), 'HDF', 'an HDF5 file');
    await expectError('files', "model.save('model.weights.h5')", () => model.save(join(dir, 'model.weights.h5')),
      /names a Keras weights-only file, which cannot hold a whole model. Name the model '.*model\.keras' \(Keras 3\) or '\.h5' \(Keras 2\), or save the weights alone with model\.saveWeights/);
    assert.equal(existsSync(join(dir, 'model.weights.h5')), false, 'model.weights.h5 must not be created');
    await expectError('training', "new ModelCheckpoint({filepath: 'best.weights.h5'})", () => new callbacks.ModelCheckpoint({ filepath: join(dir, 'best.weights.h5') }),
      /ModelCheckpoint: '.*best\.weights\.h5' names a Keras weights-only file/);
    assert.ok(new callbacks.ModelCheckpoint({ filepath: join(dir, 'best.keras') }));
    await model.save(join(dir, 'model')); // a directory name still works
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
