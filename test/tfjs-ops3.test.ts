// TF.js's ops added in session 24, against TF.js on the js and wasm backends, gradients against
// TF.js's where it has them and by finite differences (float64): customGrad and memory; the
// n-d indexing (gatherND, scatterND, tensorScatterUpdate, unsortedSegmentSum, sparseToDense);
// diag, meshgrid, einsum, bincounts, searchSorted, any/all/argMin, broadcastArgs, setdiff1dAsync,
// math.confusionMatrix, rand, buffer, ensureShape, movingAverage, prelu; dilation2d, maxPoolWithArgmax, pool; tf.signal; the class aliases; a compiled predict.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './helpers/oracle.ts';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(24);
const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])) || a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};
type In = { v: number[] | Int32Array; s: number[]; int?: boolean };
const f32 = (s: number[], lo = -1, hi = 1): In => ({ v: uniform(s.reduce((a, b) => a * b, 1), lo, hi), s });
const i32 = (v: number[], s: number[]): In => ({ v, s, int: true });
/** f on deeptype (js and wasm) and on TF.js with the same inputs: same shape and values. */
function same(what: string, ours: (...x: dt.Tensor[]) => dt.Tensor, theirs: (...x: tf.Tensor[]) => tf.Tensor, ins: In[], tol = 1e-5): void {
  const expected = theirs(...ins.map((x) => tf.tensor(Array.from(x.v), x.s, x.int ? 'int32' : 'float32')));
  for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
    const got = ours(...ins.map((x) => dt.tensor(Array.from(x.v), x.s, x.int ? 'int32' : 'float32')));
    assert.deepEqual(got.shape, expected.shape, `${what} ${b}: shape`);
    close(got.data, expected.dataSync(), `${what} ${b}`, tol);
  });
}
/** Gradients of sum(f(...) * r) with respect to the float inputs, against TF.js's. */
function sameGrads(what: string, ours: (...x: dt.Tensor[]) => dt.Tensor, theirs: (...x: tf.Tensor[]) => tf.Tensor, ins: In[], wrt: number[], tol = 1e-4): void {
  const tin = ins.map((x) => tf.tensor(Array.from(x.v), x.s, x.int ? 'int32' : 'float32'));
  const shape = theirs(...tin).shape, r = uniform(shape.reduce((a, b) => a * b, 1), 0.5, 1.5);
  const expected = tf.grads((...w: tf.Tensor[]) => tf.sum(tf.mul(theirs(...tin.map((t, i) => (wrt.includes(i) ? w[wrt.indexOf(i)] : t))), tf.tensor(r, shape))))(wrt.map((i) => tin[i]));
  const din = ins.map((x) => dt.tensor(Array.from(x.v), x.s, x.int ? 'int32' : 'float32'));
  const got = dt.grads((...w: dt.Tensor[]) => dt.sum(dt.mul(ours(...din.map((t, i) => (wrt.includes(i) ? w[wrt.indexOf(i)] : t))), dt.tensor(r, shape))))(wrt.map((i) => din[i]));
  wrt.forEach((_, k) => close(got[k].data, expected[k].dataSync(), `${what} d${wrt[k]}`, tol));
}
const f64 = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
const int = (v: number[], s: number[]) => dt.tensor(v, s, 'int32');

before(async () => { dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('customGrad and memory', () => {
  it("customGrad's gradient is gradFunc's (TF.js's example), with saved tensors and two inputs", () => {
    const ours = dt.customGrad((x, save) => { (save as dt.GradSaveFunc)([x as dt.Tensor]); return { value: dt.square(x as dt.Tensor), gradFunc: (dy, [xs]) => [dt.mul(dy, dt.abs(xs))] }; });
    const theirs = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => { save([x]); return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => [tf.mul(dy, tf.abs(xs))] }; }) as never);
    const x = [-2, -1, 0.5, 3];
    close(ours(dt.tensor(x, [4])).data, (theirs(tf.tensor(x, [4])) as tf.Tensor).dataSync(), 'value');
    close(dt.grad((t) => ours(t))(dt.tensor(x, [4])).data, tf.grad((t: tf.Tensor) => theirs(t) as tf.Tensor)(tf.tensor(x, [4])).dataSync(), 'gradient');
    // Two inputs, the custom op in the middle of a chain: the chain rule goes through gradFunc.
    const twice = dt.customGrad((a, b) => ({ value: dt.mul(a as dt.Tensor, b as dt.Tensor), gradFunc: (dy) => [dt.mul(dy, 2), dt.mul(dy, 3)] }));
    const g = dt.grads((a, b) => dt.sum(dt.exp(twice(a, b))))([dt.tensor([0.1, 0.2], [2]), dt.tensor([0.3, 0.4], [2])]);
    close(g[0].data, [0.1 * 0.3, 0.2 * 0.4].map((v) => 2 * Math.exp(v)), 'da', 1e-6);
    close(g[1].data, [0.1 * 0.3, 0.2 * 0.4].map((v) => 3 * Math.exp(v)), 'db', 1e-6);
  });
  it('customGrad errors and memory()', () => {
    assert.throws(() => dt.customGrad((x) => ({ value: x as dt.Tensor, gradFunc: 3 as never }))(dt.ones([2])), /customGrad: f must return an object \{value, gradFunc\} whose gradFunc is a function/);
    assert.throws(() => dt.customGrad(() => ({ value: [1] as never, gradFunc: (dy) => dy }))(dt.ones([2])), /customGrad: f must return an object \{value, gradFunc\} whose value is a Tensor/);
    const bad = dt.customGrad((x, y) => ({ value: dt.add(x as dt.Tensor, y as dt.Tensor), gradFunc: (dy) => dy }));
    assert.throws(() => dt.grads((a, b) => dt.sum(bad(a, b)))([dt.ones([2]), dt.ones([2])]), /customGrad: gradFunc must return one gradient per input of f \(2\), got 1/);
    const wrongShape = dt.customGrad((x) => ({ value: dt.sum(x as dt.Tensor), gradFunc: () => dt.ones([3]) }));
    assert.throws(() => dt.grad((a) => wrongShape(a))(dt.ones([2])), /customGrad: gradFunc's gradient 0 has shape \[3\], but input 0 has shape \[2\]/);
    assert.throws(() => dt.customGrad((x) => ({ value: x as dt.Tensor, gradFunc: (dy) => dy }))([1, 2] as never), /customGrad: every argument of the function must be a Tensor; argument 0 is object/);
    const before = dt.memory();
    const v = dt.variable(dt.zeros([10]));
    const after = dt.memory();
    assert.equal(after.numTensors, before.numTensors + 1);
    assert.equal(after.numBytes, before.numBytes + 40);
    assert.equal(after.unreliable, true);
    assert.ok(after.reasons.some((r) => /garbage collector/.test(r)), after.reasons.join('; '));
    assert.ok(v.size === 10);
  });
});

