// Keras's own files: .keras (Keras 3), .h5 (Keras 2), .weights.h5; round trips, Keras's layout
// checked by h5py with a numpy forward pass, corrupt and fuzzed input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { dataset, group, groupAt, readH5, writeH5, type H5Group } from '../src/io/hdf5.ts';
import { loadKerasModel } from '../src/io/keras-bytes.ts';
import { resetNames } from '../src/layers/layer.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-keras-'));
const rng = new Random(16);
const images = (n: number) => randomTensor([n, 28, 28], rng, 0, 1, 'float32');
const labels = (n: number) => dt.tensor(Array.from({ length: n }, (_, i) => (i * 3) % 10), null, 'int32');
const bits = (m: models.Model): number[][] => m.getWeights().map((w) => Array.from(w.data));
const optimizerBits = (m: models.Model): unknown[] =>
  m.optimizer!.getWeights(m.trainableWeights).map((w) => [w.name, Array.from(w.tensor.data)]);

async function trainedSeedModel(): Promise<models.Sequential> {
  resetNames(); // Keras's names: sequential, conv2d, conv2d_1, ...
  dt.setRandomSeed(16);
  const model = seedModel();
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  await model.fit(images(48), labels(48), { epochs: 1, batchSize: 16, verbose: 0 });
  return model;
}

/** Throws unless fn rejects with a message matching every pattern. */
async function rejects(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  try { await fn(); } catch (e) {
    const msg = (e as Error).message;
    for (const p of patterns) assert.match(msg, p);
    return msg;
  }
  throw new Error('expected an error');
}

for (const ext of ['keras', 'h5'] as const) {
  describe(`.${ext} files`, () => {
    it('round-trip bit for bit, optimizer state included, and fit continues identically', async () => {
      const model = await trainedSeedModel();
      const path = join(tmp(), `model.${ext}`);
      await model.save(path);
      const loaded = await models.loadModel(path);
      assert.deepEqual(bits(loaded), bits(model));
      assert.equal(loaded.optimizer?.name, 'Adam');
      assert.equal(loaded.optimizer?.iterations, 3);
      assert.deepEqual(optimizerBits(loaded), optimizerBits(model));
      assert.equal(loaded.loss?.name, 'sparse_categorical_crossentropy');
      assert.deepEqual(loaded.metrics.map((m) => m.name), ['acc']);
      // The same further training from both gives the same weights.
      const x = images(32), y = labels(32);
      await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
      await loaded.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
      assert.deepEqual(bits(loaded), bits(model));
    });

    it('loads without the training state when asked (compile: false)', async () => {
      const model = await trainedSeedModel();
      const path = join(tmp(), `model.${ext}`);
      await model.save(path);
      const loaded = await models.loadModel(path, { compile: false });
      assert.equal(loaded.optimizer, undefined);
      assert.deepEqual(bits(loaded), bits(model));
    });

    it('saves atomically: a failed save leaves the old file in place and no temporary file', async () => {
      const dir = tmp(), path = join(dir, `model.${ext}`);
      const model = await trainedSeedModel();
      await model.save(path);
      const before = readFileSync(path);
      const bad = new models.Sequential([new layers.Input({ shape: [4] }), new layers.Dense({ units: 2 })]);
      bad.compile({ loss: 'mse', optimizer: 'sgd' });
      bad.optimizer!.getWeights = () => { throw new Error('disk on fire'); };
      await rejects(() => bad.save(path), /disk on fire/);
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(dir), [`model.${ext}`]);
    });

    it('refuses a truncated file, naming it, and a file that is not one', async () => {
      const model = await trainedSeedModel();
      const dir = tmp(), path = join(dir, `model.${ext}`);
      await model.save(path);
      const cut = join(dir, `cut.${ext}`);
      writeFileSync(cut, readFileSync(path).subarray(0, 3000));
      await rejects(() => models.loadModel(cut), new RegExp(`cut\\.${ext}`), /damaged or truncated/);
      const junk = join(dir, `junk.${ext}`);
      writeFileSync(junk, 'hello, I am not a model');
      await rejects(() => models.loadModel(junk), /junk/, /neither a \.keras zip nor an HDF5 file/);
    });
  });
}

