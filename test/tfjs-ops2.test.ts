// TF.js's remaining common ops, against TF.js on the js and wasm backends, gradients by finite
// differences (float64): linalg (dot, outerProduct, norm, logSumExp, eye, linspace, batchNorm,
// LRN, rank-named aliases), blocks (mirrorPad, depthToSpace, spaceToBatchND, batchToSpaceND),
// selection (topk, unique, whereAsync, booleanMaskAsync, inTopKAsync), the samplers, tf.grads /
// variableGrads, tf.util; a compiled predict through them = eager.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { closeToTfjs, tfjsComparer } from './helpers/tfjs-same.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(41);
const { uniform, same } = tfjsComparer(rng);
const close = closeToTfjs;
const f64 = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);

before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('linalg against TF.js', () => {
  it('dot over every rank pair, outerProduct', () => {
    for (const [a, b] of [[[4], [4]], [[3, 4], [4]], [[4], [4, 5]], [[3, 4], [4, 2]]]) same(`dot ${a}.${b}`, dt.dot, tf.dot, [a, b]);
    same('outerProduct', dt.outerProduct, tf.outerProduct as never, [[3], [5]]);
    assert.throws(() => dt.dot(dt.zeros([2, 3]), dt.zeros([2])), /dot: inner dimensions differ: \[2, 3\] \. \[2\]/);
  });
  it('logSumExp, norm (vector and matrix ords), euclideanNorm', () => {
    for (const axis of [undefined, 0, 1, [0, 2]] as (number | number[] | undefined)[]) {
      for (const keep of [false, true]) same(`logSumExp ${axis} ${keep}`, (x) => dt.logSumExp(x, axis, keep), (x) => tf.logSumExp(x, axis, keep), [[3, 4, 2]]);
    }
    for (const ord of ['euclidean', 1, 2, Infinity, -Infinity] as const) {
      same(`norm ${ord} all`, (x) => dt.norm(x, ord), (x) => tf.norm(x, ord), [[3, 4]]);
      same(`norm ${ord} axis 1`, (x) => dt.norm(x, ord, 1, true), (x) => tf.norm(x, ord, 1, true), [[3, 4]]);
    }
    // TF.js has no other p-norms; this one against its formula in float64.
    const v = uniform(6);
    close(dt.norm(dt.tensor(v, [6], 'float64'), 3).data, [Math.cbrt(v.reduce((s, e) => s + Math.abs(e) ** 3, 0))], 'norm p=3', 1e-12);
    // Matrix -1 (min column sum), which TF.js lacks, by its formula.
    const mv = uniform(12);
    close(dt.norm(dt.tensor(mv, [3, 4], 'float64'), -1, [0, 1]).data, [Math.min(...[0, 1, 2, 3].map((c) => [0, 1, 2].reduce((s, r) => s + Math.abs(mv[r * 4 + c]), 0)))], 'matrix norm -1', 1e-12);
    for (const ord of ['fro', 'euclidean', 1, Infinity, -Infinity] as const) {
      same(`matrix norm ${ord}`, (x) => dt.norm(x, ord, [0, 1]), (x) => tf.norm(x, ord, [0, 1]), [[3, 4]]);
      same(`batched matrix norm ${ord}`, (x) => dt.norm(x, ord, [1, 2], true), (x) => tf.norm(x, ord, [1, 2], true), [[2, 3, 4]]);
    }
    same('euclideanNorm', (x) => dt.euclideanNorm(x, 1), (x) => tf.euclideanNorm(x, 1), [[3, 5]]);
    assert.throws(() => dt.norm(dt.zeros([2, 2]), 2, [0, 1]), /ord 2 is not a matrix norm/);
  });
  it('eye, linspace, batchNorm, localResponseNormalization, clipByValue', () => {
    close(dt.eye(3, 4, [2]).data, tf.eye(3, 4, [2]).dataSync(), 'eye');
    assert.deepEqual(dt.eye(3, 4, [2]).shape, [2, 3, 4]);
    close(dt.linspace(-2, 3, 7).data, tf.linspace(-2, 3, 7).dataSync(), 'linspace');
    same('batchNorm', (x, m, v, o, s) => dt.batchNorm(x, m, dt.abs(v), o, s, 1e-3), (x, m, v, o, s) => tf.batchNorm(x, m, tf.abs(v), o, s, 1e-3), [[2, 3, 4], [4], [4], [4], [4]]);
    same('batchNorm without offset and scale', (x, m, v) => dt.batchNorm(x, m, dt.abs(v)), (x, m, v) => tf.batchNorm(x, m, tf.abs(v)), [[5, 4], [4], [4]]);
    same('localResponseNormalization', (x) => dt.localResponseNormalization(x, 2, 1.5, 0.3, 0.75), (x) => tf.localResponseNormalization(x as tf.Tensor4D, 2, 1.5, 0.3, 0.75), [[2, 3, 3, 7]]);
    same('LRN defaults', (x) => dt.localResponseNormalization(x), (x) => tf.localResponseNormalization(x as tf.Tensor4D), [[1, 2, 2, 12]]);
    same('clipByValue', (x) => dt.clipByValue(x, -0.3, 0.4), (x) => tf.clipByValue(x, -0.3, 0.4), [[10]]);
  });
  it('rank-named aliases check their rank; pad keeps the inside exact with a constant', () => {
    same('slice2d', (x) => dt.slice2d(x, [1, 0], [2, -1]), (x) => tf.slice2d(x as tf.Tensor2D, [1, 0], [2, -1]), [[4, 3]]);
    same('reverse3d', (x) => dt.reverse3d(x, [0, 2]), (x) => tf.reverse3d(x as tf.Tensor3D, [0, 2]), [[2, 3, 4]]);
    same('pad2d constant', (x) => dt.pad2d(x, [[1, 2], [0, 3]], 7.5), (x) => tf.pad2d(x as tf.Tensor2D, [[1, 2], [0, 3]], 7.5), [[2, 3]]);
    same('pad1d', (x) => dt.pad1d(x, [2, 1], -1), (x) => tf.pad1d(x as tf.Tensor1D, [2, 1], -1), [[3]]);
    same('concat2d', (a, b) => dt.concat2d([a, b], 1), (a, b) => tf.concat2d([a as tf.Tensor2D, b as tf.Tensor2D], 1), [[2, 3], [2, 2]]);
    assert.deepEqual(dt.tensor5d(new Float32Array(6), [1, 1, 2, 3, 1]).shape, [1, 1, 2, 3, 1]);
    assert.throws(() => dt.slice1d(dt.zeros([2, 2]), 0, 1), /slice1d: expected a rank-1 tensor, got shape \[2, 2\]/);
    assert.throws(() => dt.tensor6d([1, 2], [2]), /tensor6d: expected 6 dimensions, got shape \[2\]/);
    const x = dt.tensor([1e-8, -0], [2]), p = dt.pad1d(x, [1, 1], 1);
    assert.ok(Object.is(p.data[1], Math.fround(1e-8)) && Object.is(p.data[2], -0), 'inside values bit for bit');
  });
  it('gradients by finite differences', () => {
    dt.withBackend('js', () => {
      checkGradients(dt.dot, [f64([3, 4]), f64([4])]);
      checkGradients(dt.outerProduct, [f64([3]), f64([2])]);
      checkGradients((x) => dt.logSumExp(x, 1), [f64([3, 4])]);
      for (const ord of ['euclidean', 1, Infinity, 3] as const) checkGradients((x) => dt.norm(x, ord, 1), [f64([3, 4], 0.2, 1)]);
      checkGradients((x) => dt.norm(x, 'fro', [0, 1]), [f64([3, 4])]);
      checkGradients((x, m, v, o, s) => dt.batchNorm(x, m, v, o, s), [f64([3, 4]), f64([4]), f64([4], 0.5, 1), f64([4]), f64([4])]);
      checkGradients((x) => dt.localResponseNormalization(x, 1, 1, 0.5, 0.75), [f64([1, 2, 2, 5])]);
      checkGradients((x) => dt.pad2d(x, [[1, 0], [2, 1]], 3), [f64([2, 2])]);
      checkGradients((x) => dt.clone(x), [f64([3])]);
    });
  });
});

