// A trainStep override (Keras's train_step) runs compiled when it takes its gradients with
// model.compiledValueAndGrads: same weights as the default step and as the eager override,
// through fit with Adam; a value computed in JavaScript inside it is refused, not frozen.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers, type Tensor } from '../src/index.ts';
import type { StepData } from '../src/models/model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose } from './helpers/oracle.ts';

const rng = new Random(11);
const x = randomTensor([24, 5], rng, -1, 1, 'float32');
const y = dt.tensor(Int32Array.from({ length: 24 }, (_, i) => (i * 5) % 3), [24]);

class Net extends models.Model {
  hidden = layers.dense({ units: 7, activation: 'relu', name: 'hidden' });
  out = layers.dense({ units: 3, activation: 'softmax', name: 'out' });
  override call(v: Tensor, args: layers.CallArgs = {}): Tensor { return this.out.apply(this.hidden.apply(v, args), args) as Tensor; }
}

/** Keras's train_step written out, its forward and backward pass compiled. */
class CompiledStep extends Net {
  override trainStep([xs, ys]: StepData): Record<string, number> {
    const { value, grads } = this.compiledValueAndGrads(([bx, by]) => this.loss!.apply(by, this.apply(bx, { training: true }) as Tensor), [xs[0], ys[0]]);
    const vars = this.trainableWeights;
    this.optimizer!.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    return { loss: value.item() };
  }
}

/** The same with the plain valueAndGrads: it runs op by op (only validation is compiled). */
class OpByOpStep extends Net {
  override trainStep([xs, ys]: StepData): Record<string, number> {
    const vars = this.trainableWeights;
    const { value, grads } = dt.valueAndGrads(() => this.loss!.apply(ys[0], this.apply(xs[0], { training: true }) as Tensor), vars);
    this.optimizer!.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    return { loss: value.item() };
  }
}

/** The same, but it scales the loss by a number drawn in JavaScript: a plan would freeze it. */
class JsValueStep extends Net {
  override trainStep([xs, ys]: StepData): Record<string, number> {
    const { value, grads } = this.compiledValueAndGrads(([bx, by]) => dt.mul(this.loss!.apply(by, this.apply(bx, { training: true }) as Tensor), dt.scalar(1 + Math.random())), [xs[0], ys[0]]);
    const vars = this.trainableWeights;
    this.optimizer!.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    return { loss: value.item() };
  }
}

async function train(M: typeof Net, runEagerly = false) {
  dt.setRandomSeed(3);
  const m = new M();
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01, epsilon: 1e-4 }), runEagerly });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 6, shuffle: false, verbose: 0, validationSplit: 0.25 });
  return { m, h };
}

describe('trainStep override with compiledValueAndGrads', () => {
  it('runs compiled in fit and gives the default step\'s weights and losses, and the eager override\'s', async () => {
    const byDefault = await train(Net), compiled = await train(CompiledStep), eager = await train(CompiledStep, true), opByOp = await train(OpByOpStep);
    assert.ok(compiled.m.planCount > opByOp.m.planCount, `the override ran through a plan (${compiled.m.planCount} plans vs ${opByOp.m.planCount} for validation alone)`);
    assert.equal(eager.m.planCount, 0);
    compiled.m.weights.forEach((w, i) => {
      assertClose(w, byDefault.m.weights[i], 1e-5, `${w.name} vs the default step`);
      assertClose(w, eager.m.weights[i], 1e-5, `${w.name} vs the eager override`);
      assertClose(w, opByOp.m.weights[i], 1e-5, `${w.name} vs the plain valueAndGrads override`);
    });
    compiled.h.history.loss.forEach((v, e) => assert.ok(Math.abs(v - byDefault.h.history.loss[e]) < 1e-5, `epoch ${e} loss ${v} vs ${byDefault.h.history.loss[e]}`));
    assert.equal(compiled.h.history.val_loss.length, 3, 'validation after each epoch');
  });

  it('refuses a value computed in JavaScript inside the compiled computation, naming the model', async () => {
    await assert.rejects(train(JsValueStep), /Compiled step of model "[^"]+".*cannot be compiled/);
    const eager = await train(JsValueStep, true);
    assert.equal(eager.h.history.loss.length, 3, 'runEagerly is the way out');
  });
});
