// Nested models in Keras files (.keras and Keras 2 .h5): a functional model holding a Sequential
// augmentation stack, a nested functional residual block and a Sequential head with
// BatchNormalization, as keras.io's convnet recipes build them. Round trips are bit-exact
// (weights, optimizer state, predictions, a further fit), and h5py sees the layout Keras's
// saving_lib writes: a nested model's layers under <its path>/layers/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import * as dt from '../src/index.ts';
import { layers, models, type Tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { resetNames } from '../src/layers/layer.ts';
import { readH5 } from '../src/io/hdf5.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-nested-'));
const bits = (m: models.Model): number[][] => m.getWeights().map((w) => Array.from(w.data));
const optimizerBits = (m: models.Model): unknown[] => m.optimizer!.getWeights(m.trainableWeights).map((w) => [w.name, Array.from(w.tensor.data)]);

function nestedModel(): models.Model {
  resetNames();
  dt.setRandomSeed(3);
  const augment = new models.Sequential({ name: 'augment', layers: [new layers.RandomFlip({ mode: 'horizontal', seed: 1 }), new layers.RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, seed: 2 })] });
  const a = layers.input({ shape: [6, 6, 4] });
  const b = new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(a) as SymbolicTensor;
  const block = new models.Model({ inputs: a, outputs: new layers.Add().apply([a, b]) as SymbolicTensor, name: 'block' });
  const head = new models.Sequential({ name: 'head', layers: [new layers.Dense({ units: 5 }), new layers.BatchNormalization(), new layers.Dense({ units: 3, activation: 'softmax' })] });
  const inputs = layers.input({ shape: [8, 8, 3] });
  let x = augment.apply(inputs) as SymbolicTensor;
  x = new layers.Conv2D({ filters: 4, kernelSize: 3 }).apply(x) as SymbolicTensor;
  x = block.apply(x) as SymbolicTensor;
  x = new layers.GlobalAveragePooling2D().apply(x) as SymbolicTensor;
  const model = new models.Model({ inputs, outputs: head.apply(x) as SymbolicTensor, name: 'nested' });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const rng = new Random(4);
const x = randomTensor([6, 8, 8, 3], rng, 0, 1, 'float32');
const y = dt.tensor(Int32Array.from({ length: 6 }, (_, i) => i % 3), [6]);

