// avgPool2d, pad and resize against TensorFlow.js, and wasm against js (in wasm memory too).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(17);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

/** Value and gradient of sum(f(x) * r) on both backends. */
function bothBackends(f: (x: dt.Tensor) => dt.Tensor, x: dt.Tensor): void {
  const r = randomTensor(dt.withBackend('js', () => f(x)).shape, new Random(2), 0.5, 1.5, 'float32');
  const run = () => { const { grads } = dt.valueAndGrads(() => f(x).mul(r).sum(), [x]); return [f(x), grads[0]]; };
  const js = dt.withBackend('js', run), wasm = dt.withBackend('wasm', run);
  js.forEach((t, i) => assertClose(wasm[i], t, 1e-5, `wasm vs js [${i}]`));
}

describe('resize matches tf.image with half-pixel centers (TF2, Keras 3)', () => {
  for (const [inShape, size] of [[[2, 3, 4, 5], [7, 5]], [[1, 6, 9, 3], [4, 4]], [[1, 5, 5, 8], [10, 10]], [[1, 4, 4, 1], [1, 1]]] as const) {
    it(`bilinear and nearest ${inShape} -> ${size}`, () => {
      const x = rand([...inShape]);
            for (const method of ['bilinear', 'nearest'] as const) {
        const tfResize = (t: tf.Tensor) => (method === 'bilinear'
          ? tf.image.resizeBilinear(t as tf.Tensor4D, [size[0], size[1]], false, true)
          : tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [size[0], size[1]], false, true));
        const ours = dt.withBackend('js', () => dt.resize(x, [size[0], size[1]], method));
        assertClose(ours, tfResize(toTf(x)), 1e-5, `${method} forward`);
        // TF.js 4.22's resize gradients ignore halfPixelCenters (and resizeBilinear's swaps height
        // and width for non-square images): resize's gradient is checked by finite differences
        // in test/gradients.test.ts instead.
        bothBackends((t) => dt.resize(t, [size[0], size[1]], method), x);
      }
    });
  }
});

describe('avgPool2d and pad', () => {
  it('avgPool2d matches TF.js forward, and wasm equals js', () => {
    for (const [shape, pool, strides, padding] of [[[2, 7, 6, 5], [3, 2], 2, 'same'], [[1, 8, 8, 8], [2, 2], 2, 'valid'], [[1, 5, 5, 3], [3, 3], 1, 'same'],
      // From 32 channels the wasm kernel sums tap by tap (35: eight quads and a scalar tail).
      [[2, 7, 6, 35], [3, 2], 2, 'same'], [[1, 9, 8, 64], [3, 3], 2, 'same']] as const) {
      const x = rand([...shape]);
      assertClose(dt.withBackend('js', () => dt.avgPool2d(x, [pool[0], pool[1]], { strides, padding })), tf.avgPool(toTf(x) as tf.Tensor4D, [pool[0], pool[1]], strides, padding), 1e-5, `avgPool ${shape}`);
      bothBackends((t) => dt.avgPool2d(t, [pool[0], pool[1]], { strides, padding }), x);
    }
  });
  it('pad matches tf.pad, and wasm equals js', () => {
    const x = rand([2, 3, 4, 2]);
    const p: [number, number][] = [[0, 1], [2, 0], [1, 1], [0, 0]];
    assertClose(dt.pad(x, p), tf.pad(toTf(x), p), 1e-7, 'pad');
    bothBackends((t) => dt.pad(t, p), x);
    bothBackends((t) => dt.pad(t, [[1, 2], [0, 3]]), rand([3, 5]));
  });
  it('slice (the wasm block copy, ranks 1 to 4, and the reference for steps and rank 5) equals js', () => {
    bothBackends((t) => dt.slice(t, [1, 0, 2, 1], [1, 3, 2, 1]), rand([2, 3, 4, 2]));
    bothBackends((t) => dt.slice(t, [2, 1], [3, 4]), rand([6, 7]));
    bothBackends((t) => dt.slice(t, [3], [5]), rand([9]));
    bothBackends((t) => dt.slice(t, [0, 1], [2, 2], [2, 3]), rand([5, 7]));
    bothBackends((t) => dt.slice(t, [0, 1, 0, 0, 1], [1, 2, 2, 1, 2]), rand([2, 3, 2, 2, 3]));
  });
  it('sum, max, min over any axes (the wasm reduceMiddle kernel) equal js, NaN included', () => {
    const x = rand([3, 5, 6, 7]);
    for (const axes of [[3], [1, 2], [0], [1], [2, 3], [0, 1, 2, 3], [1, 3]]) {
      bothBackends((t) => dt.sum(t, axes), x);
      bothBackends((t) => dt.max(t, axes), x);
      bothBackends((t) => dt.min(t, axes), x);
    }
    const withNaN = rand([4, 9]);
    withNaN.data[11] = NaN;
    for (const be of ['js', 'wasm']) {
      const m = dt.withBackend(be, () => dt.max(withNaN, 1));
      assert.ok(Number.isNaN(m.data[1]) && !Number.isNaN(m.data[0]), `${be}: max propagates NaN in its row only`);
    }
  });
  it('broadcasting arithmetic (the wasm strided kernel) equals js, both operands', () => {
    const x = rand([3, 4, 5, 6]);
    for (const other of [[3, 4, 5, 1], [1, 4, 1, 6], [3, 1, 5, 1], [1, 1, 1, 6], [6]]) {
      const y = rand(other);
      for (const f of [dt.add, dt.sub, dt.mul, dt.div, dt.maximum, dt.minimum]) {
        bothBackends((t) => f(t, y), x);
        bothBackends((t) => f(y, t), x);
      }
    }
    bothBackends((t) => dt.sub(t, dt.mean(t, -1, true)), rand([7, 9]));
  });
  it('transpose (wasm for rank <= 4, the reference above) equals js', () => {
    bothBackends((t) => dt.transpose(t, [0, 2, 3, 1]), rand([2, 3, 4, 5]));
    bothBackends((t) => dt.transpose(t, [2, 0, 1]), rand([3, 4, 5]));
    bothBackends((t) => dt.transpose(t), rand([6, 7]));
    bothBackends((t) => dt.transpose(t, [4, 0, 1, 3, 2]), rand([2, 1, 3, 2, 2]));
  });
});
