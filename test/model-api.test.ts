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

test('cloneModel: the same architecture with new weights; with the original\'s weights, the same predictions; training it leaves the original alone', async () => {
  dt.setRandomSeed(3);
  const x = dt.randomUniform([4, 6, 6, 2], 0, 1, 'float32', 1);
  // A functional model with a nested Sequential, a shared layer, a fixed training flag and two outputs.
  const inner = new models.Sequential({ name: 'inner', layers: [new layers.Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }), new layers.BatchNormalization()] });
  const a = layers.input({ shape: [6, 6, 2] });
  const h = inner.apply(a, { training: false }) as SymbolicTensor;
  const shared = new layers.Dense({ units: 3, name: 'shared' });
  const g = new layers.GlobalAveragePooling2D().apply(h) as SymbolicTensor;
  const functional = new models.Model({ inputs: a, outputs: [shared.apply(g) as SymbolicTensor, shared.apply(new layers.GlobalMaxPooling2D().apply(h) as SymbolicTensor) as SymbolicTensor] });
  const sequential = new models.Sequential([new layers.Input({ shape: [6, 6, 2] }), new layers.Conv2D({ filters: 2, kernelSize: 2 }), new layers.Flatten(), new layers.Dense({ units: 2 })]);
  for (const model of [sequential, functional]) {
    const clone = models.cloneModel(model);
    assert.notEqual(clone, model);
    assert.equal(clone.className, model.className);
    assert.deepEqual(clone.layers.map((l) => [l.className, l.name]), model.layers.map((l) => [l.className, l.name]));
    assert.deepEqual(clone.weights.map((w) => w.shape), model.weights.map((w) => w.shape), 'same weights, shared ones once');
    assert.ok(clone.layers.every((l, i) => l !== model.layers[i]), 'new layers');
    assert.notDeepEqual(Array.from(clone.weights[0].data), Array.from(model.weights[0].data), 'freshly initialized');
    clone.setWeights(model.getWeights());
    const out = (m: models.Model): number[] => [m.predict(x)].flat().flatMap((t) => Array.from((t as dt.Tensor).data));
    assert.deepEqual(out(clone), out(model), `${model.className}: the clone with the original's weights predicts the same`);
    const before = model.getWeights().map((w) => Array.from(w.data));
    clone.compile({ loss: 'mse', optimizer: 'sgd' });
    const targets = [model.predict(x)].flat() as dt.Tensor[];
    await clone.fit(x, targets.length === 1 ? targets[0] : targets, { epochs: 1, verbose: 0 });
    assert.deepEqual(model.getWeights().map((w) => Array.from(w.data)), before, 'the original is untouched');
  }
  // The nested model keeps its fixed training: false (its BatchNormalization stays in inference).
  const clone = models.cloneModel(functional);
  const innerClone = clone.layers.find((l) => l.name === 'inner') as models.Sequential;
  const stats = innerClone.weights.filter((w) => /moving_mean/.test(w.name)).map((w) => Array.from(w.data));
  clone.compile({ loss: 'mse', optimizer: 'sgd' });
  await clone.fit(x, [dt.zeros([4, 3]), dt.zeros([4, 3])], { epochs: 1, verbose: 0 });
  assert.deepEqual(innerClone.weights.filter((w) => /moving_mean/.test(w.name)).map((w) => Array.from(w.data)), stats);
  assert.throws(() => models.cloneModel({} as never), /cloneModel: expected a Sequential or functional model/);
  class Subclassed extends models.Model {
    dense = layers.dense({ units: 2 });
    override call(t: dt.Tensor): dt.Tensor { return this.dense.apply(t); }
  }
  assert.throws(() => models.cloneModel(new Subclassed({ name: 'mine' })), /cloneModel: model "mine" is subclassed \(class Subclassed\).*new instance of its class/);
});

