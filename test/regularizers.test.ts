// Regularizers (weights and activity) in the loss fit minimizes, constraints after each update:
// one SGD step against TensorFlow.js with the same weights, penalties against Keras's formulas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { layerFromKeras, layerToKeras } from '../src/io/keras-config.ts';
import { weightPenalty } from '../src/layers/regularizers.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rng = new Random(31);
const x = randomTensor([6, 5], rng, -1, 1, 'float32');
const y = randomTensor([6, 3], rng, -1, 1, 'float32');

/** One SGD step (lr 0.1) in deeptype (compiled or eager) and in TF.js from the same weights. */
async function oneStep(ours: () => layers.Layer, theirs: () => ReturnType<typeof tf.layers.dense>, runEagerly: boolean): Promise<{ ours: dt.Tensor[]; theirs: tf.Tensor[]; loss: [number, number] }> {
  const model = new models.Sequential([new layers.Input({ shape: [5] }), ours()]);
  const init = model.getWeights().map((w) => randomTensor(w.shape, new Random(w.size), -0.8, 0.8, 'float32'));
  const tfModel = tf.sequential({ layers: [theirs()] });
  // TF.js applies a weight's constraint when it is set (Keras does not): start both from TF.js's.
  tfModel.setWeights(init.map(toTf));
  model.setWeights(tfModel.getWeights().map((w) => dt.tensor(w.dataSync() as Float32Array, w.shape)));
  model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.1 }), runEagerly });
  const ourLoss = dt.withBackend('js', () => model.trainStep(x, y).loss);
  tfModel.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.1) });
  const h = await tfModel.fit(toTf(x), toTf(y), { batchSize: 6, epochs: 1, verbose: 0, shuffle: false });
  return { ours: model.getWeights(), theirs: tfModel.getWeights(), loss: [ourLoss, h.history.loss[0] as number] };
}

