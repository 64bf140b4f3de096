// ZeroPadding3D, Cropping3D, UpSampling3D and SpatialDropout3D through the layer test helper,
// against Keras's formulas written out in float64 (TF.js has none of these layers), with the
// dropout's mask per (sample, channel) and the option errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const none = { trainable: 0, nonTrainable: 0 };
const noTfjs = (name: string) => ({ tfjsFiles: `TF.js has no ${name}` });
type Sides = [[number, number], [number, number], [number, number]];

/** Element (b, d, h, w, c) of a volume of shape s, as a flat index. */
const at = (s: number[], b: number, d: number, h: number, w: number, c: number) => (((b * s[1] + d) * s[2] + h) * s[3] + w) * s[4] + c;

/** y[b, d, h, w, c] = f(b, d, h, w, c) over the output shape. */
function volume(out: number[], f: (b: number, d: number, h: number, w: number, c: number) => number): Float64Array {
  const y = new Float64Array(out.reduce((a, b) => a * b, 1));
  for (let b = 0; b < out[0]; b++) for (let d = 0; d < out[1]; d++) for (let h = 0; h < out[2]; h++) for (let w = 0; w < out[3]; w++) for (let c = 0; c < out[4]; c++) {
    y[at(out, b, d, h, w, c)] = f(b, d, h, w, c);
  }
  return y;
}

/** Keras's ZeroPadding3D: zeros around, the input at offset (before) on each axis. */
function zeroPad(x: Float64Array, s: number[], p: Sides): Float64Array {
  const out = [s[0], ...p.map(([b, a], i) => s[i + 1] + b + a), s[4]];
  return volume(out, (b, d, h, w, c) => {
    const [id, ih, iw] = [d - p[0][0], h - p[1][0], w - p[2][0]];
    return id >= 0 && id < s[1] && ih >= 0 && ih < s[2] && iw >= 0 && iw < s[3] ? x[at(s, b, id, ih, iw, c)] : 0;
  });
}
/** Keras's Cropping3D: x[:, d0 : D - d1, h0 : H - h1, w0 : W - w1, :]. */
function crop(x: Float64Array, s: number[], p: Sides): Float64Array {
  const out = [s[0], ...p.map(([b, a], i) => s[i + 1] - b - a), s[4]];
  return volume(out, (b, d, h, w, c) => x[at(s, b, d + p[0][0], h + p[1][0], w + p[2][0], c)]);
}
/** Keras's UpSampling3D: repeat_elements along each axis. */
function upsample(x: Float64Array, s: number[], k: number[]): Float64Array {
  const out = [s[0], s[1] * k[0], s[2] * k[1], s[3] * k[2], s[4]];
  return volume(out, (b, d, h, w, c) => x[at(s, b, Math.floor(d / k[0]), Math.floor(h / k[1]), Math.floor(w / k[2]), c)]);
}

runLayerTest({
  name: 'ZeroPadding3D ([[1, 2], [0, 1], [2, 0]])',
  make: () => new layers.ZeroPadding3D({ padding: [[1, 2], [0, 1], [2, 0]] }),
  inputShape: [2, 2, 3, 2, 2],
  reference: (x) => zeroPad(x, [2, 2, 3, 2, 2], [[1, 2], [0, 1], [2, 0]]),
  weights: none,
  skip: noTfjs('ZeroPadding3D'),
});
runLayerTest({
  name: 'ZeroPadding3D ([1, 0, 2])',
  make: () => new layers.ZeroPadding3D({ padding: [1, 0, 2] }),
  inputShape: [2, 2, 2, 3, 3],
  reference: (x) => zeroPad(x, [2, 2, 2, 3, 3], [[1, 1], [0, 0], [2, 2]]),
  weights: none,
  skip: noTfjs('ZeroPadding3D'),
});
runLayerTest({
  name: 'Cropping3D ([[1, 0], [0, 2], [1, 1]])',
  make: () => new layers.Cropping3D({ cropping: [[1, 0], [0, 2], [1, 1]] }),
  inputShape: [2, 3, 4, 5, 2],
  reference: (x) => crop(x, [2, 3, 4, 5, 2], [[1, 0], [0, 2], [1, 1]]),
  weights: none,
  skip: noTfjs('Cropping3D'),
});
runLayerTest({
  name: 'Cropping3D (default 1)',
  make: () => new layers.Cropping3D(),
  inputShape: [2, 3, 3, 4, 2],
  reference: (x) => crop(x, [2, 3, 3, 4, 2], [[1, 1], [1, 1], [1, 1]]),
  weights: none,
  skip: noTfjs('Cropping3D'),
});
runLayerTest({
  name: 'UpSampling3D ([2, 1, 3])',
  make: () => new layers.UpSampling3D({ size: [2, 1, 3] }),
  inputShape: [2, 3, 2, 2, 2],
  reference: (x) => upsample(x, [2, 3, 2, 2, 2], [2, 1, 3]),
  weights: none,
  skip: noTfjs('UpSampling3D'),
});
runLayerTest({
  name: 'UpSampling3D (default 2)',
  make: () => new layers.UpSampling3D(),
  inputShape: [1, 2, 3, 2, 2],
  reference: (x) => upsample(x, [1, 2, 3, 2, 2], [2, 2, 2]),
  weights: none,
  skip: noTfjs('UpSampling3D'),
});
runLayerTest({
  name: 'SpatialDropout3D (rate 0: exact)',
  make: () => new layers.SpatialDropout3D({ rate: 0 }),
  inputShape: [2, 2, 3, 2, 4],
  reference: (x) => x,
  weights: none,
  modes: [true, false],
  skip: noTfjs('SpatialDropout3D'),
});
runLayerTest({
  name: 'SpatialDropout3D (rate 0.5, seeded: same draws compiled and eager)',
  make: () => new layers.SpatialDropout3D({ rate: 0.5, seed: 5 }),
  inputShape: [2, 2, 2, 3, 4],
  stochastic: true,
  reference: (x) => x,
  weights: none,
  modes: [true, false],
  skip: noTfjs('SpatialDropout3D'),
});