describe('n-d indexing against TF.js', () => {
  it('gatherND, scatterND (repeats sum), tensorScatterUpdate (repeats: the last wins)', () => {
    same('gatherND k=2', (x, i) => dt.gatherND(x, i), (x, i) => tf.gatherND(x, i), [f32([3, 4, 2]), i32([0, 1, 2, 3, 1, 0], [3, 2])]);
    same('gatherND k=1 batched indices', (x, i) => dt.gatherND(x, i), (x, i) => tf.gatherND(x, i), [f32([3, 4]), i32([2, 0, 1, 1], [2, 2, 1])]);
    same('gatherND k=rank', (x, i) => dt.gatherND(x, i), (x, i) => tf.gatherND(x, i), [f32([2, 3]), i32([1, 2, 0, 0], [2, 2])]);
    same('scatterND', (i, u) => dt.scatterND(i, u, [4, 3]), (i, u) => tf.scatterND(i, u, [4, 3]), [i32([1, 3, 1], [3, 1]), f32([3, 3])]);
    same('scatterND k=2', (i, u) => dt.scatterND(i, u, [2, 3]), (i, u) => tf.scatterND(i, u, [2, 3]), [i32([0, 1, 1, 2], [2, 2]), f32([2])]);
    same('tensorScatterUpdate', (t, i, u) => dt.tensorScatterUpdate(t, i, u), (t, i, u) => tf.tensorScatterUpdate(t, i, u), [f32([5, 2]), i32([4, 1, 4, 0], [4, 1]), f32([4, 2])]);
  });
  it('unsortedSegmentSum (a negative id drops its slice, as TF), sparseToDense', () => {
    same('unsortedSegmentSum', (x, s) => dt.unsortedSegmentSum(x, s, 3), (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 3), [f32([5, 2]), i32([2, 0, 2, -1, 1], [5])]);
    sameGrads('unsortedSegmentSum', (x, s) => dt.unsortedSegmentSum(x, s, 3), (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 3), [f32([4, 3]), i32([1, 1, 0, 2], [4])], [0]);
    same('sparseToDense 2-d', (i, v) => dt.sparseToDense(i, v, [3, 4], 0.5), (i, v) => tf.sparseToDense(i, v, [3, 4], 0.5), [i32([0, 1, 2, 3, 1, 0], [3, 2]), f32([3])]);
    same('sparseToDense vector, scalar value', (i, v) => dt.sparseToDense(i, v, [5]), (i, v) => tf.sparseToDense(i, v, [5]), [i32([1, 4], [2]), f32([])]);
  });
  it('gradients by finite differences (TF.js has none for these)', () => {
    checkGradients((x) => dt.gatherND(x, int([0, 1, 1, 1, 0, 1], [3, 2])), [f64([2, 3, 2])]);
    checkGradients((u) => dt.scatterND(int([1, 0, 1], [3, 1]), u, [3, 2]), [f64([3, 2])]);
    checkGradients((t, u) => dt.tensorScatterUpdate(t, int([2, 0, 2], [3, 1]), u), [f64([3, 2]), f64([3, 2])]);
    checkGradients((v) => dt.sparseToDense(int([0, 2], [2]), v, [4], 0), [f64([2])]);
    checkGradients((x) => dt.unsortedSegmentSum(x, int([0, -1, 0], [3]), 2), [f64([3, 2])]);
  });
  it('errors name the op, the argument and the bad value', () => {
    assert.throws(() => dt.gatherND(dt.zeros([3]), int([5], [1, 1])), /gatherND: index \[5\] \(entry 0 of indices\) is outside the shape \[3\] it indexes/);
    assert.throws(() => dt.gatherND(dt.zeros([3]), dt.tensor([0], [1, 1])), /gatherND: indices must be int32, got float32; cast them/);
    assert.throws(() => dt.gatherND(dt.zeros([3]), int([0, 0], [1, 2])), /gatherND: the last axis of indices \(\[1, 2\]\) must have 1 to 1 entries/);
    assert.throws(() => dt.scatterND(int([0], [1, 1]), dt.zeros([2]), [4]), /scatterND: updates must have shape \[1\]/);
    assert.throws(() => dt.scatterND(int([7], [1, 1]), dt.zeros([1]), [4]), /scatterND: index \[7\] .* outside the shape \[4\]/);
    assert.throws(() => dt.unsortedSegmentSum(dt.zeros([2]), int([0, 3], [2]), 2), /unsortedSegmentSum: segmentIds\[1\] is 3, not below numSegments \(2\)/);
    assert.throws(() => dt.sparseToDense(int([1, 1], [2]), dt.zeros([2]), [4]), /sparseToDense: sparseIndices repeats index \[1\] \(entry 1\)/);
    assert.throws(() => dt.tensorScatterUpdate(dt.zeros([3]), int([0], [1, 1]), int([1], [1])), /tensorScatterUpdate: updates \(int32\) must have tensor's dtype \(float32\)/);
  });
});

describe('diag, meshgrid, einsum, bincounts, searchSorted against TF.js', () => {
  it('diag, meshgrid', () => {
    same('diag 1-d', (x) => dt.diag(x), (x) => tf.diag(x), [f32([3])]);
    same('diag 2-d', (x) => dt.diag(x), (x) => tf.diag(x), [f32([2, 2])]);
    for (const indexing of ['xy', 'ij'] as const) {
      for (const k of [0, 1]) same(`meshgrid ${indexing} ${k}`, (x, y) => dt.meshgrid(x, y, { indexing })[k], (x, y) => tf.meshgrid(x, y, { indexing })[k], [f32([3]), f32([2])]);
    }
    checkGradients((x) => dt.diag(x), [f64([3])]);
    assert.throws(() => dt.meshgrid(dt.zeros([2]), dt.zeros([2]), { indexing: 'yx' as never }), /meshgrid: indexing must be 'xy' or 'ij', got "yx"/);
  });
  it('einsum: matmul, batched, transposes, outer, traces over axes, one operand; gradients', () => {
    const cases: [string, number[][]][] = [['ij,jk->ik', [[2, 3], [3, 4]]], ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]], ['ij->ji', [[2, 3]]], ['i,j->ij', [[3], [2]]],
      ['ij->', [[2, 3]]], ['ij,ij->i', [[2, 3], [2, 3]]], ['ijk->kj', [[2, 3, 4]]], ['ij,kj->ik', [[2, 3], [4, 3]]], ['i,i->', [[4], [4]]],
      ['bij,bkj->bki', [[2, 3, 4], [2, 2, 4]]], ['abc,cd->dba', [[2, 3, 4], [4, 2]]], ['ij,k->kij', [[2, 2], [3]]]];
    for (const [eq, shapes] of cases) same(`einsum ${eq}`, (...t) => dt.einsum(eq, ...t), (...t) => tf.einsum(eq, ...t), shapes.map((s) => f32(s)));
    checkGradients((a, b) => dt.einsum('bij,bjk->bik', a, b), [f64([2, 2, 3]), f64([2, 3, 2])]);
    checkGradients((a) => dt.einsum('ij->j', a), [f64([2, 3])]);
    // TF.js gets 'ij,jk->k' wrong (shape [4, 3]: it keeps a label summed in one operand only);
    // here it is checked against its float64 sum, sum_i sum_j a[i, j] b[j, k].
    const a = f64([2, 3]), b = f64([3, 4]);
    close(dt.einsum('ij,jk->k', a, b).data, [0, 1, 2, 3].map((k) => [0, 1].reduce((s, i) => s + [0, 1, 2].reduce((t, j) => t + a.data[i * 3 + j] * b.data[j * 4 + k], 0), 0)), 'einsum ij,jk->k', 1e-12);
    checkGradients((x, y) => dt.einsum('ij,jk->k', x, y), [a, b]);
    assert.throws(() => dt.einsum('ii->i', dt.zeros([2, 2])), /einsum: operand 0's labels 'ii' repeat a label/);
    assert.throws(() => dt.einsum('ij,jk', dt.zeros([2, 2]), dt.zeros([2, 2])), /einsum: the equation must have exactly one '->'/);
    assert.throws(() => dt.einsum('ij,jk->ik', dt.zeros([2, 2]), dt.zeros([3, 2])), /einsum: label 'j' has size 2 in one place and 3 in operand 1/);
    assert.throws(() => dt.einsum('ij->ik', dt.zeros([2, 2])), /einsum: the output label 'k' is in no operand/);
  });
  it('bincount, denseBincount (weights, binary), searchSorted, lowerBound, upperBound', () => {
    same('bincount', (x, w) => dt.bincount(x, w, 4), (x, w) => tf.bincount(x as tf.Tensor1D, w as tf.Tensor1D, 4), [i32([1, 1, 3, 7, 0], [5]), { v: [], s: [0] }]);
    same('bincount weights', (x, w) => dt.bincount(x, w, 5), (x, w) => tf.bincount(x as tf.Tensor1D, w as tf.Tensor1D, 5), [i32([1, 1, 3, 7, 0], [5]), f32([5])]);
    same('denseBincount 2-d binary', (x, w) => dt.denseBincount(x, w, 4, true), (x, w) => tf.denseBincount(x as tf.Tensor2D, w as tf.Tensor2D, 4, true), [i32([1, 1, 3, 0, 2, 2], [2, 3]), { v: [], s: [0] }]);
    same('denseBincount 2-d weights', (x, w) => dt.denseBincount(x, w, 3), (x, w) => tf.denseBincount(x as tf.Tensor2D, w as tf.Tensor2D, 3), [i32([1, 1, 2, 0, 2, 5], [2, 3]), f32([2, 3])]);
    assert.throws(() => dt.bincount(int([1, -1], [2]), dt.tensor([], [0]), 4), /bincount: x must be non-negative; x\[1\] is -1/);
    const seq = { v: [1, 2, 2, 3, 5], s: [5] }, seq2 = { v: [0, 1, 2, 3, 1, 1, 4, 9], s: [2, 4] };
    // TF.js returns [1, n] for a vector of values (it batches 1-D inputs and keeps the batch
    // axis); the values' own shape is the right one (TensorFlow's), so TF.js's is reshaped here.
    const flat = (t: tf.Tensor) => tf.reshape(t, [-1]);
    for (const side of ['left', 'right'] as const) {
      same(`searchSorted ${side}`, (s, v) => dt.searchSorted(s, v, side), (s, v) => flat(tf.searchSorted(s, v, side)), [seq, { v: [2, 0, 6, 3, 2.5], s: [5] }]);
      same(`searchSorted ${side} batched`, (s, v) => dt.searchSorted(s, v, side), (s, v) => tf.searchSorted(s, v, side), [seq2, { v: [1, 3.5, 1, 10, 0], s: [2, 3] }].map((x, i) => (i === 1 ? { v: [1, 3.5, 1, 10, 0, 1], s: [2, 3] } : x)));
    }
    same('lowerBound', (s, v) => dt.lowerBound(s, v), (s, v) => flat(tf.lowerBound(s, v)), [seq, { v: [2, 5], s: [2] }]);
    same('upperBound', (s, v) => dt.upperBound(s, v), (s, v) => flat(tf.upperBound(s, v)), [seq, { v: [2, 5], s: [2] }]);
    assert.throws(() => dt.searchSorted(dt.zeros([2, 3]), dt.zeros([3, 1])), /searchSorted: values \(\[3, 1\]\) must have sortedSequence's rank and leading axes \(\[2, 3\]\)/);
  });
});

describe('any, all, argMin, broadcastArgs, setdiff1dAsync, math.confusionMatrix against TF.js', () => {
  it('outputs as TF.js; errors', async () => {
    const bools = { v: [0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1], s: [3, 4] }, ties = { v: [3, 1, 1, 0, 5, 0, 2, 2, 2], s: [3, 3] };
    for (const axis of [undefined, 0, 1, [0, 1]] as (number | number[] | undefined)[]) {
      same(`any ${axis}`, (x) => dt.any(x, axis), (x) => tf.any(tf.cast(x, 'bool'), axis), [bools]);
      same(`all ${axis} keepDims`, (x) => dt.all(x, axis, true), (x) => tf.all(tf.cast(x, 'bool'), axis, true), [bools]);
    }
    for (const axis of [0, 1, -1]) same(`argMin ${axis} (ties: the first)`, (x) => dt.argMin(x, axis), (x) => tf.argMin(x, axis), [ties]);
    same('argMin default axis 0', (x) => dt.argMin(x), (x) => tf.argMin(x), [f32([4, 3])]);
    same('broadcastArgs', (a, b) => dt.broadcastArgs(a, b), (a, b) => tf.broadcastArgs(a, b), [i32([2, 1, 3], [3]), i32([4, 1], [2])]);
    assert.throws(() => dt.broadcastArgs(int([2, 3], [2]), int([4], [1])), /broadcastArgs: .*\[2, 3\].*\[4\]/);
    const [v, i] = await dt.setdiff1dAsync(dt.tensor([1, 2, 3, 4, 2], [5]), dt.tensor([2, 9], [2]));
    const [tv, ti] = await tf.setdiff1dAsync(tf.tensor1d([1, 2, 3, 4, 2]), tf.tensor1d([2, 9]));
    assert.deepEqual([Array.from(v.data), Array.from(i.data)], [Array.from(tv.dataSync()), Array.from(ti.dataSync())]);
    const labels = [0, 1, 2, 1, 2, 2, 0], preds = [0, 2, 2, 1, 0, 2, 1];
    same('confusionMatrix', (l, p) => dt.math.confusionMatrix(l, p, 3), (l, p) => tf.math.confusionMatrix(l as tf.Tensor1D, p as tf.Tensor1D, 3), [i32(labels, [7]), i32(preds, [7])]);
    assert.equal(dt.math.confusionMatrix(int(labels, [7]), int(preds, [7]), 3).dtype, 'int32');
    // TF.js drops a label outside [0, numClasses) from the counts without a word.
    assert.throws(() => dt.math.confusionMatrix(int([0, 5], [2]), int([0, 1], [2]), 3), /math\.confusionMatrix: labels\[1\] is 5, outside \[0, 3\)/);
  });
});

describe('rand, buffer, ensureShape, movingAverage, prelu against TF.js', () => {
  it('rand, TensorBuffer, ensureShape', () => {
    let k = 0;
    assert.deepEqual(Array.from(dt.rand([2, 2], () => k++, 'int32').data), [0, 1, 2, 3]);
    const b = dt.buffer([2, 3], 'float32'), tb = tf.buffer([2, 3], 'float32');
    b.set(5, 1, 2); tb.set(5, 1, 2); b.set(-1, 0, 1); tb.set(-1, 0, 1);
    assert.deepEqual(Array.from(b.toTensor().data), Array.from(tb.toTensor().dataSync()));
    assert.equal(b.get(1, 2), 5);
    assert.deepEqual(b.indexToLoc(5), tb.indexToLoc(5));
    assert.equal(b.locToIndex([1, 1]), tb.locToIndex([1, 1]));
    assert.ok(b instanceof dt.TensorBuffer);
    assert.throws(() => b.set(1, 2, 0), /TensorBuffer\.set: coordinate 0 is 2, outside \[0, 2\)/);
    assert.throws(() => b.get(1), /TensorBuffer\.get: expected 2 coordinates for shape \[2, 3\], got 1/);
    const x = dt.ones([2, 3]);
    assert.equal(dt.ensureShape(x, [2, null]), x);
    assert.throws(() => dt.ensureShape(x, [2, 4]), /ensureShape: x has shape \[2, 3\], not compatible with the expected \[2, 4\]/);
  });
  it('movingAverage with and without zero debias, prelu and its gradients', () => {
    same('movingAverage debiased', (v, x) => dt.movingAverage(v, x, 0.9, 3), (v, x) => tf.movingAverage(tf.variable(v), x, 0.9, 3), [f32([4]), f32([4])]);
    same('movingAverage plain', (v, x) => dt.movingAverage(v, x, 0.7, undefined, false), (v, x) => tf.movingAverage(tf.variable(v), x, 0.7, undefined, false), [f32([4]), f32([4])]);
    same('movingAverage tensor decay', (v, x) => dt.movingAverage(v, x, dt.scalar(0.8), dt.scalar(2)), (v, x) => tf.movingAverage(tf.variable(v), x, tf.scalar(0.8), tf.scalar(2)), [f32([3]), f32([3])]);
    assert.throws(() => dt.movingAverage(dt.zeros([2]), dt.zeros([2]), 0.9), /movingAverage: with zeroDebias \(the default\), step is required/);
    same('prelu', (x, a) => dt.prelu(x, a), (x, a) => tf.prelu(x, a), [f32([3, 4]), f32([4])]);
    sameGrads('prelu', (x, a) => dt.prelu(x, a), (x, a) => tf.prelu(x, a), [f32([3, 4]), f32([4])], [0, 1]);
  });
});

describe('dilation2d, maxPoolWithArgmax, pool against TF.js', () => {
  it('dilation2d: strides, dilations, same and valid, one image; gradients as TF.js and by finite differences', () => {
    for (const [strides, pad, dilations] of [[1, 'same', 1], [2, 'valid', 1], [1, 'valid', 2], [[2, 1], 'same', 1]] as const) {
      const what = `dilation2d ${strides} ${pad} ${dilations}`;
      same(what, (x, f) => dt.dilation2d(x, f, strides as never, pad, dilations), (x, f) => tf.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, strides as never, pad, dilations), [f32([2, 6, 5, 3]), f32([2, 3, 3])]);
      sameGrads(what, (x, f) => dt.dilation2d(x, f, strides as never, pad, dilations), (x, f) => tf.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, strides as never, pad, dilations), [f32([1, 5, 5, 2]), f32([2, 2, 2])], [0, 1]);
    }
    same('dilation2d one image', (x, f) => dt.dilation2d(x, f, 1, 'same'), (x, f) => tf.dilation2d(x as tf.Tensor3D, f as tf.Tensor3D, 1, 'same'), [f32([4, 4, 2]), f32([3, 3, 2])]);
    checkGradients((x, f) => dt.dilation2d(x, f, 1, 'same'), [f64([1, 3, 3, 2]), f64([2, 2, 2])]);
    // Ties (every tap equal): the gradient goes to the first tap in row order, as in TF.js.
    const ties = [{ v: new Array(18).fill(1), s: [1, 3, 3, 2] }, { v: new Array(8).fill(0), s: [2, 2, 2] }];
    sameGrads('dilation2d ties', (x, f) => dt.dilation2d(x, f, 1, 'same'), (x, f) => tf.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, 1, 'same'), ties, [0, 1]);
    assert.throws(() => dt.dilation2d(dt.zeros([1, 4, 4, 2]), dt.zeros([2, 2, 3]), 1, 'same'), /dilation2d: filter must be \[filterHeight, filterWidth, 2\] \(x's channels\), got \[2, 2, 3\]/);
  });
  it('maxPoolWithArgmax with and without the batch in the index; pool max/avg with strides or dilations', () => {
    for (const include of [false, true]) {
      for (const [size, strides, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [2, 1, 'valid']] as const) {
        const x = f32([2, 5, 5, 3]);
        const ours = dt.maxPoolWithArgmax(dt.tensor(x.v as number[], x.s), size, strides, pad, include);
        const theirs = tf.maxPoolWithArgmax(tf.tensor4d(x.v as number[], x.s as never), size, strides, pad, include);
        close(ours.result.data, theirs.result.dataSync(), `maxPoolWithArgmax result ${size} ${strides} ${pad}`);
        assert.deepEqual(Array.from(ours.indexes.data), Array.from(theirs.indexes.dataSync()), `maxPoolWithArgmax indexes ${size} ${strides} ${pad} ${include}`);
      }
    }
    // Ties: the first maximum of a window in row order, as TF.js.
    const tied = dt.maxPoolWithArgmax(dt.tensor([1, 3, 3, 3, 2, 3, 3, 1, 0], [1, 3, 3, 1]), 2, 1, 'valid');
    assert.deepEqual(Array.from(tied.indexes.data), Array.from(tf.maxPoolWithArgmax(tf.tensor4d([1, 3, 3, 3, 2, 3, 3, 1, 0], [1, 3, 3, 1]), 2, 1, 'valid').indexes.dataSync()));
    for (const type of ['max', 'avg'] as const) {
      for (const [win, pad, dil, str] of [[2, 'valid', 1, 2], [3, 'same', 1, 1], [2, 'valid', 2, 1], [3, 'same', 2, 1], [2, 'same', [3, 2], 1]] as const) {
        same(`pool ${type} ${win} ${pad} dilations ${dil} strides ${str}`, (x) => dt.pool(x, win, type, pad, dil as never, str), (x) => tf.pool(x as tf.Tensor4D, win, type, pad, dil as never, str), [f32([2, 7, 6, 2])]);
      }
    }
    checkGradients((x) => dt.pool(x, 2, 'avg', 'same', 2), [f64([1, 4, 4, 1])]);
    assert.throws(() => dt.pool(dt.zeros([1, 4, 4, 1]), 2, 'max', 'valid', 2, 2), /pool: strides or dilations must be 1, got strides \[2,2\] and dilations \[2,2\]/);
    assert.throws(() => dt.pool(dt.zeros([1, 4, 4, 1]), 2, 'min' as never, 'valid'), /pool: poolingType must be 'max' or 'avg', got "min"/);
  });
});

