// Randomness and layer state inside compiled steps: the Philox kernel against its published
// answers, the random ops' statistics, Dropout and BatchNormalization compiled vs op by op and
// against TensorFlow.js, and the refusal of values a compiled step would freeze.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, SeedGenerator } from '../src/index.ts';
import { philox } from '../src/backends/js/random.ts';
import { tf, toTf, assertClose } from './helpers/oracle.ts';

const hex = (w: Uint32Array) => Array.from(w, (v) => v.toString(16).padStart(8, '0')).join(' ');

describe('Philox4x32-10', () => {
  it('gives the known-answer vectors of Random123', () => {
    const w = new Uint32Array(4);
    philox(0, 0, 0, 0, 0, 0, w);
    assert.equal(hex(w), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    philox(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, w);
    assert.equal(hex(w), '408f276d 41c83b0e a20bc7c6 6d5451fd');
    philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, w);
    assert.equal(hex(w), 'd16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

for (const backend of ['js', 'wasm']) {
  describe(`random ops (${backend})`, () => {
    before(() => dt.setBackend(backend));
    it('have the right statistics and advance their stream', () => {
      const g = new SeedGenerator(3);
      const u = dt.randomUniform([100000], g, { minval: -1, maxval: 3 });
      const mean = u.mean().item(), min = u.min().item(), max = u.max().item();
      assert.ok(Math.abs(mean - 1) < 0.02 && min >= -1 && max < 3, `uniform mean ${mean} range [${min}, ${max}]`);
      const again = dt.randomUniform([100000], g, { minval: -1, maxval: 3 });
      assert.notDeepEqual(Array.from(again.data.subarray(0, 8)), Array.from(u.data.subarray(0, 8)));
      const n = dt.randomNormal([100000], g, { mean: 2, stddev: 3 });
      const m = n.mean().item(), sd = Math.sqrt(n.sub(m).square().mean().item());
      assert.ok(Math.abs(m - 2) < 0.05 && Math.abs(sd - 3) < 0.05, `normal mean ${m} sd ${sd}`);
      const t = dt.truncatedNormal([20000], g, { stddev: 0.5 });
      assert.ok(t.abs().max().item() <= 1 + 1e-6, 'truncated at 2 stddev');
      const b = dt.randomBernoulli([100000], g, 0.3);
      assert.ok(Math.abs(b.mean().item() - 0.3) < 0.01);
    });
    it('give the same numbers for the same seed, on both backends', () => {
      const here = dt.randomNormal([37], new SeedGenerator(11));
      const js = dt.withBackend('js', () => dt.randomNormal([37], new SeedGenerator(11)));
      assertClose(here, js, 1e-6, 'normal');
    });
    it('take TensorFlow.js\'s form too: (shape, minval, maxval, dtype, seed), the same seed giving the same numbers', () => {
      const a = dt.randomUniform([1000], -2, 3, 'float32', 7), b = dt.randomUniform([1000], -2, 3, 'float32', 7);
      assert.deepEqual(Array.from(a.data), Array.from(b.data));
      assert.ok(a.min().item() >= -2 && a.max().item() < 3 && a.max().item() > 2.9, 'in [-2, 3)');
      const n = dt.randomNormal([20000], 1, 0.5, 'float32', 3);
      assert.ok(Math.abs(n.mean().item() - 1) < 0.02, `normal mean ${n.mean().item()}`);
      assert.ok(dt.truncatedNormal([5000], 0, 2).abs().max().item() <= 4 + 1e-6);
      // Without a seed: drawn from setRandomSeed's generator, so reproducible after it.
      dt.setRandomSeed(9);
      const first = Array.from(dt.randomUniform([5]).data);
      dt.setRandomSeed(9);
      assert.deepEqual(Array.from(dt.randomUniform([5]).data), first);
      assert.throws(() => dt.randomUniform([2], { minval: 0 } as never), /randomUniform: expected \(shape, generator, options\) or TensorFlow.js's \(shape, minval, maxval, dtype, seed\), got \[object Object\]/);
      assert.throws(() => dt.randomUniform([2], 5), /maxval \(1\) must be greater than minval \(5\)/);
    });
  });
}

/** A one-layer model whose "prediction" is the layer's output in training mode, via trainStep. */
function trainingOutputs(layer: () => layers.Layer, runEagerly: boolean, steps: number): Float32Array[] {
  dt.setRandomSeed(5);
  const model = new models.Sequential([new layers.Input({ shape: [64] }), layer()]);
  model.compile({ loss: 'mse', optimizer: 'sgd', runEagerly });
  const x = dt.ones([4, 64]);
  return Array.from({ length: steps }, () => model.computeGradients([x], [dt.zeros([4, 64])]).yPreds[0].data.slice() as Float32Array);
}

describe('Dropout', () => {
  before(() => dt.setBackend('wasm'));
  it('drops the rate and scales the survivors, only while training', () => {
    const d = new layers.Dropout({ rate: 0.5, seed: 1 });
    const y = d.apply(dt.ones([100000]).reshape([1000, 100]), { training: true });
    const kept = Array.from(y.data).filter((v) => v !== 0);
    assert.ok(Math.abs(kept.length / 1e5 - 0.5) < 0.01, `kept ${kept.length}`);
    assert.ok(kept.every((v) => v === 2));
    assert.deepEqual(Array.from(d.apply(dt.ones([2, 3])).data), [1, 1, 1, 1, 1, 1]);
  });
  it('draws a new mask at every compiled step, the same ones as op by op', () => {
    const compiled = trainingOutputs(() => new layers.Dropout({ rate: 0.5 }), false, 4);
    const eager = trainingOutputs(() => new layers.Dropout({ rate: 0.5 }), true, 4);
    for (let i = 1; i < 4; i++) assert.notDeepEqual(compiled[i], compiled[i - 1], `step ${i} repeats step ${i - 1}'s mask`);
    assert.deepEqual(compiled, eager);
  });
  it('SpatialDropout2D drops whole channels; noise layers are random per step too', () => {
    const y = new layers.SpatialDropout2D({ rate: 0.5, seed: 2 }).apply(dt.ones([2, 3, 3, 8]), { training: true });
    for (let b = 0; b < 2; b++) for (let c = 0; c < 8; c++) {
      const vals = new Set(Array.from({ length: 9 }, (_, p) => y.data[b * 72 + p * 8 + c]));
      assert.equal(vals.size, 1, 'one value per image and channel');
    }
    for (const make of [() => new layers.GaussianNoise({ stddev: 0.3 }), () => new layers.GaussianDropout({ rate: 0.3 })]) {
      const compiled = trainingOutputs(make, false, 3), eager = trainingOutputs(make, true, 3);
      assert.notDeepEqual(compiled[1], compiled[0]);
      assert.deepEqual(compiled, eager);
    }
  });
  it('rejects bad arguments', () => {
    assert.throws(() => new layers.Dropout({ rate: 1 }), /argument 'rate' of layer "dropout.*\[0, 1\).*rate=1/);
    assert.throws(() => new layers.Dropout({ rate: -0.1 }), /rate=-0.1/);
    assert.throws(() => new layers.Dropout({ rate: 0.1, nosieShape: [1] } as never), /unknown option 'nosieShape'.*Valid options are:.*noiseShape/);
    assert.throws(() => new layers.Dropout({ rate: 0.5, noiseShape: [3, 1] }).apply(dt.ones([2, 4]), { training: true }), /does not broadcast/);
  });
});

describe('BatchNormalization', () => {
  before(() => dt.setBackend('wasm'));
  const make = () => new layers.BatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  it('matches TensorFlow.js in training and inference, outputs, gradients and moving statistics', () => {
    const x = dt.randomNormal([4, 3, 3, 5], new SeedGenerator(1), { mean: 2, stddev: 3 });
    const bn = make();
    bn.apply(x);
    const [gamma, beta] = [dt.randomUniform([5], new SeedGenerator(2), { minval: 0.5, maxval: 1.5 }), dt.randomNormal([5], new SeedGenerator(3))];
    const [mm, mv] = [dt.randomNormal([5], new SeedGenerator(4)), dt.randomUniform([5], new SeedGenerator(5), { minval: 0.5, maxval: 2 })];
    bn.setWeights([gamma, beta, mm, mv]);
    const tfBn = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
    tfBn.apply(toTf(x));
    tfBn.setWeights([gamma, beta, mm, mv].map(toTf));
    // Inference uses the moving statistics.
    assertClose(bn.apply(x, { training: false }), tfBn.apply(toTf(x), { training: false }) as tf.Tensor, 1e-5, 'inference');
    // Training: batch statistics, and the moving ones move.
    assertClose(bn.apply(x, { training: true }), tfBn.apply(toTf(x), { training: true }) as tf.Tensor, 1e-5, 'training');
    const tfW = tfBn.getWeights();
    assertClose(bn.movingMean!, tfW[2], 1e-5, 'moving mean');
    assertClose(bn.movingVariance!, tfW[3], 1e-5, 'moving variance');
    // Gradients of sum(y * r) in training mode, against tf.batchNorm over tf.moments.
    const r = dt.randomNormal(x.shape, new SeedGenerator(6));
    const { grads } = dt.valueAndGrads(() => bn.apply(x, { training: true }).mul(r).sum(), [x, bn.gamma!, bn.beta!]);
    const tfGrads = tf.grads((tx: tf.Tensor, tg: tf.Tensor, tb: tf.Tensor) => {
      const { mean, variance } = tf.moments(tx, [0, 1, 2]);
      return tf.batchNorm(tx, mean, variance, tb, tg, 1e-3).mul(toTf(r)).sum();
    })([toTf(x), toTf(gamma), toTf(beta)]);
    ['x', 'gamma', 'beta'].forEach((n, i) => assertClose(grads[i], tfGrads[i], 1e-4, `d${n}`));
  });
  it('trains the same compiled and op by op: 20 steps, moving statistics and weights', async () => {
    const run = async (runEagerly: boolean) => {
      dt.setRandomSeed(9);
      const model = new models.Sequential([
        new layers.Input({ shape: [6, 6, 2] }),
        new layers.Conv2D({ filters: 4, kernelSize: 3 }),
        new layers.BatchNormalization({ momentum: 0.8 }),
        new layers.Activation({ activation: 'relu' }),
        new layers.Flatten(),
        new layers.Dropout({ rate: 0.3 }),
        new layers.Dense({ units: 3, activation: 'softmax' }),
      ]);
      model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: dt.optimizers.SGD ? new dt.optimizers.SGD({ learningRate: 0.05 }) : 'sgd', runEagerly });
      const g = new SeedGenerator(1);
      const x = dt.randomNormal([40, 6, 6, 2], g, { mean: 1 });
      const y = dt.tensor(Array.from({ length: 40 }, (_, i) => i % 3), null, 'int32');
      await model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 }); // 20 steps
      return model.getWeights();
    };
    const compiled = await run(false), eager = await run(true);
    compiled.forEach((w, i) => assertClose(w, eager[i], 1e-5, `weight ${i}`));
    const bn = compiled.slice(2, 6);
    assert.ok(bn[2].abs().sum().item() > 0.1, 'the moving mean moved');
  });
  it('frozen (trainable = false) it normalizes with the moving statistics, even in fit', () => {
    const bn = make();
    const x = dt.randomNormal([8, 3], new SeedGenerator(7), { mean: 5 });
    bn.apply(x);
    bn.trainable = false;
    const before = bn.getWeights();
    assertClose(bn.apply(x, { training: true }), bn.apply(x, { training: false }), 1e-7, 'frozen = inference');
    bn.getWeights().forEach((w, i) => assertClose(w, before[i], 1e-12, `weight ${i} unchanged`));
  });
  it('rejects bad arguments', () => {
    assert.throws(() => new layers.BatchNormalization({ momentum: 2 }), /momentum=2/);
    assert.throws(() => new layers.BatchNormalization({ epsilon: 0 }), /epsilon=0/);
    assert.throws(() => new layers.BatchNormalization({ axis: 4 }).apply(dt.ones([2, 3])), /axis 4 is out of range/);
    assert.throws(() => new layers.BatchNormalization({ betaRegulariser: 'l2' } as never), /unknown option 'betaRegulariser'/);
  });
});

/** A layer whose call() does something a compiled step cannot replay. */
class Trap extends layers.Layer {
  static override readonly className = 'Trap';
  constructor(private readonly mode: 'mathRandom' | 'readData' | 'newSeed' | 'tfjsSeed' | 'literal') { super({ name: `trap_${mode}` }); }
  call(x: dt.Tensor): dt.Tensor {
    // Continuous draws: two traces cannot see the same values by chance (0/2 draws did, 1 run in 16).
    if (this.mode === 'mathRandom') return x.mul(dt.tensor(Array.from({ length: x.shape[1] }, () => Math.random() * 2)));
    if (this.mode === 'readData') return x.sub(x.mean().item());
    if (this.mode === 'newSeed') return x.mul(dt.randomBernoulli(x.shape, new SeedGenerator(1), 0.5));
    if (this.mode === 'tfjsSeed') return x.mul(dt.randomUniform(x.shape, 0, 2, 'float32', 1)); // a new stream per call
    return x.mul(dt.tensor([1, 2, 3, 4])); // a literal: the same at every trace, fine
  }
}

describe('values a compiled step would freeze', () => {
  before(() => dt.setBackend('wasm'));
  const fitWith = async (mode: Trap['mode'], runEagerly = false) => {
    const model = new models.Sequential([new layers.Input({ shape: [4] }), new Trap(mode), new layers.Dense({ units: 1 })]);
    model.compile({ loss: 'mse', optimizer: 'sgd', runEagerly });
    const x = dt.randomNormal([12, 4], new SeedGenerator(2));
    return model.fit(x, dt.zeros([12, 1]), { epochs: 1, batchSize: 4, verbose: 0 });
  };
  it('Math.random inside call() is refused, naming the layer and what to use instead', async () => {
    await assert.rejects(fitWith('mathRandom'), /layer "trap_mathRandom" cannot be compiled: it made a tensor from values computed outside the kernels.*SeedGenerator.*runEagerly/s);
  });
  it('a number read from a tensor inside call() is refused', async () => {
    await assert.rejects(fitWith('readData'), /layer "trap_readData" cannot be compiled.*\.data\/\.item\(\)/s);
  });
  it('a SeedGenerator made inside call() is refused at the first trace', async () => {
    await assert.rejects(fitWith('newSeed'), /SeedGenerator: created while a compiled step was being traced/);
    await assert.rejects(fitWith('tfjsSeed'), /SeedGenerator: created while a compiled step was being traced/);
  });
  it('constants and op-by-op runs are fine', async () => {
    await fitWith('literal');
    await fitWith('mathRandom', true);
    await fitWith('readData', true);
  });
});

describe('wasm kernels for randomness and batch normalization', () => {
  // With the workers up, so that the jobs really are split over threads.
  before(async () => { dt.setBackend('wasm'); await dt.ready(); });
  const g = () => new SeedGenerator(21);
  for (const dist of ['uniform', 'normal', 'truncatedNormal', 'bernoulli'] as const) {
    it(`${dist}: the same values as the reference, on threads, for any length`, () => {
      for (const n of [7, 5000, 40003]) {
        const run = (backend: string) => dt.withBackend(backend, () => {
          const s = g();
          return (
            dist === 'uniform' ? [dt.randomUniform([n], s, { minval: -2, maxval: 3 }), dt.randomUniform([n], s)]
            : dist === 'normal' ? [dt.randomNormal([n], s, { mean: 1, stddev: 2 }), dt.randomNormal([n], s)]
            : dist === 'truncatedNormal' ? [dt.truncatedNormal([n], s), dt.truncatedNormal([n], s)]
            : [dt.randomBernoulli([n], s, 0.3), dt.randomBernoulli([n], s, 0.7)]);
        });
        const [a, b] = run('wasm'), [ra, rb] = run('js');
        assertClose(a, ra, 1e-6, `${dist} n=${n} first call`);
        assertClose(b, rb, 1e-6, `${dist} n=${n} second call (the counter advanced alike)`);
      }
    });
  }
  it('batchNorm, its gradient and channelAffine equal the reference on odd shapes', () => {
    for (const [rows, C] of [[3, 5], [257, 7], [4096, 16]]) {
      const s = new SeedGenerator(rows);
      const x = dt.randomNormal([rows, C], s, { mean: 3, stddev: 2 }), dy = dt.randomNormal([rows, C], s);
      const gamma = dt.randomUniform([C], s, { minval: 0.5, maxval: 2 }), beta = dt.randomNormal([C], s);
      const both = (f: () => dt.Tensor[]) => [dt.withBackend('wasm', f), dt.withBackend('js', f)];
      const [w, r] = both(() => {
        const { y, mean, variance } = dt.batchNormTrain(x, gamma, beta, 1e-3);
        const { grads } = dt.valueAndGrads(() => dt.batchNormTrain(x, gamma, beta, 1e-3).y.mul(dy).sum(), [x, gamma, beta]);
        return [y, mean, variance, ...grads, dt.channelAffine(x, gamma, beta), dt.channelAffine(x, gamma)];
      });
      w.forEach((t, i) => assertClose(t, r[i], 1e-5, `[${rows}, ${C}] output ${i}`));
    }
  });
});

describe('files: models with Dropout, BatchNormalization and the noise layers', () => {
  before(() => dt.setBackend('wasm'));
  const artifacts = async (model: models.Sequential): Promise<tf.io.ModelArtifacts> => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-bn-'));
    await model.save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bytes = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
    return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
  };
  it('save in deeptype, load in TensorFlow.js (and back) with the same predictions', async () => {
    dt.setRandomSeed(3);
    const model = new models.Sequential([
      new layers.Input({ shape: [8, 8, 3] }),
      new layers.Conv2D({ filters: 4, kernelSize: 3 }),
      new layers.BatchNormalization({ momentum: 0.9 }),
      new layers.GaussianNoise({ stddev: 0.1 }),
      new layers.Flatten(),
      new layers.Dropout({ rate: 0.5, seed: 4 }),
      new layers.GaussianDropout({ rate: 0.2 }),
      new layers.Dense({ units: 3, activation: 'softmax' }),
    ]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const x = dt.randomNormal([6, 8, 8, 3], new SeedGenerator(8));
    await model.fit(x, dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32'), { epochs: 2, batchSize: 3, verbose: 0 }); // moving stats move
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(await artifacts(model)));
    assertClose(model.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype -> tfjs');
    // And a TF.js model with these layers, saved, loads in deeptype.
    let saved!: tf.io.ModelArtifacts;
    await theirs.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-bn-tfjs-'));
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(saved.weightData as ArrayBuffer));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: saved.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: saved.weightSpecs }] }));
    const back = await models.loadModel(dir);
    assertClose(back.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'tfjs -> deeptype');
    assert.deepEqual(back.layers.map((l) => l.className), model.layers.map((l) => l.className));
  });
  it('SpatialDropout2D (which TensorFlow.js lacks) round-trips in deeptype', async () => {
    const model = new models.Sequential([new layers.Input({ shape: [4, 4, 2] }), new layers.SpatialDropout2D({ rate: 0.3, seed: 1 })]);
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-sd-'));
    await model.save(dir);
    const back = await models.loadModel(dir);
    const { batchInputShape: _, ...config } = back.layers[0].getConfig();
    assert.deepEqual(config, model.layers[0].getConfig());
  });
});