describe('Keras layout (h5py and numpy)', () => {
  it('files deeptype writes have the layout Keras reads, and their weights reproduce the predictions', async (t) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import h5py, numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) { t.skip('python3-h5py is not installed (apt-get install python3-h5py)'); return; }
    const model = await trainedSeedModel();
    const dir = tmp();
    await model.save(join(dir, 'seed.keras'));
    await model.save(join(dir, 'seed.h5'));
    const x = images(6);
    const pred = model.predict(x);
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    writeFileSync(join(dir, 'pred.f32'), new Uint8Array(pred.data.buffer, pred.data.byteOffset, pred.data.byteLength));
    const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers/keras_layout.py'), join(dir, 'seed.keras'), join(dir, 'seed.h5'), join(dir, 'x.f32'), join(dir, 'pred.f32')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /OK .*seed\.keras/);
    assert.match(r.stdout, /OK .*seed\.h5/);
  });
});

/** A ResNet-style block: relu(conv) -> conv -> add with the skip -> relu -> flatten -> dense softmax. */
async function trainedResidualModel(): Promise<models.Model> {
  resetNames();
  dt.setRandomSeed(6);
  const inp = layers.input({ shape: [8, 8, 3] });
  const a = new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp) as SymbolicTensor;
  const b = new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(a) as SymbolicTensor;
  const sum = new layers.Add().apply([a, b]) as SymbolicTensor;
  const act = new layers.Activation({ activation: 'relu' }).apply(sum) as SymbolicTensor;
  const out = new layers.Dense({ units: 3, activation: 'softmax' }).apply(new layers.Flatten().apply(act) as SymbolicTensor) as SymbolicTensor;
  const model = new models.Model({ inputs: inp, outputs: out });
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  await model.fit(randomTensor([16, 8, 8, 3], rng, 0, 1, 'float32'), dt.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), [16]), { epochs: 1, batchSize: 4, verbose: 0 });
  return model;
}

describe('functional models', () => {
  it('a residual block round-trips in both formats, bit for bit, and fit continues identically', async () => {
    const model = await trainedResidualModel();
    const x = randomTensor([8, 8, 8, 3], rng, 0, 1, 'float32'), y = dt.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 3), [8]);
    for (const ext of ['keras', 'h5']) {
      const path = join(tmp(), `res.${ext}`);
      await model.save(path);
      const loaded = await models.loadModel(path);
      assert.equal(loaded.className, 'Functional');
      assert.deepEqual(loaded.layers.map((l) => l.className), ['InputLayer', 'Conv2D', 'Conv2D', 'Add', 'Activation', 'Flatten', 'Dense']);
      assert.deepEqual(bits(loaded), bits(model), ext);
      assert.deepEqual(optimizerBits(loaded), optimizerBits(model), ext);
      assert.deepEqual(Array.from(loaded.predict(x).data), Array.from(model.predict(x).data), ext);
    }
    const path = join(tmp(), 'res.keras');
    await model.save(path);
    const loaded = await models.loadModel(path);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
    await loaded.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
    assert.deepEqual(bits(loaded), bits(model));
  });

  it('h5py sees Keras\'s Functional layout, and a numpy forward pass reproduces the predictions', async (t) => {
    if (spawnSync('/usr/bin/python3', ['-c', 'import h5py, numpy']).status !== 0) { t.skip('python3-h5py is not installed'); return; }
    const model = await trainedResidualModel();
    const dir = tmp();
    await model.save(join(dir, 'res.keras'));
    await model.save(join(dir, 'res.h5'));
    const x = randomTensor([5, 8, 8, 3], rng, 0, 1, 'float32');
    const pred = model.predict(x);
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    writeFileSync(join(dir, 'pred.f32'), new Uint8Array(pred.data.buffer, pred.data.byteOffset, pred.data.byteLength));
    const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers/keras_layout.py'), '--residual', join(dir, 'res.keras'), join(dir, 'res.h5'), join(dir, 'x.f32'), join(dir, 'pred.f32')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /OK .*res\.keras/);
    assert.match(r.stdout, /OK .*res\.h5/);
  });

  it('a graph whose layer reads a missing layer, or a cycle, is refused naming the file', async () => {
    const model = await trainedResidualModel();
    const path = join(tmp(), 'res.keras');
    await model.save(path);
    const parts = unzipSync(readFileSync(path));
    const config = JSON.parse(new TextDecoder().decode(parts['config.json']));
    const add = config.config.layers[3];
    add.inbound_nodes[0].args[0][1].config.keras_history = ['nowhere', 0, 0];
    parts['config.json'] = strToU8(JSON.stringify(config));
    await rejects(() => loadKerasModel(zipSync(parts), 'missing.keras'), /missing\.keras: layer "add" inbound node 0: it reads layer "nowhere", which is not in the model/);
    add.inbound_nodes[0].args[0][1].config.keras_history = ['activation', 0, 0];
    parts['config.json'] = strToU8(JSON.stringify(config));
    await rejects(() => loadKerasModel(zipSync(parts), 'cycle.keras'), /cycle\.keras: layer "(add|activation|flatten|dense)" reads tensors no layer makes/);
  });
});