describe('regularizers and constraints train as in Keras', () => {
  const cases: [string, () => layers.Layer, () => ReturnType<typeof tf.layers.dense>][] = [
    ['kernel l2 + bias l1', () => new layers.Dense({ units: 3, kernelRegularizer: 'l2', biasRegularizer: layers.regularizers.l1({ l1: 0.05 }) }),
      () => tf.layers.dense({ units: 3, inputShape: [5], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }), biasRegularizer: tf.regularizers.l1({ l1: 0.05 }) })],
    ['kernel l1l2 {className, config}', () => new layers.Dense({ units: 3, kernelRegularizer: { className: 'L1L2', config: { l1: 0.02, l2: 0.03 } } }),
      () => tf.layers.dense({ units: 3, inputShape: [5], kernelRegularizer: tf.regularizers.l1l2({ l1: 0.02, l2: 0.03 }) })],
  ];
  for (const [name, ours, theirs] of cases) {
    for (const runEagerly of [false, true]) {
      it(`${name} (${runEagerly ? 'eager' : 'compiled'}): loss with penalties and weights after one step, against TF.js`, async () => {
        const r = await oneStep(ours, theirs, runEagerly);
        assert.ok(Math.abs(r.loss[0] - r.loss[1]) < 1e-5 * Math.max(1, Math.abs(r.loss[1])), `loss ${r.loss[0]} vs TF.js ${r.loss[1]}`);
        r.ours.forEach((w, i) => assertClose(w, r.theirs[i], 1e-5, `${name} weight ${i}`));
      });
    }
  }

  // Keras applies a weight's constraint after each optimizer update (TF.js only when a weight is
  // set, not after its updates): expected = constraint(TF.js's unconstrained step), with
  // Keras's constraint formulas written out here in float64 (columns: axis 0 of [in, out]).
  const columns = (w: Float64Array, rows: number, f: (col: number[]) => number[]): Float64Array => {
    const cols = w.length / rows, out = new Float64Array(w.length);
    for (let c = 0; c < cols; c++) {
      const v = f(Array.from({ length: rows }, (_, r) => w[r * cols + c]));
      v.forEach((x, r) => { out[r * cols + c] = x; });
    }
    return out;
  };
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
  const scaleTo = (v: number[], desired: (n: number) => number) => { const n = norm(v); return v.map((x) => (x * desired(n)) / (1e-7 + n)); };
  const constrained: [string, () => layers.Layer, (w: Float64Array, rows: number, which: number) => Float64Array][] = [
    ['maxNorm kernel', () => new layers.Dense({ units: 3, kernelConstraint: layers.constraints.maxNorm({ maxValue: 0.6 }) }),
      (w, rows, i) => (i === 0 ? columns(w, rows, (v) => scaleTo(v, (n) => Math.min(Math.max(n, 0), 0.6))) : w)],
    ['nonNeg kernel, unitNorm bias', () => new layers.Dense({ units: 3, kernelConstraint: 'nonNeg', biasConstraint: layers.constraints.unitNorm() }),
      (w, rows, i) => (i === 0 ? w.map((v) => (v >= 0 ? v : 0)) : Float64Array.from(scaleTo(Array.from(w), () => 1)))],
    ['minMaxNorm kernel {className, config}', () => new layers.Dense({ units: 3, kernelConstraint: { className: 'MinMaxNorm', config: { min_value: 0.3, max_value: 0.5, rate: 0.7 } } }),
      (w, rows, i) => (i === 0 ? columns(w, rows, (v) => scaleTo(v, (n) => 0.7 * Math.min(Math.max(n, 0.3), 0.5) + 0.3 * n)) : w)],
  ];
  for (const [name, ours, project] of constrained) {
    for (const runEagerly of [false, true]) {
      it(`${name} (${runEagerly ? 'eager' : 'compiled'}): applied after the update`, async () => {
        const r = await oneStep(ours, () => tf.layers.dense({ units: 3, inputShape: [5] }), runEagerly);
        r.ours.forEach((w, i) => {
          const expected = project(Float64Array.from(r.theirs[i].dataSync()), 5, i);
          assertClose(w, dt.tensor(expected, w.shape, 'float64'), 1e-5, `${name} weight ${i}`);
        });
      });
    }
  }

  it('the penalty is part of the loss fit reports (Keras: loss + sum(model.losses)), in float64 by hand', async () => {
    const model = new models.Sequential([new layers.Input({ shape: [5] }), new layers.Dense({ units: 3, kernelRegularizer: layers.regularizers.l2({ l2: 0.5 }), activityRegularizer: 'l1' })]);
    model.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 1e-12 }) });
    const [k] = model.getWeights();
    const out = dt.withBackend('js', () => model.predict(x)).clone();
    let mse = 0, act = 0;
    for (let i = 0; i < out.size; i++) { mse += (out.data[i] - y.data[i]) ** 2; act += Math.abs(out.data[i]); }
    const expected = mse / out.size + 0.5 * Array.from(k.data).reduce((a, v) => a + v * v, 0) + 0.01 * act;
    const history = await model.fit(x, y, { batchSize: 6, epochs: 1, verbose: 0, shuffle: false });
    const loss = history.history.loss[0] as number;
    assert.ok(Math.abs(loss - expected) < 1e-5 * expected, `fit loss ${loss} vs ${expected}`);
    assert.ok(Math.abs(model.evaluate(x, y, { verbose: 0 })[0] - expected) < 1e-5 * expected, 'evaluate includes the penalties too');
  });

  it('regularizers and constraints survive the Keras JSON round trip and TF.js reads them', async () => {
    const dense = new layers.Dense({ units: 3, kernelRegularizer: 'l2', biasConstraint: 'nonNeg', inputShape: [5] });
    const keras = JSON.parse(JSON.stringify(layerToKeras(dense)));
    assert.deepEqual(keras.config.kernel_regularizer, { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } });
    assert.deepEqual(keras.config.bias_constraint, { class_name: 'NonNeg', config: {} });
    assert.deepEqual(layerToKeras(layerFromKeras(keras)), keras);
    const withActivity = new layers.Dense({ units: 3, activityRegularizer: layers.regularizers.l1({ l1: 0.2 }) });
    assert.deepEqual(layerToKeras(layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(withActivity))))), layerToKeras(withActivity));
    // TF.js reads our model.json (it cannot run activity regularizers, so none here).
    const dir = mkdtempSync(join(tmpdir(), 'dt-reg-'));
    await new models.Sequential([dense]).save(dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const tfModel = await tf.models.modelFromJSON({ modelTopology: json.modelTopology });
    const cfg = tfModel.layers[0].getConfig() as Record<string, { className?: string; config?: Record<string, number> }>;
    assert.equal(cfg.kernelRegularizer?.className, 'L1L2');
    assert.equal(cfg.kernelRegularizer?.config?.l2, 0.01);
    assert.equal(cfg.biasConstraint?.className, 'NonNeg');
  });

  it('bad regularizers and constraints are clear errors', () => {
    assert.throws(() => new layers.Dense({ units: 2, kernelRegularizer: 'l3' as 'l1', name: 'd' }), /Layer "d": kernelRegularizer: unknown regularizer 'l3', expected one of l1, l2, l1l2/);
    assert.throws(() => new layers.Dense({ units: 2, biasRegularizer: layers.regularizers.l2({ l2: -1 }), name: 'd' }), /l2: regularization factor l2 must be a non-negative number, got -1/);
    assert.throws(() => new layers.Conv2D({ filters: 2, kernelSize: 1, kernelConstraint: 'positive' as 'nonNeg', name: 'c' }), /Layer "c": kernelConstraint: unknown constraint "positive", expected one of maxNorm, nonNeg, unitNorm, minMaxNorm/);
    assert.throws(() => new layers.Dense({ units: 2, kernelRegularizer: { className: 'L3' }, name: 'd' }), /Layer "d": kernelRegularizer: unknown regularizer/);
    assert.throws(() => new layers.ActivityRegularization({ l1: -0.1, name: 'ar' }), /argument 'l1' of layer "ar". Expected a number in \[0, Infinity\]. Received l1=-0.1/);
    assert.throws(() => new layers.Dense({ units: 2, kernelRegularizr: 'l2' } as never), /unknown option 'kernelRegularizr'. Valid options are: .*kernelRegularizer/);
  });
});

