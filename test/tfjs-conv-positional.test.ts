// TF.js's positional convolution and pooling calls (tf.conv2d(x, filter, strides, pad, ...)):
// values and gradients against TF.js on the js and wasm backends, and clear errors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(23);
const uniform = (n: number): number[] => Array.from({ length: n }, () => rng.uniform(-1, 1));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 2e-5 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};
before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

type Call = (L: typeof tf | typeof dt, x: unknown, w: unknown) => unknown;
const X = uniform(2 * 7 * 6 * 3), W = uniform(3 * 3 * 3 * 4), WD = uniform(3 * 3 * 3 * 2), WP = uniform(6 * 5);
const shapes = { x: [2, 7, 6, 3], w: [3, 3, 3, 4] };
const cases: [string, Call, number[]?][] = [
  ['conv2d strides 2, same', (L, x, w) => (L.conv2d as Function)(x, w, 2, 'same')],
  ['conv2d valid, dilations [2, 1]', (L, x, w) => (L.conv2d as Function)(x, w, 1, 'valid', 'NHWC', [2, 1])],
  ['conv2d [1, 2], valid', (L, x, w) => (L.conv2d as Function)(x, w, [1, 2], 'valid')],
  ['conv2d pad 1', (L, x, w) => (L.conv2d as Function)(x, w, 1, 1)],
  ['conv2d explicit pad', (L, x, w) => (L.conv2d as Function)(x, w, 1, [[0, 0], [2, 1], [0, 1], [0, 0]])],
  ['depthwiseConv2d strides 2, same', (L, x, w) => (L.depthwiseConv2d as Function)(x, w, 2, 'same'), [3, 3, 3, 2]],
  ['separableConv2d', (L, x, w) => (L.separableConv2d as Function)(x, w, (L === tf ? tf.tensor4d(WP, [1, 1, 6, 5]) : dt.tensor(WP, [1, 1, 6, 5])), 1, 'same'), [3, 3, 3, 2]],
  ['conv2dTranspose to [2, 14, 12, 4] strides 2 same', (L, x, w) => (L.conv2dTranspose as Function)(x, w, [2, 14, 12, 4], 2, 'same'), [3, 3, 4, 3]],
  ['maxPool 3 strides 2 same', (L, x) => (L.maxPool as Function)(x, 3, 2, 'same')],
  ['avgPool [2, 3] strides [2, 1] valid', (L, x) => (L.avgPool as Function)(x, [2, 3], [2, 1], 'valid')],
];

describe('TF.js\'s positional conv and pooling calls', () => {
  for (const [name, call, wShape = shapes.w] of cases) {
    it(`${name}: values and gradients as TF.js`, () => {
      const wv = wShape[3] === 2 ? WD : W.slice(0, wShape.reduce((a, b) => a * b, 1));
      const tx = tf.tensor4d(X, shapes.x as [number, number, number, number]), tw = tf.tensor4d(wv, wShape as [number, number, number, number]);
      const theirs = call(tf, tx, tw) as tf.Tensor;
      const r = uniform(theirs.size);
      const pool = name.includes('Pool');
      // TF.js has no gradient for dilated conv2d (deeptype's is checked by finite differences in gradients.test.ts).
      const noGrad = name.includes('dilations');
      const [gx, gw] = noGrad ? [] : pool ? [tf.grad((a: tf.Tensor) => (call(tf, a, tw) as tf.Tensor).mul(tf.tensor(r, theirs.shape)).sum())(tx)]
        : tf.grads((a: tf.Tensor, b: tf.Tensor) => (call(tf, a, b) as tf.Tensor).mul(tf.tensor(r, theirs.shape)).sum())([tx, tw]);
      for (const k of ['js', 'wasm'] as const) dt.withBackend(k, () => {
        const x = dt.tensor(X, shapes.x, 'float32'), w = dt.tensor(wv, wShape, 'float32');
        const ours = call(dt, x, w) as dt.Tensor;
        assert.deepEqual(ours.shape, theirs.shape, `${k} ${name}: shape`);
        close(ours.data, theirs.dataSync(), `${k} ${name}`);
        if (noGrad) return;
        const { grads } = dt.valueAndGrads(() => (call(dt, x, w) as dt.Tensor).mul(dt.tensor(r, theirs.shape)).sum(), pool ? [x] : [x, w]);
        close(grads[0].data, gx!.dataSync(), `${k} ${name} dx`);
        if (!pool) close(grads[1].data, gw!.dataSync(), `${k} ${name} dw`);
      });
    });
  }
  it('one [h, w, c] image, as TF.js takes it', () => {
    const one = X.slice(0, 7 * 6 * 3);
    close((dt.conv2d(dt.tensor(one, [7, 6, 3]), dt.tensor(W, shapes.w), 1, 'same')).data, tf.conv2d(tf.tensor3d(one, [7, 6, 3]), tf.tensor4d(W, [3, 3, 3, 4]), 1, 'same').dataSync(), 'conv2d 3-D');
    close(dt.maxPool(dt.tensor(one, [7, 6, 3]), 2, 2, 'valid').data, tf.maxPool(tf.tensor3d(one, [7, 6, 3]), 2, 2, 'valid').dataSync(), 'maxPool 3-D');
  });
  it('bad arguments are named', () => {
    const x = dt.ones([1, 4, 4, 1]), w = dt.ones([3, 3, 1, 1]);
    assert.throws(() => (dt.conv2d as Function)(x, w, 1), /conv2d: with strides given positionally \(TF.js's form\), pad is required/);
    assert.throws(() => dt.conv2d(x, w, 1, 'same', 'NCHW' as never), /only dataFormat 'NHWC' is supported, got 'NCHW'/);
    assert.throws(() => dt.conv2d(x, w, 1, [[1, 1], [1, 1], [0, 0], [0, 0]]), /pad must be 'valid', 'same', a non-negative integer or \[\[0, 0\], \[top, bottom\], \[left, right\], \[0, 0\]\]/);
    assert.throws(() => dt.maxPool(x, 2, 2, -1), /maxPool: pad must be 'valid', 'same', a non-negative integer or \[\[0, 0\], \[top, bottom\], \[left, right\], \[0, 0\]\], got -1/);
    assert.throws(() => dt.conv2dTranspose(x, w, [1, 4, 4, 2], 1, 'same'), /outputShape's last axis 2 does not match the filter's 1 output channels/);
  });
});
