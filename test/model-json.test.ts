// model.toJSON() / models.modelFromJSON(): the architecture alone, as TF.js's and Keras's users
// write it, checked against TensorFlow.js both ways and against Keras's to_json() layouts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { modelToKeras } from '../src/io/keras-model-config.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(20);

function convNet(): models.Sequential {
  return new models.Sequential([
    new layers.Input({ shape: [10, 10, 3] }),
    new layers.Conv2D({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.BatchNormalization(),
    new layers.MaxPooling2D({ poolSize: 2 }),
    new layers.Flatten(),
    new layers.Dense({ units: 4, activation: 'softmax' }),
  ]);
}

function residual(): dt.models.Model {
  const inputs = new layers.Input({ shape: [8, 8, 4] });
  const a = new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inputs) as never;
  const sum = new layers.Add().apply([a, inputs as never]) as never;
  const out = new layers.Dense({ units: 2 }).apply(new layers.GlobalAveragePooling2D().apply(sum) as never) as never;
  return models.model({ inputs: inputs as never, outputs: out, name: 'residual' });
}

/** The same predictions once `to` has `from`'s weights. */
function assertSameModel(from: dt.models.Model, to: dt.models.Model, x: dt.Tensor, what: string): void {
  to.setWeights(from.getWeights());
  assertClose(to.predict(x) as dt.Tensor, from.predict(x) as dt.Tensor, 1e-6, what);
}

describe('model.toJSON and models.modelFromJSON', () => {
  it('round-trip Sequential and functional models, as a string and as an object', async () => {
    const seq = convNet(), fn = residual();
    const json = seq.toJSON() as string;
    assert.equal(typeof json, 'string');
    assert.deepEqual(JSON.parse(json), seq.toJSON(null, false));
    assertSameModel(seq, await models.modelFromJSON(json), randomTensor([3, 10, 10, 3], rng, -1, 1, 'float32'), 'Sequential from its string');
    const again = await models.modelFromJSON(fn.toJSON(null, false) as Record<string, unknown>);
    assert.equal(again.name, 'residual');
    assert.deepEqual(again.layers.map((l) => l.className), fn.layers.map((l) => l.className));
    assertSameModel(fn, again, randomTensor([2, 8, 8, 4], rng, -1, 1, 'float32'), 'functional from its object');
  });

  it('reads TensorFlow.js\'s toJSON, and TensorFlow.js reads deeptype\'s', async () => {
    const theirs = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization(), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ] });
    const x = randomTensor([2, 10, 10, 3], rng, -1, 1, 'float32');
    const ours = await models.modelFromJSON(theirs.toJSON() as string);
    // Layer by layer: TF.js's model.getWeights() lists the trainable weights of all layers first.
    const tfLayers = theirs.layers.filter((l) => l.getWeights().length > 0), dtLayers = ours.layers.filter((l) => l.getWeights().length > 0);
    assert.equal(dtLayers.length, tfLayers.length);
    dtLayers.forEach((l, i) => l.setWeights(tfLayers[i].getWeights().map((w) => dt.tensor(Array.from(w.dataSync()), w.shape))));
    assertClose(ours.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js architecture in deeptype');
    const mine = convNet();
    const inTf = await tf.models.modelFromJSON(JSON.parse(mine.toJSON() as string));
    const inTfLayers = inTf.layers.filter((l) => l.getWeights().length > 0);
    mine.layers.filter((l) => l.getWeights().length > 0).forEach((l, i) => inTfLayers[i].setWeights(l.getWeights().map((w) => tf.tensor(Array.from(w.data as Float32Array), w.shape))));
    assertClose(mine.predict(x) as dt.Tensor, inTf.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype architecture in TF.js');
  });

  it('reads Keras\'s model.to_json() of Keras 3 and Keras 2', async () => {
    for (const version of [3, 2] as const) {
      const seq = convNet(), fn = residual();
      const keras3or2 = (m: dt.models.Model) => ({ ...modelToKeras(m, version), ...(version === 2 ? { keras_version: '2.15.0', backend: 'tensorflow' } : {}) });
      assertSameModel(seq, await models.modelFromJSON(JSON.stringify(keras3or2(seq))), randomTensor([2, 10, 10, 3], rng, -1, 1, 'float32'), `Keras ${version} Sequential`);
      assertSameModel(fn, await models.modelFromJSON(keras3or2(fn)), randomTensor([2, 8, 8, 4], rng, -1, 1, 'float32'), `Keras ${version} functional`);
    }
  });

  it('refuses what is not an architecture, naming what it got', async () => {
    await assert.rejects(models.modelFromJSON('{not json'), /modelFromJSON: the string is not valid JSON/);
    await assert.rejects(models.modelFromJSON('[1, 2]'), /modelFromJSON: expected a model's JSON object or string, got an array/);
    await assert.rejects(models.modelFromJSON({ layers: [] }), /modelFromJSON: the JSON has no class_name: it is not a model's architecture \(keys: layers\)/);
    const withWeights = { modelTopology: convNet().toJSON(null, false), weightsManifest: [{ paths: ['w.bin'], weights: [] }] };
    await assert.rejects(models.modelFromJSON(withWeights), /lists weight files; load it with models.loadModel\(path\)/);
    assert.ok(await models.modelFromJSON({ modelTopology: convNet().toJSON(null, false) }) instanceof models.Sequential);
  });
});

describe('getConfig / fromConfig', () => {
  it('a functional model\'s getConfig is its graph in TF.js\'s form, and Model.fromConfig rebuilds it: shared layers, a nested Sequential, a fixed training kwarg', () => {
    dt.setRandomSeed(6);
    const inner = new models.Sequential([new layers.Input({ shape: [3] }), layers.dense({ units: 4, activation: 'relu', name: 'id' }), layers.batchNormalization({ name: 'ibn' })]);
    const a = layers.input({ shape: [3], name: 'a' }), b = layers.input({ shape: [3], name: 'b' });
    const shared = layers.dense({ units: 3, name: 'sh' });
    const ha = inner.apply(shared.apply(a)) as dt.SymbolicTensor, hb = shared.apply(b) as dt.SymbolicTensor;
    const o1 = layers.dense({ units: 2, name: 'o1' }).apply(layers.concatenate().apply([ha, hb]) as dt.SymbolicTensor) as dt.SymbolicTensor;
    const o2 = layers.dense({ units: 1, name: 'o2' }).apply(layers.dropout({ rate: 0.5, name: 'drop' }).apply(hb, { training: true }) as dt.SymbolicTensor) as dt.SymbolicTensor;
    const m = new models.Model({ inputs: [a, b], outputs: [o1, o2], name: 'big' });
    const config = m.getConfig() as { name: string; layers: { name: string; className: string; inboundNodes: unknown[] }[]; inputLayers: unknown; outputLayers: unknown };
    assert.deepEqual(Object.keys(config), ['name', 'layers', 'inputLayers', 'outputLayers', 'trainable']);
    assert.deepEqual(config.inputLayers, [['a', 0, 0], ['b', 0, 0]]);
    assert.deepEqual(config.outputLayers, [['o1', 0, 0], ['o2', 0, 0]]);
    assert.deepEqual(config.layers.find((l) => l.name === 'sh')!.inboundNodes, [[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    assert.deepEqual(config.layers.find((l) => l.name === 'drop')!.inboundNodes, [[['sh', 1, 0, { training: true }]]]);
    const sequentialConfig = inner.getConfig() as { layers: { config: { batchInputShape?: unknown } }[] };
    assert.deepEqual(sequentialConfig.layers[0].config.batchInputShape, [null, 3], 'a Sequential\'s input shape travels on its first layer');

    for (const back of [models.Model.fromConfig(config), models.Model.fromConfig(models.Model, config)]) {
      assert.deepEqual(back.layers.map((l) => l.name), m.layers.map((l) => l.name));
      assert.equal(back.countParams(), m.countParams());
      back.setWeights(m.getWeights());
      const xa = dt.randomNormal([5, 3]), xb = dt.randomNormal([5, 3]);
      assertClose((back.predict([xa, xb]) as dt.Tensor[])[0], (m.predict([xa, xb]) as dt.Tensor[])[0], 0 + 1e-7, 'same weights, same output');
    }
    const seq = models.Sequential.fromConfig(sequentialConfig);
    assert.deepEqual([seq.className, seq.outputShape, seq.countParams()], ['Sequential', [null, 4], inner.countParams()]);
    assert.throws(() => models.Model.fromConfig(null), /fromConfig: expected a model's getConfig\(\) \(an object with name and layers\), got null/);
    assert.throws(() => models.Model.fromConfig({ name: 'x' }), /fromConfig: the config has no list of layers \(keys: name\)/);
    assert.throws(() => models.Model.fromConfig({ layers: [{ className: 'Nope', config: { name: 'n' } }] }), /layer "n" is a Nope, which is not a registered layer class/);
  });
});