describe('cumsum, cumprod and prod against TF.js', () => {
  it('every axis, exclusive and reverse; prod over axes', () => {
    // TF.js's cumsum/cumprod break on a negative axis (shape [undefined, 3, 4] for -1): it gets the positive one.
    for (const axis of [0, 1, -1]) {
      const theirsAxis = axis < 0 ? axis + 3 : axis;
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          same(`cumsum ${axis} ${exclusive} ${reverse}`, (x) => dt.cumsum(x, axis, exclusive, reverse), (x) => tf.cumsum(x, theirsAxis, exclusive, reverse), [[3, 4, 2]]);
          same(`cumprod ${axis} ${exclusive} ${reverse}`, (x) => dt.cumprod(x, axis, exclusive, reverse), (x) => tf.cumprod(x, theirsAxis, exclusive, reverse), [[3, 4, 2]]);
        }
      }
    }
    for (const [axis, keep] of [[undefined, false], [1, false], [[0, 2], true], [-1, true]] as [number | number[] | undefined, boolean][]) {
      same(`prod ${JSON.stringify(axis)} ${keep}`, (x) => dt.prod(x, axis, keep), (x) => tf.prod(x, axis, keep), [[3, 4, 2]]);
    }
    assert.deepEqual(Array.from(dt.prod(dt.tensor([2, 3, 4], [3], 'int32')).data), [24]);
    assert.equal(dt.tensor([1, 2, 3], [3]).cumsum().data[2], 6);
  });
  it('gradients by finite differences, cumprod exact through zeros', () => {
    dt.withBackend('js', () => {
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          checkGradients((x) => dt.cumsum(x, 1, exclusive, reverse), [f64([3, 4])]);
          checkGradients((x) => dt.cumprod(x, 1, exclusive, reverse), [f64([3, 4])]);
        }
      }
      // Zeros (one and two in a row): the rule y / x would give NaN or 0 here.
      const z = dt.tensor([0.5, 0, 1.5, -0.7, 0, 0, 2, 0.3], [2, 4], 'float64');
      for (const exclusive of [false, true]) checkGradients((x) => dt.cumprod(x, 1, exclusive), [z]);
      checkGradients((x) => dt.prod(x, [0, 1]), [z]);
      checkGradients((x) => dt.prod(x, 0), [f64([3, 2])]);
    });
  });
});

