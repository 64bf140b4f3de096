// DepthwiseConv1D, SeparableConv1D and Conv1DTranspose through the layer test helper. TF.js
// has none of them: the forward reference is TF.js's 2-D layer of the same kind run on the
// height-1 view [n, 1, steps, c] with our weights reshaped (causal padding: the input padded
// on the left, then 'valid'), and outputPadding, which TF.js lacks, a float64 formula; the
// gradients are checked by finite differences (and wasm vs js, compiled vs eager).
import { describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from '../src/index.ts';
import { layers, models, type Tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { expectError } from './helpers/errors.ts';
import { assertClose, tf } from './helpers/oracle.ts';

type Tf = typeof tf;
type Tf2dLayer = ReturnType<Tf['layers']['depthwiseConv2d']>;

/**
 * The forward reference: `make2d`'s TF.js layer on x [n, steps, c] as [n, 1, steps, c] (left
 * padded by `causalPad` zeros), with our weights in the 2-D shapes `shapes2d`.
 */
function tfjs2d(inputShape: [number, number, number], make2d: (t: Tf) => Tf2dLayer, shapes2d: number[][], causalPad = 0) {
  return (x: Float64Array, weights: Float64Array[]): Float64Array => Float64Array.from(tf.tidy(() => {
    const [n, steps, c] = inputShape;
    let image = tf.tensor(Float32Array.from(x), [n, 1, steps, c]);
    if (causalPad > 0) image = tf.pad(image, [[0, 0], [0, 0], [causalPad, 0], [0, 0]]);
    const layer = make2d(tf);
    layer.apply(image);
    layer.setWeights(weights.map((w, i) => tf.tensor(Float32Array.from(w), shapes2d[i])));
    return layer.apply(image) as tf.Tensor;
  }).dataSync());
}

runLayerTest({
  name: 'DepthwiseConv1D (depthMultiplier 2, strides 2, same, relu)',
  make: () => new layers.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 9, 3],
  reference: tfjs2d([2, 9, 3], (t) => t.layers.depthwiseConv2d({ kernelSize: [1, 3], depthMultiplier: 2, strides: [1, 2], padding: 'same', activation: 'relu' }), [[1, 3, 3, 2], [6]]),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'DepthwiseConv1D (causal, dilationRate 2)',
  make: () => new layers.DepthwiseConv1D({ kernelSize: 3, padding: 'causal', dilationRate: 2 }),
  inputShape: [2, 8, 4],
  // TF.js's DepthwiseConv2D layer drops its dilationRate (it passes no dilations to the op):
  // its depthwiseConv2d op with dilations [1, 2] on the left-padded height-1 view, plus the bias.
  reference: (x, [w, b]) => Float64Array.from(tf.tidy(() => {
    const image = tf.pad(tf.tensor4d(Float32Array.from(x), [2, 1, 8, 4]), [[0, 0], [0, 0], [4, 0], [0, 0]]);
    return tf.depthwiseConv2d(image, tf.tensor(Float32Array.from(w), [1, 3, 4, 1]), 1, 'valid', 'NHWC', [1, 2]).add(tf.tensor(Float32Array.from(b)));
  }).dataSync()),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'SeparableConv1D (depthMultiplier 2, same, relu)',
  make: () => new layers.SeparableConv1D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 7, 3],
  reference: tfjs2d([2, 7, 3], (t) => t.layers.separableConv2d({ filters: 4, kernelSize: [1, 3], depthMultiplier: 2, padding: 'same', activation: 'relu' }) as unknown as Tf2dLayer,
    [[1, 3, 3, 2], [1, 1, 6, 4], [4]]),
  weights: { trainable: 3, nonTrainable: 0 },
});

runLayerTest({
  name: 'SeparableConv1D (causal, strides 2, no bias)',
  make: () => new layers.SeparableConv1D({ filters: 3, kernelSize: 3, strides: 2, padding: 'causal', useBias: false }),
  inputShape: [2, 8, 2],
  reference: tfjs2d([2, 8, 2], (t) => t.layers.separableConv2d({ filters: 3, kernelSize: [1, 3], strides: [1, 2], padding: 'valid', useBias: false }) as unknown as Tf2dLayer,
    [[1, 3, 2, 1], [1, 1, 2, 3]], 2),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv1DTranspose (strides 2, same, relu)',
  make: () => new layers.Conv1DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
  inputShape: [2, 5, 3],
  reference: tfjs2d([2, 5, 3], (t) => t.layers.conv2dTranspose({ filters: 4, kernelSize: [1, 3], strides: [1, 2], padding: 'same', activation: 'relu' }) as unknown as Tf2dLayer,
    [[1, 3, 4, 3], [4]]),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv1DTranspose (strides 3, valid, kernel 2)',
  make: () => new layers.Conv1DTranspose({ filters: 2, kernelSize: 2, strides: 3 }),
  inputShape: [2, 4, 3],
  reference: tfjs2d([2, 4, 3], (t) => t.layers.conv2dTranspose({ filters: 2, kernelSize: [1, 2], strides: [1, 3] }) as unknown as Tf2dLayer, [[1, 2, 2, 3], [2]]),
  weights: { trainable: 2, nonTrainable: 0 },
});

