// Preprocessing layers through the layer test helper; Normalization.adapt; bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { tf } from './helpers/oracle.ts';

const none = { trainable: 0, nonTrainable: 0 };
/** TF2's tf.image.resize (half-pixel centers), as Keras 3 calls it: TF.js's ops with halfPixelCenters. */
const tfResize = (x: Float64Array, shape: number[], size: [number, number], method: 'bilinear' | 'nearest'): Float64Array => {
  const t = tf.tensor4d(Array.from(x), shape as [number, number, number, number]);
  const y = method === 'bilinear' ? tf.image.resizeBilinear(t, size, false, true) : tf.image.resizeNearestNeighbor(t, size, false, true);
  return Float64Array.from(y.dataSync());
};
/** x[:, top:top+h, left:left+w, :] of an NHWC array. */
const crop = (x: Float64Array, [n, H, W, c]: number[], top: number, left: number, h: number, w: number): Float64Array => {
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) out.push(x[((b * H + top + i) * W + left + j) * c + k]);
  return Float64Array.from(out);
};

runLayerTest({
  name: 'Rescaling (1/255, offset -0.5)',
  make: () => new layers.Rescaling({ scale: 1 / 255, offset: -0.5 }),
  inputShape: [2, 3, 4],
  inputRange: [0, 255],
  tfjs: (tf) => tf.layers.rescaling({ scale: 1 / 255, offset: -0.5 }),
  weights: none,
});
runLayerTest({
  name: 'Normalization (adapted weights, axis -1)',
  make: () => new layers.Normalization(),
  inputShape: [2, 3, 4],
  // Keras 3: (x - mean) / max(sqrt(variance), 1e-7), per feature of the last axis.
  reference: (x, [mean, variance]) => x.map((v, i) => (v - mean[i % 4]) / Math.max(Math.sqrt(variance[i % 4]), 1e-7)),
  weights: { trainable: 0, nonTrainable: 2 },
});
runLayerTest({
  name: 'Normalization (given mean and variance, invert)',
  make: () => new layers.Normalization({ mean: [0.5, -1, 2], variance: [4, 0.25, 1], invert: true }),
  inputShape: [2, 4, 3],
  reference: (x) => x.map((v, i) => [0.5, -1, 2][i % 3] + v * [2, 0.5, 1][i % 3]),
  weights: none,
});
runLayerTest({
  name: 'Resizing (bilinear, 5x7)',
  make: () => new layers.Resizing({ height: 5, width: 7 }),
  inputShape: [2, 4, 3, 2],
  reference: (x) => tfResize(x, [2, 4, 3, 2], [5, 7], 'bilinear'),
  weights: none,
});
runLayerTest({
  name: 'Resizing (nearest, cropToAspectRatio, 3x3)',
  make: () => new layers.Resizing({ height: 3, width: 3, interpolation: 'nearest', cropToAspectRatio: true }),
  inputShape: [2, 4, 6, 2],
  // The centered 4x4 window (Keras 3's crop_to_aspect_ratio), then resized.
  reference: (x) => tfResize(crop(x, [2, 4, 6, 2], 0, 1, 4, 4), [2, 4, 4, 2], [3, 3], 'nearest'),
  weights: none,
});
runLayerTest({
  name: 'CenterCrop (3x2 of 5x5)',
  make: () => new layers.CenterCrop({ height: 3, width: 2 }),
  inputShape: [2, 5, 5, 3],
  tfjs: (tf) => tf.layers.centerCrop({ height: 3, width: 2 }),
  weights: none,
  // TF.js crops with cropAndResize, which has no gradient in TF.js 4.22.
  skip: { oracleGrads: 'TF.js has no gradient for CropAndResize', tfjsFiles: 'TF.js cannot train a model with centerCrop (no CropAndResize gradient)' },
});
runLayerTest({
  name: 'CenterCrop (upsizes a smaller image, as Keras 3)',
  make: () => new layers.CenterCrop({ height: 6, width: 4 }),
  inputShape: [1, 4, 4, 2],
  // Keras 3: an image smaller than the target is cropped to the target's aspect ratio, then resized.
  // crop height min(4, trunc(4 * 6 / 4)) = 4, width min(4, trunc(4 * 4 / 6)) = 2, from column 1.
  reference: (x) => tfResize(crop(x, [1, 4, 4, 2], 0, 1, 4, 2), [1, 4, 2, 2], [6, 4], 'bilinear'),
  weights: none,
});

describe('Resizing and CenterCrop on one image [h, w, c], as Keras 3 takes it', () => {
  const x = Float64Array.from({ length: 5 * 7 * 2 }, (_, i) => Math.sin(i) * 10);
  for (const backend of ['js', 'wasm']) {
    it(`${backend}: the batch-of-one result without its batch axis (it refused rank 3)`, () => dt.withBackend(backend, () => {
      const one = dt.tensor(Float32Array.from(x), [5, 7, 2]);
      const cases: [dt.layers.Layer, Float64Array, number[]][] = [
        [new layers.Resizing({ height: 3, width: 4 }), tfResize(x, [1, 5, 7, 2], [3, 4], 'bilinear'), [3, 4, 2]],
        [new layers.Resizing({ height: 4, width: 4, interpolation: 'nearest', cropToAspectRatio: true }), tfResize(crop(x, [1, 5, 7, 2], 0, 1, 5, 5), [1, 5, 5, 2], [4, 4], 'nearest'), [4, 4, 2]],
        [new layers.CenterCrop({ height: 3, width: 4 }), crop(x, [1, 5, 7, 2], 1, 1, 3, 4), [3, 4, 2]],
        [new layers.CenterCrop({ height: 6, width: 6 }), tfResize(crop(x, [1, 5, 7, 2], 0, 1, 5, 5), [1, 5, 5, 2], [6, 6], 'bilinear'), [6, 6, 2]],
      ];
      for (const [layer, expected, shape] of cases) {
        const y = layer.apply(one) as dt.Tensor;
        assert.deepEqual(y.shape, shape, layer.name);
        assert.deepEqual(layer.computeOutputShape([5, 7, 2]), shape, `${layer.name} computeOutputShape`);
        y.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4, `${layer.name}[${i}]: ${v} vs ${expected[i]}`));
      }
      assert.throws(() => new layers.Resizing({ height: 2, width: 2, name: 'rz' }).apply(dt.ones([4, 4])), /layer "rz" is incompatible with the layer: expected min_ndim=3, found ndim=2/);
    }));
  }
});

