// The convolution layers (Conv2D with dilationRate and groups, DepthwiseConv2D, SeparableConv2D,
// Conv2DTranspose, Conv1D): TF.js's layers with the same weights (forward, input and weight
// gradients), configs, bad options, TF.js files both ways, and compiled steps vs eager.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { layerFromKeras, layerToKeras } from '../src/io/keras-config.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(31);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'deeptype-conv-'));

/**
 * Builds both layers on x, gives TF.js's ours' weights, and compares the output, the input
 * gradient and every weight's gradient of sum(layer(x) * r); `gradients: false` compares the
 * output only (TF.js has no gradients of dilated convolutions; the ops' tests cover those).
 */
function compareLayer(ours: layers.Layer, theirs: tf.layers.Layer, x: dt.Tensor, what: string, gradients = true): void {
  ours.apply(x);
  theirs.apply(toTf(x));
  theirs.setWeights(ours.getWeights().map(toTf));
  const y = ours.apply(x);
  assertClose(y, theirs.apply(toTf(x)) as tf.Tensor, 1e-5, `${what} forward`);
  if (!gradients) return;
  const r = rand(y.shape, 0.5, 1.5), rt = toTf(r);
  const { grads } = dt.valueAndGrads(() => ours.apply(x).mul(r).sum(), [x, ...ours.weights]);
  const dx = tf.grad((xt: tf.Tensor) => (theirs.apply(xt) as tf.Tensor).mul(rt).sum())(toTf(x));
  assertClose(grads[0], dx, 1e-5, `${what} input gradient`);
  const vars = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads: tfGrads } = tf.variableGrads(() => (theirs.apply(toTf(x)) as tf.Tensor).mul(rt).sum() as tf.Scalar, vars);
  vars.forEach((v, i) => assertClose(grads[i + 1], tfGrads[v.name], 1e-5, `${what} gradient of ${ours.weights[i].name}`));
}

/**
 * Where TF.js's layer lacks the option (causal Conv1D) or ignores it (DepthwiseConv2D's
 * dilationRate): ours against TF.js ops on the same weights, forward and (optionally) the
 * gradients with respect to the input and every weight.
 */
function compareWithOps(ours: layers.Layer, x: dt.Tensor, theirs: (x: tf.Tensor, ...weights: tf.Tensor[]) => tf.Tensor, what: string, gradients = true): void {
  const y = ours.apply(x);
  const ws = ours.getWeights();
  assertClose(y, theirs(toTf(x), ...ws.map(toTf)), 1e-5, `${what} forward`);
  if (!gradients) return;
  const r = rand(y.shape, 0.5, 1.5), rt = toTf(r);
  const { grads } = dt.valueAndGrads(() => ours.apply(x).mul(r).sum(), [x, ...ours.weights]);
  const tfGrads = tf.grads((...ts: tf.Tensor[]) => theirs(ts[0], ...ts.slice(1)).mul(rt).sum())([toTf(x), ...ws.map(toTf)]);
  grads.forEach((g, i) => assertClose(g, tfGrads[i], 1e-5, `${what} gradient ${i}`));
}

