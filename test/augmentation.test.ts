// Augmentation layers: geometry against TF.js's tf.image.transform with Keras's matrices (built
// here in float64 from the same uniform draws), color layers against Keras's formulas, the
// identity in inference, the same augmentation for the same seed, and training in a compiled fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, tensor, Tensor } from '../src/index.ts';
import { SeedGenerator, randomUniform } from '../src/ops/random.ts';
import { Random } from '../src/core/random.ts';
import { tf, assertClose } from './helpers/oracle.ts';

const rng = new Random(12);
const [n, h, w, c] = [3, 6, 8, 2];
const images = tensor(Float32Array.from({ length: n * h * w * c }, () => rng.uniform(0, 255)), [n, h, w, c]);

/** The uniform draws the layer's next call will make: its generator's state, replayed. */
function nextDraws(layer: dt.layers.Layer, shape: number[], minval = 0, maxval = 1): number[] {
  const g = new SeedGenerator(0);
  g.setState((layer as unknown as { generator: SeedGenerator }).generator.getState());
  return Array.from(randomUniform(shape, g, { minval, maxval }).data);
}

/** Keras's matrices, written out independently. */
const matrices = {
  flip: (u: number[], hor: boolean, ver: boolean) => { const fh = hor && u[0] < 0.5, fv = ver && u[1] < 0.5; return [fh ? -1 : 1, 0, fh ? w - 1 : 0, 0, fv ? -1 : 1, fv ? h - 1 : 0, 0, 0]; },
  translate: (u: number[], [hl, hh]: number[], [wl, wh]: number[]) => { const dy = (hl + (hh - hl) * u[0]) * h, dx = (wl + (wh - wl) * u[1]) * w; return [1, 0, -dx, 0, 1, -dy, 0, 0]; },
  zoom: (u: number[], [hl, hh]: number[]) => { const z = 1 + hl + (hh - hl) * u[0]; return [z, 0, ((w - 1) / 2) * (1 - z), 0, z, ((h - 1) / 2) * (1 - z), 0, 0]; },
  rotate: (u: number[], [lo, hi]: number[]) => {
    const a = (lo + (hi - lo) * u[0]) * 2 * Math.PI, co = Math.cos(a), si = Math.sin(a);
    return [co, -si, (w - 1 - (co * (w - 1) - si * (h - 1))) / 2, si, co, (h - 1 - (si * (w - 1) + co * (h - 1))) / 2, 0, 0];
  },
};

function checkAgainstTf(layer: dt.layers.Layer, perImage: (u: number[]) => number[], draws: number, interpolation: 'nearest' | 'bilinear', fillMode: string): void {
  const u = nextDraws(layer, [n, draws]);
  const out = layer.apply(images, { training: true }) as Tensor;
  for (let b = 0; b < n; b++) {
    const t = perImage(u.slice(b * draws, (b + 1) * draws));
    const theirs = tf.image.transform(tf.tensor(Array.from(images.index([b, b + 1]).data), [1, h, w, c]) as tf.Tensor4D, tf.tensor([t]) as tf.Tensor2D, interpolation, fillMode as 'reflect', 0.5);
    assertClose(out.index([b, b + 1]), theirs, 1e-4, `${layer.className} image ${b}`);
  }
}

test('geometric layers: TF.js\'s transform of Keras\'s matrices from the same draws, every fill mode', () => {
  checkAgainstTf(new layers.RandomFlip({ seed: 1 }), (u) => matrices.flip(u, true, true), 2, 'nearest', 'constant');
  checkAgainstTf(new layers.RandomFlip({ mode: 'horizontal', seed: 2 }), (u) => matrices.flip(u, true, false), 2, 'nearest', 'constant');
  for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
    checkAgainstTf(new layers.RandomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], fillMode, fillValue: 0.5, seed: 3 }), (u) => matrices.translate(u, [-0.3, 0.3], [-0.2, 0.4]), 2, 'bilinear', fillMode);
    checkAgainstTf(new layers.RandomZoom({ heightFactor: [-0.4, 0.5], fillMode, fillValue: 0.5, seed: 4 }), (u) => matrices.zoom(u, [-0.4, 0.5]), 2, 'bilinear', fillMode);
    checkAgainstTf(new layers.RandomRotation({ factor: 0.3, fillMode, fillValue: 0.5, interpolation: 'nearest', seed: 5 }), (u) => matrices.rotate(u, [-0.3, 0.3]), 1, 'nearest', fillMode);
  }
});

