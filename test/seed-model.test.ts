// The seed notebook's model trained side by side with TensorFlow.js from identical weights.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { losses, optimizers, datasets, layers, models } from '../src/index.ts';
import { takeRows } from '../src/training/loop.ts';
import { seedModel } from '../examples/seed-model.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

function tfSeedModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [28, 28] }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

describe('seed model against TensorFlow.js', () => {
  const [[xAll, yAll]] = datasets.mnist.loadData();
  const x = takeRows(xAll, null, 0, 96, 'float32').div(255);
  const y = takeRows(yAll, null, 0, 96, 'int32');

  it('three Adam steps give the same losses and weights (within 1e-5)', async () => {
    dt.setRandomSeed(3);
    const ours = seedModel();
    ours.compile({ loss: new losses.SparseCategoricalCrossentropy(), optimizer: new optimizers.Adam(), metrics: ['acc'] });
    const theirs = tfSeedModel();
    theirs.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7) });
    theirs.setWeights(ours.getWeights().map(toTf));
    assertClose(ours.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'initial predictions');
    for (let step = 0; step < 3; step++) {
      const xb = x.index([step * 32, step * 32 + 32]), yb = y.index([step * 32, step * 32 + 32]);
      const [ourLoss] = ours.trainOnBatch(xb, yb);
      const theirLoss = (await theirs.trainOnBatch(toTf(xb), toTf(yb).cast('float32'))) as number;
      assert.ok(Math.abs(ourLoss - theirLoss) < 1e-5, `step ${step}: loss ${ourLoss} vs ${theirLoss}`);
    }
    const tfWeights = theirs.getWeights();
    ours.getWeights().forEach((w, i) => assertClose(w, tfWeights[i], 1e-5, `weight ${i} after 3 steps`));
    assertClose(ours.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'predictions after training');
  });

  it('has the parameter count Keras reports (12,794)', () => {
    const lines: string[] = [];
    seedModel().summary((l) => lines.push(l));
    assert.ok(lines.includes('Total params: 12,794'), lines.join('\n'));
    assert.equal(tfSeedModel().countParams(), 12794);
  });

  it('summary wraps a name longer than its column instead of pushing the others out', () => {
    const model = new models.Sequential([
      new layers.Input({ shape: [28, 28, 1] }),
      new layers.Conv2D({ filters: 32, kernelSize: [3, 3], padding: 'same', name: 'a_very_long_convolution_layer_name' }),
    ]);
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    for (const l of lines) assert.ok(l.length <= 65, `line wider than the table: "${l}"`);
    const at = lines.findIndex((l) => l.startsWith(' a_very_long_convolution'));
    assert.equal(lines[at].indexOf('(None, 28, 28, 32)'), 30, lines.join('\n'));
    assert.equal(lines[at].trimEnd().endsWith('320'), true, lines[at]);
    assert.ok(lines[at + 1].includes('(Conv2D)'), lines.join('\n'));
  });
});