describe('nested models in Keras files', () => {
  it('round-trip in .keras and .h5 bit for bit (weights, optimizer, predictions, a further fit)', async () => {
    const model = nestedModel();
    await model.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
    for (const ext of ['keras', 'h5']) {
      const path = join(tmp(), `nested.${ext}`);
      await model.save(path);
      const loaded = await models.loadModel(path);
      assert.deepEqual(loaded.layers.map((l) => l.className), ['InputLayer', 'Sequential', 'Conv2D', 'Functional', 'GlobalAveragePooling2D', 'Sequential'], ext);
      assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name), `${ext}: layer names`);
      assert.deepEqual((loaded.layers[5] as models.Sequential).layers.map((l) => l.className), ['Dense', 'BatchNormalization', 'Dense'], `${ext}: the head's layers`);
      assert.deepEqual(bits(loaded), bits(model), `${ext}: weights`);
      assert.ok(optimizerBits(model).length > 0);
      assert.deepEqual(optimizerBits(loaded), optimizerBits(model), `${ext}: optimizer state`);
      assert.deepEqual(Array.from((loaded.predict(x) as Tensor).data), Array.from((model.predict(x) as Tensor).data), `${ext}: predictions`);
      // The augmentation is live in training: the same seeds, the same fit.
      const copy = await models.loadModel(path);
      const fresh = await models.loadModel(path);
      await copy.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
      await fresh.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
      assert.deepEqual(bits(copy), bits(fresh), `${ext}: two loaded copies train identically`);
    }
  });

  it('h5py sees saving_lib\'s nested object paths (.keras) and Keras 2\'s nested weight groups (.h5)', async (t) => {
    if (spawnSync('/usr/bin/python3', ['-c', 'import h5py']).status !== 0) { t.skip('python3-h5py is not installed (apt-get install python3-h5py)'); return; }
    const model = nestedModel();
    model.predict(x);
    const dir = tmp();
    await model.save(join(dir, 'm.keras'));
    await model.save(join(dir, 'm.h5'));
    const files = unzipSync(readFileSync(join(dir, 'm.keras')));
    const config = JSON.parse(strFromU8(files['config.json']));
    const names = config.config.layers.map((l: { class_name: string; name: string }) => `${l.class_name}:${l.name}`);
    assert.deepEqual(names, ['InputLayer:input_layer_1', 'Sequential:augment', 'Conv2D:conv2d_1', 'Functional:block', 'GlobalAveragePooling2D:global_average_pooling2d', 'Sequential:head'].map((s) => s.replace('input_layer_1', config.config.layers[0].name)));
    const head = config.config.layers[5];
    assert.deepEqual(head.config.layers.map((l: { class_name: string }) => l.class_name).filter((c: string) => c !== 'InputLayer'), ['Dense', 'BatchNormalization', 'Dense']);
    // Every dataset of both files, by path, with its shape (h5py, the library Keras uses).
    const list = (file: string, inner?: string): Record<string, number[]> => {
      const py = `import h5py, io, json, sys, zipfile
f = sys.argv[1]
src = io.BytesIO(zipfile.ZipFile(f).read(sys.argv[2])) if len(sys.argv) > 2 else f
out = {}
def visit(name, obj):
    out[name] = list(obj.shape) if isinstance(obj, h5py.Dataset) else None
h5py.File(src, 'r').visititems(visit)
print(json.dumps(out))`;
      const r = spawnSync('/usr/bin/python3', ['-c', py, file, ...(inner ? [inner] : [])], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const k3 = list(join(dir, 'm.keras'), 'model.weights.h5');
    const want3: Record<string, number[] | null> = {
      'layers/sequential/vars': null, 'layers/sequential/layers/random_flip/vars': null, 'layers/sequential/layers/random_translation/vars': null,
      'layers/conv2d/vars/0': [3, 3, 3, 4], 'layers/conv2d/vars/1': [4],
      'layers/functional/vars': null, 'layers/functional/layers/conv2d/vars/0': [3, 3, 4, 4], 'layers/functional/layers/add/vars': null,
      'layers/sequential_1/layers/dense/vars/0': [4, 5], 'layers/sequential_1/layers/batch_normalization/vars/0': [5],
      'layers/sequential_1/layers/batch_normalization/vars/3': [5], 'layers/sequential_1/layers/dense_1/vars/1': [3],
    };
    for (const [path, shape] of Object.entries(want3)) assert.deepEqual(k3[path], shape, `.keras model.weights.h5: ${path}`);
    const k2 = list(join(dir, 'm.h5'));
    // Keras 2 keeps a nested model's weights in one group named for it: trainable first, then the moving statistics.
    const heads = Object.keys(k2).filter((p) => p.startsWith('model_weights/head/') && k2[p] !== null).sort();
    assert.equal(heads.length, 8, `head weights in the .h5: ${heads.join(', ')}`);
    const r = spawnSync('/usr/bin/python3', ['-c', `import h5py, sys
g = h5py.File(sys.argv[1], 'r')['model_weights/head']
print('\\n'.join(n.decode() if isinstance(n, bytes) else n for n in g.attrs['weight_names']))`, join(dir, 'm.h5')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const order = r.stdout.trim().split('\n').map((n) => n.split('/').pop());
    assert.deepEqual(order, ['kernel:0', 'bias:0', 'gamma:0', 'beta:0', 'kernel:0', 'bias:0', 'moving_mean:0', 'moving_variance:0']);
  });
});

describe('learning-rate schedules in Keras files', () => {
  const { schedules, optimizers } = dt;
  const cases = [
    () => new schedules.ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.5, staircase: true }),
    () => new schedules.CosineDecay({ initialLearningRate: 0.02, decaySteps: 10, alpha: 0.1 }),
    () => new schedules.PiecewiseConstantDecay({ boundaries: [1, 3], values: [0.01, 0.005, 0.001] }),
  ];
  it('are written as Keras 3 serializes them (no learning_rate variable in Keras 3\'s state) and read back: fit continues identically', async () => {
    for (const make of cases) {
      resetNames();
      dt.setRandomSeed(5);
      const model = new models.Sequential([new layers.Input({ shape: [4] }), new layers.Dense({ units: 3, activation: 'softmax' })]);
      const schedule = make();
      model.compile({ optimizer: new optimizers.Adam({ learningRate: schedule }), loss: 'sparseCategoricalCrossentropy' });
      const xs = randomTensor([6, 4], rng, -1, 1, 'float32'), ys = dt.tensor(Int32Array.from({ length: 6 }, (_, i) => i % 3), [6]);
      await model.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
      const dir = tmp();
      await model.save(join(dir, 'm.keras'));
      await model.save(join(dir, 'm.h5'));
      const files = unzipSync(readFileSync(join(dir, 'm.keras')));
      const lr = JSON.parse(strFromU8(files['config.json'])).compile_config.optimizer.config.learning_rate;
      assert.equal(lr.module, 'keras.optimizers.schedules', schedule.className);
      assert.equal(lr.class_name, schedule.className);
      assert.ok('initial_learning_rate' in lr.config || 'boundaries' in lr.config, JSON.stringify(lr.config));
      // Keras 3 keeps no learning_rate variable beside a schedule: iterations, then m and v per weight.
      const opt = (await readH5(files['model.weights.h5'], 'model.weights.h5')).children.get('optimizer');
      const vars = opt?.kind === 'group' ? opt.children.get('vars') : undefined;
      assert.equal(vars?.kind === 'group' ? vars.children.size : -1, 1 + 2 * 2, `${schedule.className}: optimizer variables`);
      for (const file of ['m.keras', 'm.h5']) {
        const loaded = await models.loadModel(join(dir, file));
        assert.deepEqual(loaded.optimizer!.getConfig().learningRate, schedule.toJSON(), `${file}: ${schedule.className}`);
        assert.equal(loaded.optimizer!.iterations, model.optimizer!.iterations, `${file}: iterations`);
        assert.deepEqual(optimizerBits(loaded), optimizerBits(model), `${file}: optimizer state`);
        await loaded.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
      }
      await model.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
      const again = await models.loadModel(join(dir, 'm.keras'));
      await again.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
      assert.deepEqual(bits(again), bits(model), `${schedule.className}: the loaded model trains on as the original`);
    }
  });

  it('an unknown schedule or an option deeptype\'s schedule lacks is refused, naming the file', async () => {
    resetNames();
    const model = new models.Sequential([new layers.Input({ shape: [4] }), new layers.Dense({ units: 3 })]);
    model.compile({ optimizer: new optimizers.SGD({ learningRate: new schedules.InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }) }), loss: 'mse' });
    const dir = tmp();
    await model.save(join(dir, 'm.keras'));
    const files = unzipSync(readFileSync(join(dir, 'm.keras')));
    const edit = async (f: (lr: Record<string, unknown> & { config: Record<string, unknown> }) => void): Promise<string> => {
      const config = JSON.parse(strFromU8(files['config.json']));
      f(config.compile_config.optimizer.config.learning_rate);
      const { zipSync, strToU8 } = await import('fflate');
      const path = join(dir, `edited-${Math.random().toString(36).slice(2)}.keras`);
      (await import('node:fs')).writeFileSync(path, zipSync({ ...files, 'config.json': strToU8(JSON.stringify(config)) }));
      return path;
    };
    await assert.rejects(models.loadModel(await edit((lr) => { lr.class_name = 'WarmupCosine'; })), /edited-.*\.keras.*learning_rate: unknown learning-rate schedule 'WarmupCosine'.*compile: false/);
    await assert.rejects(models.loadModel(await edit((lr) => { lr.config.cycle_length = 3; })), /edited-.*\.keras.*learning_rate: InverseTimeDecay: unknown option cycleLength/);
    const loaded = await models.loadModel(await edit((lr) => { lr.class_name = 'WarmupCosine'; }), { compile: false });
    assert.equal(loaded.optimizer, undefined);
  });
});