test('color layers follow Keras\'s formulas: contrast around the per-channel mean, brightness as a shift, both clipped', () => {
  const contrast = new layers.RandomContrast({ factor: 0.5, seed: 6 });
  const f = nextDraws(contrast, [n, 1, 1, 1], 0.5, 1.5);
  const out = contrast.apply(images, { training: true }) as Tensor;
  const brightness = new layers.RandomBrightness({ factor: [-0.2, 0.3], seed: 7 });
  const d = nextDraws(brightness, [n, 1, 1, 1], -0.2, 0.3);
  const bright = brightness.apply(images, { training: true }) as Tensor;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let mean = 0;
      for (let p = 0; p < h * w; p++) mean += images.data[(b * h * w + p) * c + ch] / (h * w);
      for (let p = 0; p < h * w; p++) {
        const i = (b * h * w + p) * c + ch, v = images.data[i];
        const expC = Math.min(255, Math.max(0, (v - mean) * f[b] + mean)), expB = Math.min(255, Math.max(0, v + d[b] * 255));
        assert.ok(Math.abs(out.data[i] - expC) < 1e-3, `contrast at ${i}: ${out.data[i]} vs ${expC}`);
        assert.ok(Math.abs(bright.data[i] - expB) < 1e-3, `brightness at ${i}: ${bright.data[i]} vs ${expB}`);
      }
    }
  }
});

test('identity in inference; the same seed augments identically; the stream advances; bad options are errors', () => {
  const make = (seed: number): dt.layers.Layer[] => [
    new layers.RandomFlip({ seed }), new layers.RandomTranslation({ heightFactor: 0.2, widthFactor: 0.2, seed }), new layers.RandomZoom({ heightFactor: 0.2, seed }),
    new layers.RandomRotation({ factor: 0.2, seed }), new layers.RandomContrast({ factor: 0.3, seed }), new layers.RandomBrightness({ factor: 0.3, seed }),
  ];
  const [a, b] = [make(11), make(11)];
  a.forEach((layer, i) => {
    assert.deepEqual(Array.from((layer.apply(images) as Tensor).data), Array.from(images.data), `${layer.className} in inference`);
    const first = (layer.apply(images, { training: true }) as Tensor).data;
    assert.deepEqual(Array.from((b[i].apply(images, { training: true }) as Tensor).data), Array.from(first), `${layer.className}: same seed`);
    assert.notDeepEqual(Array.from((layer.apply(images, { training: true }) as Tensor).data), Array.from(first), `${layer.className}: a new draw each call`);
    assert.deepEqual((layer.apply(images.index(0), { training: true }) as Tensor).shape, [h, w, c], 'one image in, one image out');
    const Cls = layer.constructor as new (config: Record<string, unknown>) => dt.layers.Layer;
    assert.deepEqual(new Cls(layer.getConfig()).getConfig(), layer.getConfig(), `${layer.className} rebuilds from its config`);
  });
  assert.throws(() => new layers.RandomTranslation({ heightFactor: 1.5, widthFactor: 0 }), /heightFactor must be a number or \[lower, upper\] with -1 <= lower <= upper <= 1/);
  assert.throws(() => new layers.RandomZoom({ heightFactor: 0.1, fillMode: 'mirror' as never }), /fillMode must be one of reflect, wrap, constant, nearest/);
  assert.throws(() => new layers.RandomFlip({ mode: 'diagonal' as never }), /mode must be/);
  // A string fillValue made NaN fills, a three-number valueRange was read as its first two, silently.
  assert.throws(() => new layers.RandomRotation({ factor: 0.1, fillValue: '0' as never, name: 'rr' }), /Layer "rr": fillValue must be a number, got "0"/);
  assert.throws(() => new layers.RandomBrightness({ factor: 0.1, valueRange: [0, 1, 2] as never, name: 'rb' }), /Layer "rb": valueRange must be \[low, high\], two finite numbers with low < high, got \[0,1,2\]/);
  assert.throws(() => new layers.RandomContrast({ factor: 0.1, valueRange: [0, Number.NaN] }), /valueRange must be \[low, high\]/);
  // Keras sorts a factor pair (and RandomBrightness's valueRange): a reversed pair was refused; three numbers were read as the first two.
  assert.deepEqual(new layers.RandomZoom({ heightFactor: [0.2, -0.3], widthFactor: [0.1, 0] }).getConfig().heightFactor, [-0.3, 0.2]);
  assert.deepEqual(new layers.RandomTranslation({ heightFactor: [0.2, -0.1], widthFactor: 0.1 }).heightFactor, [-0.1, 0.2]);
  assert.deepEqual(new layers.RandomRotation({ factor: [0.3, -0.2] }).factor, [-0.2, 0.3]);
  assert.deepEqual(new layers.RandomBrightness({ factor: [0.1, -0.2], valueRange: [1, 0] }).valueRange, [0, 1]);
  assert.deepEqual(new layers.RandomBrightness({ factor: [0.1, -0.2] }).factor, [-0.2, 0.1]);
  assert.throws(() => new layers.RandomRotation({ factor: [0.1, 0.2, 0.3] as never, name: 'rr' }), /Layer "rr": factor must be a number or \[lower, upper\].*got \[0.1,0.2,0.3\]/);
  assert.throws(() => new layers.RandomZoom({ heightFactor: [0.1, '0.2'] as never }), /heightFactor must be a number or \[lower, upper\]/);
  assert.throws(() => new layers.RandomRotation({ factor: 0.1, colour: 1 } as never), /unknown option 'colour'/);
});