for (const backend of ['js', 'wasm']) {
  describe(`convolution layers match TensorFlow.js on the ${backend} backend`, () => {
    before(() => dt.setBackend(backend));
    it('Conv2D with dilationRate', () => {
      for (const [dilationRate, padding] of [[2, 'same'], [[2, 1], 'valid']] as const) {
        compareLayer(new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate, padding, activation: 'relu' }),
          tf.layers.conv2d({ filters: 8, kernelSize: 3, dilationRate: dilationRate as number, padding, activation: 'relu' }), rand([2, 11, 9, 8]), `Conv2D dilation ${dilationRate}`, false);
      }
    });
    it('DepthwiseConv2D', () => {
      for (const [depthMultiplier, strides, padding, c] of [[1, 1, 'same', 8], [2, 2, 'valid', 3], [3, 2, 'same', 4]] as const) {
        compareLayer(new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier, strides, padding, activation: 'relu' }),
          tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier, strides, padding, activation: 'relu' }), rand([2, 9, 10, c]), `DepthwiseConv2D m=${depthMultiplier}`);
      }
      // TF.js's DepthwiseConv2D layer drops dilationRate (its call passes none): its op does not.
      compareWithOps(new layers.DepthwiseConv2D({ kernelSize: [3, 2], dilationRate: 2, padding: 'same' }), rand([2, 9, 10, 4]),
        (x, k, b) => tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same', 'NHWC', 2).add(b), 'DepthwiseConv2D dilated', false);
    });
    it('SeparableConv2D', () => {
      for (const [depthMultiplier, strides, padding] of [[1, 1, 'same'], [2, 2, 'valid']] as const) {
        compareLayer(new layers.SeparableConv2D({ filters: 6, kernelSize: 3, depthMultiplier, strides, padding, activation: 'relu' }),
          tf.layers.separableConv2d({ filters: 6, kernelSize: 3, depthMultiplier, strides, padding, activation: 'relu' }), rand([2, 9, 8, 5]), `SeparableConv2D m=${depthMultiplier}`);
      }
      compareLayer(new layers.SeparableConv2D({ filters: 4, kernelSize: 3, dilationRate: 2 }),
        tf.layers.separableConv2d({ filters: 4, kernelSize: 3, dilationRate: 2 }), rand([2, 9, 8, 3]), 'SeparableConv2D dilated', false);
    });
    it('Conv2DTranspose', () => {
      for (const [strides, padding, k, c, f] of [[2, 'same', 3, 8, 16], [2, 'valid', 3, 3, 2], [1, 'same', 5, 4, 1], [3, 'valid', 2, 16, 8]] as const) {
        compareLayer(new layers.Conv2DTranspose({ filters: f, kernelSize: k, strides, padding, activation: 'relu' }),
          tf.layers.conv2dTranspose({ filters: f, kernelSize: k, strides, padding, activation: 'relu' }), rand([2, 5, 4, c]), `Conv2DTranspose ${k} ${strides} ${padding}`);
      }
    });
    it('Conv1D, causal padding too', () => {
      for (const [strides, padding] of [[2, 'same'], [1, 'valid'], [3, 'valid']] as const) {
        compareLayer(new layers.Conv1D({ filters: 6, kernelSize: 3, strides, padding, activation: 'relu' }),
          tf.layers.conv1d({ filters: 6, kernelSize: 3, strides, padding, activation: 'relu' }), rand([2, 13, 4]), `Conv1D ${padding}`);
      }
      compareLayer(new layers.Conv1D({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2 }),
        tf.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2 }), rand([2, 13, 4]), 'Conv1D dilated', false);
      // TF.js's Conv1D has no causal padding: Keras's definition, zeros on the left then 'valid'.
      for (const [strides, dilationRate] of [[1, 1], [2, 1], [1, 2]] as const) {
        const span = 2 * dilationRate;
        compareWithOps(new layers.Conv1D({ filters: 6, kernelSize: 3, strides, padding: 'causal', dilationRate, activation: 'relu' }), rand([2, 13, 4]),
          (x, k, b) => tf.relu(tf.conv1d(tf.pad(x as tf.Tensor3D, [[0, 0], [span, 0], [0, 0]]), k as tf.Tensor3D, strides, 'valid', 'NWC', dilationRate).add(b)),
          `Conv1D causal strides ${strides} dilation ${dilationRate}`, dilationRate === 1);
      }
    });
  });
}

