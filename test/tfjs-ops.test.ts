// TF.js's op set beyond the arithmetic (ops/math.ts, ops/indexing.ts, the Tensor methods):
// forward values and gradients against TF.js on the js and wasm backends, compiled = eager
// through a Lambda layer, and errors. (Finite differences of the new rules: gradients.test.ts.)
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { layers, type Tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const rng = new Random(57);
const BACKENDS = ['js', 'wasm'] as const;
const uniform = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const f32 = (v: number[], shape: number[]): Tensor => dt.tensor(v, shape, 'float32');

/** Equal as float32 results are: NaN with NaN, infinities exactly, else within tol relative. */
function close(ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(ours.length, theirs.length, `${what}: length`);
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = [ours[i], theirs[i]];
    if (Number.isNaN(b) || !Number.isFinite(b)) { assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${what}[${i}]: ${a} vs TF.js ${b}`); continue; }
    assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}[${i}]: ${a} vs TF.js ${b}`);
  }
}
const tfData = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);

// Each unary op with a domain where it is defined (and smooth, for the gradient checks).
const UNARY: [string, number, number][] = [
  ['floor', -3, 3], ['ceil', -3, 3], ['round', -3, 3], ['sin', -3, 3], ['cos', -3, 3], ['tan', -1.2, 1.2],
  ['asin', -0.9, 0.9], ['acos', -0.9, 0.9], ['atan', -3, 3], ['sinh', -2, 2], ['cosh', -2, 2], ['asinh', -3, 3],
  ['acosh', 1.1, 3], ['atanh', -0.9, 0.9], ['log1p', -0.9, 3], ['expm1', -2, 2], ['rsqrt', 0.2, 3], ['logSigmoid', -5, 5],
];
const SPECIAL = [0, -0, 0.5, 1.5, 2.5, -0.5, -2.5, NaN, Infinity, -Infinity];

before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('element-wise math against TF.js', () => {
  for (const [op, lo, hi] of UNARY) {
    it(`${op}: values (special ones too) and gradient as TF.js, on js and wasm`, () => {
      const values = [...uniform(37, lo, hi), ...SPECIAL];
      const theirs = tfData((tf as unknown as Record<string, (x: tf.Tensor) => tf.Tensor>)[op](tf.tensor(values)));
      const w = uniform(37, 0.5, 1.5);
      const tfGrad = tfData(tf.grad((x: tf.Tensor) => tf.mul((tf as unknown as Record<string, (x: tf.Tensor) => tf.Tensor>)[op](x), tf.tensor(w)).sum())(tf.tensor(values.slice(0, 37))));
      for (const b of BACKENDS) dt.withBackend(b, () => {
        const x = f32(values, [values.length]);
        close((x as unknown as Record<string, () => Tensor>)[op]().data, theirs, `${b} ${op}`);
        const g = dt.grad((t: Tensor) => (dt as unknown as Record<string, (x: Tensor) => Tensor>)[op](t).mul(f32(w, [37])).sum())(f32(values.slice(0, 37), [37]));
        close(g.data, tfGrad, `${b} d${op}`, 2e-5);
      });
    });
  }

  it('round is half to even; floor/ceil/round keep integer tensors integer', () => {
    assert.deepEqual(Array.from(dt.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999]).round().data), [0, 2, 2, -0, -2, 2]);
    const i = dt.tensor([3, -4], [2], 'int32');
    for (const op of ['floor', 'ceil', 'round'] as const) { const y = i[op](); assert.equal(y.dtype, 'int32'); assert.deepEqual(Array.from(y.data), [3, -4]); }
  });

  it('isNaN / isInf / isFinite give booleans as TF.js', () => {
    const v = [1, NaN, Infinity, -Infinity, 0, -2];
    for (const op of ['isNaN', 'isInf', 'isFinite'] as const) {
      const theirs = tfData(tf[op](tf.tensor(v)));
      for (const b of BACKENDS) dt.withBackend(b, () => { const y = dt[op](f32(v, [6])); assert.equal(y.dtype, 'uint8'); assert.deepEqual(Array.from(y.data), theirs, `${b} ${op}`); });
    }
  });
});