describe('blocks against TF.js', () => {
  it('mirrorPad reflect and symmetric; depthToSpace; spaceToBatchND and batchToSpaceND', () => {
    for (const mode of ['reflect', 'symmetric'] as const) {
      const p: [number, number][] = mode === 'reflect' ? [[1, 2], [2, 0], [0, 1]] : [[2, 2], [3, 1], [1, 0]];
      same(`mirrorPad ${mode}`, (x) => dt.mirrorPad(x, p, mode), (x) => tf.mirrorPad(x, p, mode), [[3, 3, 2]]);
    }
    same('depthToSpace', (x) => dt.depthToSpace(x, 2), (x) => tf.depthToSpace(x as tf.Tensor4D, 2), [[2, 3, 2, 8]]);
    same('spaceToBatchND', (x) => dt.spaceToBatchND(x, [2, 3], [[1, 1], [0, 2]]), (x) => tf.spaceToBatchND(x, [2, 3], [[1, 1], [0, 2]]), [[2, 4, 4, 3]]);
    same('batchToSpaceND', (x) => dt.batchToSpaceND(x, [2, 3], [[1, 0], [2, 1]]), (x) => tf.batchToSpaceND(x, [2, 3], [[1, 0], [2, 1]]), [[12, 2, 3, 2]]);
    same('spaceToBatchND one axis', (x) => dt.spaceToBatchND(x, [2], [[0, 0]]), (x) => tf.spaceToBatchND(x, [2], [[0, 0]]), [[1, 4, 3]]);
    assert.throws(() => dt.mirrorPad(dt.zeros([2]), [[2, 0]], 'reflect'), /padding 2 on axis 0 \(size 2\) must be an integer in \[0, 1\] for 'reflect'/);
    assert.throws(() => dt.depthToSpace(dt.zeros([1, 2, 2, 6]), 2), /channels \(6\) must be divisible by blockSize\^2 \(4\)/);
    assert.throws(() => dt.spaceToBatchND(dt.zeros([1, 5, 4, 1]), [2, 2], [[0, 0], [0, 0]]), /padded axis 1 \(5\) must be divisible by blockShape\[0\] \(2\)/);
  });
  it('stridedSlice with every mask, negative indices and strides, as TF.js', () => {
    const cases: [number[], number[], number[], number, number, number, number, number][] = [
      [[0, 1, 0], [2, 3, 4], [1, 1, 2], 0, 0, 0, 0, 0],
      [[-1, 0, 3], [-4, 3, 0], [-1, 2, -1], 0, 0, 0, 0, 0],
      [[1, 0, 0], [0, 0, 0], [1, 1, 1], 0b110, 0b111, 0, 0, 0],
      [[0, 0, 1], [0, 0, 3], [1, 1, 1], 0, 0, 0b001, 0, 0],
      [[1, 0], [2, 0], [1, 1], 0, 0, 0b10, 0, 0b01],
      [[0, 0, 2], [1, 0, 3], [1, 1, 1], 0, 0, 0, 0b010, 0b100],
      [[2, -1], [0, 0], [-1, -2], 0, 0b11, 0, 0, 0],
      [[-2], [0], [1], 0, 0, 0, 0, 1],
    ];
    for (const [b, e, st, bm, em, el, na, sh] of cases) {
      same(`stridedSlice ${JSON.stringify([b, e, st, bm, em, el, na, sh])}`, (x) => dt.stridedSlice(x, b, e, st, bm, em, el, na, sh), (x) => tf.stridedSlice(x, b, e, st, bm, em, el, na, sh), [[3, 3, 4]]);
    }
    // Out-of-range bounds clamp to an empty slice (TF.js's own slice throws on this one).
    assert.deepEqual(dt.stridedSlice(dt.zeros([3, 3, 4]), [5, 10], [-10, -20], [1, 1]).shape, [0, 0, 4]);
    dt.withBackend('js', () => checkGradients((x) => dt.stridedSlice(x, [-1, 0, 3], [-4, 3, 0], [-1, 2, -1]), [f64([3, 3, 4])]));
    assert.throws(() => dt.stridedSlice(dt.zeros([2]), [0], [1], [0]), /strides must be non-zero integers/);
    assert.throws(() => dt.stridedSlice(dt.zeros([2]), [5], [6], [1], 0, 0, 0, 0, 1), /index 5 on axis 0 \(size 2\) is out of range/);
  });
  it('gradients by finite differences', () => {
    dt.withBackend('js', () => {
      checkGradients((x) => dt.mirrorPad(x, [[1, 1], [2, 0]], 'reflect'), [f64([3, 3])]);
      checkGradients((x) => dt.mirrorPad(x, [[2, 0], [1, 2]], 'symmetric'), [f64([2, 3])]);
      checkGradients((x) => dt.depthToSpace(x, 2), [f64([1, 2, 2, 8])]);
      checkGradients((x) => dt.batchToSpaceND(dt.spaceToBatchND(x, [2, 2], [[1, 1], [0, 2]]), [2, 2], [[0, 1], [1, 0]]), [f64([1, 2, 2, 2])]);
    });
  });
  it('a compiled predict through them equals eager', () => {
    const x = layers.input({ shape: [4, 4, 8] });
    const y = new layers.Lambda({ fn: (t) => dt.localResponseNormalization(dt.mirrorPad(dt.depthToSpace(t as dt.Tensor, 2), [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), 1), outputShape: [null, 10, 10, 2] }).apply(x);
    const m = new models.Model({ inputs: x, outputs: y as never });
    for (const seed of [1, 2]) {
      const input = dt.randomUniform([3, 4, 4, 8], -1, 1, 'float32', seed);
      const eager = dt.localResponseNormalization(dt.mirrorPad(dt.depthToSpace(input, 2), [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), 1);
      assert.deepEqual(Array.from((m.predict(input) as dt.Tensor).data), Array.from(eager.data));
    }
  });
});

describe('selection against TF.js', () => {
  it('topk with ties (lower index first), sorted; values carry gradients', () => {
    const v = [3, 1, 3, 2, 5, 5, 0, 3, -1, 2, 2, 7];
    for (const k of [1, 3, 6]) {
      const t = tf.topk(tf.tensor(v, [2, 6]), k), d = dt.topk(dt.tensor(v, [2, 6]), k);
      assert.deepEqual(Array.from(d.indices.data), Array.from(t.indices.dataSync()), `indices k=${k}`);
      close(d.values.data, t.values.dataSync(), `values k=${k}`);
      assert.deepEqual(d.values.shape, [2, k]);
    }
    const m = dt.tensor([1, 2, 3], [3]).topk(2);
    assert.deepEqual(Array.from(m.indices.data), [2, 1]);
    dt.withBackend('js', () => checkGradients((x) => dt.topk(x, 2).values, [f64([3, 5])]));
    assert.throws(() => dt.topk(dt.zeros([2, 3]), 4), /k must be an integer in \[0, 3\]/);
  });
  it('unique along axes, whereAsync, booleanMaskAsync, inTopKAsync', async () => {
    for (const [vals, shape, axis] of [[[1, 3, 1, 2, 3, 0, 2], [7], 0], [[1, 2, 1, 2, 3, 4, 1, 2], [4, 2], 0], [[1, 2, 1, 3, 1, 1], [2, 3], 1]] as [number[], number[], number][]) {
      const t = tf.unique(tf.tensor(vals, shape, 'int32'), axis), d = dt.unique(dt.tensor(vals, shape, 'int32'), axis);
      assert.deepEqual(Array.from(d.values.data), Array.from(t.values.dataSync()), `unique values ${shape} axis ${axis}`);
      assert.deepEqual(d.values.shape, t.values.shape);
      assert.deepEqual(Array.from(d.indices.data), Array.from(t.indices.dataSync()), `unique indices ${shape} axis ${axis}`);
    }
    const cond = [1, 0, 0, 1, 1, 0, 0, 1];
    assert.deepEqual(Array.from((await dt.whereAsync(dt.tensor(cond, [2, 2, 2], 'uint8'))).data), Array.from((await tf.whereAsync(tf.tensor(cond, [2, 2, 2], 'bool'))).dataSync()));
    const x = uniform(4 * 3 * 2), mask = [1, 0, 1, 1];
    const bm = await dt.booleanMaskAsync(dt.tensor(x, [4, 3, 2]), dt.tensor(mask, [4], 'uint8'));
    const tbm = await tf.booleanMaskAsync(tf.tensor(x, [4, 3, 2]), tf.tensor(mask, [4], 'bool'));
    assert.deepEqual(bm.shape, tbm.shape);
    close(bm.data, tbm.dataSync(), 'booleanMask');
    const bm1 = await dt.booleanMaskAsync(dt.tensor(x, [4, 3, 2]), dt.tensor([1, 0, 1], [3], 'uint8'), 1);
    const tbm1 = await tf.booleanMaskAsync(tf.tensor(x, [4, 3, 2]), tf.tensor([1, 0, 1], [3], 'bool'), 1);
    close(bm1.data, tbm1.dataSync(), 'booleanMask axis 1');
    const preds = [0.1, 0.5, 0.5, 0.2, 0.9, 0.05, 0.3, 0.3, 0.3], targets = [2, 0, 1];
    for (const k of [1, 2]) {
      const ours = await dt.inTopKAsync(dt.tensor(preds, [3, 3]), dt.tensor(targets, [3], 'int32'), k);
      const theirs = await tf.inTopKAsync(tf.tensor(preds, [3, 3]), tf.tensor(targets, [3], 'int32'), k);
      assert.deepEqual(Array.from(ours.data), Array.from(theirs.dataSync()), `inTopK k=${k}`);
    }
  });
  it('samplers: multinomial frequencies, randomUniformInt range, randomStandardNormal moments, dropout', () => {
    const probs = [0.1, 0.6, 0.3], n = 20000;
    const s = dt.multinomial(dt.tensor(probs.map(Math.log), [3]), n, 5);
    probs.forEach((p, c) => { const f = Array.from(s.data).filter((v) => v === c).length / n; assert.ok(Math.abs(f - p) < 0.015, `class ${c}: ${f} vs ${p}`); });
    assert.deepEqual(Array.from(dt.multinomial(dt.tensor(probs, [1, 3]), 10, 9, true).data), Array.from(dt.multinomial(dt.tensor(probs, [1, 3]), 10, 9, true).data), 'a seed repeats');
    const ints = dt.randomUniformInt([5000], -3, 4, 2);
    assert.equal(ints.dtype, 'int32');
    assert.deepEqual([...new Set(ints.data)].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
    const z = Array.from(dt.randomStandardNormal([20000], 'float32', 3).data), mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `mean ${mean}, sd ${sd}`);
    const d = Array.from(dt.dropout(dt.ones([20000]), 0.25, undefined, 4).data);
    const zeros = d.filter((v) => v === 0).length / d.length;
    assert.ok(Math.abs(zeros - 0.25) < 0.015 && d.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), `dropped ${zeros}`);
    const rows = dt.dropout(dt.ones([200, 3]), 0.5, [200, 1], 6).toArray() as number[][];
    assert.ok(rows.every((r) => r[0] === r[1] && r[1] === r[2]), 'noiseShape broadcasts one draw along axis 1');
    assert.throws(() => dt.randomUniformInt([2], 3, 3), /minval < maxval/);
    assert.throws(() => dt.dropout(dt.ones([2]), 1), /rate must be in \[0, 1\)/);
  });
});

describe('tf.grads, variableGrads, util', () => {
  it('grads and variableGrads as TF.js computes them', () => {
    const f = (a: dt.Tensor, b: dt.Tensor) => a.mul(b).add(a.square());
    const tfF = (a: tf.Tensor, b: tf.Tensor) => a.mul(b).add(a.square());
    const [a, b] = [uniform(4), uniform(4)];
    const ours = dt.grads(f)([dt.tensor(a, [4]), dt.tensor(b, [4])]);
    const theirs = tf.grads(tfF as never)([tf.tensor(a), tf.tensor(b)]);
    ours.forEach((g, i) => close(g.data, theirs[i].dataSync(), `grad ${i}`));
    const w = dt.variable(dt.tensor(a, [4]), true, 'w_vg');
    const { value, grads } = dt.variableGrads(() => w.square().sum(), [w]);
    close(grads.w_vg.data, a.map((v) => 2 * v), 'variableGrads');
    assert.equal(value.rank, 0);
    assert.throws(() => dt.variableGrads(() => w.square(), [w]), /f must return a scalar, got shape \[4\]/);
  });
  it('util helpers', async () => {
    const arr = [1, 2, 3, 4, 5, 6, 7, 8], other = arr.map((v) => v * 10);
    dt.util.shuffleCombo(arr, other);
    assert.ok(arr.every((v, i) => other[i] === v * 10) && [...arr].sort((p, q) => p - q).join() === '1,2,3,4,5,6,7,8');
    assert.equal(dt.util.sizeFromShape([2, 3, 4]), 24);
    assert.deepEqual([...dt.util.createShuffledIndices(5)].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(dt.util.flatten([1, [2, [3, Float32Array.of(4, 5)]]]), [1, 2, 3, 4, 5]);
    assert.equal(dt.util.decodeString(dt.util.encodeString('héllo')), 'héllo');
    assert.throws(() => dt.util.assert(false, () => 'no way'), /no way/);
    const t = await dt.time(() => dt.ones([100]).add(1));
    assert.ok(t.wallMs >= 0 && t.kernelMs === t.wallMs);
    assert.equal(dt.version.deeptype, '0.1.0');
  });
});

describe('step against TF.js', () => {
  it('step(x, alpha) gives alpha where x <= 0 (alpha was ignored: 0 there); gradient zero', () => {
    for (const alpha of [0, 0.1, -2]) same(`step alpha ${alpha}`, (x) => dt.step(x, alpha), (x) => tf.step(x, alpha), [[3, 5]]);
    same('step at exactly 0', (x) => dt.step(dt.mul(x, 0), 0.25), (x) => tf.step(tf.mul(x, 0), 0.25), [[4]]);
    const [g] = dt.grads((x: dt.Tensor) => dt.sum(dt.step(x, 0.3)))([dt.tensor([-1, 0.5, 2])]);
    assert.deepEqual(Array.from(g.data), [0, 0, 0]);
    assert.throws(() => dt.step(dt.tensor([1]), Number.NaN), /step: alpha must be a finite number \(the value where x <= 0\), got NaN/);
  });
});

describe('reductions with axis null against TF.js', () => {
  it('sum, mean, max, min take TF.js\'s axis null (every axis), as in tf.sum(x, null, true) (it was refused: "axis null is out of range")', () => {
    for (const keepDims of [false, true]) {
      same(`sum null ${keepDims}`, (x) => dt.sum(x, null, keepDims), (x) => tf.sum(x, undefined, keepDims), [[2, 3, 4]]);
      same(`mean null ${keepDims}`, (x) => dt.mean(x, null, keepDims), (x) => tf.mean(x, undefined, keepDims), [[2, 3, 4]]);
      same(`max null ${keepDims}`, (x) => dt.max(x, null, keepDims), (x) => tf.max(x, undefined, keepDims), [[2, 3, 4]]);
      same(`min null ${keepDims}`, (x) => dt.min(x, null, keepDims), (x) => tf.min(x, undefined, keepDims), [[2, 3, 4]]);
    }
  });
});

describe('step of NaN against TF.js', () => {
  it('step(NaN) is NaN (it was 0), Inf and -Inf 1 and alpha; 4099 values so the wasm SIMD kernel runs too; gradients of NaN-free elu unchanged', () => {
    const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30];
    const v = Float32Array.from({ length: 4099 }, (_, i) => (i % 5 === 0 ? special[(i / 5) % special.length] : rng.uniform(-1, 1)));
    for (const alpha of [0, 0.25]) {
      const expected = tf.step(tf.tensor(v), alpha).dataSync();
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => close(dt.step(dt.tensor(v), alpha).data, expected, `step NaN alpha ${alpha} ${b}`, 0));
    }
    // elu's gradient mask is step(x): where x is finite it is as before.
    const x = [-1, -0.5, 0, 0.5, 2];
    const [g] = dt.grads((t: dt.Tensor) => dt.sum(dt.elu(t)))([dt.tensor(x, [5], 'float64')]);
    close(g.data, x.map((e) => (e > 0 ? 1 : Math.exp(e))), 'elu gradient', 1e-12);
  });
});

