// Saving and loading in TensorFlow.js's Layers format, both ways, with TensorFlow.js as the oracle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { callbacks, layers, models } from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-io-'));
const rng = new Random(21);
const images = (n: number) => randomTensor([n, 28, 28], rng, 0, 1, 'float32');
const labels = (n: number) => dt.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 10), null, 'int32');

async function trainedSeedModel(): Promise<models.Sequential> {
  dt.setRandomSeed(4);
  const model = seedModel();
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  await model.fit(images(64), labels(64), { epochs: 1, batchSize: 16, verbose: 0 });
  return model;
}

/** The files of a saved model as TensorFlow.js model artifacts. */
function artifactsOf(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bytes = readFileSync(join(dir, group.paths[0]));
  return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
}

describe('save and load', () => {
  it('round-trips in deeptype bit for bit, optimizer state included', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    await model.save(dir, { includeOptimizer: true });
    const loaded = await models.loadModel(`file://${dir}`);
    model.getWeights().forEach((w, i) => assert.deepEqual(Array.from(loaded.getWeights()[i].data), Array.from(w.data)));
    assert.equal(loaded.optimizer?.iterations, model.optimizer?.iterations);
    assert.equal(loaded.loss?.name, 'sparse_categorical_crossentropy');
    const x = images(5);
    assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data));
  });

  it('writes files TensorFlow.js loads, with the same predictions', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    await model.save(dir);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(dir)));
    const x = images(6);
    assertClose(model.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype model in tfjs');
  });

  it('loads a model trained in TensorFlow.js, from sharded weights', async () => {
    const theirs = tf.sequential({ layers: [
      tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [28, 28] }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    theirs.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    await theirs.fit(toTf(images(32)), toTf(labels(32)).cast('float32'), { epochs: 1, verbose: 0 });
    const dir = tmp();
    await theirs.save(tf.io.withSaveHandler(async (a) => {
      // As tensorflowjs_converter writes it: model.json and weights split into shards.
      const data = new Uint8Array(a.weightData as ArrayBuffer), cut = [0, 1000, 5000, data.length];
      const paths = [1, 2, 3].map((i) => `group1-shard${i}of3.bin`);
      paths.forEach((p, i) => writeFileSync(join(dir, p), data.subarray(cut[i], cut[i + 1])));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths, weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const ours = await models.loadModel(dir);
    const x = images(7);
    assertClose(ours.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'tfjs model in deeptype');
  });

  it('resumes training exactly where it stopped (optimizer state, initialEpoch)', async () => {
    dt.setThreads(1);
    const x = images(48), y = labels(48);
    const fresh = () => { dt.setRandomSeed(11); const m = seedModel(); m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' }); return m; };
    const straight = fresh();
    dt.setRandomSeed(5);
    await straight.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });

    const first = fresh();
    dt.setRandomSeed(5);
    await first.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const dir = tmp();
    await first.save(dir, { includeOptimizer: true });
    const resumed = await models.loadModel(dir);
    dt.setRandomSeed(5);
    await resumed.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 16, verbose: 0 });
    straight.getWeights().forEach((w, i) => assert.deepEqual(Array.from(resumed.getWeights()[i].data), Array.from(w.data), `weight ${i}`));
    dt.setThreads(2);
  });

  it('replaces a saved model without leaving old or partial files', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    await model.save(dir);
    await model.save(dir);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2, files.join(', '));
    assert.ok(files.includes('model.json') && files.every((f) => !f.includes('partial')));
    // A save that fails before writing leaves the previous model loadable.
    const untrained = new models.Sequential([new layers.Input({ shape: [28, 28] }), new layers.Flatten(), new layers.Dense({ units: 2 })]);
    await assert.rejects(untrained.save(dir, { includeOptimizer: true }), /compile\(\)/);
    assert.deepEqual((await models.loadModel(dir)).getWeights().length, 6);
  });

  it('ModelCheckpoint saves the best epoch only', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    const saved: number[] = [];
    await model.fit(images(32), labels(32), { epochs: 3, verbose: 0, validationData: [images(16), labels(16)],
      callbacks: [new callbacks.ModelCheckpoint({ filepath: join(dir, 'best'), monitor: 'val_loss', saveBestOnly: true }), { onEpochEnd: (e) => { saved.push(e); } }] });
    const best = await models.loadModel(join(dir, 'best'));
    assert.equal(best.layers.length, 7);
  });
});

describe('corrupt or foreign files are refused with a clear error', () => {
  async function savedDir(): Promise<string> {
    const dir = tmp();
    await (await trainedSeedModel()).save(dir);
    return dir;
  }
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));

  it('a truncated weights file', async () => {
    const dir = await savedDir();
    const file = join(dir, manifestOf(dir).weightsManifest[0].paths[0]);
    truncateSync(file, 1000);
    await assert.rejects(models.loadModel(dir), new RegExp(`weight files .*weights-.*\\.bin \\(1000 bytes\\) hold 1000 bytes, but the manifest's 6 weights need 51176 \\(truncated\\?\\)`));
  });
  it('a manifest whose shapes do not match the model', async () => {
    const dir = await savedDir();
    const json = manifestOf(dir);
    json.weightsManifest[0].weights[0].shape = [3, 3, 32, 1];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await assert.rejects(models.loadModel(dir), /weight conv2d.*\/kernel has shape \[3, 3, 32, 1\] in the file, the model expects \[3, 3, 1, 32\]/);
  });
  it('a JSON file that is not a model, and one that is not JSON', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ hello: 'world' }));
    await assert.rejects(models.loadModel(dir), /model\.json is not a model: it has no modelTopology/);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    await assert.rejects(models.loadModel(dir), /model\.json is not valid JSON/);
  });
  it('an unknown layer class', async () => {
    const dir = await savedDir();
    const json = manifestOf(dir);
    json.modelTopology.config.layers.splice(1, 0, { class_name: 'MyCustomLayer', config: { name: 'custom' } });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await assert.rejects(models.loadModel(dir), /Unknown layer class 'MyCustomLayer': deeptype cannot load it yet/);
  });
});