runLayerTest({
  name: 'ActivityRegularization (l1 0.01, l2 0.02)',
  make: () => new layers.ActivityRegularization({ l1: 0.01, l2: 0.02 }),
  inputShape: [2, 3, 4],
  reference: (v) => v,
  weights: { trainable: 0, nonTrainable: 0 },
  skip: { tfjsFiles: 'TF.js has no ActivityRegularization layer' },
});

describe('the convolution variants take their weights\' regularizers and constraints', () => {
  it('DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, Conv1D: the penalties Keras names, in the loss and in the config', () => {
    const cases: [() => layers.Layer, number[], string[]][] = [
      [() => new layers.DepthwiseConv2D({ kernelSize: 3, depthwiseRegularizer: 'l2', biasRegularizer: 'l1', depthwiseConstraint: 'nonNeg' }), [1, 5, 5, 2], ['depthwise', 'bias']],
      [() => new layers.SeparableConv2D({ filters: 3, kernelSize: 3, depthwiseRegularizer: 'l2', pointwiseRegularizer: 'l2' }), [1, 5, 5, 2], ['depthwise', 'pointwise']],
      [() => new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, kernelRegularizer: 'l2' }), [1, 4, 4, 2], ['kernel']],
      [() => new layers.Conv1D({ filters: 2, kernelSize: 3, kernelRegularizer: 'l1l2' }), [1, 6, 2], ['kernel']],
    ];
    for (const [make, shape, names] of cases) {
      const layer = make();
      layer.apply(dt.ones(shape));
      const penalty = weightPenalty(layer.weights);
      assert.ok(penalty && penalty.item() > 0, `${layer.className}: a penalty in the loss`);
      const config = layer.getConfig();
      for (const n of names) assert.ok(config[`${n}Regularizer`], `${layer.className}: ${n}Regularizer in getConfig`);
      assert.throws(() => new (layer.constructor as new (a: object) => layers.Layer)({ ...config, name: undefined, kernelSize: 3, gammaRegularizer: 'l2' }), /unknown option 'gammaRegularizer'/);
    }
  });
});
