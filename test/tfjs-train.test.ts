// TF.js's optimizer factories (tf.train.*) and tf.callbacks.earlyStopping: the same updates as
// TF.js's own optimizers over several steps, and clear errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(5);
const w0 = Array.from({ length: 6 }, () => rng.uniform(-1, 1)), target = Array.from({ length: 6 }, () => rng.uniform(-1, 1));

/** Five steps on sum((w - target)^2 * k) with k = 1..6 (gradients of different sizes). */
function theirs(opt: tf.Optimizer): number[] {
  const w = tf.variable(tf.tensor(w0)), k = tf.range(1, 7), t = tf.tensor(target);
  for (let i = 0; i < 5; i++) opt.minimize(() => tf.sum(tf.mul(tf.square(tf.sub(w, t)), k)) as tf.Scalar, false, [w]);
  return Array.from(w.dataSync());
}
function ours(opt: dt.optimizers.Optimizer): number[] {
  const w = new dt.Variable(dt.tensor(w0), 'w'), k = dt.range(1, 7), t = dt.tensor(target);
  for (let i = 0; i < 5; i++) {
    const { grads } = dt.valueAndGrads(() => w.sub(t).square().mul(k).sum(), [w]);
    opt.apply(grads, [w]);
  }
  return Array.from(w.data);
}

describe('tf.train factories follow TF.js', () => {
  const cases: [string, () => tf.Optimizer, () => dt.optimizers.Optimizer][] = [
    ['sgd(0.05)', () => tf.train.sgd(0.05), () => dt.train.sgd(0.05)],
    ['momentum(0.02, 0.9)', () => tf.train.momentum(0.02, 0.9), () => dt.train.momentum(0.02, 0.9)],
    ['momentum(0.02, 0.9, nesterov)', () => tf.train.momentum(0.02, 0.9, true), () => dt.train.momentum(0.02, 0.9, true)],
    ['adam(0.1)', () => tf.train.adam(0.1), () => dt.train.adam(0.1)],
    ['adam(0.05, 0.8, 0.99, 1e-3)', () => tf.train.adam(0.05, 0.8, 0.99, 1e-3), () => dt.train.adam(0.05, 0.8, 0.99, 1e-3)],
    ['adagrad(0.3)', () => tf.train.adagrad(0.3), () => dt.train.adagrad(0.3)],
    ['adamax(0.1)', () => tf.train.adamax(0.1), () => dt.train.adamax(0.1)],
    // TF.js's decay: lr / (1 + decay t); it was refused.
    ['adamax(0.1, 0.8, 0.99, 1e-7, 0.5)', () => tf.train.adamax(0.1, 0.8, 0.99, 1e-7, 0.5), () => dt.train.adamax(0.1, 0.8, 0.99, 1e-7, 0.5)],
    ['rmsprop(0.01)', () => tf.train.rmsprop(0.01), () => dt.train.rmsprop(0.01)],
    ['rmsprop(0.01, 0.8, 0.5)', () => tf.train.rmsprop(0.01, 0.8, 0.5), () => dt.train.rmsprop(0.01, 0.8, 0.5)],
  ];
  for (const [name, t, o] of cases) {
    it(name, () => {
      const want = theirs(t()), got = ours(o());
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5 * Math.max(1, Math.abs(want[i])), `${name} w[${i}]: ${v} vs TF.js ${want[i]}`));
    });
  }
  // TF.js's adadelta divides by the root of the accumulated squared gradient before this step's
  // update (Keras, and the paper, after it); deeptype keeps Keras's rule, written out here in float64.
  it('adadelta(1, 0.95) follows Keras\'s rule (TF.js\'s differs: it reads the accumulator before the update)', () => {
    const rho = 0.95, eps = 1e-7, w = [...w0], ag = w.map(() => 0), ad = w.map(() => 0);
    for (let step = 0; step < 5; step++) {
      w.forEach((v, i) => {
        const g = 2 * (v - target[i]) * (i + 1);
        ag[i] = rho * ag[i] + (1 - rho) * g * g;
        const d = (Math.sqrt(ad[i] + eps) / Math.sqrt(ag[i] + eps)) * g;
        ad[i] = rho * ad[i] + (1 - rho) * d * d;
        w[i] = v - d;
      });
    }
    const got = ours(dt.train.adadelta(1, rho));
    got.forEach((v, i) => assert.ok(Math.abs(v - w[i]) < 1e-5, `w[${i}]: ${v} vs Keras's rule ${w[i]}`));
    assert.ok(theirs(tf.train.adadelta(1, rho)).some((v, i) => Math.abs(v - w[i]) > 1e-3), 'TF.js differs (if it stops differing, compare with it instead)');
  });
  it('bad arguments are named', () => {
    assert.throws(() => dt.train.sgd(undefined as unknown as number), /tf.train.sgd: learningRate must be a number > 0, got undefined/);
    assert.throws(() => dt.train.adamax(0.1, 0.9, 0.999, undefined, -0.1), /tf.train.adamax: decay must be a number >= 0, got -0.1/);
  });
  it('Adamax configs as TF.js writes them (with decay) load, train as TF.js and save back the same', () => {
    // TF.js's Adamax config always has decay (0 by default); loading refused it as an unknown option.
    for (const decay of [0, 0.5]) {
      const t = tf.train.adamax(0.1, 0.8, 0.99, 1e-6, decay), config = { class_name: 'Adamax', config: t.getConfig() };
      const o = dt.optimizers.optimizerFromConfig(JSON.parse(JSON.stringify(config)), 'model.json');
      const want = theirs(t), got = ours(o);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5 * Math.max(1, Math.abs(want[i])), `decay ${decay} w[${i}]: ${v} vs TF.js ${want[i]}`));
      if (decay) assert.deepEqual(dt.optimizers.optimizerToConfig(dt.optimizers.optimizerFromConfig(config, 'model.json')), config);
    }
    assert.throws(() => dt.optimizers.optimizerFromConfig({ class_name: 'Adamax', config: { learningRate: 0.1, decay: 'x' } }, 'model.json'), /model.json: Adamax: decay must be a number >= 0, got "x"/);
  });
  it('callbacks.earlyStopping is an EarlyStopping', () => {
    const cb = dt.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 });
    assert.ok(cb instanceof dt.callbacks.EarlyStopping);
    assert.equal(cb.monitor, 'val_loss');
    assert.throws(() => dt.callbacks.earlyStopping({ patience: 2, patiance: 3 } as never), /patiance/);
  });
});

