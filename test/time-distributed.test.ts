// TimeDistributed through the shared layer test helper (TF.js as the oracle: outputs, gradients,
// files both ways), then what the helper does not cover: weights shared over time, trainable
// and training flags passed through, per-step batch statistics, a wrapped Sequential CNN in
// every file format, and the errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models, type Tensor } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

runLayerTest({
  name: 'TimeDistributed (Dense)',
  make: () => new layers.TimeDistributed({ layer: new layers.Dense({ units: 3, activation: 'tanh' }) }),
  inputShape: [2, 4, 5],
  tfjs: (tf) => tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'tanh' }) }),
  weights: { trainable: 2, nonTrainable: 0 },
});
runLayerTest({
  name: 'TimeDistributed (Conv2D, frames of 5x5x2)',
  make: () => new layers.TimeDistributed({ layer: new layers.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }) }),
  inputShape: [2, 3, 5, 5, 2],
  tfjs: (tf) => tf.layers.timeDistributed({ layer: tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }) }),
  weights: { trainable: 2, nonTrainable: 0 },
  tol: 1e-4,
});
runLayerTest({
  name: 'TimeDistributed (BatchNormalization: per-step statistics in training)',
  make: () => new layers.TimeDistributed({ layer: new layers.BatchNormalization({ momentum: 0.9 }) }),
  inputShape: [4, 3, 2, 3],
  tfjs: (tf) => tf.layers.timeDistributed({ layer: tf.layers.batchNormalization({ momentum: 0.9 }) }),
  weights: { trainable: 2, nonTrainable: 2 },
  modes: [true, false],
  tol: 1e-4,
  skip: { trainStep: 'the helper evaluates (moving statistics) before and after a training step that itself moves them' },
});
runLayerTest({
  name: 'TimeDistributed (MaxPooling2D)',
  make: () => new layers.TimeDistributed({ layer: new layers.MaxPooling2D({ poolSize: 2 }) }),
  inputShape: [2, 2, 4, 4, 3],
  tfjs: (tf) => tf.layers.timeDistributed({ layer: tf.layers.maxPooling2d({ poolSize: 2 }) }),
  weights: { trainable: 0, nonTrainable: 0 },
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-td-'));
const frames = (shape: number[], seed = 1): Tensor => dt.randomUniform(shape, -1, 1, 'float32', seed);

/** A video classifier: a small CNN on every frame, then Dense over the flattened time steps. */
function videoModel(): models.Sequential {
  dt.setRandomSeed(5);
  const cnn = new models.Sequential([
    new layers.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: 2 }),
    new layers.Flatten(),
  ]);
  return new models.Sequential([
    new layers.Input({ shape: [3, 6, 6, 1] }),
    new layers.TimeDistributed({ layer: cnn }),
    new layers.Flatten(),
    new layers.Dense({ units: 2 }),
  ]);
}