describe('binary math and logic against TF.js (broadcasting)', () => {
  const A = uniform(24, -5, 5), B = uniform(4, -3, 3).map((v) => (Math.abs(v) < 0.3 ? 1.7 : v));
  // TF.js's own gradients of squaredDifference (under broadcasting) and divNoNan fail; there the
  // oracle's gradient is that of the same function written with sub/square and div (b has no zeros).
  const cases: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (a: Tensor, b: Tensor) => Tensor, ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)?][] = [
    ['mod', tf.mod, dt.mod], ['floorDiv', tf.floorDiv, dt.floorDiv], ['atan2', tf.atan2, dt.atan2],
    ['squaredDifference', tf.squaredDifference, dt.squaredDifference, (a, b) => tf.square(tf.sub(a, b))], ['divNoNan', tf.divNoNan, dt.divNoNan, tf.div],
  ];
  for (const [name, theirsOp, oursOp, gradOp = theirsOp] of cases) {
    it(`${name}: [2, 3, 4] with [4], values and gradients as TF.js`, () => {
      const theirs = tfData(theirsOp(tf.tensor(A, [2, 3, 4]), tf.tensor(B)));
      const differentiable = name !== 'floorDiv'; // no gradient here, as TensorFlow's FloorDiv (TF.js alone gives one)
      const [ga, gb] = differentiable ? tf.grads((a: tf.Tensor, b: tf.Tensor) => gradOp(a, b).sum())([tf.tensor(A, [2, 3, 4]), tf.tensor(B)]).map(tfData) : [[], []];
      for (const b of BACKENDS) dt.withBackend(b, () => {
        const [x, y] = [f32(A, [2, 3, 4]), f32(B, [4])];
        close(oursOp(x, y).data, theirs, `${b} ${name}`);
        if (!differentiable) return;
        const { grads } = dt.valueAndGrads(() => oursOp(x, y).sum(), [x, y]);
        close(grads[0].data, ga, `${b} d${name}/da`, 2e-5);
        close(grads[1].data, gb, `${b} d${name}/db`, 2e-5);
      });
    });
  }

  it('mod takes the divisor\'s sign; divNoNan gives 0 where b is 0, even for NaN or Inf in a', () => {
    assert.deepEqual(Array.from(dt.mod(dt.tensor([7, -7, 7, -7]), dt.tensor([3, 3, -3, -3])).data), tfData(tf.mod(tf.tensor([7, -7, 7, -7]), tf.tensor([3, 3, -3, -3]))));
    const a = [1, NaN, Infinity, 4], b = [0, 0, 0, 2];
    assert.deepEqual(Array.from(dt.divNoNan(dt.tensor(a), dt.tensor(b)).data), tfData(tf.divNoNan(tf.tensor(a), tf.tensor(b))));
  });

  it('logical ops read nonzero as true and give booleans as TF.js', () => {
    const a = [1, 0, 1, 0], b = [1, 1, 0, 0];
    for (const op of ['logicalAnd', 'logicalOr', 'logicalXor'] as const) {
      const theirs = tfData(tf[op](tf.tensor(a, [4], 'bool'), tf.tensor(b, [4], 'bool')));
      for (const k of BACKENDS) dt.withBackend(k, () => assert.deepEqual(Array.from(dt[op](dt.tensor(a, [4], 'uint8'), dt.tensor(b, [4], 'uint8')).data), theirs, `${k} ${op}`));
    }
    assert.deepEqual(Array.from(dt.tensor([2, 0, -1]).logicalNot().data), [0, 1, 0]);
  });
});