describe('tf.signal and the class aliases', () => {
  it('hannWindow, hammingWindow, frame (with and without padEnd)', () => {
    for (const n of [2, 5, 8]) {
      close(dt.signal.hannWindow(n).data, tf.signal.hannWindow(n).dataSync(), `hannWindow ${n}`);
      close(dt.signal.hammingWindow(n).data, tf.signal.hammingWindow(n).dataSync(), `hammingWindow ${n}`);
    }
    // TF.js gives [NaN] for length 1 (0 / 0); TensorFlow gives [1].
    assert.deepEqual(Array.from(dt.signal.hannWindow(1).data), [1]);
    for (const [len, step, padEnd] of [[4, 3, false], [4, 3, true], [3, 5, true], [12, 2, false], [12, 2, true]] as const) {
      same(`frame ${len} ${step} ${padEnd}`, (s) => dt.signal.frame(s, len, step, padEnd, 9), (s) => tf.signal.frame(s as tf.Tensor1D, len, step, padEnd, 9), [f32([10])]);
    }
    checkGradients((s) => dt.signal.frame(s, 3, 2, true), [f64([6])]);
    assert.throws(() => dt.signal.frame(dt.zeros([2, 3]), 2, 1), /signal\.frame: signal must be a vector/);
  });
  it('tf.LayersModel, tf.Sequential, tf.SymbolicTensor, tf.Callback, tf.CustomCallback, tf.History, tf.EarlyStopping, tf.LayerVariable', async () => {
    const m = dt.sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
    assert.ok(m instanceof dt.LayersModel && m instanceof dt.Sequential);
    const x = dt.input({ shape: [3] });
    assert.ok(x instanceof dt.SymbolicTensor);
    const kernel = m.layers[0].weights[0] as dt.LayerVariable;
    assert.ok(kernel instanceof dt.LayerVariable);
    assert.equal(kernel.write(dt.fill([3, 2], 0.25)), kernel);
    assert.deepEqual(Array.from(kernel.read().data), new Array(6).fill(0.25));
    assert.throws(() => kernel.write(dt.zeros([2, 3])), /cannot assign shape \[2, 3\] to shape \[3, 2\]/);
    // A constrained weight: write() projects with the constraint, as TF.js's LayerVariable does.
    const values = [[-1, 2], [3, -4], [0.5, -0.5]];
    const ours = dt.sequential({ layers: [layers.dense({ units: 2, inputShape: [3], kernelConstraint: 'nonNeg' })] });
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelConstraint: 'nonNeg' })] });
    (ours.layers[0].weights[0] as dt.LayerVariable).write(dt.tensor(values));
    (theirs.layers[0].weights[0] as unknown as { write(t: tf.Tensor): void }).write(tf.tensor(values));
    const written = Array.from(ours.layers[0].weights[0].data, (v) => v + 0); // -0 as 0
    assert.deepEqual(written, Array.from(theirs.layers[0].weights[0].read().dataSync()));
    assert.deepEqual(written, [0, 2, 3, 0, 0.5, 0]);
    const seen: number[] = [];
    class Counter extends dt.Callback { onEpochEnd(epoch: number) { seen.push(epoch); } }
    const custom: number[] = [];
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await m.fit(dt.ones([4, 3]), dt.zeros([4, 2]), { epochs: 2, verbose: 0, callbacks: [new Counter(), new dt.CustomCallback({ onEpochEnd: (e) => { custom.push(e); } }), new dt.EarlyStopping({ patience: 5 })] });
    assert.deepEqual(seen, [0, 1]);
    assert.deepEqual(custom, [0, 1]);
    assert.ok(h instanceof dt.History && h.history.loss.length === 2);
  });
});