test('trainable = false on a model freezes its layers, as Keras 3: a nested BatchNormalization then runs in inference mode and its moving statistics stay', () => {
  dt.setRandomSeed(3);
  const inner = new models.Sequential([layers.batchNormalization({ inputShape: [3], name: 'ibn' }), layers.dense({ units: 2, name: 'id' })]);
  const outer = new models.Sequential([inner, layers.dense({ units: 1, name: 'o' })]);
  inner.trainable = false;
  assert.equal(inner.getLayer('ibn').trainable, false, 'the setter reaches the inner layers');
  outer.compile({ loss: 'mse', optimizer: 'sgd' });
  const x = dt.add(dt.mul(dt.randomNormal([8, 3]), 5), 3), y = dt.randomNormal([8, 1]);
  const before = inner.getWeights().map((w) => Array.from(w.dataSync()));
  outer.trainOnBatch(x, y);
  outer.trainOnBatch(x, y); // the compiled step too
  assert.deepEqual(inner.getWeights().map((w) => Array.from(w.dataSync())), before, 'no weight or moving statistic of the frozen model moved');
  inner.trainable = true;
  assert.equal(inner.getLayer('ibn').trainable, true);
  outer.trainOnBatch(x, y);
  assert.notDeepEqual(Array.from(inner.getLayer('ibn').weights[2].dataSync()), before[2], 'unfrozen: the moving mean moves again');

  const a = layers.input({ shape: [4, 3] });
  const td = layers.timeDistributed({ layer: layers.batchNormalization({}) });
  const f = new models.Model({ inputs: a, outputs: td.apply(a) as SymbolicTensor, trainable: false });
  assert.equal(td.trainable, false, 'Model({trainable: false}) freezes its layers');
  assert.equal((td as unknown as { layer: { trainable: boolean } }).layer.trainable, false, 'and a wrapper its inner layer');
  assert.equal(f.trainableWeights.length, 0);
  assert.throws(() => { (inner as { trainable: unknown }).trainable = 'no'; }, /Layer "sequential_\d*": trainable must be true or false, got "no"/);
  assert.throws(() => layers.dense({ units: 1, trainable: 0 as never }), /trainable must be true or false, got 0/);
});

test('getLayer takes TF.js\'s getLayer(undefined, index) as well as a name or an index; other arguments are errors', () => {
  const m = new models.Sequential([layers.dense({ units: 2, inputShape: [3], name: 'a' }), layers.dense({ units: 1, name: 'b' })]);
  assert.equal(m.getLayer(undefined, 1).name, 'b');
  assert.equal(m.getLayer(0).name, 'a');
  assert.equal(m.getLayer('b').name, 'b');
  assert.throws(() => m.getLayer(), /getLayer: expected a layer name \(string\) or an index \(integer\), got nothing/);
  assert.throws(() => m.getLayer({ name: 'a' } as never), /got object/);
  assert.throws(() => m.getLayer('a', 1), /give a name or an index, not both/);
  assert.throws(() => m.getLayer(undefined, 2), /index 2 but model "sequential_\d+" only has 2 layers/);
});

