// Forward values and gradients of deeptype's layers against TensorFlow.js with the same weights.
import { describe, it, before } from 'node:test';
import * as dt from '../src/index.ts';
import { layers, losses } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(11);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');

/** Our gradients of sum(f(xs) * r) next to tf.grads of the same. */
function compareGrads(ours: (...xs: dt.Tensor[]) => dt.Tensor, theirs: (...xs: tf.Tensor[]) => tf.Tensor, xs: dt.Tensor[], what: string): void {
  const yOurs = ours(...xs);
  const yTheirs = theirs(...xs.map(toTf));
  assertClose(yOurs, yTheirs, 1e-5, `${what} forward`);
  const r = rand(yOurs.shape, 0.5, 1.5);
  const { grads } = dt.valueAndGrads(() => ours(...xs).mul(r).sum(), xs);
  const tfGrads = tf.grads((...ts: tf.Tensor[]) => theirs(...ts).mul(toTf(r)).sum())(xs.map(toTf));
  grads.forEach((g, i) => assertClose(g, tfGrads[i], 1e-5, `${what} gradient ${i}`));
}

for (const backend of ['js', 'wasm']) {
describe(`on the ${backend} backend`, () => {
  before(() => dt.setBackend(backend));
  describe('Conv2D matches TensorFlow.js', () => {
    for (const k of [1, 2, 3, 4, 5]) {
      for (const strides of [1, 2]) {
        for (const padding of ['valid', 'same'] as const) {
          it(`kernel ${k}x${k}, strides ${strides}, padding ${padding}`, () => {
            const x = rand([2, 9, 8, 3]), w = rand([k, k, 3, 4]), b = rand([4]);
            compareGrads(
              (x, w, b) => dt.conv2d(x, w, { strides, padding }).add(b),
              (x, w, b) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, padding).add(b),
              [x, w, b], `conv ${k} ${strides} ${padding}`);
          compareGrads(
            (x, w, b) => dt.conv2d(x, w, { strides, padding, bias: b }),
            (x, w, b) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, padding).add(b),
            [x, w, b], `fused bias conv ${k} ${strides} ${padding}`);
          });
        }
      }
    }
    it('as a layer with weights set, forward and gradients', () => {
      const ours = new layers.Conv2D({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' });
      const theirs = tf.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' });
      const x = rand([2, 7, 6, 3]);
      ours.apply(x);
      theirs.apply(toTf(x));
      theirs.setWeights(ours.getWeights().map(toTf));
      assertClose(ours.apply(x), theirs.apply(toTf(x)) as tf.Tensor, 1e-5, 'Conv2D layer');
      compareGrads((x) => ours.apply(x), (x) => theirs.apply(x) as tf.Tensor, [x], 'Conv2D layer input gradient');
    });
  });

  describe('MaxPooling2D matches TensorFlow.js', () => {
    for (const [pool, strides, padding] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'valid'], [2, 1, 'same']] as const) {
      it(`pool ${pool}, strides ${strides}, padding ${padding}`, () => {
        compareGrads((x) => new layers.MaxPooling2D({ poolSize: pool, strides, padding }).apply(x),
          (x) => tf.maxPool(x as tf.Tensor4D, pool, strides, padding), [rand([2, 7, 8, 3])], `pool ${pool}`);
      });
    }
  });

  describe('Dense matches TensorFlow.js', () => {
    for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const) {
      it(`activation ${activation}`, () => {
        const ours = new layers.Dense({ units: 6, activation });
        const theirs = tf.layers.dense({ units: 6, activation });
        const x = rand([4, 5]);
        ours.apply(x);
        theirs.apply(toTf(x));
        theirs.setWeights(ours.getWeights().map(toTf));
        compareGrads((x) => ours.apply(x), (x) => theirs.apply(x) as tf.Tensor, [x], `Dense ${activation}`);
      });
    }
  });

  describe('losses match TensorFlow.js', () => {
    const labels = dt.tensor([3, 0, 1, 4], null, 'int32');
    const oneHot = dt.oneHot(labels, 5);
    it('SparseCategoricalCrossentropy on probabilities', () => {
      compareGrads((p) => new losses.SparseCategoricalCrossentropy().apply(labels, p),
        (p) => tf.metrics.categoricalCrossentropy(toTf(oneHot), p).mean(), [rand([4, 5], 0.05, 1)], 'sparse CE');
    });
    it('SparseCategoricalCrossentropy on a softmax output (fused path)', () => {
      compareGrads((z) => new losses.SparseCategoricalCrossentropy().apply(labels, dt.softmax(z)),
        (z) => tf.metrics.categoricalCrossentropy(toTf(oneHot), tf.softmax(z)).mean(), [rand([4, 5], -3, 3)], 'sparse CE fused');
    });
    it('SparseCategoricalCrossentropy from logits', () => {
      compareGrads((z) => new losses.SparseCategoricalCrossentropy({ fromLogits: true }).apply(labels, z),
        (z) => tf.losses.softmaxCrossEntropy(toTf(oneHot), z), [rand([4, 5], -3, 3)], 'sparse CE logits');
    });
    it('CategoricalCrossentropy', () => {
      compareGrads((p) => new losses.CategoricalCrossentropy().apply(oneHot, p),
        (p) => tf.metrics.categoricalCrossentropy(toTf(oneHot), p).mean(), [rand([4, 5], 0.05, 1)], 'CE');
    });
    it('MeanSquaredError', () => {
      const target = rand([4, 3]);
      compareGrads((p) => new losses.MeanSquaredError().apply(target, p),
        (p) => tf.metrics.meanSquaredError(toTf(target), p).mean(), [rand([4, 3])], 'MSE');
    });
  });
});
}