describe('where, gather and the layout helpers against TF.js', () => {
  it('where broadcasts condition and branches; its gradient goes to the branch taken (NaN in the other stays out)', () => {
    const c = [1, 0, 0, 1, 1, 0], a = uniform(6, -2, 2), b = [NaN, 0.5, -1];
    const theirs = tfData(tf.where(tf.tensor(c, [2, 3], 'bool'), tf.tensor(a, [2, 3]), tf.tensor(b, [3])));
    const [ta, tb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.where(tf.tensor(c, [2, 3], 'bool'), x, y).mul(tf.tensor([1, 2, 3, 4, 5, 6], [2, 3])).sum())([tf.tensor(a, [2, 3]), tf.tensor(b, [3])]).map(tfData);
    for (const k of BACKENDS) dt.withBackend(k, () => {
      const [x, y, cond] = [f32(a, [2, 3]), f32(b, [3]), dt.tensor(c, [2, 3], 'uint8')];
      close(dt.where(cond, x, y).data, theirs, `${k} where`);
      const { grads } = dt.valueAndGrads(() => dt.where(cond, x, y).mul(dt.tensor([1, 2, 3, 4, 5, 6], [2, 3])).sum(), [x, y]);
      close(grads[0].data, ta, `${k} dwhere/da`);
      close(grads[1].data, tb, `${k} dwhere/db`);
    });
  });

  for (const axis of [0, 1, 2]) {
    it(`gather along axis ${axis} (repeated indices, 2-D indices) and its gradient (summed repeats) as TF.js`, () => {
      const shape = [3, 4, 5], x = uniform(60, -1, 1), idx = [[2, 0], [2, 1]].map((r) => r.map((i) => Math.min(i, shape[axis] - 1)));
      const theirs = tf.gather(tf.tensor(x, shape), tf.tensor2d(idx, [2, 2], 'int32'), axis);
      const w = uniform(theirs.size, 0.5, 1.5);
      const tg = tfData(tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor2d(idx, [2, 2], 'int32'), axis).mul(tf.tensor(w, theirs.shape)).sum())(tf.tensor(x, shape)));
      for (const k of BACKENDS) dt.withBackend(k, () => {
        const t = f32(x, shape), i = dt.tensor(idx, [2, 2], 'int32');
        const y = t.gather(i, axis);
        assert.deepEqual(y.shape, theirs.shape);
        close(y.data, tfData(theirs), `${k} gather`);
        close(dt.grad((u: Tensor) => dt.gather(u, i, axis).mul(f32(w, theirs.shape)).sum())(t).data, tg, `${k} dgather`);
      });
    });
  }

  it('stack / unstack / split / tile / reverse / concat / slice methods give TF.js\'s values and gradients', () => {
    const x = uniform(24, -1, 1), y = uniform(24, -1, 1);
    const T = (v: number[]): tf.Tensor => tf.tensor(v, [2, 3, 4]);
    const D = (v: number[]): Tensor => f32(v, [2, 3, 4]);
    const pairs: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (a: Tensor, b: Tensor) => Tensor][] = [
      ['stack axis 1', (a, b) => tf.stack([a, b], 1), (a, b) => a.stack(b, 1)],
      ['stack axis -1', (a, b) => tf.stack([a, b], -1), (a, b) => dt.stack([a, b], -1)],
      ['unstack axis 2 summed', (a, b) => tf.addN(tf.unstack(a.mul(b), 2).map((t, i) => t.mul(i + 1))), (a, b) => dt.addN(a.mul(b).unstack(2).map((t, i) => t.mul(i + 1)))],
      ['split [1, -1] axis 2', (a, b) => tf.split(a.mul(b), [1, 3], 2)[1], (a, b) => a.mul(b).split([1, -1], 2)[1]],
      ['split 3 axis 1', (a, b) => tf.split(a, 3, 1)[2].add(b.slice([0, 0, 0], [2, 1, 4])), (a, b) => a.split(3, 1)[2].add(b.slice([0, 0, 0], [2, 1, 4]))],
      ['tile [2, 1, 3]', (a, b) => tf.tile(a.mul(b), [2, 1, 3]), (a, b) => a.mul(b).tile([2, 1, 3])],
      ['reverse [0, 2]', (a, b) => tf.reverse(a, [0, 2]).mul(b), (a, b) => a.reverse([0, 2]).mul(b)],
      ['reverse all', (a, b) => tf.reverse(a).mul(b), (a, b) => a.reverse().mul(b)],
      ['concat axis 1', (a, b) => tf.concat([a, b], 1), (a, b) => a.concat(b, 1)],
      ['slice to the end', (a, b) => a.slice([1, 1, 0], [-1, 2, -1]).mul(b.slice([0, 0, 0], [1, 2, 4])), (a, b) => a.slice([1, 1, 0], [-1, 2, -1]).mul(b.slice([0, 0, 0], [1, 2, 4]))],
    ];
    for (const [name, theirsOp, oursOp] of pairs) {
      const want = theirsOp(T(x), T(y));
      const w = uniform(want.size, 0.5, 1.5);
      const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => theirsOp(a, b).mul(tf.tensor(w, want.shape)).sum())([T(x), T(y)]).map(tfData);
      for (const k of BACKENDS) dt.withBackend(k, () => {
        const [a, b] = [D(x), D(y)];
        const got = oursOp(a, b);
        assert.deepEqual(got.shape, want.shape, `${k} ${name}: shape`);
        close(got.data, tfData(want), `${k} ${name}`);
        const { grads } = dt.valueAndGrads(() => oursOp(a, b).mul(f32(w, want.shape)).sum(), [a, b]);
        close(grads[0].data, ga, `${k} ${name} da`);
        close(grads[1].data, gb, `${k} ${name} db`);
      });
    }
  });

  it('argMin, any, all, moments, tensor1d-4d and the conversions as TF.js', () => {
    const v = [3, -1, 4, -1, 5, 9, 2, 6, 5, 3, 5, 0];
    assert.deepEqual(Array.from(dt.tensor(v, [3, 4]).argMin(1).data), tfData(tf.argMin(tf.tensor(v, [3, 4]), 1)));
    assert.deepEqual(Array.from(dt.tensor(v, [3, 4]).argMin(0).data), tfData(tf.argMin(tf.tensor(v, [3, 4]), 0)));
    const bools = [1, 0, 0, 0, 1, 1];
    for (const op of ['any', 'all'] as const) {
      assert.deepEqual(Array.from(dt.tensor(bools, [2, 3], 'uint8')[op](1).data), tfData(tf[op](tf.tensor(bools, [2, 3], 'bool'), 1)), op);
      assert.deepEqual(Array.from(dt.tensor(bools, [2, 3], 'uint8')[op]().data), tfData(tf[op](tf.tensor(bools, [2, 3], 'bool'))), `${op} of all`);
    }
    const x = uniform(24, -2, 2);
    const theirs = tf.moments(tf.tensor(x, [2, 3, 4]), [0, 1]);
    const ours = dt.moments(f32(x, [2, 3, 4]), [0, 1]);
    close(ours.mean.data, tfData(theirs.mean), 'moments mean');
    close(ours.variance.data, tfData(theirs.variance), 'moments variance');
    assert.deepEqual(ours.mean.shape, theirs.mean.shape);
    assert.deepEqual(dt.moments(f32(x, [2, 3, 4]), 2, true).mean.shape, [2, 3, 1]);
    assert.deepEqual(dt.tensor2d([[1, 2], [3, 4]]).shape, [2, 2]);
    assert.deepEqual(dt.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]).shape, [1, 2, 2, 1]);
    assert.deepEqual(dt.tensor([1.7, -2.2]).toInt().toArray(), [1, -2]);
    assert.deepEqual(dt.tensor([0, 3]).toBool().toArray(), [0, 1]);
    assert.deepEqual(dt.tensor([1, 2, 3, 4]).as2D(2, 2).arraySync(), [[1, 2], [3, 4]]);
  });
});