runLayerTest({
  name: 'Conv1DTranspose (outputPadding 1, strides 2, same, dilationRate 1)',
  make: () => new layers.Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }),
  inputShape: [2, 4, 3],
  // TF.js has no outputPadding: Keras's definition, each input step scattering the kernel into
  // an output of (4 - 1) * 2 + 3 - 2 + 1 = 8 steps, TensorFlow's 'same' rule putting
  // floor(total / 2) of the total padding (4 - 1) * 2 + 3 - 8 = 1 before: none.
  reference: (x, [w, b]) => {
    const [n, len, c, f, k, s, out] = [2, 4, 3, 2, 3, 2, 8];
    const before = Math.floor(Math.max((len - 1) * s + k - out, 0) / 2);
    const y = new Float64Array(n * out * f);
    for (let i = 0; i < n; i++) for (let t = 0; t < out; t++) for (let o = 0; o < f; o++) y[(i * out + t) * f + o] = b[o];
    for (let i = 0; i < n; i++) for (let p = 0; p < len; p++) for (let kk = 0; kk < k; kk++) {
      const t = p * s + kk - before;
      if (t < 0 || t >= out) continue;
      for (let o = 0; o < f; o++) for (let ch = 0; ch < c; ch++) y[(i * out + t) * f + o] += x[(i * len + p) * c + ch] * w[(kk * f + o) * c + ch];
    }
    return y;
  },
  weights: { trainable: 2, nonTrainable: 0 },
});

describe('1-D convolution variants: bad options', () => {
  it('name the layer, the argument, what is expected and what was given', async () => {
    await expectError('layers', 'Conv1DTranspose causal', () => new layers.Conv1DTranspose({ filters: 2, kernelSize: 3, padding: 'causal', name: 'up' }),
      /argument 'padding' of layer "up". Expected 'valid' or 'same'. Received padding="causal"/);
    await expectError('layers', 'Conv1DTranspose outputPadding 2 with strides 2', () => new layers.Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }),
      /'outputPadding'.*smaller than strides=2. Received outputPadding=2/);
    await expectError('layers', 'DepthwiseConv1D depthMultiplier 0', () => new layers.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 0 }), /'depthMultiplier'.*Received depthMultiplier=0/);
    await expectError('layers', 'SeparableConv1D filters missing', () => new layers.SeparableConv1D({ kernelSize: 3 } as never), /'filters'.*Received filters=undefined/);
    await expectError('layers', 'SeparableConv1D kernelSize [3, 3]', () => new layers.SeparableConv1D({ filters: 2, kernelSize: [3, 3] as never }), /'kernelSize'.*a positive integer \(or a list of one\). Received kernelSize=\[3,3\]/);
    await expectError('layers', 'DepthwiseConv1D without kernelSize', () => new layers.DepthwiseConv1D({} as never), /argument 'kernelSize' is required/);
    await expectError('layers', 'DepthwiseConv1D unknown option', () => new layers.DepthwiseConv1D({ kernelSize: 3, filters: 4 } as never), /unknown option 'filters'/);
    await expectError('layers', 'SeparableConv1D channelsFirst', () => new layers.SeparableConv1D({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never }), /only dataFormat 'channelsLast'/);
    const dw = new layers.DepthwiseConv1D({ kernelSize: 5, name: 'wide' });
    await expectError('layers', 'DepthwiseConv1D kernel longer than the input', () => dw.computeOutputShape([null, 3, 2]), /Layer "wide": a kernel of size 5.*larger than input of shape \[null, 3, 2\]/);
  });
});

describe('ONNX export of the 1-D convolutions and global 1-D pooling', () => {
  for (const opset of [13, 18]) {
    it(`Conv1D, DepthwiseConv1D, SeparableConv1D, Conv1DTranspose (causal, same, valid, strides, dilation, outputPadding) run in ONNX Runtime with the same outputs (opset ${opset})`, async () => {
      dt.setRandomSeed(9);
      const model = new models.Sequential([
        new layers.Input({ shape: [13, 3] }),
        new layers.Conv1D({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu' }),
        new layers.DepthwiseConv1D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }),
        new layers.SeparableConv1D({ filters: 5, kernelSize: 2, dilationRate: 2, activation: 'tanh' }),
        new layers.DepthwiseConv1D({ kernelSize: 2, padding: 'causal' }),
        new layers.Conv1DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }),
        new layers.Conv1DTranspose({ filters: 4, kernelSize: 2, strides: 3, activation: 'relu' }),
        new layers.Conv1D({ filters: 6, kernelSize: 4, strides: 2, padding: 'same', groups: 2 }),
        new layers.GlobalMaxPooling1D(),
        new layers.Dense({ units: 2 }),
      ]);
      const x = randomTensor([3, 13, 3], new Random(1), -1, 1, 'float32');
      const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'conv1d.onnx');
      await model.exportOnnx(path, { opset });
      const out = (await (await ort.InferenceSession.create(path)).run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as Tensor, 1e-5, 'ONNX Runtime vs deeptype');
    });
  }

  it('GlobalAveragePooling1D (keepdims) runs in ONNX Runtime with the same outputs', async () => {
    dt.setRandomSeed(10);
    const model = new models.Sequential([new layers.Input({ shape: [6, 4] }), new layers.GlobalAveragePooling1D({ keepdims: true }), new layers.Flatten(), new layers.Dense({ units: 3 })]);
    const x = randomTensor([2, 6, 4], new Random(2), -1, 1, 'float32');
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'gap1d.onnx');
    await model.exportOnnx(path);
    const out = (await (await ort.InferenceSession.create(path)).run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
    assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as Tensor, 1e-5, 'ONNX Runtime vs deeptype');
  });
});