test('augmentation inside a compiled fit: trains, and two runs with the same seeds agree', async () => {
  const run = async (): Promise<number[]> => {
    dt.setRandomSeed(3);
    const model = new models.Sequential([
      new layers.Input({ shape: [h, w, c] }), new layers.RandomFlip({ seed: 1 }), new layers.RandomRotation({ factor: 0.1, seed: 2 }),
      new layers.Flatten(), new layers.Dense({ units: 2, activation: 'softmax' }),
    ]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const y = tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n]);
    return (await model.fit(images.div(255), y, { epochs: 3, batchSize: 3, shuffle: false, verbose: 0 })).history.loss;
  };
  const [first, second] = [await run(), await run()];
  assert.deepEqual(first, second);
  assert.ok(first.every(Number.isFinite));
});

test('RandomCrop: a random window while training (one offset per batch), Keras\'s smart_resize in inference', () => {
  const crop = new layers.RandomCrop({ height: 4, width: 5, seed: 8 });
  const u = nextDraws(crop, [1, 2]);
  const y0 = Math.floor(u[0] * 3), x0 = Math.floor(u[1] * 4); // slack: 6 - 4 rows, 8 - 5 columns
  const out = crop.apply(images, { training: true }) as Tensor;
  assertClose(out, tf.slice(tf.tensor(Array.from(images.data), images.shape), [0, y0, x0, 0], [n, 4, 5, c]), 1e-6, 'training crop');
  // Inference: the centered 5x8 window of ratio 4:5 would be 6 x 7.5 -> crop 6 x 7 (trunc), then bilinear resize.
  const inference = crop.apply(images) as Tensor;
  const cropH = Math.min(h, Math.trunc((w * 4) / 5)), cropW = Math.min(w, Math.trunc((h * 5) / 4));
  const window = tf.slice(tf.tensor(Array.from(images.data), images.shape), [0, Math.trunc((h - cropH) / 2), Math.trunc((w - cropW) / 2), 0], [n, cropH, cropW, c]);
  assertClose(inference, tf.image.resizeBilinear(window as tf.Tensor4D, [4, 5], false, true), 1e-4, 'inference smart_resize');
  assert.deepEqual(crop.computeOutputShape([null, 6, 8, 2]), [null, 4, 5, 2]);
  const again = new layers.RandomCrop(crop.getConfig() as never);
  assert.deepEqual(again.getConfig(), crop.getConfig());
  assert.throws(() => new layers.RandomCrop({ height: 0, width: 3 }), /height must be a positive integer, got 0/);
});