describe('Conv2D with groups and Conv2DTranspose with outputPadding (not in TF.js): against the ops they are defined by', () => {
  it('Conv2D groups=2 is two convolutions of half the channels, concatenated', () => {
    const layer = new layers.Conv2D({ filters: 6, kernelSize: 3, groups: 2, padding: 'same' });
    const x = rand([2, 6, 5, 4]);
    const y = layer.apply(x);
    assert.deepEqual(layer.weights[0].shape, [3, 3, 2, 6]);
    const [w, b] = layer.getWeights();
    const xs = tf.split(toTf(x), 2, 3), ws = tf.split(toTf(w), 2, 3);
    const expected = tf.concat(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ws[g] as tf.Tensor4D, 1, 'same')), 3).add(toTf(b));
    assertClose(y, expected, 1e-5, 'grouped Conv2D');
  });
  it('Conv2DTranspose outputPadding adds the rows and columns Keras adds', () => {
    const layer = new layers.Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [0, 1] });
    assert.deepEqual(layer.computeOutputShape([null, 4, 4, 2]), [null, 7, 8, 3]); // Keras: (4 - 1) * 2 + 3 - 2 * 1 + p
    assert.deepEqual(layer.apply(rand([1, 4, 4, 2])).shape, [1, 7, 8, 3]);
    assert.deepEqual(new layers.Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', outputPadding: 1 }).computeOutputShape([null, 4, 4, 2]), [null, 10, 10, 3]);
  });
});

const LAYERS: [string, () => layers.Layer, number[]][] = [
  ['Conv2D', () => new layers.Conv2D({ filters: 4, kernelSize: [3, 2], strides: [2, 1], dilationRate: 1, groups: 2, padding: 'same', activation: 'relu', useBias: false }), [7, 6, 4]],
  ['DepthwiseConv2D', () => new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: 'same', depthwiseInitializer: 'heNormal' }), [7, 6, 3]],
  ['SeparableConv2D', () => new layers.SeparableConv2D({ filters: 5, kernelSize: 3, strides: 2, depthMultiplier: 2, pointwiseInitializer: 'glorotNormal' }), [7, 6, 3]],
  ['Conv2DTranspose', () => new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }), [4, 5, 3]],
  ['Conv1D', () => new layers.Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, groups: 2 }), [9, 2]],
];

describe('layer contract: shapes, weights, configs', () => {
  for (const [name, make, inShape] of LAYERS) {
    it(`${name}: output shape as computeOutputShape says; getConfig rebuilds it, also through Keras JSON`, () => {
      const layer = make();
      const x = rand([2, ...inShape]);
      const y = layer.apply(x);
      assert.deepEqual(y.shape, layer.computeOutputShape([2, ...inShape]));
      assert.ok(layer.trainableWeights.length >= 1 && layer.nonTrainableWeights.length === 0);
      const Cls = layer.constructor as new (a: unknown) => layers.Layer;
      const again = new Cls(layer.getConfig());
      assert.deepEqual(again.getConfig(), layer.getConfig());
      const loaded = layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))));
      assert.equal(loaded.className, name);
      assert.deepEqual(layerToKeras(loaded), layerToKeras(layer));
      loaded.apply(x);
      loaded.setWeights(layer.getWeights());
      assertClose(loaded.apply(x), y, 1e-6, `${name} rebuilt from its Keras config`);
    });
  }
});

describe('bad options give clear errors', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['unknown option', () => new layers.Conv2D({ filters: 2, kernelSize: 3, kernelRegulariser: 'l2' } as never), /Layer "conv2d.*": unknown option 'kernelRegulariser'. Valid options are: .*dilationRate.*groups.*kernelRegularizer/],
    ['negative dilation', () => new layers.Conv2D({ filters: 2, kernelSize: 3, dilationRate: -1 }), /argument 'dilationRate' of layer "conv2d.*". Expected positive integers. Received dilationRate=-1/],
    ['groups not dividing filters', () => new layers.Conv2D({ filters: 5, kernelSize: 3, groups: 2 }), /argument 'groups' of layer "conv2d.*". Expected a positive integer that divides filters=5. Received groups=2/],
    ['groups not dividing channels', () => new layers.Conv2D({ filters: 4, kernelSize: 3, groups: 2 }).apply(rand([1, 5, 5, 3])), /groups=2 must divide the input's 3 channels/],
    ['kernel larger than the input', () => new layers.Conv2D({ filters: 4, kernelSize: 3, dilationRate: 3 }).apply(rand([1, 5, 5, 3])), /a 3x3 kernel \(dilationRate \[3,3\]\) is larger than input of shape \[1, ?5, ?5, ?3\] with padding 'valid'/],
    ['depthwise kernel larger than the input', () => new layers.DepthwiseConv2D({ kernelSize: 4 }).apply(rand([1, 3, 3, 2])), /is larger than input of shape/],
    ['zero depthMultiplier', () => new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0 }), /argument 'depthMultiplier' .* Received depthMultiplier=0/],
    ['unknown depthwise option', () => new layers.DepthwiseConv2D({ kernelSize: 3, filters: 3 } as never), /unknown option 'filters'/],
    ['outputPadding not below the stride', () => new layers.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }), /argument 'outputPadding' .* smaller than the strides \[2,2\]. Received outputPadding=2/],
    ['Conv1D padding', () => new layers.Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as never }), /Expected 'valid', 'same' or 'causal'. Received padding='full'/],
    ['SeparableConv2D filters', () => new layers.SeparableConv2D({ kernelSize: 3 } as never), /argument 'filters' of layer "separable_conv2d.*". Expected a strictly positive integer. Received filters=undefined/],
  ];
  for (const [what, f, message] of cases) it(what, () => assert.throws(f, message));
});