describe("TF.js's remaining tensor methods", () => {
  it('convolutions, pooling, resizes, prelu, erf, where, unsortedSegmentSum, variable, buffers, bytes, isDisposed: as TF.js', async () => {
    const x = f32([2, 6, 6, 3]), w = f32([3, 3, 3, 4]), dw = f32([3, 3, 3, 2]), pw = f32([1, 1, 6, 5]), wt = f32([3, 3, 4, 3]), f = f32([2, 2, 3]);
    const cases: [string, (t: dt.Tensor, ...a: dt.Tensor[]) => dt.Tensor, (t: tf.Tensor, ...a: tf.Tensor[]) => tf.Tensor, In[]][] = [
      ['conv1d', (t, k) => t.conv1d(k, 2, 'same'), (t, k) => (t as tf.Tensor3D).conv1d(k as tf.Tensor3D, 2, 'same'), [f32([2, 9, 3]), f32([3, 3, 4])]],
      ['conv2d', (t, k) => t.conv2d(k, 2, 'same'), (t, k) => (t as tf.Tensor4D).conv2d(k as tf.Tensor4D, 2, 'same'), [x, w]],
      ['depthwiseConv2d', (t, k) => t.depthwiseConv2d(k, 1, 'valid', 'NHWC', 2), (t, k) => (t as tf.Tensor4D).depthwiseConv2d(k as tf.Tensor4D, 1, 'valid', 'NHWC', 2), [x, dw]],
      ['separableConv2d', (t, a, b) => t.separableConv2d(a, b, 1, 'same'), (t, a, b) => (t as tf.Tensor4D).separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), [x, dw, pw]],
      ['conv2dTranspose', (t, k) => t.conv2dTranspose(k, [2, 12, 12, 4], 2, 'same'), (t, k) => (t as tf.Tensor4D).conv2dTranspose(k as tf.Tensor4D, [2, 12, 12, 4], 2, 'same'), [x, wt]],
      ['maxPool', (t) => t.maxPool(3, 2, 'same'), (t) => (t as tf.Tensor4D).maxPool(3, 2, 'same'), [x]],
      ['avgPool', (t) => t.avgPool(2, 2, 'valid'), (t) => (t as tf.Tensor4D).avgPool(2, 2, 'valid'), [x]],
      ['pool', (t) => t.pool(2, 'max', 'same', 2), (t) => (t as tf.Tensor4D).pool(2, 'max', 'same', 2), [x]],
      ['dilation2d', (t, k) => t.dilation2d(k, 1, 'same'), (t, k) => (t as tf.Tensor4D).dilation2d(k as tf.Tensor3D, 1, 'same'), [x, f]],
      ['resizeBilinear', (t) => t.resizeBilinear([4, 9]), (t) => (t as tf.Tensor4D).resizeBilinear([4, 9]), [x]],
      ['resizeNearestNeighbor', (t) => t.resizeNearestNeighbor([9, 4], false, true), (t) => (t as tf.Tensor4D).resizeNearestNeighbor([9, 4], false, true), [x]],
      ['prelu', (t, a) => t.prelu(a), (t, a) => t.prelu(a), [f32([4, 3]), f32([3])]],
      ['erf', (t) => t.erf(), (t) => t.erf(), [f32([7], -2, 2)]],
      ['where', (t, c, b) => t.where(c, b), (t, c, b) => t.where(tf.cast(c, 'bool'), b), [f32([5]), { v: [1, 0, 0, 1, 1], s: [5] }, f32([5])]],
      ['unsortedSegmentSum', (t, s) => t.unsortedSegmentSum(s, 2), (t, s) => t.unsortedSegmentSum(s as tf.Tensor1D, 2), [f32([3, 2]), i32([1, 0, 1], [3])]],
    ];
    // tf.matMul's positional flags (before, a boolean third argument fell into the options' defaults).
    for (const [ta, tb] of [[false, true], [true, false], [true, true]] as const) {
      same(`matMul ${ta} ${tb}`, (a, b) => dt.matMul(a, b, ta, tb), (a, b) => tf.matMul(a, b, ta, tb), [f32([3, 3]), f32([3, 3])]);
      same(`x.matMul ${ta} ${tb}`, (a, b) => a.matMul(b, ta, tb), (a, b) => a.matMul(b as tf.Tensor2D, ta, tb), [f32([2, 3, 3]), f32([2, 3, 3])]);
    }
    assert.throws(() => dt.matMul(dt.ones([2, 2]), dt.ones([2, 2]), { transposeA: 1 as never }), /matMul: transposeA must be a boolean, got 1/);
    assert.throws(() => dt.gather(dt.ones([2, 3]), int([0], [1]), 1, 1), /gather: batchDims 1 is not supported \(only 0\)/);
    // tf.oneHot's onValue / offValue / dtype and tf.pad's constantValue (before, both were ignored).
    same('oneHot on/off', (i) => dt.oneHot(i, 4, 0.9, 0.025, 'float32'), (i) => tf.oneHot(i, 4, 0.9, 0.025, 'float32'), [i32([3, 0, 1], [3])]);
    assert.equal(dt.oneHot(int([1], [1]), 2).dtype, tf.oneHot(tf.tensor1d([1], 'int32'), 2).dtype, 'the default dtype: int32, as TF.js');
    same('x.oneHot int32', (i) => i.oneHot(3, 5, -1, 'int32'), (i) => tf.oneHot(i, 3, 5, -1), [i32([2, 0], [2])]);
    assert.equal(dt.oneHot(int([1], [1]), 2, 1, 0, 'int32').dtype, 'int32');
    same('pad constantValue', (x) => dt.pad(x, [[1, 0], [2, 1]], -3.5), (x) => tf.pad(x, [[1, 0], [2, 1]], -3.5), [f32([2, 3])]);
    same('x.pad constantValue', (x) => x.pad([[0, 2]], 7), (x) => x.pad([[0, 2]], 7), [f32([3])]);
    checkGradients((x) => dt.pad(x, [[1, 1], [0, 2]], 2), [f64([2, 2])]);
    // tf.conv1d's positional form (before, the stride as third argument fell into the options' defaults).
    for (const [stride, pad, dilation] of [[1, 'same', 1], [2, 'valid', 1], [1, 'valid', 2], [1, 2, 1], [3, 1, 1]] as const) {
      // TF.js breaks on a numeric pad (it pads the height too, then cannot reshape): the oracle
      // for one is TF.js's 'valid' convolution of the input padded with those zeros.
      const theirs = (t: tf.Tensor, k: tf.Tensor) => (typeof pad === 'number'
        ? tf.conv1d(tf.pad(t, [[0, 0], [pad, pad], [0, 0]]) as tf.Tensor3D, k as tf.Tensor3D, stride, 'valid', 'NWC', dilation)
        : tf.conv1d(t as tf.Tensor3D, k as tf.Tensor3D, stride, pad, 'NWC', dilation));
      same(`conv1d ${stride} ${pad} ${dilation}`, (t, k) => dt.conv1d(t, k, stride, pad, 'NWC', dilation), theirs, [f32([2, 10, 3]), f32([3, 3, 2])], 1e-4);
    }
    same('conv1d one sequence', (t, k) => dt.conv1d(t, k, 1, 'same'), (t, k) => tf.conv1d(t as tf.Tensor2D, k as tf.Tensor3D, 1, 'same'), [f32([8, 3]), f32([2, 3, 2])], 1e-4);
    assert.throws(() => dt.conv1d(dt.zeros([1, 5, 2]), dt.zeros([2, 2, 1]), 1, 'full' as never), /conv1d: with the stride given positionally \(TF\.js's form\), pad must be 'valid', 'same' or a non-negative integer, got "full"/);
    assert.throws(() => dt.conv1d(dt.zeros([1, 5, 2]), dt.zeros([2, 2, 1]), 1, 'same', 'NCW' as never), /conv1d: only dataFormat 'NWC' is supported/);
    for (const [what, ours, theirs, ins] of cases) same(`x.${what}`, (t, ...a) => ours(t, ...a), (t, ...a) => theirs(t, ...a), ins, 1e-4);
    const t = dt.tensor([1.5, -2, 3, 0.25], [2, 2]);
    const v = t.variable(false, 'copied');
    assert.ok(v instanceof dt.Variable && v.name === 'copied' && v.trainable === false && v.data !== t.data);
    assert.equal(t.bufferSync().get(1, 0), 3);
    assert.equal((await t.buffer()).get(0, 1), -2);
    assert.deepEqual(Array.from(await t.bytes()), Array.from((await tf.tensor([1.5, -2, 3, 0.25], [2, 2]).bytes()) as Uint8Array));
    assert.equal(t.isDisposed, false);
    t.dispose();
    assert.equal(t.isDisposed, false, 'nothing disposes a tensor');
    t.throwIfDisposed();
  });
});

describe('tf.InputSpec in a custom layer', () => {
  it("TF.js's list of specs and spellings (minNDim, maxNDim, shape, axes), checked with Keras's messages as TF.js does", () => {
    class Checked extends layers.Layer {
      constructor(spec: dt.InputSpec) { super({}); this.inputSpec = [spec]; }
      call(x: dt.Tensor | dt.Tensor[]): dt.Tensor { return x as dt.Tensor; }
    }
    const ranks = new dt.InputSpec({ minNDim: 3, maxNDim: 3 });
    assert.equal(ranks.minNDim, 3);
    assert.throws(() => new Checked(ranks).apply(dt.input({ shape: [2] })), /expected min_ndim=3, found ndim=2/);
    assert.throws(() => new Checked(ranks).apply(dt.input({ shape: [2, 3, 4] })), /expected max_ndim=3, found ndim=4/);
    assert.deepEqual((new Checked(ranks).apply(dt.input({ shape: [2, 3] })) as dt.SymbolicTensor).shape, [null, 2, 3]);
    assert.throws(() => new Checked(new dt.InputSpec({ axes: { 1: 3 } })).apply(dt.input({ shape: [4] })), /expected axis 1 of input shape to have value 3/);
    assert.throws(() => new Checked(new dt.InputSpec({ shape: [null, 3] })).apply(dt.ones([2, 4])), /expected shape=\[null, 3\], found shape=\[2, 4\]/);
    assert.deepEqual((new Checked(new dt.InputSpec({ shape: [null, 3] })).apply(dt.ones([2, 3])) as dt.Tensor).shape, [2, 3]);
    assert.throws(() => new dt.InputSpec({ dtype: 'float32' } as never), /InputSpec: unknown option 'dtype'/);
    assert.throws(() => new dt.InputSpec({ minNDim: -1 }), /InputSpec: minNDim must be a non-negative integer, got -1/);
  });
});

describe('customGrad in a compiled training step', () => {
  it("a straight-through clip: the compiled step runs gradFunc's ops and equals the eager step", () => {
    const clipST = dt.customGrad((x) => ({ value: dt.clipByValue(x as dt.Tensor, -0.5, 0.5), gradFunc: (dy) => dt.mul(dy, 0.5) }));
    const build = (eagerly: boolean, fn: (t: dt.Tensor) => dt.Tensor = clipST): models.Model => {
      dt.setRandomSeed(3);
      const x = layers.input({ shape: [4] });
      const h = new layers.Lambda({ fn: (t) => fn(t as dt.Tensor), outputShape: [null, 6] }).apply(layers.dense({ units: 6 }).apply(x) as never);
      const m = new models.Model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(h as never) as never });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', runEagerly: eagerly });
      return m;
    };
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
      const [compiled, eager, trueGrad] = [build(false), build(true), build(true, (t) => dt.clipByValue(t, -0.5, 0.5))];
      const x = dt.randomUniform([5, 4], -2, 2, 'float32', 8), y = dt.randomUniform([5, 2], -1, 1, 'float32', 9);
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); trueGrad.trainStep(x, y); }
      assert.ok((compiled as unknown as { plans: Map<string, unknown> }).plans.size > 0, 'the compiled model ran a plan');
      compiled.getWeights().forEach((w, i) => close(w.data, eager.getWeights()[i].data, `${b} weight ${i} compiled vs eager`, 1e-6));
      // The custom gradient was used: with the clip's own gradient the first kernel ends elsewhere.
      const [mine, other] = [compiled.getWeights()[0].data, trueGrad.getWeights()[0].data];
      assert.ok(mine.some((v, i) => Math.abs(v - other[i]) > 1e-4), 'customGrad changed the training');
    });
  });
});