describe('axis null on the Tensor methods and the other reductions against TF.js', () => {
  it('x.sum/mean/max/min/prod/logSumExp/euclideanNorm/norm(null), prod/logSumExp/any/all(x, null), squeeze/reverse(null): every axis (squeeze and reverse refused null: "axis null is out of range"; the rest did not type-check)', () => {
    for (const keepDims of [false, true]) {
      for (const op of ['sum', 'mean', 'max', 'min', 'prod', 'logSumExp', 'euclideanNorm'] as const) {
        same(`x.${op}(null, ${keepDims})`, (x) => x[op](null, keepDims), (x) => x[op](null as never, keepDims), [[2, 3, 4]]);
      }
      same(`x.norm(1, null, ${keepDims})`, (x) => x.norm(1, null, keepDims), (x) => x.norm(1, null as never, keepDims), [[2, 3, 4]]);
      same(`prod(x, null, ${keepDims})`, (x) => dt.prod(x, null, keepDims), (x) => tf.prod(x, null as never, keepDims), [[2, 3, 4]]);
      same(`logSumExp(x, null, ${keepDims})`, (x) => dt.logSumExp(x, null, keepDims), (x) => tf.logSumExp(x, null as never, keepDims), [[2, 3, 4]]);
      same(`any/all(x > 0, null, ${keepDims})`, (x) => dt.stack([dt.any(dt.greater(x, 0), null, keepDims), dt.all(dt.greater(x, -2), null, keepDims), x.greater(0).any(null, keepDims), x.greater(-2).all(null, keepDims)]),
        (x) => tf.stack([tf.any(tf.greater(x, 0), null as never, keepDims), tf.all(tf.greater(x, -2), null as never, keepDims), x.greater(0).any(null as never, keepDims), x.greater(-2).all(null as never, keepDims)]).cast('float32'), [[2, 3, 4]]);
    }
    same('squeeze(x, null)', (x) => dt.stack([dt.squeeze(x, null), x.squeeze(null)]), (x) => tf.stack([tf.squeeze(x, null as never), x.squeeze(null as never)]), [[1, 3, 1, 2]]);
    same('reverse(x, null)', (x) => dt.stack([dt.reverse(x, null), x.reverse(null)]), (x) => tf.stack([tf.reverse(x, null as never), x.reverse(null as never)]), [[2, 3, 2]]);
  });
});