// Compiled = eager on both backends, TF.js-free: the layer helper checks a Lambda of the new
// ops (a plan replays their kernels: gather and where are calls like any other).
runLayerTest({
  name: 'Lambda of the TF.js ops (gather, where, sin, mod, reverse, tile)',
  make: () => new layers.Lambda((x) => {
    const t = x as Tensor;
    const picked = t.gather([2, 0, 1, 1], 2);
    return dt.where(dt.greater(picked, 0), picked.sin(), dt.mod(picked, 0.7)).reverse(1).tile([1, 1, 2]);
  }),
  inputShape: [2, 3, 3],
  weights: { trainable: 0, nonTrainable: 0 },
  inheritedKernels: {
    gather: 'row copies (TypedArray.set, memcpy speed) on wasm memory; not on any zoo model\'s path',
    gatherGrad: 'the adjoint\'s row adds, in JS on wasm memory; not on any zoo model\'s path',
    select: 'a strided JS loop on wasm memory; not on any zoo model\'s path',
    'unary sin (reference)': 'a scalar JS loop (Math.sin) on wasm memory; a Lambda\'s own op, not on any zoo model\'s path',
    'unary cos (reference)': 'sin\'s gradient, as sin',
    'binary mod (reference)': 'a scalar JS loop on wasm memory; a Lambda\'s own op, not on any zoo model\'s path',
  },
  skip: { config: 'a Lambda holds a JavaScript function: it has no config', tfjsFiles: 'no file holds a function', kerasFiles: 'no file holds a function' },
  reference: (x) => {
    const out = new Float64Array(2 * 3 * 8);
    for (let n = 0; n < 2; n++) for (let r = 0; r < 3; r++) for (let c = 0; c < 8; c++) {
      const v = x[n * 9 + (2 - r) * 3 + [2, 0, 1, 1][c % 4]];
      out[n * 24 + r * 8 + c] = v > 0 ? Math.sin(v) : v - Math.floor(v / 0.7) * 0.7;
    }
    return out;
  },
});