describe('the new ops in a compiled predict', () => {
  it('gatherND, einsum, prelu, dilation2d, pool and frame-free compositions equal eager', () => {
    const filter = dt.randomUniform([2, 2, 4], -0.5, 0.5, 'float32', 5), alpha = dt.randomUniform([4], 0, 0.3, 'float32', 6), idx = int([0, 1, 2, 3, 1, 2], [3, 2]);
    const f = (t: dt.Tensor) => dt.einsum('bnc,cd->bnd', dt.reshape(dt.gatherND(dt.transpose(dt.pool(dt.prelu(dt.dilation2d(t, filter, 1, 'same'), alpha), 2, 'max', 'same', 2), [1, 2, 0, 3]), idx), [3, -1, 4]).transpose([1, 0, 2]), dt.eye(4, 3));
    const x = layers.input({ shape: [5, 5, 4] });
    const m = new models.Model({ inputs: x, outputs: new layers.Lambda({ fn: (t) => f(t as dt.Tensor), outputShape: [null, 3, 3] }).apply(x) as never });
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
      for (const seed of [1, 2]) {
        const input = dt.randomUniform([2, 5, 5, 4], -1, 1, 'float32', seed);
        assert.deepEqual(Array.from((m.predict(input) as dt.Tensor).data), Array.from(f(input).data), `${b} seed ${seed}`);
      }
    });
  });
});

