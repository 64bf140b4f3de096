// Subclassing: a user's Layer with Keras's addWeight({...}), a user's Model with layers as
// fields and its own call(), and a trainStep override inside fit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { weightPenalty } from '../src/layers/regularizers.ts';
import { layers, models, optimizers, type Tensor } from '../src/index.ts';
import type { StepData } from '../src/models/model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(4);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

/** Keras's guide example: a linear layer whose weights come from addWeight's object form. */
class Linear extends layers.Layer {
  static override readonly className = 'Linear';
  w?: Tensor;
  b?: Tensor;
  constructor(readonly units: number, args: layers.LayerArgs = {}) { super(args); }
  override build(inputShape: layers.ShapeSpec): void {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1] as number, this.units], initializer: 'heNormal', trainable: true });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'zeros' });
  }
  override computeOutputShape(s: layers.ShapeSpec): layers.ShapeSpec { return [...s.slice(0, -1), this.units]; }
  call(x: Tensor): Tensor { return dt.add(dt.matMul(x, this.w!), this.b!); }
}

class TwoLayer extends models.Model {
  hidden = new Linear(6, { name: 'hidden' });
  out = layers.dense({ units: 3, activation: 'softmax', name: 'out' });
  override call(x: Tensor, args: layers.CallArgs = {}): Tensor { return this.out.apply(dt.relu(this.hidden.apply(x, args)), args); }
}

/** The same model with Keras's train_step written out by hand. */
class HandStepped extends TwoLayer {
  override trainStep([xs, ys]: StepData): Record<string, number> {
    const vars = this.trainableWeights;
    const { value, grads } = dt.valueAndGrads(() => this.loss!.apply(ys[0], this.apply(xs[0], { training: true })), vars);
    this.optimizer!.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    return { loss: value.item() };
  }
}

const x = rand([16, 4]);
const y = dt.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), [16]);

describe('subclassing', () => {
  it('addWeight({name, shape, initializer, trainable}) makes weights; the layer computes as TF.js\'s dense with them', () => {
    const l = new Linear(5);
    const out = l.apply(rand([3, 4]));
    assert.deepEqual(out.shape, [3, 5]);
    assert.deepEqual(l.weights.map((w) => [w.name, w.shape]), [['linear/w', [4, 5]], ['linear/b', [5]]]);
    const theirs = tf.layers.dense({ units: 5, inputShape: [4] });
    const v = rand([3, 4]);
    theirs.apply(toTf(v));
    theirs.setWeights(l.getWeights().map(toTf));
    assertClose(l.apply(v), theirs.apply(toTf(v)) as tf.Tensor, 1e-6, 'Linear vs tf dense');
    // He-normal: a normal truncated at 2 sigma, sigma = sqrt(2 / fan_in) / 0.87962566 (Keras); check the bound.
    const bound = (2 * Math.sqrt(2 / 4)) / 0.87962566 + 1e-6;
    assert.ok([...l.getWeights()[0].data].every((w) => Math.abs(w) <= bound));
    // A regularizer given to addWeight adds Keras's penalty (l2 default factor 0.01) to the model's losses.
    const q = (l as unknown as { addWeight(s: object): dt.Variable }).addWeight({ name: 'q', shape: [2], initializer: 'ones', regularizer: 'l2', constraint: 'nonNeg' });
    const penalty = weightPenalty([q]);
    assert.ok(penalty && Math.abs(penalty.item() - 0.01 * 2) < 1e-7, `l2 penalty ${penalty?.item()}`);
    assert.throws(() => (l as unknown as { addWeight(s: object): void }).addWeight({ name: 'r', shape: [2], regularizer: 'l3' }), /regularizer/);
    assert.throws(() => (l as unknown as { addWeight(s: object): void }).addWeight({ name: 'q', shape: [2], initialiser: 'zeros' }), /unknown option 'initialiser'/);
  });

  it('a subclassed model finds its weights through its fields, trains with fit, counts params in summary, saves and loads weights', async () => {
    dt.setRandomSeed(2);
    const m = new TwoLayer();
    m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.05 }), metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    assert.equal(m.weights.length, 4);
    assert.ok(h.history.loss[4] < h.history.loss[0], `loss falls: ${h.history.loss}`);
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    assert.ok(lines.includes(`Total params: ${4 * 6 + 6 + 6 * 3 + 3}`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith(' hidden (Linear)')), lines.join('\n'));
    const dir = mkdtempSync(join(tmpdir(), 'deeptype-subclass-'));
    await m.saveWeights(dir);
    const copy = new TwoLayer();
    copy.predict(x); // builds
    await copy.loadWeights(dir);
    assertClose(copy.predict(x), m.predict(x), 1e-7, 'reloaded weights');
  });

  it('fit with an overridden trainStep gives the weights the default step gives', async () => {
    const train = async (M: typeof TwoLayer) => {
      dt.setRandomSeed(7);
      const m = new M();
      m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.SGD({ learningRate: 0.2 }) });
      const seen: number[] = [];
      const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks: [{ onBatchEnd: (b) => { seen.push(b); } }] });
      return { m, h, seen };
    };
    const byDefault = await train(TwoLayer), byHand = await train(HandStepped);
    byHand.m.weights.forEach((w, i) => assertClose(w, byDefault.m.weights[i], 1e-5, w.name));
    byHand.h.history.loss.forEach((v, e) => assert.ok(Math.abs(v - byDefault.h.history.loss[e]) < 1e-5, `epoch ${e} loss`));
    assert.deepEqual(byHand.h.history.val_loss.length, 3, 'validation runs after each epoch');
    assert.deepEqual(byHand.seen, byDefault.seen, 'callbacks see every batch');
  });
});
