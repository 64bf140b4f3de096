// Training graphs: several inputs and outputs against TF.js, compiled steps equal eager ones,
// the concat op's gradient, and Sequential without an Input training from its first step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor, checkGradients } from './helpers/gradcheck.ts';
import { assertClose, fromTf, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(8);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');

function ourTwoHeaded(): models.Model {
  const a = layers.input({ shape: [4], name: 'a' }), b = layers.input({ shape: [3], name: 'b' });
  const h = layers.dense({ units: 6, activation: 'relu', name: 'h' }).apply(layers.concatenate([a, b]));
  const skip = layers.add([h, layers.dense({ units: 6, name: 'skip' }).apply(a)]); // fan-out: a and h are read twice
  const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(skip);
  const reg = layers.dense({ units: 2, name: 'reg' }).apply(h);
  return new models.Model({ inputs: [a, b], outputs: [cls, reg] });
}
function theirTwoHeaded(): tf.LayersModel {
  const a = tf.input({ shape: [4], name: 'a' }), b = tf.input({ shape: [3], name: 'b' });
  const h = tf.layers.dense({ units: 6, activation: 'relu', name: 'h' }).apply(tf.layers.concatenate().apply([a, b])) as tf.SymbolicTensor;
  const skip = tf.layers.add().apply([h, tf.layers.dense({ units: 6, name: 'skip' }).apply(a) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(skip) as tf.SymbolicTensor;
  const reg = tf.layers.dense({ units: 2, name: 'reg' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: [cls, reg] });
}
const n = 12;
const xa = rand([n, 4]), xb = rand([n, 3]), yr = rand([n, 2]);
const yc = dt.tensor(Int32Array.from({ length: n }, (_, i) => (i * 5) % 3), [n]);

describe('training a two-input, two-output model', () => {
  it('fit: per-output logs (Keras names) and weights match TF.js for the same weights and data', async () => {
    const ours = ourTwoHeaded(), theirs = theirTwoHeaded();
    for (const l of ours.layers) if (l.weights.length) theirs.getLayer(l.name).setWeights(l.getWeights().map(toTf));
    ours.compile({ loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' }, lossWeights: { cls: 1, reg: 0.5 },
      optimizer: new optimizers.SGD({ learningRate: 0.1 }), metrics: { cls: ['accuracy'] } });
    // TF.js ignores lossWeights, so its regression loss carries the weight itself (Keras: total = sum of w_i * loss_i).
    const halfMse = (t: tf.Tensor, p: tf.Tensor) => tf.metrics.meanSquaredError(t, p).mul(0.5);
    theirs.compile({ loss: ['sparseCategoricalCrossentropy', halfMse] as never, optimizer: tf.train.sgd(0.1) });
    const h = await ours.fit({ a: xa, b: xb }, { cls: yc, reg: yr }, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const th = await theirs.fit([toTf(xa), toTf(xb)], [toTf(yc).cast('float32'), toTf(yr)], { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    assert.deepEqual(Object.keys(h.history), ['loss', 'cls_loss', 'reg_loss', 'cls_accuracy']);
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs TF.js ${b}`);
    for (let e = 0; e < 3; e++) {
      close(h.history.loss[e], th.history.loss[e] as number, `loss epoch ${e}`);
      close(h.history.cls_loss[e], th.history.cls_loss[e] as number, `cls_loss epoch ${e}`);
      close(h.history.reg_loss[e] * 0.5, th.history.reg_loss[e] as number, `reg_loss epoch ${e}`);
    }
    for (const l of ours.layers) l.weights.forEach((w, i) => assertClose(w, theirs.getLayer(l.name).getWeights()[i], 1e-5, w.name));
    // The accuracy log: the accuracy of the predictions each batch was trained on, averaged over batches.
    assert.ok(h.history.cls_accuracy.every((v) => v >= 0 && v <= 1));
    const [total, clsLoss, regLoss] = ours.evaluate([xa, xb], [yc, yr], { verbose: 0 });
    const [p1, p2] = theirs.predict([toTf(xa), toTf(xb)]) as tf.Tensor[];
    close(clsLoss, tf.metrics.categoricalCrossentropy(tf.oneHot(toTf(yc) as tf.Tensor1D, 3), p1).mean().dataSync()[0], 'evaluate cls_loss');
    close(regLoss, tf.metrics.meanSquaredError(toTf(yr), p2).mean().dataSync()[0], 'evaluate reg_loss');
    close(total, clsLoss + 0.5 * regLoss, 'evaluate total = sum of weighted losses');
  });

  it('compiled steps equal eager steps on the DAG (fan-out gradients summed, several outputs)', () => {
    const run = (runEagerly: boolean) => {
      dt.setRandomSeed(3);
      const m = ourTwoHeaded();
      m.compile({ loss: ['sparse_categorical_crossentropy', 'mse'], lossWeights: [0.7, 2], optimizer: 'adam', runEagerly });
      const losses = [0, 1, 2].map(() => m.trainOnBatch([xa, xb], [yc, yr]));
      return { losses, weights: m.weights.map((w) => w.clone()) };
    };
    const eager = run(true), planned = run(false);
    eager.losses.forEach((l, s) => l.forEach((v, i) => assert.ok(Math.abs(v - planned.losses[s][i]) < 1e-5, `step ${s} log ${i}: ${v} vs ${planned.losses[s][i]}`)));
    eager.weights.forEach((w, i) => assertClose(planned.weights[i], w, 1e-5, `weight ${i}`));
  });
});

describe('concat', () => {
  it('matches tf.concat forward and backward on every axis, and finite differences in float64', () => {
    for (const axis of [0, 1, 2, -1]) {
      const xs = [rand([2, 3, 4]), rand([2, 3, 4])].map((t, i) => (i === 1 ? rand([axis === 0 ? 3 : 2, axis === 1 ? 1 : 3, axis === 2 || axis === -1 ? 5 : 4]) : t));
      const y = dt.concat(xs, axis);
      assertClose(y, tf.concat(xs.map(toTf), axis), 1e-6, `concat axis ${axis}`);
      const r = rand(y.shape);
      const { grads } = dt.valueAndGrads(() => dt.concat(xs, axis).mul(r).sum(), xs);
      const theirs = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.concat([p, q], axis).mul(toTf(r)).sum())(xs.map(toTf));
      grads.forEach((g, i) => assertClose(g, theirs[i], 1e-6, `grad ${i} axis ${axis}`));
    }
    dt.withBackend('js', () => checkGradients((p, q, s) => dt.concat([p, q, s], 1), [randomTensor([2, 2, 3], rng), randomTensor([2, 1, 3], rng), randomTensor([2, 3, 3], rng)]));
    assert.throws(() => dt.concat([dt.zeros([2, 3]), dt.zeros([3, 3])], 1), /matching shapes except for the concatenation axis/);
  });

  it('wasm and js kernels agree', () => {
    const xs = [rand([3, 5, 7]), rand([3, 2, 7])];
    const js = dt.withBackend('js', () => dt.concat(xs, 1)), wasm = dt.withBackend('wasm', () => dt.concat(xs, 1));
    assertClose(wasm, js, 1e-7, 'wasm vs js');
    assertClose(js, fromTf(tf.concat(xs.map(toTf), 1)), 1e-7, 'js vs tf');
  });

  it('the wasm kernel (used on buffers in wasm memory: compiled plans) equals the reference', () => {
    const a = layers.input({ shape: [3, 4] }), b = layers.input({ shape: [5, 4] });
    const m = new models.Model({ inputs: [a, b], outputs: layers.concatenate([a, b, a], { axis: 1 }) });
    const xs = [rand([6, 3, 4]), rand([6, 5, 4])];
    const reference = dt.withBackend('js', () => m.predict(xs) as dt.Tensor);
    const planned = dt.withBackend('wasm', () => m.predict(xs) as dt.Tensor);
    assertClose(planned, reference, 1e-7, 'concat in a wasm plan');
    assertClose(reference, fromTf(tf.concat([xs[0], xs[1], xs[0]].map(toTf), 1)), 1e-7, 'reference vs tf');
  });
});

describe('Sequential is the same graph', () => {
  it('without an Input, it trains from its first step (regression: the first step used to update nothing)', () => {
    const x = rand([8, 3]), y = rand([8, 1]);
    const losses = (withInput: boolean) => {
      dt.setRandomSeed(12);
      const m = new models.Sequential([...(withInput ? [new layers.Input({ shape: [3] })] : []), layers.dense({ units: 4, activation: 'tanh' }), layers.dense({ units: 1 })]);
      m.compile({ loss: 'mse', optimizer: new optimizers.SGD({ learningRate: 0.5 }) });
      return [0, 1, 2].map(() => m.trainOnBatch(x, y)[0]);
    };
    const lazy = losses(false), declared = losses(true);
    assert.ok(lazy[1] < lazy[0], `the loss falls after step 1: ${lazy}`);
    lazy.forEach((v, i) => assert.ok(Math.abs(v - declared[i]) < 1e-6, `step ${i}: ${v} vs ${declared[i]} with an Input`));
  });

  it('has a graph: inputs, outputs, one node per layer, and runs through it', () => {
    const m = new models.Sequential([new layers.Input({ shape: [5] }), layers.dense({ units: 2, name: 'first' }), layers.dense({ units: 1, name: 'second' })]);
    assert.equal(m.isFunctional, true);
    assert.deepEqual(m.inputs[0].shape, [null, 5]);
    assert.equal(m.outputs[0].sourceLayer.name, 'second');
    assert.equal(m.graphNodes.length, 2);
    m.pop();
    assert.equal(m.outputs[0].sourceLayer.name, 'first');
    assert.equal(m.getLayer('first').inboundNodes.length, 1, 'rebuilding the chain forgets its old nodes');
    assert.deepEqual(m.predict(rand([3, 5])).shape, [3, 2]);
  });
});
