// Argument forms of TF.js's top-level ops found by a differential sweep against TF.js, on the js
// and wasm backends: number statistics in batchNorm, eye of size 0, the 'bool' dtype and JS
// booleans in the tensor factories.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './helpers/oracle.ts';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { closeToTfjs, tfjsComparer } from './helpers/tfjs-same.ts';

const rng = new Random(44);
const { uniform, same } = tfjsComparer(rng);
const close = closeToTfjs;

before(async () => { dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('batchNorm with number statistics against TF.js', () => {
  it('batchNorm(x, 0.2, 1.5, 0.1, 2) and mixed number / tensor forms (a number variance crashed: "add: at least one operand must be a Tensor")', () => {
    same('all numbers', (x) => dt.batchNorm(x, 0.2, 1.5, 0.1, 2), (x) => tf.batchNorm(x, 0.2, 1.5, 0.1, 2), [[2, 3]]);
    same('method, number variance and epsilon', (x) => x.batchNorm(0, 1, undefined, undefined, 0.1), (x) => x.batchNorm(0, 1, undefined, undefined, 0.1), [[4]]);
  });
});

describe('eye of size 0 against TF.js', () => {
  it('eye(0), eye(0, 3), eye(2, 0, [2]) are empty, as TF.js and NumPy (refused: "numRows must be a positive integer, got 0"); -1 and 1.5 refused by name', () => {
    for (const args of [[0], [0, 3], [2, 0, [2]]] as [number, number?, number[]?][]) {
      const expected = tf.eye(args[0], args[1], args[2] as [number] | undefined);
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => assert.deepEqual([dt.eye(...args).shape, dt.eye(...args).size], [expected.shape, 0], `eye(${args}) ${b}`));
    }
    assert.throws(() => dt.eye(-1), /eye: numRows must be an integer >= 0, got -1/);
    assert.throws(() => dt.eye(2, 1.5), /eye: numColumns must be an integer >= 0, got 1\.5/);
  });
});

describe("the 'bool' dtype and JS booleans in the tensor factories against TF.js", () => {
  it("tensor([true, false]), scalar(true), tensor(v, shape, 'bool'), zeros/ones/fill(..., 'bool'), tensor2d(..., 'bool') give bool (uint8) 0/1 (booleans gave float32, 'bool' was refused: \"unknown dtype 'bool'\")", () => {
    const cases: [string, () => dt.Tensor, () => tf.Tensor][] = [
      ['tensor([true, false, true])', () => dt.tensor([true, false, true]), () => tf.tensor([true, false, true])],
      ['tensor([[true], [false]])', () => dt.tensor([[true], [false]]), () => tf.tensor([[true], [false]])],
      ['scalar(true)', () => dt.scalar(true), () => tf.scalar(true)],
      ["tensor([1, 0, -2, 255, 256], [5], 'bool')", () => dt.tensor([1, 0, -2, 255, 256], [5], 'bool'), () => tf.tensor([1, 0, -2, 255, 256], [5], 'bool')],
      ["tensor(Int32Array, [2, 2], 'bool')", () => dt.tensor(new Int32Array([0, 3, 0, -1]), [2, 2], 'bool'), () => tf.tensor(new Int32Array([0, 3, 0, -1]), [2, 2], 'bool')],
      ["tensor2d(..., 'bool')", () => dt.tensor2d([1, 0, 0, 1], [2, 2], 'bool'), () => tf.tensor2d([1, 0, 0, 1], [2, 2], 'bool')],
      ["zeros([2, 3], 'bool')", () => dt.zeros([2, 3], 'bool'), () => tf.zeros([2, 3], 'bool')],
      ["ones([4], 'bool')", () => dt.ones([4], 'bool'), () => tf.ones([4], 'bool')],
      // TF.js's fill stores 5 in its bool tensor; true is 1 (its own tensor(..., 'bool') and cast agree).
      ["fill([3], 5, 'bool')", () => dt.fill([3], 5, 'bool'), () => tf.fill([3], 1, 'bool')],
    ];
    for (const [what, ours, theirs] of cases) {
      const expected = theirs();
      assert.equal(expected.dtype, 'bool');
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
        const got = ours();
        assert.deepEqual([got.dtype, got.shape, Array.from(got.data)], ['uint8', expected.shape, Array.from(expected.dataSync())], `${what} ${b}`);
      });
    }
    // Bool tensors made so work in the logical ops as TF.js's.
    same('logicalAnd of bool tensors', () => dt.logicalAnd(dt.tensor([true, true, false]), dt.tensor([1, 0, 1], [3], 'bool')), () => tf.logicalAnd(tf.tensor([true, true, false]), tf.tensor([1, 0, 1], [3], 'bool')).cast('float32'), []);
    // Non-integers: NumPy's bool and cast(x, 'bool') (x != 0); TF.js rounds first here (0.3 -> false), against its own cast.
    assert.deepEqual(Array.from(dt.tensor([0.3, -0.5, 0, Number.NaN], [4], 'bool').data), [1, 1, 0, 1]);
    assert.deepEqual(Array.from(tf.cast(tf.tensor([0.3, -0.5, 0, Number.NaN]), 'bool').dataSync()), [1, 1, 0, 1]);
    assert.throws(() => dt.tensor([1], [1], 'boolean' as never), /tensor: unknown dtype 'boolean'/);
  });
});