describe('Normalization.adapt and preprocessing errors', () => {
  it('adapt learns the mean and variance of each feature (float64 formula), and compiled predictions follow', () => {
    const data = dt.tensor(Array.from({ length: 24 }, (_, i) => (i * 7) % 11 - 3 + (i % 3)), [8, 3]);
    const norm = new layers.Normalization({ name: 'norm' });
    norm.adapt(data);
    const [mean, variance] = norm.getWeights();
    for (let f = 0; f < 3; f++) {
      const col = Array.from({ length: 8 }, (_, i) => data.data[i * 3 + f]);
      const m = col.reduce((a, b) => a + b, 0) / 8, v = col.reduce((a, b) => a + (b - m) ** 2, 0) / 8;
      assert.ok(Math.abs(mean.data[f] - m) < 1e-5 && Math.abs(variance.data[f] - v) < 1e-4, `feature ${f}: ${mean.data[f]}, ${variance.data[f]} vs ${m}, ${v}`);
    }
    const model = new dt.models.Sequential([new layers.Input({ shape: [3] }), norm]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const out = model.predict(data).clone();
    for (let f = 0; f < 3; f++) {
      const col = Array.from({ length: 8 }, (_, i) => out.data[i * 3 + f]);
      assert.ok(Math.abs(col.reduce((a, b) => a + b, 0) / 8) < 1e-5, `normalized feature ${f} has mean 0`);
    }
    // adapt again after the plan exists: the plan reads the weights in place.
    norm.adapt(data.mul(2));
    // Mean and variance become 2m and 4v: (x - 2m) / 2s = out / 2 - m / 2s.
    const expected = out.data[0] / 2 - mean.data[0] / (2 * Math.sqrt(variance.data[0]));
    assert.ok(Math.abs(model.predict(data).data[0] - expected) < 1e-4, `predictions follow a second adapt: ${model.predict(data).data[0]} vs ${expected}`);
  });
  it('bad arguments are clear errors', () => {
    assert.throws(() => new layers.Rescaling({ scale: Number.NaN, name: 'rs' }), /argument 'scale' of layer "rs". Expected a finite number. Received scale=null/);
    assert.throws(() => new layers.Normalization({ mean: [1, 2], name: 'nm' }), /argument 'variance' of layer "nm". Expected both mean and variance, or neither/);
    assert.throws(() => new layers.Normalization({ mean: [1, 2], variance: [1, -1], name: 'nm' }), /argument 'variance' of layer "nm". Expected non-negative numbers/);
    assert.throws(() => new layers.Normalization({ mean: [1, 2], variance: [1, 1], name: 'nm' }).apply(dt.zeros([2, 3])), /argument 'mean' of layer "nm". Expected one value or 3/);
    assert.throws(() => new layers.Normalization({ mean: 0, variance: 1, name: 'nm' }).adapt(dt.zeros([2, 3])), /Layer "nm": adapt\(\) cannot change the mean and variance given/);
    assert.throws(() => new layers.Resizing({ height: 0, width: 3, name: 'rz' }), /argument 'height' of layer "rz". Expected a positive integer. Received height=0/);
    assert.throws(() => new layers.Resizing({ height: 2, width: 3, interpolation: 'area' as 'nearest', name: 'rz' }), /argument 'interpolation' of layer "rz"/);
    assert.throws(() => new layers.CenterCrop({ height: 2, width: -3, name: 'cc' }), /argument 'width' of layer "cc". Expected a positive integer. Received width=-3/);
    assert.throws(() => new layers.Rescaling({ scale: 1, ofset: 1 } as never), /unknown option 'ofset'. Valid options are: .*offset/);
    // Non-boolean flags read as truthy, and NaN statistics gave NaN outputs, silently.
    assert.throws(() => new layers.Resizing({ height: 2, width: 3, cropToAspectRatio: 'false' as never, name: 'rz' }), /argument 'cropToAspectRatio' of layer "rz". Expected true or false. Received cropToAspectRatio="false"/);
    // An input other than the adapted features failed inside reshape, naming neither layer nor shapes.
    const adapted = new layers.Normalization({ name: 'nm' });
    adapted.adapt(dt.ones([4, 3]));
    assert.throws(() => adapted.apply(dt.ones([2, 5])), /Layer "nm": input shape \[2, 5\] does not match the statistics' shape \[3\] along axis \[-1\]/);
    assert.throws(() => new layers.Normalization({ invert: 1 as never, name: 'nm' }), /argument 'invert' of layer "nm". Expected true or false. Received invert=1/);
    assert.throws(() => new layers.Normalization({ mean: [0, Number.NaN], variance: [1, 1], name: 'nm' }), /argument 'mean' of layer "nm". Expected finite numbers/);
    assert.throws(() => new layers.Normalization({ mean: 0, variance: Infinity, name: 'nm' }), /argument 'variance' of layer "nm". Expected non-negative numbers/);
  });
});