describe('optimizers', () => {
  const small = () => new models.Sequential([new layers.Input({ shape: [6] }), new layers.Dense({ units: 4, activation: 'relu' }), new layers.Dense({ units: 3, activation: 'softmax' })]);
  const cases: [string, () => dt.optimizers.Optimizer][] = [
    ['Adam', () => new dt.optimizers.Adam({ learningRate: 0.01, clipnorm: 1 })], ['AdamW', () => new dt.optimizers.AdamW()],
    ['SGD', () => new dt.optimizers.SGD({ momentum: 0.9, nesterov: true })], ['RMSprop', () => new dt.optimizers.RMSprop({ momentum: 0.5 })],
    ['Adagrad', () => new dt.optimizers.Adagrad()], ['Adadelta', () => new dt.optimizers.Adadelta({ learningRate: 1 })],
    ['Adamax', () => new dt.optimizers.Adamax()], ['Lion', () => new dt.optimizers.Lion()], ['Ftrl', () => new dt.optimizers.Ftrl()],
  ];
  for (const [name, make] of cases) {
    it(`${name}: options and state round-trip in .keras and .h5`, async () => {
      resetNames();
      dt.setRandomSeed(2);
      const model = small();
      model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: make() });
      await model.fit(randomTensor([8, 6], rng, -1, 1, 'float32'), dt.tensor(Int32Array.of(0, 1, 2, 0, 1, 2, 0, 1), [8]), { epochs: 1, batchSize: 4, verbose: 0 });
      for (const ext of ['keras', 'h5']) {
        const path = join(tmp(), `o.${ext}`);
        await model.save(path);
        const loaded = await models.loadModel(path);
        assert.equal(loaded.optimizer!.name, name);
        assert.deepEqual(loaded.optimizer!.getConfig(), model.optimizer!.getConfig(), ext);
        assert.equal(loaded.optimizer!.iterations, 2);
        assert.deepEqual(optimizerBits(loaded), optimizerBits(model), ext);
      }
    });
  }
});