describe('3-D reshaping layers and SpatialDropout3D', () => {
  it('SpatialDropout3D drops whole (sample, channel) volumes and scales the rest by 1 / (1 - rate)', () => {
    const layer = new layers.SpatialDropout3D({ rate: 0.5, seed: 1 });
    const x = dt.ones([4, 2, 3, 2, 8]);
    const y = layer.apply(x, { training: true }) as dt.Tensor;
    let dropped = 0;
    for (let b = 0; b < 4; b++) for (let c = 0; c < 8; c++) {
      const values = new Set<number>();
      for (let i = 0; i < 12; i++) values.add(y.data[(b * 12 + i) * 8 + c]);
      assert.equal(values.size, 1, `sample ${b} channel ${c}: one mask value for the whole volume`);
      const [v] = values;
      assert.ok(v === 0 || v === 2, `kept values are scaled by 2, got ${v}`);
      if (v === 0) dropped++;
    }
    assert.ok(dropped > 4 && dropped < 28, `about half of 32 channels dropped, got ${dropped}`);
    assert.deepEqual(Array.from((layer.apply(x) as dt.Tensor).data), Array.from(x.data), 'identity in inference');
  });

  it('shapes on symbolic inputs and factories', () => {
    const x = layers.input({ shape: [4, 5, 6, 2] });
    assert.deepEqual(layers.zeroPadding3d({ padding: 1 }).apply(x).shape, [null, 6, 7, 8, 2]);
    assert.deepEqual(layers.cropping3d({ cropping: [1, 2, 0] }).apply(x).shape, [null, 2, 1, 6, 2]);
    assert.deepEqual(layers.upSampling3d({ size: 2 }).apply(x).shape, [null, 8, 10, 12, 2]);
    assert.deepEqual(layers.spatialDropout3d({ rate: 0.1 }).apply(x).shape, [null, 4, 5, 6, 2]);
  });

  it('bad options name the layer, the argument, expected and given', () => {
    assert.throws(() => new layers.ZeroPadding3D({ padding: [1, 2] as unknown as number, name: 'z' }), /argument 'padding' of layer "z". Expected a non-negative integer or 3 of them. Received padding=\[1,2\]/);
    assert.throws(() => new layers.ZeroPadding3D({ padding: [[1, 1], [1, -1], [0, 0]], name: 'z' }), /argument 'padding' of layer "z". Expected a non-negative integer or 2 of them. Received padding=\[1,-1\]/);
    assert.throws(() => new layers.Cropping3D({ cropping: 1.5, name: 'c' }), /argument 'cropping' of layer "c"/);
    assert.throws(() => layers.cropping3d({ cropping: [[1, 1], [0, 0], [0, 0]], name: 'c' }).apply(layers.input({ shape: [2, 3, 3, 1] })), /Layer "c": cropping \[\[1,1\],\[0,0\],\[0,0\]\] removes all of axis 1 \(size 2\)/);
    assert.throws(() => new layers.UpSampling3D({ size: 0, name: 'u' }), /argument 'size' of layer "u". Expected a positive integer or 3 of them. Received size=0/);
    assert.throws(() => new layers.UpSampling3D({ interpolation: 'bilinear' } as never), /interpolation/);
    assert.throws(() => new layers.ZeroPadding3D({ dataFormat: 'channelsFirst', name: 'z' }), /argument 'dataFormat' of layer "z"/);
    assert.throws(() => new layers.SpatialDropout3D({ rate: 1 }), /Expected a float in \[0, 1\). Received rate=1/);
    assert.throws(() => new layers.SpatialDropout3D({ rate: 0.1, noiseShape: [1, 1, 1, 1, 1] } as never), /takes no noiseShape/);
    assert.throws(() => new layers.SpatialDropout3D({ rate: 0.1, dataFormat: 'channelsFirst' as 'channelsLast' }), /SpatialDropout3D: only dataFormat 'channelsLast' is supported/);
    assert.throws(() => layers.upSampling3d({ name: 'r' }).apply(dt.zeros([1, 2, 2, 1])), /rank|ndim|5/);
  });
});