describe("argMax / argMin without an axis, as TF.js (axis 0)", () => {
  it('reduce the first axis of a matrix, function and method alike', () => {
    const v = [3, 9, 1, 7, 2, 8], x = dt.tensor(v, [2, 3]), t = tf.tensor(v, [2, 3]);
    for (const [ours, theirs] of [[dt.argMax(x), tf.argMax(t)], [x.argMax(), t.argMax()], [dt.argMin(x), tf.argMin(t)], [x.argMin(), t.argMin()]] as const) {
      assert.deepEqual(ours.shape, theirs.shape);
      assert.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()));
    }
    assert.deepEqual(Array.from(x.argMax(-1).dataSync()), [1, 2]);
  });
});

describe('slice in TF.js\'s forms (session 26: the top-level slice took only full begin and size lists, -1 refused)', () => {
  it('size -1 on any axis, size absent, a number for begin or size, short lists; the same as the tensor method', () => {
    const x = f32([3, 4, 2, 5]);
    const forms: [string, number | number[], (number | number[])?][] = [
      ['-1 on middle axes', [2, 3, 1, 2], [1, 0, -1, -1]], ['-1 first', [1, 0, 0, 1], [-1, 2, 2, 3]], ['size absent', [1, 2, 0, 3]],
      ['begin a number', 1], ['begin and size numbers', 1, 2], ['short lists', [1, 1], [2, -1]], ['empty axis at the end', [0, 4, 0, 0], [-1, -1, -1, -1]],
    ];
    for (const [what, begin, size] of forms) {
      same(`slice ${what}`, (t) => dt.slice(t, begin, size), (t) => tf.slice(t, begin, size), [x]);
      same(`tensor.slice ${what}`, (t) => t.slice(begin, size), (t) => t.slice(begin, size), [x]);
    }
    assert.throws(() => dt.slice(dt.zeros([3, 4]), [1, 0], [3, -1]), /slice: axis 0 \(size 3\) cannot give 3 items from 1/);
  });
});