/** The files of a TF.js model as TF.js writes them (model.json + one weights file) in dir. */
async function saveTfjs(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

function loadInTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bytes = readFileSync(join(dir, group.paths[0]));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) }));
}

describe('TF.js files with the convolution layers, both ways', () => {
  const images = () => rand([6, 12, 12, 3], 0, 1), labels = () => dt.tensor([0, 1, 2, 3, 4, 0], null, 'int32');
  it('a TF.js model (dilated Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose) trained one step loads with the same predictions', async () => {
    const theirs = tf.sequential({ layers: [
      // TF.js has no gradient of a dilated convolution: this one is frozen, so its step skips it.
      tf.layers.conv2d({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu', inputShape: [12, 12, 3], trainable: false }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.flatten(), tf.layers.dense({ units: 5, activation: 'softmax' }),
    ] });
    theirs.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    await theirs.fit(toTf(images()), toTf(labels()).cast('float32'), { epochs: 1, batchSize: 6, verbose: 0 });
    const dir = tmp();
    await saveTfjs(theirs, dir);
    const ours = await models.loadModel(dir);
    const x = images();
    assertClose(ours.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'tfjs conv model in deeptype');
  });
  it('a deeptype model with them loads in TF.js with the same predictions (Conv1D too)', async () => {
    const ours = new models.Sequential([
      new layers.Input({ shape: [12, 12, 3] }),
      new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' }),
      new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }),
      new layers.SeparableConv2D({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      new layers.Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      new layers.Reshape({ targetShape: [12, 48] }),
      new layers.Conv1D({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2 }), // TF.js runs no causal Conv1D
      new layers.Flatten(), new layers.Dense({ units: 5, activation: 'softmax' }),
    ]);
    ours.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    await ours.fit(images(), labels(), { epochs: 1, batchSize: 6, verbose: 0 });
    const dir = tmp();
    await ours.save(dir);
    const theirs = await loadInTfjs(dir);
    const x = images();
    assertClose(ours.predict(x), theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype conv model in tfjs');
  });
});

describe('compiled steps give the eager answer, and a step trains', () => {
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: three fit steps compiled and eager from the same weights agree; the loss goes down`, async () => {
      dt.setBackend(backend);
      const build = () => {
        dt.setRandomSeed(3);
        const m = new models.Sequential([
          new layers.Input({ shape: [10, 10, 3] }),
          new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', activation: 'relu' }),
          new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate: 2, groups: 2, padding: 'same', activation: 'relu' }),
          new layers.SeparableConv2D({ filters: 8, kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same' }),
          new layers.Conv2DTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          new layers.Flatten(), new layers.Dense({ units: 4, activation: 'softmax' }),
        ]);
        return m;
      };
      const x = rand([8, 10, 10, 3], 0, 1), y = dt.tensor([0, 1, 2, 3, 0, 1, 2, 3], null, 'int32');
      const runs = await Promise.all([false, true].map(async (runEagerly) => {
        const m = build();
        m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', runEagerly });
        const before = m.evaluate(x, y) as number | number[];
        dt.setRandomSeed(9);
        const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, shuffle: false });
        return { m, before: Array.isArray(before) ? before[0] : before, h };
      }));
      const [compiled, eager] = runs;
      compiled.m.getWeights().forEach((w, i) => assertClose(w, eager.m.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
      const losses = compiled.h.history.loss as number[];
      assert.ok(losses[2] < losses[0], `loss went from ${losses[0]} to ${losses[2]}`);
    });
  }
});

describe('fusion: conv2d + relu as one conv2dActivation call in compiled plans', () => {
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: the train plan has no separate relu after a convolution, and trains as eager does`, async () => {
      dt.setBackend(backend);
      const build = () => {
        dt.setRandomSeed(5);
        return new models.Sequential([
          new layers.Input({ shape: [9, 9, 3] }),
          new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' }), // im2col path (3 channels)
          new layers.Conv2D({ filters: 8, kernelSize: 3, dilationRate: 1, padding: 'same', activation: 'relu' }), // direct path
          new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', activation: 'relu' }), // depthwise path
          new layers.Flatten(), new layers.Dense({ units: 3, activation: 'softmax' }),
        ]);
      };
      const x = rand([4, 9, 9, 3]), y = dt.tensor([0, 1, 2, 0], null, 'int32');
      const [compiled, eager] = [build(), build()];
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', runEagerly: true });
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i}`));
      const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      const train = [...plans.entries()].find(([key]) => key.includes('|train|'))![1];
      const kernels = train.calls.map((c) => c.kernel);
      assert.equal(kernels.filter((k) => k === 'conv2dActivation').length, 3, kernels.join(', '));
      assert.ok(!train.calls.some((c) => c.kernel === 'unary' && c.args[0] === 'relu'), `a relu is left: ${kernels.join(', ')}`);
    });
  }
});

describe('fusion: conv2d + relu + 2x2 max pooling as conv2dMaxPool, then relu on the pooled values', () => {
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: train and predict plans fuse, and give the eager weights and outputs`, () => {
      dt.setBackend(backend);
      const build = () => {
        dt.setRandomSeed(8);
        return new models.Sequential([
          new layers.Input({ shape: [12, 12, 1] }),
          new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), // one-channel 3x3 kernels
          new layers.MaxPooling2D({ poolSize: 2 }),
          new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), // direct kernels (8 channels)
          new layers.MaxPooling2D({ poolSize: 2 }),
          new layers.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), // 3x3 output: not fused
          new layers.MaxPooling2D({ poolSize: 2 }),
          new layers.Flatten(), new layers.Dense({ units: 3, activation: 'softmax' }),
        ]);
      };
      // Inputs of both signs, so that some pooling windows hold only negative values.
      const x = rand([6, 12, 12, 1], -1, 1), y = dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32');
      const [compiled, eager] = [build(), build()];
      // SGD, not Adam: Winograd's filter gradient (test/winograd-filter-grad.test.ts) leaves
      // rounding noise (~2e-8 of the largest value) where the exact gradient is 0 (a tap meeting
      // only zero dy), the fused plan's dy differs from eager's by rounding, so its noise does,
      // and Adam (epsilon 1e-7) scales such noise up to steps of a fraction of lr.
      const sgd = () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 });
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd() });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd(), runEagerly: true });
      for (let step = 0; step < 4; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i}`));
      assertClose(compiled.predict(x), eager.predict(x), 1e-5, 'predict compiled vs eager');
      const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      for (const [key, plan] of plans) {
        const kernels = plan.calls.map((c) => c.kernel);
        assert.equal(kernels.filter((k) => k === 'conv2dMaxPool').length, 2, `${key}: ${kernels.join(', ')}`);
        assert.equal(kernels.filter((k) => k === 'conv2dActivation').length, 1, `${key}: ${kernels.join(', ')}`);
      }
    });
  }
});
