// Conv3D and Conv3DTranspose through the layer test helper (Keras's run_layer_test): shapes,
// weights, configs, TF.js (or Keras's definition in float64) for outputs and gradients, finite
// differences, wasm vs js, compiled vs eager, a training step, files, and wasm plan kernels;
// then option errors and the ONNX export (run in ONNX Runtime).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { assertClose } from './helpers/oracle.ts';
import { weightPenalty } from '../src/layers/regularizers.ts';

runLayerTest({
  name: 'Conv3D (one channel, 3x3x3, relu: the CT model\'s first layer)',
  make: () => new layers.Conv3D({ filters: 4, kernelSize: 3, activation: 'relu' }),
  inputShape: [2, 5, 6, 5, 1],
  tfjs: (tf) => tf.layers.conv3d({ filters: 4, kernelSize: 3, activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv3D (strides [2, 1, 2], same, odd sizes, no bias)',
  make: () => new layers.Conv3D({ filters: 5, kernelSize: [3, 2, 3], strides: [2, 1, 2], padding: 'same', useBias: false }),
  inputShape: [2, 5, 4, 7, 3],
  tfjs: (tf) => tf.layers.conv3d({ filters: 5, kernelSize: [3, 2, 3], strides: [2, 1, 2], padding: 'same', useBias: false }),
  weights: { trainable: 1, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv3D (8 channels, strides 2, valid, tanh)',
  make: () => new layers.Conv3D({ filters: 6, kernelSize: 2, strides: 2, activation: 'tanh' }),
  inputShape: [1, 5, 4, 5, 8],
  tfjs: (tf) => tf.layers.conv3d({ filters: 6, kernelSize: 2, strides: 2, activation: 'tanh' }),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv3D (dilationRate [2, 1, 2], same)',
  make: () => new layers.Conv3D({ filters: 3, kernelSize: [2, 3, 2], dilationRate: [2, 1, 2], padding: 'same' }),
  inputShape: [2, 5, 4, 5, 2],
  tfjs: (tf) => tf.layers.conv3d({ filters: 3, kernelSize: [2, 3, 2], dilationRate: [2, 1, 2], padding: 'same' }),
  weights: { trainable: 2, nonTrainable: 0 },
  skip: {
    oracleGrads: 'TF.js refuses the gradient of a dilated conv3d (finite differences here and in conv3d-ops.test.ts check it)',
    tfjsFiles: 'TF.js cannot train a dilated conv3d one step',
  },
});

runLayerTest({
  name: 'Conv3D (groups 2, same)',
  make: () => new layers.Conv3D({ filters: 4, kernelSize: [2, 3, 3], groups: 2, padding: 'same' }),
  inputShape: [2, 3, 4, 3, 4],
  // TF.js has no groups: Keras's definition, each group's convolution, written out in float64
  // ('same': depth 3 with 2 taps pads 1 at the end; 3 rows/columns of 3 taps pad 1 each side).
  reference: (x, [w, b]) => {
    const [n, d, h, wd, c, f, g] = [2, 3, 4, 3, 4, 4, 2];
    const cg = c / g, fg = f / g, out = new Float64Array(n * d * h * wd * f);
    for (let i = 0; i < n; i++) for (let z = 0; z < d; z++) for (let p = 0; p < h; p++) for (let q = 0; q < wd; q++) for (let o = 0; o < f; o++) {
      let s = b[o];
      const grp = Math.floor(o / fg);
      for (let kd = 0; kd < 2; kd++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
        const zz = z + kd, y = p - 1 + kh, v = q - 1 + kw;
        if (zz >= d || y < 0 || y >= h || v < 0 || v >= wd) continue;
        for (let k = 0; k < cg; k++) s += x[(((i * d + zz) * h + y) * wd + v) * c + grp * cg + k] * w[(((kd * 3 + kh) * 3 + kw) * cg + k) * f + o];
      }
      out[(((i * d + z) * h + p) * wd + q) * f + o] = s;
    }
    return out;
  },
  weights: { trainable: 2, nonTrainable: 0 },
});

// TF.js's conv3dTranspose has no gradient (no rule for Conv3DBackpropInputV2): the layers'
// gradients are checked by finite differences here, and the op's against TF.js's conv3d
// gradients by adjointness in conv3d-ops.test.ts.
const NO_TFJS_TRANSPOSE_GRADIENTS = {
  oracleGrads: 'TF.js has no gradient of conv3dTranspose (the op is checked against tf.conv3d by adjointness in conv3d-ops.test.ts)',
  tfjsFiles: 'TF.js cannot train a Conv3DTranspose one step (no gradient)',
};

runLayerTest({
  name: 'Conv3DTranspose (strides 2, same, relu)',
  make: () => new layers.Conv3DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 3, 2, 3, 4],
  tfjs: (tf) => tf.layers.conv3dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  weights: { trainable: 2, nonTrainable: 0 },
  skip: NO_TFJS_TRANSPOSE_GRADIENTS,
});

runLayerTest({
  name: 'Conv3DTranspose (strides [1, 2, 3], valid, [2, 3, 2] kernel, no bias)',
  make: () => new layers.Conv3DTranspose({ filters: 2, kernelSize: [2, 3, 2], strides: [1, 2, 3], useBias: false }),
  inputShape: [2, 3, 2, 2, 3],
  tfjs: (tf) => tf.layers.conv3dTranspose({ filters: 2, kernelSize: [2, 3, 2], strides: [1, 2, 3], useBias: false }),
  weights: { trainable: 1, nonTrainable: 0 },
  skip: NO_TFJS_TRANSPOSE_GRADIENTS,
});

runLayerTest({
  name: 'Conv3DTranspose (outputPadding [1, 0, 1], strides 2, same)',
  make: () => new layers.Conv3DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0, 1] }),
  inputShape: [1, 2, 3, 2, 2],
  // TF.js has no outputPadding: Keras's definition. Keras's length (in - 1) * 2 + 3 - 2 + outputPadding
  // gives 4x5x4; TensorFlow's 'same' rule on that output pads 0, 1, 0 before, so input voxel
  // (z, i, j) scatters the kernel from (2z, 2i - 1, 2j).
  reference: (x, [w, b]) => {
    const [d, h, wd, c, od, oh, ow, f] = [2, 3, 2, 2, 4, 5, 4, 2];
    const out = new Float64Array(od * oh * ow * f);
    for (let i = 0; i < out.length; i++) out[i] = b[i % f];
    for (let z = 0; z < d; z++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) for (let k = 0; k < c; k++) {
      for (let kd = 0; kd < 3; kd++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let o = 0; o < f; o++) {
        const zz = z * 2 + kd, y = i * 2 - 1 + kh, v = j * 2 + kw;
        if (zz < od && y >= 0 && y < oh && v < ow) {
          out[((zz * oh + y) * ow + v) * f + o] += x[((z * h + i) * wd + j) * c + k] * w[(((kd * 3 + kh) * 3 + kw) * f + o) * c + k];
        }
      }
    }
    return out;
  },
  weights: { trainable: 2, nonTrainable: 0 },
});