describe('range counts down with a step of 1 when stop < start, as TF.js (session 26: it gave an empty tensor)', () => {
  it('range(5, 0), range(3, -3, 1), range(0, -1); other steps as before', () => {
    for (const [start, stop, step] of [[5, 0, undefined], [3, -3, 1], [0, -1, 1], [3, -3, -1], [3, -3, 2], [0, 5, -1], [0, 5, 2], [1, 2.5, 0.5]] as [number, number, number | undefined][]) {
      const theirs = tf.range(start, stop, step);
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => assert.deepEqual(Array.from(dt.range(start, stop, step).data), Array.from(theirs.dataSync()), `range(${start}, ${stop}, ${step}) ${b}`));
    }
    // TF.js's range(0, -1, 0.5) is [0, 0.5] (it walks away from stop); deeptype gives NumPy's empty range there.
    assert.equal(dt.range(0, -1, 0.5).size, 0);
  });
});

describe('numeric and explicit pads with dimRoundingMode in conv2d, depthwiseConv2d, maxPool, avgPool, as TF.js (session 26: pools refused them, convs ignored the rounding)', () => {
  it('floor, round, ceil on shapes where they differ; explicit pads in pools; bad combinations refused', () => {
    const x = f32([2, 6, 7, 3]);
    // Square windows: TF.js sizes a numeric pad's output by the filter's height on both axes.
    for (const mode of [undefined, 'floor', 'round', 'ceil'] as const) {
      for (const [k, s, p] of [[3, 2, 1], [2, 3, 0], [3, 3, 1], [1, 2, 0]]) {
        const tag = `k ${k} s ${s} pad ${p} ${mode}`;
        same(`maxPool ${tag}`, (t) => dt.maxPool(t, k, s, p, mode), (t) => tf.maxPool(t as tf.Tensor4D, k, s, p, mode), [x]);
        same(`avgPool ${tag}`, (t) => dt.avgPool(t, k, s, p, mode), (t) => tf.avgPool(t as tf.Tensor4D, k, s, p, mode), [x]);
        const w = f32([k, k, 3, 2]);
        same(`conv2d ${tag}`, (t, f) => dt.conv2d(t, f, s, p, 'NHWC', 1, mode), (t, f) => tf.conv2d(t as tf.Tensor4D, f as tf.Tensor4D, s, p, 'NHWC', 1, mode), [x, w]);
        same(`depthwiseConv2d ${tag}`, (t, f) => dt.depthwiseConv2d(t, f, s, p, 'NHWC', 1, mode), (t, f) => tf.depthwiseConv2d(t as tf.Tensor4D, f as tf.Tensor4D, s, p, 'NHWC', 1, mode), [x, w]);
      }
    }
    const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 0], [0, 2], [0, 0]];
    same('maxPool explicit pad', (t) => dt.maxPool(t, [2, 3], 2, explicit), (t) => tf.maxPool(t as tf.Tensor4D, [2, 3], 2, explicit), [x]);
    same('avgPool explicit pad', (t) => dt.avgPool(t, [2, 3], 2, explicit), (t) => tf.avgPool(t as tf.Tensor4D, [2, 3], 2, explicit), [x]);
    // Gradients through the rounded geometry by finite differences (float64): TF.js's own are
    // wrong there (its maxPool gradient with pad 1 and 'ceil' is off by up to 1.9 against a float64 loop).
    for (const op of ['maxPool', 'avgPool'] as const) {
      for (const mode of ['ceil', 'round'] as const) checkGradients((t) => dt[op](t, 3, 2, 1, mode), [randomTensor([1, 6, 7, 2], rng, -1, 1, 'float64')]);
    }
    checkGradients((t, f) => dt.conv2d(t, f, 2, 1, 'NHWC', 1, 'ceil'), [randomTensor([1, 6, 7, 2], rng, -1, 1, 'float64'), randomTensor([3, 3, 2, 2], rng, -1, 1, 'float64')]);
    const t = dt.zeros([1, 5, 5, 1]);
    assert.throws(() => dt.maxPool(t, 2, 2, 'same', 'ceil'), /maxPool: dimRoundingMode 'ceil' needs a numeric pad \(as in TF.js\), got pad "same"/);
    assert.throws(() => dt.conv2d(t, dt.zeros([2, 2, 1, 1]), 1, 0, 'NHWC', 1, 'up' as never), /conv2d: dimRoundingMode must be 'floor', 'round' or 'ceil', got "up"/);
    assert.throws(() => dt.avgPool(t, 2, 2, -1), /avgPool: pad must be 'valid', 'same', a non-negative integer/);
  });
});

describe("cast(x, 'bool') as TF.js (session 26: it crashed with 'ARRAY_TYPES[dtype] is not a constructor')", () => {
  it('1 where nonzero (NaN included, -0 not), on float32 and int32, js and wasm; unknown dtypes named', () => {
    const v = [0, -0, 1.5, -2, NaN, Infinity, 0.25, 0];
    for (const dtype of ['float32', 'int32'] as const) {
      const want = Array.from(tf.tensor(v, [2, 4], dtype).cast('bool').dataSync());
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
        const got = dt.tensor(v, [2, 4], dtype).cast('bool');
        assert.deepEqual(got.shape, [2, 4]);
        assert.deepEqual(Array.from(got.data), want, `${dtype} ${b}`);
        assert.deepEqual(Array.from(dt.cast(dt.tensor(v, [2, 4], dtype), 'bool').data), want, `top-level cast ${dtype} ${b}`);
      });
    }
    assert.throws(() => dt.cast(dt.zeros([2]), 'float16' as never), /cast: unknown dtype 'float16', expected one of float32, float64, int32, uint8/);
  });
});