describe('TimeDistributed', () => {
  it('applies one set of weights to every frame (each step equals the inner layer on that frame)', () => {
    const conv = new layers.Conv2D({ filters: 2, kernelSize: 3 });
    const td = new layers.TimeDistributed({ layer: conv });
    const x = frames([2, 3, 5, 5, 1]);
    const y = td.apply(x);
    assert.deepEqual(y.shape, [2, 3, 3, 3, 2]);
    assert.equal(td.weights.length, 2);
    assert.deepEqual(td.weights.map((w) => w.name), [`${td.name}/kernel`, `${td.name}/bias`], 'weights named <wrapper>/<weight>, as TF.js and Keras 2');
    for (let t = 0; t < 3; t++) {
      const frame = dt.slice(x, [0, t, 0, 0, 0], [2, 1, 5, 5, 1]).reshape([2, 5, 5, 1]);
      const step = dt.slice(y, [0, t, 0, 0, 0], [2, 1, 3, 3, 2]).reshape([2, 3, 3, 2]);
      assertClose(step, conv.apply(frame), 1e-6, `step ${t}`);
    }
  });

  it('passes trainable through both ways: a frozen wrapper or a frozen inner layer trains nothing', () => {
    for (const freeze of ['wrapper', 'inner'] as const) {
      const dense = new layers.Dense({ units: 2 });
      const td = new layers.TimeDistributed({ layer: dense });
      td.apply(frames([1, 2, 3]));
      (freeze === 'wrapper' ? td : dense).trainable = false;
      assert.equal(td.trainableWeights.length, 0, `${freeze} frozen: trainable weights`);
      assert.equal(td.nonTrainableWeights.length, 2, `${freeze} frozen: non-trainable weights`);
    }
  });

  it('passes the training flag through (Dropout inside: identity in inference, drops in training)', () => {
    const td = new layers.TimeDistributed({ layer: new layers.Dropout({ rate: 0.5, seed: 3 }) });
    const x = dt.ones([2, 4, 8]);
    assert.deepEqual(Array.from(td.apply(x).data), Array.from(x.data));
    const dropped = Array.from(td.apply(x, { training: true }).data);
    assert.ok(dropped.some((v) => v === 0) && dropped.some((v) => v === 2), 'training: zeros and 1 / (1 - rate)');
  });

  it('moves BatchNormalization\'s moving statistics once per step, as TF.js', () => {
    const x = frames([4, 3, 2], 2);
    const ours = new layers.TimeDistributed({ layer: new layers.BatchNormalization({ momentum: 0.8 }) });
    ours.apply(x, { training: true });
    const theirs = tf.layers.timeDistributed({ layer: tf.layers.batchNormalization({ momentum: 0.8 }) });
    theirs.apply(toTf(x), { training: true });
    const stats = (ws: { name: string }[]) => ws.map((w) => w.name.split('/').pop());
    assert.deepEqual(stats(ours.weights), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    ours.weights.slice(2).forEach((w, i) => assertClose(w, theirs.weights[2 + i].read(), 1e-5, `${w.name} after one training call`));
  });

  it('wraps a Sequential CNN: same as the CNN on each frame; trains; every file format predicts the same', async () => {
    const model = videoModel();
    const x = frames([2, 3, 6, 6, 1], 4);
    const td = model.layers[0] as layers.TimeDistributed;
    const cnn = td.layer as models.Sequential;
    const perFrame = (model.predict(x) as Tensor).shape;
    assert.deepEqual(perFrame, [2, 2]);
    const inner = td.apply(x);
    for (let t = 0; t < 3; t++) {
      const frame = dt.slice(x, [0, t, 0, 0, 0], [2, 1, 6, 6, 1]).reshape([2, 6, 6, 1]);
      assertClose(dt.slice(inner, [0, t, 0], [2, 1, 16]).reshape([2, 16]), cnn.predict(frame) as Tensor, 1e-6, `frame ${t}`);
    }
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const y = dt.randomUniform([2, 2], -1, 1, 'float32', 8);
    const [before] = model.evaluate(x, y, { verbose: 0 });
    await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    const [after] = model.evaluate(x, y, { verbose: 0 });
    assert.ok(after < before, `loss ${before} -> ${after}`);
    const expected = Array.from((model.predict(x) as Tensor).data);
    const dir = tmp();
    for (const target of [join(dir, 'tfjs'), join(dir, 'model.keras'), join(dir, 'model.h5')]) {
      await model.save(target);
      const back = await models.loadModel(target);
      assert.deepEqual(back.weights.map((w) => w.name), model.weights.map((w) => w.name), `${target}: weight names`);
      assert.deepEqual(Array.from((back.predict(x) as Tensor).data), expected, `${target}: predictions`);
    }
  });

  it('loads TF.js-saved TimeDistributed(Conv2D) and TimeDistributed(Dense) models and predicts the same', async () => {
    const theirs = tf.sequential({ layers: [
      tf.layers.timeDistributed({ layer: tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }), inputShape: [3, 5, 5, 1] }),
      tf.layers.timeDistributed({ layer: tf.layers.flatten() }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4 }) }),
    ] });
    let saved!: tf.io.ModelArtifacts;
    await theirs.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const ours = await models.loadModel(dt.io.fromMemory(saved as never));
    const x = frames([2, 3, 5, 5, 1], 6);
    assertClose(ours.predict(x) as Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js model in deeptype');
    assert.deepEqual(ours.weights.map((w) => w.name), theirs.weights.map((w) => w.name));
  });

  it('in a functional model: the TF.js JSON round trip predicts the same; the inner layer\'s activity penalty counts', async () => {
    dt.setRandomSeed(2);
    const input = layers.input({ shape: [3, 4] });
    const td = new layers.TimeDistributed({ layer: new layers.Dense({ units: 2, activityRegularizer: 'l2' }) });
    const model = new models.Model({ inputs: input, outputs: td.apply(input) });
    const x = frames([2, 3, 4], 3);
    const y = model.apply(x) as Tensor;
    // Keras's l2 activity penalty: 0.01 * sum(y^2), of the inner layer's output.
    const expected = 0.01 * Array.from(y.data).reduce((a, v) => a + v * v, 0);
    assert.ok(Math.abs(model.regularizationLoss()!.item() - expected) < 1e-6 * Math.max(1, expected), 'activity penalty of the wrapped layer');
    const dir = join(tmp(), 'fn');
    await model.save(dir);
    const back = await models.loadModel(dir);
    assert.deepEqual(Array.from((back.predict(x) as Tensor).data), Array.from((model.predict(x) as Tensor).data));
  });

  it('wraps a layer built before: its weights take the wrapper\'s names, so the model saves and loads', async () => {
    const dense = new layers.Dense({ units: 2 });
    dense.apply(dt.ones([1, 4]));
    const model = new models.Sequential([new layers.Input({ shape: [3, 4] }), new layers.TimeDistributed({ layer: dense, name: 'tdx' })]);
    assert.deepEqual(model.weights.map((w) => w.name), ['tdx/kernel', 'tdx/bias']);
    const dir = join(tmp(), 'm');
    await model.save(dir);
    const x = frames([2, 3, 4], 9);
    assert.deepEqual(Array.from(((await models.loadModel(dir)).predict(x) as Tensor).data), Array.from((model.predict(x) as Tensor).data));
  });

  it('exports to ONNX (time folded into the batch by Reshape): ONNX Runtime gives deeptype\'s outputs', async () => {
    const ort = await import('onnxruntime-node');
    dt.setRandomSeed(12);
    const layerwise = new models.Sequential([
      new layers.Input({ shape: [3, 6, 6, 2] }),
      new layers.TimeDistributed({ layer: new layers.Conv2D({ filters: 3, kernelSize: 3, activation: 'relu' }) }),
      new layers.TimeDistributed({ layer: new layers.BatchNormalization() }),
      new layers.TimeDistributed({ layer: new layers.MaxPooling2D({ poolSize: 2 }) }),
      new layers.TimeDistributed({ layer: new layers.Flatten() }),
      new layers.TimeDistributed({ layer: new layers.Dense({ units: 4, activation: 'tanh' }) }),
    ]);
    const nested = videoModel();
    const x = frames([2, 3, 6, 6, 1], 13);
    for (const [model, input] of [[layerwise, frames([2, 3, 6, 6, 2], 14)], [nested, x]] as const) {
      const path = join(tmp(), 'td.onnx');
      await model.exportOnnx(path);
      const session = await ort.InferenceSession.create(path);
      const out = (await session.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) })).output;
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(input) as Tensor, 1e-5, `${model.name} in ONNX Runtime`);
    }
    const unknownTime = new models.Sequential([new layers.Input({ shape: [null, 4] as never }), new layers.TimeDistributed({ layer: new layers.Dense({ units: 2 }), name: 'td_any' })]);
    await assert.rejects(async () => unknownTime.exportOnnx(join(tmp(), 'x.onnx')), /layer "td_any": TimeDistributed is exported with known time steps and frame sizes only/);
  });

  it('the tfjs factory is the class', () => {
    assert.ok(layers.timeDistributed({ layer: layers.dense({ units: 2 }) }) instanceof layers.TimeDistributed);
  });

  it('bad input: clear errors naming the layer, the argument and what to do', () => {
    const td = new layers.TimeDistributed({ layer: new layers.Dense({ units: 2 }), name: 'td' });
    assert.throws(() => td.apply(dt.ones([2, 3])), /Layer "td" \(TimeDistributed\): expects one input of at least 3 dimensions \[batch, time, \.\.\.\], got \[2, 3\]/);
    assert.throws(() => td.apply(layers.input({ shape: [4] })), /at least 3 dimensions/);
    assert.throws(() => new layers.TimeDistributed({} as never), /the option 'layer' is required/);
    assert.throws(() => new layers.TimeDistributed({ layer: { className: 'NoSuchLayer', config: {} } }), /unknown inner layer class 'NoSuchLayer'/);
    assert.throws(() => new layers.TimeDistributed({ layer: { className: 'Sequential', config: {} } }), /build the model and pass it/);
    assert.throws(() => new layers.TimeDistributed({ layer: 3 as never }), /'layer' must be a Layer or its \{className, config\}, got 3/);
    assert.throws(() => new layers.TimeDistributed({ layer: new layers.Dense({ units: 2 }), units: 3 } as never), /Layer "TimeDistributed": unknown option 'units'/);
    // The inner layer's own checks still apply, per frame.
    const built = new layers.TimeDistributed({ layer: new layers.Dense({ units: 2 }) });
    built.apply(dt.ones([1, 2, 3]));
    assert.throws(() => built.apply(dt.ones([1, 2, 5])), /expected axis -1 of input shape to have value 3/);
  });
});

runLayerTest({
  name: 'TimeDistributed (a Sequential CNN on each frame)',
  make: () => new layers.TimeDistributed({ layer: new models.Sequential([
    new layers.Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }), new layers.MaxPooling2D({ poolSize: 2 }), new layers.Flatten()]) }),
  inputShape: [2, 3, 6, 6, 1],
  tfjs: (tf) => tf.layers.timeDistributed({ layer: tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten()] }) as never }),
  weights: { trainable: 2, nonTrainable: 0 },
  tol: 1e-4,
  skip: { config: 'the registry builds layers, not models: an inner model comes back through loadModel (checked above in every format)' },
});