describe('fine-tuning: a base model called with training: false (keras.io\'s transfer-learning recipe)', () => {
  function fineTuneModel(): { model: models.Model; base: models.Model } {
    resetNames();
    dt.setRandomSeed(6);
    const bin = layers.input({ shape: [8, 8, 3] });
    let b = new layers.Conv2D({ filters: 4, kernelSize: 3 }).apply(bin) as SymbolicTensor;
    b = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization().apply(b) as SymbolicTensor) as SymbolicTensor;
    const base = new models.Model({ inputs: bin, outputs: b, name: 'base' });
    base.trainable = false;
    const inputs = layers.input({ shape: [8, 8, 3] });
    const x = new layers.GlobalAveragePooling2D().apply(base.apply(inputs, { training: false }) as SymbolicTensor) as SymbolicTensor;
    const model = new models.Model({ inputs, outputs: new layers.Dense({ units: 2 }).apply(x) as SymbolicTensor });
    model.compile({ optimizer: 'adam', loss: new dt.losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
    return { model, base };
  }
  const xs = randomTensor([8, 8, 8, 3], new Random(8), 0, 1, 'float32'), ys = dt.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 2), [8]);
  const movingStats = (m: models.Model): number[][] => m.weights.filter((w) => /moving_/.test(w.name)).map((w) => Array.from(w.data));
  const kernel = (m: models.Model): number[] => Array.from(m.weights.find((w) => w.name.endsWith('conv2d/kernel'))!.data);
  /** Unfreezes the base and fits: its kernel must move, its BatchNormalization must stay in inference. */
  async function unfreezeAndFit(model: models.Model, base: dt.layers.Layer, what: string): Promise<void> {
    const [stats, k] = [movingStats(model), kernel(model)];
    assert.equal(stats.length, 2, `${what}: the moving statistics`);
    base.trainable = true;
    model.compile({ optimizer: new dt.optimizers.Adam({ learningRate: 1e-3 }), loss: new dt.losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    assert.notDeepEqual(kernel(model), k, `${what}: the unfrozen base trains`);
    assert.deepEqual(movingStats(model), stats, `${what}: the base's BatchNormalization stays in inference (training: false)`);
  }

  it('frozen, the base does not change; unfrozen, it trains but its BatchNormalization stays in inference', async () => {
    const { model, base } = fineTuneModel();
    const before = base.getWeights().map((w) => Array.from(w.data));
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    assert.deepEqual(base.getWeights().map((w) => Array.from(w.data)), before, 'the frozen base');
    await unfreezeAndFit(model, base, 'in memory');
  });

  it('the training: false call survives .keras, .h5 and TF.js files', async () => {
    for (const file of ['m.keras', 'm.h5', 'tfjs-dir']) {
      const { model } = fineTuneModel();
      await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
      const path = join(tmp(), file);
      await model.save(path);
      const loaded = await models.loadModel(path);
      await unfreezeAndFit(loaded, loaded.layers.find((l) => l.name === 'base')!, file);
    }
  });
});
