// Small parts of the Model API a Keras or TF.js user reaches for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

test('metricsNames names evaluate()\'s numbers in order, for one output and for two', () => {
  dt.setRandomSeed(2);
  const one = new models.Sequential([new layers.Input({ shape: [3] }), new layers.Dense({ units: 2, activation: 'softmax' })]);
  assert.deepEqual(one.metricsNames, [], 'not compiled: no names');
  one.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd', metrics: ['accuracy', 'sparseCategoricalCrossentropy'] });
  const x = dt.tensor([[1, 2, 3], [0, 1, 0]]), y = dt.tensor([1, 0]);
  assert.deepEqual(one.metricsNames, Object.keys(one.evaluate(x, y, { verbose: 0, returnDict: true })));
  assert.equal(one.metricsNames.length, one.evaluate(x, y, { verbose: 0 }).length);
  assert.equal(one.metricsNames[0], 'loss');

  const a = layers.input({ shape: [3] });
  const h = layers.dense({ units: 4, activation: 'relu' }).apply(a) as SymbolicTensor;
  const two = new models.Model({ inputs: a, outputs: [layers.dense({ units: 2, name: 'cls' }).apply(h) as SymbolicTensor, layers.dense({ units: 1, name: 'reg' }).apply(h) as SymbolicTensor] });
  two.compile({ loss: [new dt.losses.SparseCategoricalCrossentropy({ fromLogits: true }), 'mse'], optimizer: 'sgd', metrics: [['accuracy'], ['mae']] });
  const names = two.metricsNames;
  assert.deepEqual(names, Object.keys(two.evaluate(x, [y, dt.tensor([[0.5], [1]])], { verbose: 0, returnDict: true })));
  assert.deepEqual(names.slice(0, 3), ['loss', 'cls_loss', 'reg_loss']);
});
