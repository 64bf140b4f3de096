// tf.image's detection helpers against TF.js: cropAndResize (both methods, boxes inside, flipped
// and reaching outside the image, crops of one row or column; js and wasm backends; gradients in
// the image and the boxes by finite differences; compiled predict = eager with boxes as a model
// input), the non-max suppressions (ties, flipped and empty boxes, thresholds, soft-NMS,
// padding), and their bad arguments.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients } from './helpers/gradcheck.ts';

const rng = new Random(29);
const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};

before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('image.cropAndResize against TF.js', () => {
  const shape: [number, number, number, number] = [2, 7, 9, 3];
  const img = uniform(2 * 7 * 9 * 3);
  // Inside, flipped (y2 < y1, x2 < x1), reaching outside on every side, a thin one, a point.
  const boxes = [0.1, 0.2, 0.8, 0.9, 0.9, 0.7, 0.2, 0.1, -0.3, -0.2, 1.25, 1.4, 0.4, 0.1, 0.45, 0.95, 0.5, 0.5, 0.5, 0.5];
  const boxInd = [0, 1, 1, 0, 1];
  for (const method of ['bilinear', 'nearest'] as const) {
    for (const size of [[5, 4], [1, 1], [1, 6], [3, 1]] as [number, number][]) {
      for (const extrapolation of [0, -1.5]) {
        it(`${method} to ${size}, extrapolation ${extrapolation}: as TF.js on js and wasm`, () => {
          const theirs = tf.image.cropAndResize(tf.tensor4d(img, shape), tf.tensor2d(boxes, [5, 4]), tf.tensor1d(boxInd, 'int32'), size, method, extrapolation);
          for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
            const ours = dt.image.cropAndResize(dt.tensor(img, shape), dt.tensor(boxes, [5, 4]), dt.tensor(boxInd, [5], 'int32'), size, method, extrapolation);
            assert.deepEqual(ours.shape, theirs.shape);
            close(ours.data, theirs.dataSync(), `${b} ${method} ${size}`);
          });
        });
      }
    }
  }

  it('bilinear gradients in the image and in the boxes, by finite differences (float64)', () => {
    dt.withBackend('js', () => {
      const image = dt.tensor(uniform(1 * 5 * 6 * 2), [1, 5, 6, 2], 'float64');
      // Inside the image and away from sample points landing on pixel rows (where floor jumps).
      const bx = dt.tensor([0.13, 0.21, 0.77, 0.86, 0.71, 0.62, 0.17, 0.09], [2, 4], 'float64');
      const ind = dt.tensor([0, 0], [2], 'int32');
      checkGradients((im, b) => dt.image.cropAndResize(im, b, ind, [3, 4]), [image, bx]);
    });
  });

  it('compiles: a model with the boxes as an input predicts what eager code computes, for two sets of boxes', async () => {
    const imageIn = layers.input({ shape: [7, 9, 3] }), boxesIn = layers.input({ shape: [4] });
    const crop = new layers.Lambda({
      fn: (xs) => {
        const [im, b] = xs as dt.Tensor[];
        return dt.image.cropAndResize(im, b, dt.tensor(Array.from({ length: im.shape[0] }, (_, i) => i), [im.shape[0]], 'int32'), [4, 5]);
      },
      outputShape: [null, 4, 5, 3],
    });
    const m = new models.Model({ inputs: [imageIn, boxesIn], outputs: crop.apply([imageIn, boxesIn]) as never });
    const image = dt.tensor(img, shape);
    for (const bs of [[0.1, 0.2, 0.8, 0.9, 0.3, 0.1, 0.6, 0.5], [0.05, 0.5, 0.95, 0.6, -0.1, 0.2, 1.1, 0.7]]) {
      const b = dt.tensor(bs, [2, 4]);
      const predicted = m.predict([image, b]) as dt.Tensor;
      const eager = dt.image.cropAndResize(image, b, dt.tensor([0, 1], [2], 'int32'), [4, 5]);
      assert.deepEqual(Array.from(predicted.data), Array.from(eager.data), `boxes ${bs}`);
    }
  });

  it('names bad arguments', () => {
    const im = dt.zeros([1, 4, 4, 1]), b = dt.tensor([0, 0, 1, 1], [1, 4]), i = dt.tensor([0], [1], 'int32');
    assert.throws(() => dt.image.cropAndResize(dt.zeros([4, 4, 1]), b, i, [2, 2]), /image must be a \[batch, height, width, channels\] tensor, got shape \[4, 4, 1\]/);
    assert.throws(() => dt.image.cropAndResize(im, dt.zeros([1, 3]), i, [2, 2]), /boxes must be \[numBoxes, 4\]/);
    assert.throws(() => dt.image.cropAndResize(im, b, dt.tensor([0, 0], [2], 'int32'), [2, 2]), /boxInd must be \[numBoxes\] = \[1\]/);
    assert.throws(() => dt.image.cropAndResize(im, b, dt.tensor([0], [1]), [2, 2]), /boxInd must be int32, got float32/);
    assert.throws(() => dt.image.cropAndResize(im, b, dt.tensor([3], [1], 'int32'), [2, 2]), /boxInd\[0\] is 3, outside the batch of 1 images/);
    assert.throws(() => dt.image.cropAndResize(im, b, i, [0, 2]), /cropSize must be \[cropHeight, cropWidth\], two positive integers/);
    assert.throws(() => dt.image.cropAndResize(im, b, i, [2, 2], 'area' as never), /method must be 'bilinear' or 'nearest'/);
  });
});