describe('weights only', () => {
  it('.weights.h5 (Keras 3) and .h5 (Keras 2) round-trip bit for bit', async () => {
    const model = await trainedSeedModel();
    for (const name of ['w.weights.h5', 'w.h5']) {
      const path = join(tmp(), name);
      await model.saveWeights(path);
      const fresh = seedModel();
      await fresh.loadWeights(path);
      assert.deepEqual(bits(fresh), bits(model), name);
    }
  });

  it('Keras 3 weights go by object path, not by layer name', async () => {
    const model = await trainedSeedModel();
    const path = join(tmp(), 'w.weights.h5');
    await model.saveWeights(path);
    const tree = await readH5(readFileSync(path), 'w');
    assert.deepEqual([...groupAt(tree, 'layers')!.children.keys()].sort(),
      ['conv2d', 'conv2d_1', 'dense', 'flatten', 'max_pooling2d', 'max_pooling2d_1', 'reshape']);
    const renamed = new models.Sequential([new layers.Input({ shape: [28, 28] }), new layers.Reshape({ targetShape: [28, 28, 1] }),
      new layers.Conv2D({ filters: 32, kernelSize: 3, padding: 'same', name: 'conv2d_12' }), new layers.MaxPooling2D({ poolSize: 2 }),
      new layers.Conv2D({ filters: 16, kernelSize: 3, padding: 'same', name: 'conv2d_13' }), new layers.MaxPooling2D({ poolSize: 2 }),
      new layers.Flatten(), new layers.Dense({ units: 10, activation: 'softmax', name: 'dense_7' })]);
    await renamed.loadWeights(path);
    assert.deepEqual(bits(renamed), bits(model));
  });

  it('byName and skipMismatch as in Keras 2', async () => {
    const model = await trainedSeedModel();
    const path = join(tmp(), 'w.h5');
    await model.saveWeights(path);
    // A model whose layers are in another order and partly differ: byName matches by name;
    // a differently shaped dense is refused unless skipMismatch, which keeps its weights.
    const other = new models.Sequential([new layers.Input({ shape: [28, 28] }), new layers.Reshape({ targetShape: [28, 28, 1] }),
      new layers.Conv2D({ filters: 32, kernelSize: 3, padding: 'same', name: 'conv2d' }), new layers.MaxPooling2D({ poolSize: 2 }),
      new layers.Flatten(), new layers.Dense({ units: 10, name: 'dense' })]);
    const denseBefore = bits(other).slice(2);
    await rejects(() => other.loadWeights(path), /the file has weights for 3 layers/);
    await rejects(() => other.loadWeights(path, { byName: true }), /w\.h5/, /weight dense\/kernel has shape \[6272, 10\], but dense\/dense\/kernel:0 in the file is \[784, 10\]/);
    assert.deepEqual(bits(other).slice(2), denseBefore, 'nothing loaded after a refusal');
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => warnings.push(m);
    try { await other.loadWeights(path, { byName: true, skipMismatch: true }); } finally { console.warn = warn; }
    assert.deepEqual(bits(other).slice(0, 2), bits(model).slice(0, 2));
    assert.deepEqual(bits(other).slice(2), denseBefore);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /dense/);
    await rejects(() => other.loadWeights(join(tmp(), 'none.weights.h5').replace('none', 'x'), { byName: true }), /cannot read/);
  });

  it('reads Keras 3 sharded weights (a .weights.json map and its shards)', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    await model.saveWeights(join(dir, 'all.weights.h5'));
    const tree = await readH5(readFileSync(join(dir, 'all.weights.h5')), 'all');
    // Two shards as Keras's ShardedH5IOStore writes them: the convs in one, the rest in the other.
    const shards: H5Group[] = [group(), group()];
    const weightMap: Record<string, string> = {};
    for (const [name, node] of groupAt(tree, 'layers')!.children) {
      const k = name.startsWith('conv2d') ? 0 : 1;
      groupAt(shards[k], 'layers', true)!.children.set(name, node);
      weightMap[`/layers/${name}/vars`] = `model_0000${k}.weights.h5`;
    }
    for (const k of [0, 1]) writeFileSync(join(dir, `model_0000${k}.weights.h5`), await writeH5(shards[k]));
    writeFileSync(join(dir, 'model.weights.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
    const fresh = seedModel();
    await fresh.loadWeights(join(dir, 'model.weights.json'));
    assert.deepEqual(bits(fresh), bits(model));
  });

  it('splits a long layer_names attribute as Keras 2 does, and reads it back', async () => {
    const stack = [new layers.Input({ shape: [4] }),
      ...Array.from({ length: 300 }, (_, i) => new layers.Activation({ activation: 'linear', name: `a_very_long_layer_name_${'x'.repeat(200)}_${i}` })),
      new layers.Dense({ units: 3 })];
    const model = new models.Sequential(stack);
    const path = join(tmp(), 'long.h5');
    await model.saveWeights(path);
    const tree = await readH5(readFileSync(path), 'long');
    assert.ok(!('layer_names' in tree.attrs) && 'layer_names0' in tree.attrs && 'layer_names1' in tree.attrs);
    const fresh = new models.Sequential([new layers.Input({ shape: [4] }),
      ...stack.slice(1, -1).map((l) => new layers.Activation({ activation: 'linear', name: l.name })), new layers.Dense({ units: 3 })]);
    await fresh.loadWeights(path);
    assert.deepEqual(bits(fresh), bits(model));
  });
});