describe('tensor1d(values, dtype) as TF.js', () => {
  it("tensor1d([1, 2], 'int32'): TF.js's second argument is the dtype (it was taken as a shape: \"1 values do not fit shape [i, n, t, 3, 2]\")", () => {
    for (const dtype of ['int32', 'float32', 'bool'] as const) {
      const expected = tf.tensor1d([0, 2, -1], dtype);
      const got = dt.tensor1d([0, 2, -1], dtype);
      assert.deepEqual([got.dtype === 'uint8' ? 'bool' : got.dtype, got.shape, Array.from(got.data)], [expected.dtype, expected.shape, Array.from(expected.dataSync())], dtype);
    }
    assert.deepEqual(dt.tensor1d([1, 2], [2], 'int32').dtype, 'int32'); // deeptype's (values, shape, dtype) still works
    assert.throws(() => dt.tensor1d([[1, 2]]), /tensor1d: expected values of rank 1, got shape \[1, 2\]/);
  });
});

describe('norm of a scalar against TF.js', () => {
  it("norm(scalar, ord) is |x| for every ord, keepDims too, as TF.js (refused: 'x must have at least one dimension'); an axis on a scalar is refused by name", () => {
    for (const ord of ['euclidean', 'fro', 1, 2, Infinity, -Infinity, 3] as const) for (const keepDims of [false, true]) {
      same(`norm(scalar, ${ord}, ${keepDims})`, (x) => dt.norm(dt.sub(x, 2), ord, undefined, keepDims), (x) => tf.norm(tf.sub(x, 2), ord, undefined, keepDims), [[]]);
    }
    same('x.norm() of a scalar', (x) => x.neg().norm(), (x) => x.neg().norm(), [[]]);
    assert.throws(() => dt.norm(dt.scalar(1), 2, 0), /norm: x is a scalar \(rank 0\), which has no axis 0/);
  });
});

describe('pow of integers against TF.js', () => {
  it('int32 ** int32 (and ** an integer number) is int32, as TF.js and NumPy (it gave float32); float operands still give floats', () => {
    const a = [-3, -2, 0, 1, 2, 5, 7], b = [2, 3, 0, 4, 1, 2, -1];
    const cases: [string, () => dt.Tensor, () => tf.Tensor][] = [
      ['int ** int', () => dt.pow(dt.tensor(a, [7], 'int32'), dt.tensor(b, [7], 'int32')), () => tf.pow(tf.tensor(a, [7], 'int32'), tf.tensor(b, [7], 'int32'))],
      ['int ** 2', () => dt.pow(dt.tensor(a, [7], 'int32'), 2), () => tf.pow(tf.tensor(a, [7], 'int32'), tf.scalar(2, 'int32'))],
      ['x.pow(int)', () => dt.tensor(a, [7], 'int32').pow(dt.scalar(3, 'int32')), () => tf.tensor(a, [7], 'int32').pow(tf.scalar(3, 'int32'))],
      ['int ** 0.5', () => dt.pow(dt.tensor([4, 9], [2], 'int32'), 0.5), () => tf.pow(tf.tensor([4, 9], [2], 'float32'), 0.5)],
    ];
    for (const [what, ours, theirs] of cases) {
      const expected = theirs();
      for (const be of ['js', 'wasm'] as const) dt.withBackend(be, () => {
        const got = ours();
        assert.deepEqual([got.dtype, got.shape, Array.from(got.data)], [expected.dtype, expected.shape, Array.from(expected.dataSync())], `${what} ${be}`);
      });
    }
  });
});

describe('matMul of integers against TF.js', () => {
  it('int32 @ int32 is int32, as TF.js and NumPy (it gave float32), exact past 2^24; dot and a broadcast stack too', () => {
    const ints = (n: number, hi: number) => Array.from({ length: n }, () => Math.round(rng.uniform(-hi, hi)));
    const a = ints(6, 9), b = ints(12, 9);
    const cases: [string, () => dt.Tensor, () => tf.Tensor][] = [
      ['[2, 3] @ [3, 4]', () => dt.matMul(dt.tensor(a, [2, 3], 'int32'), dt.tensor(b, [3, 4], 'int32')), () => tf.matMul(tf.tensor(a, [2, 3], 'int32'), tf.tensor(b, [3, 4], 'int32'))],
      ['[3, 2]ᵀ @ [4, 3]ᵀ', () => dt.matMul(dt.tensor(a, [3, 2], 'int32'), dt.tensor(b, [4, 3], 'int32'), true, true), () => tf.matMul(tf.tensor(a, [3, 2], 'int32'), tf.tensor(b, [4, 3], 'int32'), true, true)],
      ['[2, 1, 3] @ [3, 4]', () => dt.matMul(dt.tensor(a, [2, 1, 3], 'int32'), dt.tensor(b, [3, 4], 'int32')), () => tf.matMul(tf.tensor(a, [2, 1, 3], 'int32'), tf.tensor(b, [3, 4], 'int32'))],
      ['dot', () => dt.dot(dt.tensor(a.slice(0, 3), [3], 'int32'), dt.tensor(b, [3, 4], 'int32')), () => tf.dot(tf.tensor(a.slice(0, 3), [3], 'int32'), tf.tensor(b, [3, 4], 'int32'))],
      ['past 2^24', () => dt.matMul(dt.tensor([4097, 1], [1, 2], 'int32'), dt.tensor([4097, 1], [2, 1], 'int32')), () => tf.matMul(tf.tensor([4097, 1], [1, 2], 'int32'), tf.tensor([4097, 1], [2, 1], 'int32'))],
    ];
    for (const [what, ours, theirs] of cases) {
      const expected = theirs();
      for (const be of ['js', 'wasm'] as const) dt.withBackend(be, () => {
        const got = ours();
        assert.deepEqual([got.dtype, got.shape, Array.from(got.data)], [expected.dtype, expected.shape, Array.from(expected.dataSync())], `${what} ${be}`);
      });
    }
    assert.deepEqual(Array.from(dt.matMul(dt.tensor([4097, 1], [1, 2], 'int32'), dt.tensor([4097, 1], [2, 1], 'int32')).data), [4097 * 4097 + 1]);
  });
});