describe('TF.js\'s top-level spellings', () => {
  it('sequential, model, input, loadLayersModel (file:// URL), keep, regularizers', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const inp = dt.input({ shape: [4] });
    const out = dt.layers.dense({ units: 2, kernelRegularizer: dt.regularizers.l2({ l2: 0.01 }) }).apply(inp) as never;
    const functional = dt.model({ inputs: inp, outputs: out });
    const seq = dt.sequential({ layers: [dt.layers.dense({ units: 3, inputShape: [4] })] });
    assert.ok(functional instanceof dt.models.Model && seq instanceof dt.models.Sequential);
    const dir = join(mkdtempSync(join(tmpdir(), 'tfjs-names-')), 'm');
    await functional.save(`file://${dir}`);
    const back = await dt.loadLayersModel(`file://${dir}/model.json`);
    const x = dt.keep(dt.tensor2d([[1, 2, 3, 4]]));
    assert.deepEqual(Array.from((back.predict(x) as dt.Tensor).data), Array.from((functional.predict(x) as dt.Tensor).data));
  });
});

describe('TF.js\'s data and layer spellings', () => {
  it('tf.data.array/generator/zip and fitDataset on {xs, ys} batches train as fit on [x, y] does', async () => {
    const xs = dt.tensor(Array.from({ length: 32 }, (_, i) => (i % 7) / 7), [16, 2]);
    const ys = dt.tensor(Array.from({ length: 16 }, (_, i) => (i % 3) / 3), [16, 1]);
    const build = (): dt.models.Sequential => {
      dt.setRandomSeed(3);
      const m = dt.sequential({ layers: [dt.layers.dense({ units: 1, inputShape: [2] })] });
      m.compile({ loss: 'mse', optimizer: dt.train.sgd(0.1) });
      return m;
    };
    const rows = (t: dt.Tensor): dt.Tensor[] => Array.from({ length: 16 }, (_, i) => t.index([i, i + 1]).reshape([-1]));
    const tfStyle = dt.data.zip({ xs: dt.data.array(rows(xs)), ys: dt.data.generator(function* () { yield* rows(ys); }) }).batch(4);
    const a = build(), b = build();
    await a.fitDataset(tfStyle, { epochs: 2, verbose: 0 });
    await b.fit(xs, ys, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    assert.deepEqual(Array.from(a.getWeights()[0].data), Array.from(b.getWeights()[0].data));
    const [loss] = await a.evaluateDataset(tfStyle, { verbose: 0 });
    assert.ok(Math.abs(loss - (b.evaluate(xs, ys, { verbose: 0 }) as number[])[0]) < 1e-6);
  });
  it('Dataset.iterator() and mapAsync as TF.js has them', async () => {
    const it = await dt.data.array([1, 2, 3]).mapAsync(async (v) => v * 10).iterator();
    const seen: unknown[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
    assert.deepEqual(seen, [10, 20, 30]);
  });
  it('layer and initializer aliases make the same layers', () => {
    const L = dt.layers;
    for (const [alias, name] of [[L.avgPool2d, 'AveragePooling2D'], [L.avgPooling2d, 'AveragePooling2D'], [L.avgPool1d, 'AveragePooling1D'], [L.maxPool1d, 'MaxPooling1D'],
      [L.globalMaxPool2d, 'GlobalMaxPooling2D'], [L.globalMaxPool1d, 'GlobalMaxPooling1D'], [L.elu, 'ELU'], [L.prelu, 'PReLU'], [L.cropping2D, 'Cropping2D']] as const) {
      assert.equal((alias as (a?: unknown) => dt.layers.Layer)(name === 'Cropping2D' ? { cropping: 1 } : {}).className, name);
    }
    const a = dt.initializers.leCunNormal({ seed: 1 })([3, 4], 'float32'), b = dt.initializers.lecunNormal({ seed: 1 })([3, 4], 'float32');
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
  });
});

describe('tf.metrics functions follow TF.js', () => {
  const yT = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], yP = [0.1, 0.8, 0.6, 0.3, 0.9, 0.2, 0.4, 0.7, 0.55, 0.95, 0.05, 0.35];
  for (const name of ['meanSquaredError', 'mse', 'MSE', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'mape', 'binaryCrossentropy', 'categoricalCrossentropy', 'cosineProximity', 'r2Score'] as const) {
    it(name, () => {
      const theirs = (tf.metrics as unknown as Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>)[name](tf.tensor(yT, [4, 3]), tf.tensor(yP, [4, 3]));
      const ours = (dt.metrics as unknown as Record<string, (a: dt.Tensor, b: dt.Tensor) => dt.Tensor>)[name](dt.tensor(yT, [4, 3]), dt.tensor(yP, [4, 3]));
      assert.deepEqual(ours.shape, theirs.shape);
      Array.from(theirs.dataSync()).forEach((v, i) => assert.ok(Math.abs(ours.data[i] - v) < 1e-5 * Math.max(1, Math.abs(v)), `${name}[${i}]: ${ours.data[i]} vs TF.js ${v}`));
    });
  }
  it('precision and recall of 0/1 predictions (and 0 when nothing is predicted / present)', () => {
    const p = yP.map((v) => +(v > 0.5));
    for (const name of ['precision', 'recall'] as const) {
      assert.ok(Math.abs(dt.metrics[name](dt.tensor(yT, [12]), dt.tensor(p, [12])).item() - tf.metrics[name](tf.tensor(yT), tf.tensor(p)).dataSync()[0]) < 1e-6, name);
      assert.equal(dt.metrics[name](dt.zeros([4]), dt.zeros([4])).item(), tf.metrics[name](tf.zeros([4]), tf.zeros([4])).dataSync()[0], `${name} of nothing`);
    }
  });
});

describe('tf.losses functions follow TF.js', () => {
  const labels = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], preds = [0.1, 0.8, 0.6, 0.3, 0.9, 0.2, 0.4, 0.7, 0.55, 0.95, 0.05, 0.35];
  const logits = [2, -1, 0.5, 3, -2, 1, 0, 4, -3, 1.5, -0.5, 2.5], weights = [1, 0, 2, 0.5];
  const onehot = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0];
  type Fn = (...a: unknown[]) => tf.Tensor;
  const cases: [string, (ns: Record<string, Fn>, T: (v: number[], s?: number[]) => unknown, w: unknown, r: number) => unknown][] = [
    ['absoluteDifference', (L, T, w, r) => L.absoluteDifference(T(labels, [4, 3]), T(preds, [4, 3]), w, r)],
    ['meanSquaredError', (L, T, w, r) => L.meanSquaredError(T(labels, [4, 3]), T(preds, [4, 3]), w, r)],
    ['huberLoss', (L, T, w, r) => L.huberLoss(T(labels, [4, 3]), T(logits, [4, 3]), w, 1.5, r)],
    ['logLoss', (L, T, w, r) => L.logLoss(T(labels, [4, 3]), T(preds, [4, 3]), w, 1e-7, r)],
    ['hingeLoss', (L, T, w, r) => L.hingeLoss(T(labels, [4, 3]), T(logits, [4, 3]), w, r)],
    ['cosineDistance', (L, T, w, r) => L.cosineDistance(T(labels, [4, 3]), T(preds, [4, 3]), 1, w, r)],
    ['sigmoidCrossEntropy', (L, T, w, r) => L.sigmoidCrossEntropy(T(labels, [4, 3]), T(logits, [4, 3]), w, 0.1, r)],
    ['softmaxCrossEntropy', (L, T, w, r) => L.softmaxCrossEntropy(T(onehot, [4, 3]), T(logits, [4, 3]), w && T(weights, [4]), 0.2, r)],
  ];
  for (const [name, call] of cases) {
    it(`${name}: every reduction, with and without weights`, () => {
      for (const r of [0, 1, 2, 3]) for (const weighted of [false, true]) {
        const tw = weighted ? tf.tensor(weights, [4, 1]) : undefined, ow = weighted ? dt.tensor(weights, [4, 1]) : undefined;
        const theirs = call(tf.losses as unknown as Record<string, Fn>, (v, s) => tf.tensor(v, s), tw, r) as tf.Tensor;
        const ours = call(dt.losses as unknown as Record<string, Fn>, (v, s) => dt.tensor(v, s), ow, r) as unknown as dt.Tensor;
        assert.deepEqual(ours.shape, theirs.shape, `${name} reduction ${r} weighted ${weighted}: shape`);
        Array.from(theirs.dataSync()).forEach((v, i) => assert.ok(Math.abs(ours.data[i] - v) < 1e-5 * Math.max(1, Math.abs(v)), `${name} reduction ${r} weighted ${weighted} [${i}]: ${ours.data[i]} vs TF.js ${v}`));
      }
    });
  }
  it('Reduction matches TF.js\'s enum; bad arguments are named', () => {
    assert.deepEqual({ ...dt.Reduction }, { NONE: tf.Reduction.NONE, MEAN: tf.Reduction.MEAN, SUM: tf.Reduction.SUM, SUM_BY_NONZERO_WEIGHTS: tf.Reduction.SUM_BY_NONZERO_WEIGHTS });
    assert.throws(() => dt.losses.meanSquaredError(dt.ones([2, 3]), dt.ones([3, 2])), /losses.meanSquaredError: labels and predictions must have the same shape, got \[2,3\] and \[3,2\]/);
    assert.throws(() => dt.losses.computeWeightedLoss(dt.ones([2]), null, 7 as never), /reduction must be one of/);
  });
});