/** A .keras file's parts, to be changed and zipped again. */
async function kerasParts(): Promise<{ model: models.Sequential; parts: Record<string, Uint8Array> }> {
  const model = await trainedSeedModel();
  const path = join(tmp(), 'm.keras');
  await model.save(path);
  return { model, parts: unzipSync(readFileSync(path)) };
}

describe('corrupt and unsupported input', () => {
  it('a .keras zip without config.json', async () => {
    const { parts } = await kerasParts();
    delete parts['config.json'];
    await rejects(() => loadKerasModel(zipSync(parts), 'noconfig.keras'), /noconfig\.keras/, /has no config\.json/);
  });

  it('a weights dataset whose shape differs from the config', async () => {
    const { parts } = await kerasParts();
    const tree = await readH5(parts['model.weights.h5'], 'w');
    groupAt(tree, 'layers/dense/vars')!.children.set('1', dataset(new Float32Array(11), [11]));
    parts['model.weights.h5'] = await writeH5(tree);
    await rejects(() => loadKerasModel(zipSync(parts), 'shape.keras'), /shape\.keras/, /weight dense\/bias has shape \[10\], but layers\/dense\/vars\/1 in the file is \[11\]/);
  });

  it('a dtype deeptype cannot hold, and nothing is loaded', async () => {
    const { model, parts } = await kerasParts();
    const tree = await readH5(parts['model.weights.h5'], 'w');
    groupAt(tree, 'layers/dense/vars')!.children.set('1', dataset(new BigInt64Array(10), [10]));
    const dir = tmp();
    writeFileSync(join(dir, 'int.weights.h5'), await writeH5(tree));
    const fresh = seedModel();
    const before = bits(fresh);
    await rejects(() => fresh.loadWeights(join(dir, 'int.weights.h5')), /int\.weights\.h5/, /BigInt64 values; a weight must be float32/);
    assert.deepEqual(bits(fresh), before, 'no weight was set');
    // A string dataset is refused when read.
    const h5 = readFileSync(join(dir, 'int.weights.h5'));
    const { default: h5wasm } = await import('h5wasm');
    const { FS } = await h5wasm.ready;
    FS.writeFile('/s.h5', h5);
    const f = new h5wasm.File('/s.h5', 'a');
    f.create_dataset({ name: 'layers/dense/vars/2', data: ['a', 'b'] });
    f.close();
    writeFileSync(join(dir, 'str.weights.h5'), FS.readFile('/s.h5'));
    await rejects(() => fresh.loadWeights(join(dir, 'str.weights.h5')), /str\.weights\.h5/, /holds string values, which deeptype cannot hold/);
  });

  it('an unknown layer class or option names itself and the file', async () => {
    const { parts } = await kerasParts();
    const config = JSON.parse(new TextDecoder().decode(parts['config.json']));
    const conv = config.config.layers[2];
    const dense = config.config.layers[7];
    dense.config.lora_rank = 4;
    parts['config.json'] = strToU8(JSON.stringify(config));
    await rejects(() => loadKerasModel(zipSync(parts), 'lora.keras'), /lora\.keras: layer "dense" \(Dense\): .*unknown option 'loraRank'/);
    delete dense.config.lora_rank;
    conv.class_name = 'FancyConv';
    parts['config.json'] = strToU8(JSON.stringify(config));
    await rejects(() => loadKerasModel(zipSync(parts), 'fancy.keras'), /fancy\.keras: layer "conv2d" \(FancyConv\): unknown layer class 'FancyConv'/);
    conv.class_name = 'Conv2D';
    conv.config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float64' }, registered_name: null };
    parts['config.json'] = strToU8(JSON.stringify(config));
    await rejects(() => loadKerasModel(zipSync(parts), 'f64.keras'), /f64\.keras: layer "conv2d" \(Conv2D\): dtype 'float64' is not supported/);
  });

  it('a weights-only name given to model.save is refused with what to do, writing nothing', async () => {
    const model = await trainedSeedModel();
    const dir = tmp();
    await rejects(() => model.save(join(dir, 'm.weights.h5')), /names a Keras weights-only file, which cannot hold a whole model. Name the model '.*m\.keras'/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a weights-only file given to loadModel says what it is', async () => {
    const model = await trainedSeedModel();
    const path = join(tmp(), 'w.h5');
    await model.saveWeights(path);
    await rejects(() => models.loadModel(path), /w\.h5: the file has no model_config attribute: it holds weights only/);
  });
});

describe('fuzz', () => {
  // Seeded: damaged files (bytes flipped, cut short) either load or are refused with an error
  // that names the file; never a crash, a hang or a non-Error.
  for (const ext of ['keras', 'h5'] as const) {
    it(`damaged .${ext} files are refused cleanly`, async () => {
      const model = await trainedSeedModel();
      const dir = tmp();
      await model.save(join(dir, `m.${ext}`));
      const good = readFileSync(join(dir, `m.${ext}`));
      const r = new Random(ext === 'keras' ? 7 : 8);
      let refused = 0;
      for (let i = 0; i < 24; i++) {
        const bad = new Uint8Array(good);
        const kind = i % 3;
        if (kind === 0) for (let k = 0; k < 8; k++) bad[Math.floor(r.uniform(0, bad.length))] ^= 1 + Math.floor(r.uniform(0, 255));
        const bytes = kind === 1 ? bad.subarray(0, Math.floor(r.uniform(0, good.length))) : kind === 2 ? bad.subarray(0, Math.floor(r.uniform(0, 4096))) : bad;
        try {
          await loadKerasModel(bytes, `fuzz-${i}.${ext}`);
        } catch (e) {
          assert.ok(e instanceof Error, `case ${i}: threw ${String(e)}`);
          assert.match(e.message, new RegExp(`fuzz-${i}\\.${ext}`), `case ${i}: ${e.message}`);
          refused++;
        }
      }
      assert.ok(refused >= 16, `only ${refused} of 24 damaged files were refused`);
    });
  }
});

describe('browser-safe entry', () => {
  it('loads from an ArrayBuffer or a Blob (no file system)', async () => {
    const model = await trainedSeedModel();
    const path = join(tmp(), 'm.keras');
    await model.save(path);
    const bytes = readFileSync(path);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    assert.deepEqual(bits(await loadKerasModel(ab, 'm.keras')), bits(model));
    assert.deepEqual(bits(await loadKerasModel(new Blob([bytes]), 'm.keras')), bits(model));
    assert.ok(existsSync(path));
  });
});
