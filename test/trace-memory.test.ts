// A model's traces run over the shared workspace of compiled steps (wasm/memory.ts,
// beginOverWorkspace): the verifying second trace of a training step must not add the
// workspace's size to the peak, and a trace whose input lives in the workspace (a compiled
// step's output passed straight on) must keep the space above it instead of overwriting it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const mem = () => (backend() as WasmBackend).mem;
const rng = new Random(19);

function convNet(seed: number, inC = 1): models.Sequential {
  dt.setRandomSeed(seed);
  const m = new models.Sequential([
    new layers.Input({ shape: [16, 16, inC] }),
    new layers.Conv2D({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.BatchNormalization(),
    new layers.Conv2D({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.GlobalAveragePooling2D(),
    new layers.Dense({ units: 3 }),
  ]);
  m.compile({ loss: 'mse', optimizer: 'adam' });
  return m;
}

describe('traces over the workspace', () => {
  it('the verifying trace of a training step needs no memory beyond the first trace', () => {
    if (dt.getBackend() !== 'wasm') return;
    const model = convNet(3);
    const x = randomTensor([32, 16, 16, 1], rng, 0, 1, 'float32'), y = randomTensor([32, 3], rng, 0, 1, 'float32');
    model.trainStep(x, y); // trace, then the plan runs the step (its workspace now on top)
    const afterFirst = mem().peak, bytes = mem().memory.buffer.byteLength;
    model.trainStep(x, y); // the verifying trace, then the plan
    assert.ok(mem().peak <= afterFirst, `peak grew from ${afterFirst} to ${mem().peak} bytes at the verifying trace`);
    assert.equal(mem().memory.buffer.byteLength, bytes);
  });

  it('compiled steps over a shared workspace give the eager answers', () => {
    const compiled = convNet(4), eager = convNet(4);
    eager.runEagerly = true;
    const x = randomTensor([8, 16, 16, 1], rng, 0, 1, 'float32'), y = randomTensor([8, 3], rng, 0, 1, 'float32');
    for (let step = 0; step < 3; step++) {
      const a = compiled.trainStep(x, y).loss, b = eager.trainStep(x, y).loss;
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `step ${step}: compiled ${a} vs eager ${b}`);
      compiled.predict(x); // another plan of the same workspace between the steps (and its traces)
    }
  });

  it('a trace whose input is a view of the workspace leaves it in place', () => {
    if (dt.getBackend() !== 'wasm') return;
    // A feature extractor's compiled output (a view of the workspace) fed straight into another
    // model's first training step: the second model's trace must not take that space.
    dt.setRandomSeed(7);
    const features = new models.Sequential([new layers.Input({ shape: [16, 16, 1] }),
      new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }), new layers.Conv2D({ filters: 2, kernelSize: 1 })]);
    const x = randomTensor([8, 16, 16, 1], rng, 0, 1, 'float32'), y = randomTensor([8, 3], rng, 0, 1, 'float32');
    const copy = features.predictOnBatch(x) as dt.Tensor;
    const twin = convNet(5, 2);
    twin.runEagerly = true; // the reference: no plans, no workspace
    twin.trainStep(copy, y);
    const expected = twin.trainStep(copy, y).loss;
    const learner = convNet(5, 2);
    learner.trainStep(copy, y); // traced; its larger workspace is now the top of the stack
    const view = features.predictStep(x)[0];
    assert.ok(mem().owns(view.data), 'the compiled output is a view of wasm memory');
    const loss = learner.trainStep(view, y).loss; // its verifying trace reads the view
    assert.ok(Math.abs(loss - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `second step on the view ${loss} vs eager on a copy ${expected}`);
  });
});