describe('TF.js\'s core training loop: variable, minimize, applyGradients', () => {
  it('minimize without a varList trains the live variables as TF.js does; returnCost gives the value', () => {
    const theirsW = tf.variable(tf.tensor(w0)), oursW = dt.variable(dt.tensor(w0));
    const frozen = dt.variable(dt.tensor([5]), false);
    const tOpt = tf.train.adam(0.05), oOpt = dt.train.adam(0.05);
    let tCost = 0, oCost = 0;
    for (let i = 0; i < 4; i++) {
      tCost = (tOpt.minimize(() => tf.sum(tf.square(tf.sub(theirsW, tf.tensor(target)))) as tf.Scalar, true) as tf.Scalar).dataSync()[0];
      oCost = oOpt.minimize(() => oursW.sub(dt.tensor(target)).square().sum().add(frozen.mul(0).sum()), true)!.item();
    }
    assert.ok(Math.abs(tCost - oCost) < 1e-5 * Math.abs(tCost), `cost ${oCost} vs TF.js ${tCost}`);
    Array.from(theirsW.dataSync()).forEach((v, i) => assert.ok(Math.abs(oursW.data[i] - v) < 1e-5, `w[${i}]`));
    assert.deepEqual(Array.from(frozen.data), [5], 'a variable made with trainable false is left alone');
    assert.equal(oOpt.minimize(() => oursW.sum()), null);
  });
  it('applyGradients takes TF.js\'s {name: gradient} map, and names an unknown variable', () => {
    const v = dt.variable(dt.tensor([1, 2]), true, 'my_weight');
    dt.train.sgd(0.5).applyGradients({ my_weight: dt.tensor([2, 4]) });
    assert.deepEqual(Array.from(v.data), [0, 0]);
    assert.throws(() => dt.train.sgd(0.5).applyGradients({ nope: dt.tensor([1]) }), /applyGradients: no variable named 'nope'/);
    assert.throws(() => dt.variable([1, 2] as never), /variable: initialValue must be a Tensor/);
    assert.equal(dt.variable(dt.tensor([1.7]), true, undefined, 'int32').dtype, 'int32');
  });
});