test('setWeights names the weight that is not a Tensor, and refuses a single Tensor for the list', () => {
  const m = new models.Sequential([layers.dense({ units: 2, inputShape: [3], name: 'd' })]);
  const ws = m.getWeights() as unknown[];
  assert.throws(() => m.setWeights([ws[0], [0, 0]] as never), /Layer "sequential_\d+": setWeights expects Tensors, but weight 1 \(d\/bias\) is an array/);
  assert.throws(() => m.setWeights([ws[0], null] as never), /weight 1 \(d\/bias\) is null/);
  assert.throws(() => m.setWeights(ws[0] as never), /setWeights expects a list of 2 Tensors \(getWeights' order\), got one Tensor/);
  assert.throws(() => m.setWeights(ws.slice(1) as never), /expects 2 weights, but setWeights received 1/);
});

test('inputShape and outputShape give one shape, or a list for several inputs or outputs, as TF.js and Keras 3', () => {
  const a = layers.input({ shape: [3] }), b = layers.input({ shape: [2, 5] });
  const h = layers.dense({ units: 4 }).apply(a) as SymbolicTensor;
  const two = new models.Model({ inputs: [a, b], outputs: [h, layers.flatten().apply(b) as SymbolicTensor] });
  assert.deepEqual(two.inputShape, [[null, 3], [null, 2, 5]]);
  assert.deepEqual(two.outputShape, [[null, 4], [null, 10]]);
  const seq = new models.Sequential([layers.dense({ units: 2 })]);
  assert.throws(() => seq.outputShape, /Model "sequential_\d+" has no outputShape yet/);
  seq.build([null, 7]);
  assert.deepEqual([seq.inputShape, seq.outputShape], [[null, 7], [null, 2]]);
});

test('testOnBatch (Keras\'s test_on_batch) gives evaluate\'s numbers for one batch and trains nothing', () => {
  dt.setRandomSeed(7);
  const a = layers.input({ shape: [3], name: 'a' });
  const h = layers.dense({ units: 4, activation: 'relu' }).apply(a) as SymbolicTensor;
  const m = new models.Model({ inputs: a, outputs: [layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h) as SymbolicTensor, layers.dense({ units: 1, name: 'reg' }).apply(h) as SymbolicTensor] });
  assert.throws(() => m.testOnBatch(dt.ones([2, 3]), [dt.ones([2, 2]), dt.ones([2, 1])]), /You must call compile\(\) on model "functional\w*" before testOnBatch\(\)/);
  m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'mse'], metrics: { cls: ['accuracy'] } });
  const x = dt.tensor([[1, 2, 3], [0, 1, 0], [1, -1, 1]]), ys = [dt.tensor([[1, 0], [0, 1], [1, 0]]), dt.tensor([[1], [0], [2]])];
  const before = m.getWeights().map((w) => Array.from(w.dataSync()));
  const out = m.testOnBatch(x, { cls: ys[0], reg: ys[1] });
  assert.equal(out.length, m.metricsNames.length);
  const expected = m.evaluate(x, ys, { verbose: 0, batchSize: 3 });
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${m.metricsNames[i]}: ${v} vs ${expected[i]}`));
  assert.deepEqual(m.getWeights().map((w) => Array.from(w.dataSync())), before);
  assert.throws(() => m.testOnBatch(x, { cls: ys[0] }), /testOnBatch/);
});

test('apply refuses unknown call options and a training that is not a boolean (a typo would run in inference mode); a file\'s other kwargs are dropped, its training kept', () => {
  const m = new models.Sequential([layers.dense({ units: 2, inputShape: [3] }), layers.dropout({ rate: 0.5 })]);
  const x = dt.ones([1, 3]);
  assert.throws(() => m.apply(x, { trainig: true } as never), /Layer "sequential_\d+"\.apply: unknown call option 'trainig'\. Valid options are: training/);
  assert.throws(() => m.apply(x, { training: 'yes' } as never), /Layer "sequential_\d+"\.apply: training must be true or false, got "yes"/);
  assert.throws(() => m.apply(layers.input({ shape: [3] }), 1 as never), /the second argument is the call options, e.g. \{training: true\}; got number/);
  assert.deepEqual((m.apply(x, { training: false, mask: undefined } as never) as dt.Tensor).shape, [1, 2], 'TF.js\'s mask: undefined passes');

  const a = layers.input({ shape: [1000], name: 'a' });
  const f = new models.Model({ inputs: a, outputs: layers.dropout({ rate: 0.99, name: 'drop' }).apply(a, { training: true }) as SymbolicTensor });
  const config = JSON.parse(JSON.stringify(f.getConfig()).replace('{"training":true}', '{"training":true,"mask":null,"extra":1}'));
  const back = models.Model.fromConfig(config);
  dt.setRandomSeed(1);
  const out = (back.predict(dt.ones([1, 1000])) as dt.Tensor).dataSync();
  assert.ok(Array.from(out).filter((v) => v === 0).length > 900, 'the fixed training: true call still drops');
});

test('compile takes one metric alone (metrics: \'mae\', {cls: \'accuracy\'}) as a list of one, as TF.js does; anything else that is not a metric is named', () => {
  const a = layers.input({ shape: [3] });
  const h = layers.dense({ units: 2 }).apply(a) as SymbolicTensor;
  const m = new models.Model({ inputs: a, outputs: [layers.dense({ units: 2, name: 'cls' }).apply(h) as SymbolicTensor, layers.dense({ units: 1, name: 'reg' }).apply(h) as SymbolicTensor] });
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: 'mae' });
  assert.deepEqual(m.metricsNames, ['loss', 'cls_loss', 'reg_loss', 'cls_mae', 'reg_mae']);
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: { cls: 'accuracy' } });
  assert.deepEqual(m.metricsNames, ['loss', 'cls_loss', 'reg_loss', 'cls_accuracy']);
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accuracy', ['mae']] as never });
  assert.deepEqual(m.metricsNames, ['loss', 'cls_loss', 'reg_loss', 'cls_accuracy', 'reg_mae']);
  assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: { cls: 5 } as never }), /compile: metrics for output 'cls' must be a metric \(a name, a function or a Metric\) or a list of them, got 5/);
  assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: ['1', 1] as never }), /lossWeights for output 'cls' must be a finite number, got "1"/);
});

test('cloneModel keeps what is frozen: a frozen nested model, a layer frozen inside a trainable wrapper', () => {
  const inner = new models.Sequential([layers.dense({ units: 4, inputShape: [3], name: 'id' }), layers.batchNormalization({ name: 'ibn' })]);
  inner.trainable = false;
  const a = layers.input({ shape: [2, 3] });
  const td = layers.timeDistributed({ layer: layers.dense({ units: 2 }) });
  (td as unknown as { layer: { trainable: boolean } }).layer.trainable = false;
  const h = layers.flatten().apply(td.apply(a) as SymbolicTensor) as SymbolicTensor;
  const b = layers.input({ shape: [3] });
  const m = new models.Model({ inputs: [a, b], outputs: [layers.dense({ units: 1, name: 'o' }).apply(h) as SymbolicTensor, inner.apply(b) as SymbolicTensor] });
  const names = (ws: { name: string }[]): string[] => ws.map((w) => w.name);
  assert.deepEqual(names(m.trainableWeights), ['o/kernel', 'o/bias']);
  const c = models.cloneModel(m);
  assert.deepEqual(names(c.trainableWeights), names(m.trainableWeights));
  assert.deepEqual(names(c.nonTrainableWeights), names(m.nonTrainableWeights));
});