describe('reductions over empty axes', () => {
  it('any is false, all true and logSumExp -Infinity over no values (NumPy\'s and TensorFlow\'s; all and logSumExp were refused as "max/min: cannot reduce an empty axis"); max, min, argMax, argMin refuse them by name', () => {
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
      const e = dt.zeros([2, 0, 3]);
      for (const [axis, keepDims, shape] of [[1, false, [2, 3]], [null, false, []], [[0, 1], true, [1, 1, 3]], [-2, true, [2, 1, 3]]] as const) {
        const cases: [string, dt.Tensor, number, string][] = [
          ['any', dt.any(e, axis as never, keepDims), 0, 'uint8'], ['all', dt.all(e, axis as never, keepDims), 1, 'uint8'],
          ['x.any', e.any(axis as never, keepDims), 0, 'uint8'], ['x.all', e.all(axis as never, keepDims), 1, 'uint8'],
          ['logSumExp', dt.logSumExp(e, axis as never, keepDims), -Infinity, 'float32'], ['x.logSumExp', e.logSumExp(axis as never, keepDims), -Infinity, 'float32']];
        for (const [what, y, v, dtype] of cases) {
          assert.deepEqual([y.shape, y.dtype], [shape, dtype], `${what} ${axis} ${b}`);
          assert.ok(Array.from(y.data).every((x) => x === v), `${what} ${axis} ${b}: ${Array.from(y.data)}, want ${v}`);
        }
      }
      // Where the empty axis is kept, the result is empty, as TF.js's.
      const kept = dt.any(e, 2);
      assert.deepEqual([kept.shape, tf.any(tf.zeros([2, 0, 3], 'bool'), 2).shape], [[2, 0], [2, 0]]);
      // TF.js's any agrees; its all gives false here (and logSumExp NaN), against the empty product's identity.
      assert.deepEqual(Array.from(tf.any(tf.zeros([2, 0, 3], 'bool'), 1).dataSync()), [0, 0, 0, 0, 0, 0]);
      assert.throws(() => dt.max(e, 1), /max: cannot reduce an empty axis \(axis 1 of shape \[2, 0, 3\]\): the maximum of no values is undefined/);
      assert.throws(() => e.min(), /min: cannot reduce an empty axis \(axis 1 of shape \[2, 0, 3\]\)/);
      assert.throws(() => dt.argMax(e, 1), /argMax: cannot reduce an empty axis \(axis 1 of shape \[2, 0, 3\]\)/);
      assert.throws(() => e.argMin(-2), /argMin: cannot reduce an empty axis \(axis 1 of shape \[2, 0, 3\]\)/);
    });
    // Non-empty any/all (now counts) still agree with TF.js, NaN counting as nonzero.
    const v = [0, 1, Number.NaN, 0, 0, 0, 2, -1, 3];
    for (const axis of [0, 1, null]) {
      const t = tf.tensor(v, [3, 3]), d = dt.tensor(v, [3, 3]);
      for (const op of ['any', 'all'] as const) assert.deepEqual(Array.from(dt[op](d, axis).data), Array.from(tf[op](tf.cast(t, 'bool'), axis as never).dataSync()), `${op} ${axis}`);
    }
  });
});