describe('image.nonMaxSuppression against TF.js', () => {
  const n = 40;
  // Clustered boxes (so that many overlap), some flipped, two of zero area, scores with ties.
  const boxes = Array.from({ length: n }, (_, i) => {
    const cy = (i % 5) * 0.2 + rng.uniform(-0.03, 0.03), cx = Math.floor(i / 8) * 0.2 + rng.uniform(-0.03, 0.03), s = rng.uniform(0.05, 0.15);
    const b = [cy - s, cx - s, cy + s, cx + s];
    return i % 7 === 3 ? [b[2], b[3], b[0], b[1]] : i % 13 === 5 ? [cy, cx, cy, cx + s] : b;
  }).flat();
  const scores = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? 0.5 : Math.round(rng.uniform(0, 1) * 20) / 20));
  const tb = tf.tensor2d(boxes, [n, 4]), ts = tf.tensor1d(scores);
  const db = dt.tensor(boxes, [n, 4]), ds = dt.tensor(scores, [n]);
  const cases: [number, number, number][] = [[10, 0.5, -Infinity], [40, 0.3, 0.2], [5, 0.7, 0.45], [0, 0.5, -Infinity], [100, 0, -Infinity], [40, 1, 0.5]];
  for (const [maxOut, iouT, scoreT] of cases) {
    it(`maxOutputSize ${maxOut}, iou ${iouT}, score ${scoreT}: the same indices, padded and with scores too`, async () => {
      const theirs = Array.from(tf.image.nonMaxSuppression(tb, ts, maxOut, iouT, scoreT).dataSync());
      assert.deepEqual(Array.from(dt.image.nonMaxSuppression(db, ds, maxOut, iouT, scoreT).data), theirs);
      assert.deepEqual(Array.from((await dt.image.nonMaxSuppressionAsync(db, ds, maxOut, iouT, scoreT)).data), theirs);
      const tp = tf.image.nonMaxSuppressionPadded(tb, ts, maxOut, iouT, scoreT, true);
      const dp = dt.image.nonMaxSuppressionPadded(db, ds, maxOut, iouT, scoreT, true);
      assert.deepEqual(Array.from(dp.selectedIndices.data), Array.from(tp.selectedIndices.dataSync()));
      assert.equal(dp.validOutputs.data[0], tp.validOutputs.dataSync()[0]);
    });
  }
  for (const sigma of [0.25, 0.8]) {
    it(`soft-NMS with sigma ${sigma}: the same indices and decayed scores`, () => {
      const t = tf.image.nonMaxSuppressionWithScore(tb, ts, 25, 0.6, 0.1, sigma);
      const d = dt.image.nonMaxSuppressionWithScore(db, ds, 25, 0.6, 0.1, sigma);
      assert.deepEqual(Array.from(d.selectedIndices.data), Array.from(t.selectedIndices.dataSync()));
      close(d.selectedScores.data, t.selectedScores.dataSync(), 'scores');
    });
  }
  it('names bad arguments', () => {
    assert.throws(() => dt.image.nonMaxSuppression(dt.zeros([3, 3]), dt.zeros([3]), 2), /boxes must be \[numBoxes, 4\]/);
    assert.throws(() => dt.image.nonMaxSuppression(dt.zeros([3, 4]), dt.zeros([2]), 2), /scores must be \[numBoxes\] = \[3\]/);
    assert.throws(() => dt.image.nonMaxSuppression(dt.zeros([3, 4]), dt.zeros([3]), 1.5), /maxOutputSize must be an integer >= 0, got 1.5/);
    assert.throws(() => dt.image.nonMaxSuppression(dt.zeros([3, 4]), dt.zeros([3]), 2, 1.2), /iouThreshold must be in \[0, 1\], got 1.2/);
    assert.throws(() => dt.image.nonMaxSuppressionWithScore(dt.zeros([3, 4]), dt.zeros([3]), 2, 0.5, 0, -1), /softNmsSigma must be >= 0, got -1/);
    // A truthy non-boolean padded silently.
    assert.throws(() => dt.image.nonMaxSuppressionPadded(dt.zeros([3, 4]), dt.zeros([3]), 2, 0.5, 0, 'true' as never), /image.nonMaxSuppressionPadded: padToMaxOutputSize must be a boolean, got "true"/);
  });
});

describe("cropAndResize 'nearest' at coordinates next to a .5 tie", () => {
  it('picks the pixel TF.js picks where float32 arithmetic would round the coordinate onto the tie (0.7f * 5 = 3.49999994: pixel 3, not 4; it gave 4)', () => {
    const [h, w] = [7, 6], img = Array.from({ length: h * w }, (_, i) => i);
    const fr = [0, 0.1, 0.3, 0.7, 0.9, 1, 1 / 3, 2 / 3, 0.375];
    for (const y1 of fr) for (const x1 of fr) for (const crop of [1, 2, 3, 5]) {
      const boxes = [y1, x1, fr[(fr.indexOf(y1) + 4) % fr.length], fr[(fr.indexOf(x1) + 2) % fr.length]];
      const expected = tf.image.cropAndResize(tf.tensor4d(img, [1, h, w, 1]), tf.tensor2d(boxes, [1, 4]), tf.tensor1d([0], 'int32'), [crop, crop], 'nearest').dataSync();
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
        const got = dt.image.cropAndResize(dt.tensor4d(img, [1, h, w, 1]), dt.tensor2d(boxes, [1, 4]), dt.tensor1d([0], 'int32'), [crop, crop], 'nearest');
        close(got.data, expected, `boxes ${boxes} crop ${crop} ${b}`, 0);
      });
    }
  });
});