describe('bad input gets a clear error', () => {
  it('gather outside the axis, eagerly and in a compiled predict; float indices', async () => {
    assert.throws(() => dt.gather(dt.ones([2, 3]), [0, 3], 1), /gather: indices\[1\] is 3, outside \[0, 3\)/);
    assert.throws(() => dt.gather(dt.ones([2, 3]), dt.tensor([0.5]), 1), /gather: indices must be integers \(int32\), got float32/);
    const inp = layers.input({ shape: [3] }), idx = layers.input({ shape: [2], dtype: 'int32' });
    const out = new layers.Lambda((xs) => { const [a, i] = xs as Tensor[]; return dt.gather(a.reshape([-1]), i.reshape([-1])).reshape([-1, 2]); }).apply([inp, idx]);
    const model = new dt.models.Model({ inputs: [inp, idx], outputs: out as never });
    for (const k of BACKENDS) {
      dt.setBackend(k);
      const ok = model.predict([dt.ones([2, 3]), dt.tensor([[0, 5], [1, 2]], [2, 2], 'int32')]) as Tensor;
      assert.deepEqual(ok.shape, [2, 2]);
      model.predict([dt.ones([2, 3]), dt.tensor([[0, 5], [1, 2]], [2, 2], 'int32')]); // the compiled plan's replay
      assert.throws(() => model.predict([dt.ones([2, 3]), dt.tensor([[0, 6], [1, 2]], [2, 2], 'int32')]), /gather: indices\[1\] is 6, outside \[0, 6\)/, `${k}: replayed plan`);
    }
    dt.setBackend('js');
  });
  it('split, tile, stack, addN and tensorNd name the argument and the sizes', () => {
    assert.throws(() => dt.ones([2, 5]).split(2, 1), /split: axis 1 of size 5 cannot be cut into 2 equal parts/);
    assert.throws(() => dt.ones([2, 5]).split([2, 2], 1), /split: sizes \[2, 2\] do not add up to axis 1's size 5/);
    assert.throws(() => dt.ones([2, 5]).tile([2]), /tile: reps must be 2 non-negative integers/);
    assert.throws(() => dt.stack([dt.ones([2]), dt.ones([3])]), /stack: every tensor must have the same shape; tensor 0 has \[2\], tensor 1 has \[3\]/);
    assert.throws(() => dt.addN([dt.ones([2]), dt.ones([3])]), /addN: every tensor must have the same shape/);
    assert.throws(() => dt.tensor2d([1, 2, 3]), /tensor2d: expected values of rank 2, got shape \[3\]/);
  });
});