describe('Conv3D / Conv3DTranspose: options and errors', () => {
  it('output shapes, as Keras computes them', () => {
    assert.deepEqual(new layers.Conv3D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([null, 9, 8, 7, 1]), [null, 5, 4, 4, 2]);
    assert.deepEqual(new layers.Conv3DTranspose({ filters: 2, kernelSize: 3, strides: 2 }).computeOutputShape([null, 4, null, 3, 1]), [null, 9, null, 7, 2]);
    assert.deepEqual(layers.conv3d({ filters: 1, kernelSize: [1, 2, 3] }).kernelSize, [1, 2, 3]);
    assert.ok(layers.conv3dTranspose({ filters: 1, kernelSize: 2 }) instanceof layers.Conv3DTranspose);
  });
  const cases: [string, () => unknown, RegExp][] = [
    ['a pair kernelSize', () => new layers.Conv3D({ filters: 2, kernelSize: [3, 3] as unknown as number }), /argument 'kernelSize' of layer "conv3d.*". Expected a positive integer or a triple \[depth, height, width\]/],
    ['channelsFirst', () => new layers.Conv3D({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as 'channelsLast' }), /only dataFormat 'channelsLast' is supported, got 'channelsFirst'/],
    ['an unknown option', () => new layers.Conv3D({ filters: 2, kernelSize: 3, depthMultiplier: 2 } as never), /depthMultiplier/],
    ['padding causal', () => new layers.Conv3D({ filters: 2, kernelSize: 3, padding: 'causal' as 'valid' }), /Expected 'valid' or 'same'. Received padding='causal'/],
    ['zero filters', () => new layers.Conv3D({ filters: 0, kernelSize: 3 }), /argument 'filters'.*Received filters=0/],
    ['groups not dividing filters', () => new layers.Conv3D({ filters: 3, kernelSize: 3, groups: 2 }), /argument 'groups'.*divides filters=3/],
    ['groups not dividing channels', () => new layers.Conv3D({ filters: 4, kernelSize: 1, groups: 2 }).apply(layers.input({ shape: [4, 4, 4, 3] })), /groups=2 must divide the input's 3 channels/],
    ['a kernel larger than the input', () => new layers.Conv3D({ filters: 2, kernelSize: 5 }).apply(layers.input({ shape: [4, 8, 8, 1] })), /a 5x5x5 kernel .* is larger than input of shape/],
    ['a rank-4 input', () => new layers.Conv3D({ filters: 2, kernelSize: 3 }).apply(layers.input({ shape: [8, 8, 1] })), /ndim|rank|expected/i],
    ['outputPadding not below the strides', () => new layers.Conv3DTranspose({ filters: 2, kernelSize: 3, strides: [2, 1, 2], outputPadding: 1 }), /outputPadding.*smaller than the strides \[2,1,2\]/],
    ['Conv3DTranspose has no groups', () => new layers.Conv3DTranspose({ filters: 2, kernelSize: 3, groups: 2 } as never), /groups/],
  ];
  for (const [what, f, message] of cases) it(what, () => assert.throws(f, message));
});

describe('Conv3D / Conv3DTranspose: regularizers and constraints', () => {
  it('the penalties in the loss and the config; a constraint holds after a training step', async () => {
    for (const make of [
      () => new layers.Conv3D({ filters: 2, kernelSize: 2, kernelRegularizer: 'l2', biasRegularizer: 'l1', kernelConstraint: 'nonNeg', biasInitializer: 'ones' }),
      () => new layers.Conv3DTranspose({ filters: 2, kernelSize: 2, strides: 2, kernelRegularizer: 'l2', biasRegularizer: 'l1', kernelConstraint: 'nonNeg', biasInitializer: 'ones' }),
    ]) {
      const layer = make();
      const model = new models.Sequential([new layers.Input({ shape: [3, 3, 3, 2] }), layer, new layers.Flatten(), new layers.Dense({ units: 1 })]);
      const penalty = weightPenalty(layer.weights);
      assert.ok(penalty && penalty.item() > 0, `${layer.className}: a penalty in the loss`);
      const config = layer.getConfig();
      assert.ok(config.kernelRegularizer && config.biasRegularizer && config.kernelConstraint, `${layer.className}: penalties in getConfig`);
      model.compile({ loss: 'mse', optimizer: 'sgd' });
      await model.fit(dt.randomUniform([4, 3, 3, 3, 2], -1, 1, 'float32', 3), dt.randomUniform([4, 1], -1, 1, 'float32', 4), { epochs: 1, verbose: 0 });
      assert.ok(layer.getWeights()[0].data.every((v) => v >= 0), `${layer.className}: nonNeg kernel after a step`);
    }
  });
});

describe('Conv3D / Conv3DTranspose: ONNX export', () => {
  it('runs in ONNX Runtime with the same outputs (strides, same/valid, dilation, groups, outputPadding, BatchNormalization on volumes)', async () => {
    const ort = await import('onnxruntime-node');
    dt.setBackend('wasm');
    dt.setRandomSeed(8);
    const model = new models.Sequential([
      new layers.Input({ shape: [5, 6, 7, 2] }),
      new layers.Conv3D({ filters: 4, kernelSize: [3, 2, 3], strides: [2, 1, 2], padding: 'same', activation: 'relu' }),
      new layers.BatchNormalization(),
      new layers.Conv3D({ filters: 4, kernelSize: 2, dilationRate: [1, 2, 1], groups: 2, padding: 'same' }),
      new layers.Conv3DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
      new layers.Conv3DTranspose({ filters: 2, kernelSize: [2, 3, 2], strides: [1, 2, 3], outputPadding: [0, 1, 2] }),
      new layers.Conv3DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0, 1] }),
      new layers.Flatten(),
      new layers.Dense({ units: 3 }),
    ]);
    const bn = model.layers[1] as InstanceType<typeof layers.BatchNormalization>;
    bn.setWeights(bn.getWeights().map((w, i) => dt.randomUniform(w.shape, 0.5, 1.5, 'float32', 20 + i)));
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx3d-')), 'conv3d.onnx');
    await model.exportOnnx(path);
    const x = dt.randomUniform([2, 5, 6, 7, 2], -1, 1, 'float32', 9);
    const session = await ort.InferenceSession.create(path);
    const out = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
    assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as dt.Tensor, 1e-4, 'ONNX Runtime');
  });
});