describe('matMul broadcasts batch dimensions against TF.js', () => {
  it('[2, 2, 3] @ [3, 4], [2, 1, 2, 3] @ [3, 3, 4], [1, 3, 2]ᵀ @ [4, 3, 5], [3, 4] @ [2, 4, 5]ᵀ (refused: "not matrices (or equal stacks of them)"); gradients by finite differences', () => {
    same('stack @ matrix', (a, b) => dt.matMul(a, b), (a, b) => tf.matMul(a, b), [[2, 2, 3], [3, 4]]);
    same('stack @ matrixᵀ', (a, b) => dt.matMul(a, b, false, true), (a, b) => tf.matMul(a, b, false, true), [[2, 2, 3], [4, 3]]);
    // TF.js's cpu kernel is wrong here (shape [2, 3, 2, 4] over only 24 values: it takes max(2, 3) batches, not the
    // broadcast 2 x 3), so its reference is the product of the explicitly broadcast operands.
    same('rank 4 @ rank 3', (a, b) => dt.matMul(a, b), (a, b) => tf.matMul(tf.broadcastTo(a, [2, 3, 2, 3]), tf.broadcastTo(b, [2, 3, 3, 4])), [[2, 1, 2, 3], [3, 3, 4]]);
    same('[1, 3, 2]ᵀ @ [4, 3, 5]', (a, b) => dt.matMul(a, b, true, false), (a, b) => tf.matMul(a, b, true, false), [[1, 3, 2], [4, 3, 5]]);
    same('matrix @ stackᵀ', (a, b) => a.matMul(b, false, true), (a, b) => a.matMul(b, false, true), [[3, 4], [2, 5, 4]]);
    // No matrices: [0, 2, 4] with no values (TF.js gives that shape over 8 values, its max(0, 1) batches again).
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => assert.deepEqual([dt.matMul(dt.zeros([0, 2, 3]), dt.ones([3, 4])).shape, dt.matMul(dt.zeros([0, 2, 3]), dt.ones([1, 3, 4])).data.length], [[0, 2, 4], 0]));
    checkGradients((a, b) => dt.matMul(a, b), [f64([2, 2, 3]), f64([3, 4])]);
    checkGradients((a, b) => dt.matMul(a, b, true, true), [f64([2, 1, 3, 2]), f64([3, 4, 3])]);
    assert.throws(() => dt.matMul(dt.zeros([2, 2, 3]), dt.zeros([3, 3, 4])), /matMul: the batch dimensions of \[2, 2, 3\] and \[3, 3, 4\]: shapes \[2\] and \[3\] cannot be broadcast together/);
  });
});
