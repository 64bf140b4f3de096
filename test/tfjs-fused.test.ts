// TF.js's tf.fused (conv2d, depthwiseConv2d, matMul with bias and activation) against TF.js on
// the js and wasm backends: every activation, biases per channel and broadcast, the prelu
// weights and leakyrelu's alpha; gradients against TF.js's and by finite differences; the
// errors; and a compiled predict where the relu goes into the convolution's epilogue.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './helpers/oracle.ts';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(7);
const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid'] as const;
type Act = typeof ACTIVATIONS[number];

before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

/** Values for x, filter, bias and prelu weights; the same ones go to both libraries. */
interface Case { shapes: Record<string, number[]>; values: Record<string, number[]> }
const makeCase = (shapes: Record<string, number[]>): Case =>
  ({ shapes, values: Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, uniform(s.reduce((a, b) => a * b, 1), k === 'x' || k === 'a' ? -3 : -1, k === 'x' || k === 'a' ? 3 : 1)])) });
const inputs = <T>(c: Case, make: (v: number[], s: number[]) => T): Record<string, T> => Object.fromEntries(Object.keys(c.shapes).map((k) => [k, make(c.values[k], c.shapes[k])]));

const convCases = (depthwise: boolean): { name: string; c: Case; strides: number | [number, number]; pad: 'same' | 'valid' | number; dilations?: number }[] => {
  const outC = depthwise ? 3 * 2 : 5;
  const filter = depthwise ? [3, 3, 3, 2] : [3, 3, 3, 5];
  return [
    { name: 'per-channel bias, same', c: makeCase({ x: [2, 6, 5, 3], filter, bias: [outC], alpha: [outC] }), strides: 1, pad: 'same' },
    { name: 'broadcast bias [1, 1, outC], stride 2, valid', c: makeCase({ x: [2, 7, 7, 3], filter, bias: [1, 1, outC], alpha: [1] }), strides: 2, pad: 'valid' },
    { name: 'scalar-shaped bias [1], explicit pad, dilation 2', c: makeCase({ x: [1, 8, 7, 3], filter, bias: [1], alpha: [outC] }), strides: 1, pad: 1, dilations: 2 },
    { name: 'no bias, one [h, w, c] image', c: makeCase({ x: [6, 6, 3], filter, alpha: [outC] }), strides: [1, 2], pad: 'same' },
  ];
};

for (const depthwise of [false, true]) {
  const name = depthwise ? 'fused.depthwiseConv2d' : 'fused.conv2d';
  const ours = depthwise ? dt.fused.depthwiseConv2d : dt.fused.conv2d;
  const theirs = (depthwise ? tf.fused.depthwiseConv2d : tf.fused.conv2d) as (a: Record<string, unknown>) => tf.Tensor;
  describe(`${name} against TF.js`, () => {
    it('every activation, bias shape, stride, padding and dilation, on js and wasm', () => {
      for (const { name: what, c, strides, pad, dilations } of convCases(depthwise)) {
        for (const activation of ACTIVATIONS) {
          const args = (t: Record<string, unknown>) => ({ x: t.x, filter: t.filter, strides, pad: typeof pad === 'number' ? [[0, 0], [pad, pad], [pad, pad], [0, 0]] : pad,
            ...(dilations ? { dilations } : {}), ...(t.bias ? { bias: t.bias } : {}), activation,
            ...(activation === 'prelu' ? { preluActivationWeights: t.alpha } : {}), ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.3 } : {}) });
          const expected = theirs(args(inputs(c, (v, s) => tf.tensor(v, s))));
          for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
            const got = ours(args(inputs(c, (v, s) => dt.tensor(v, s))) as never);
            assert.deepEqual(got.shape, expected.shape, `${what} ${activation} ${b}: shape`);
            close(got.data, expected.dataSync(), `${name} ${what} ${activation} ${b}`);
          });
        }
      }
    });
    it("gradients of x, filter, bias and the prelu weights equal TF.js's", () => {
      const { c } = convCases(depthwise)[0];
      for (const activation of ACTIVATIONS) {
        const r = uniform(c.shapes.x[0] * c.shapes.x[1] * c.shapes.x[2] * (depthwise ? 6 : 5), 0.5, 1.5);
        const keys = activation === 'prelu' ? ['x', 'filter', 'bias', 'alpha'] : ['x', 'filter', 'bias'];
        const call = <T>(f: (a: Record<string, unknown>) => T, [x, filter, bias, alpha]: unknown[]) => f({ x, filter, strides: 1, pad: 'same', bias, activation,
          ...(activation === 'prelu' ? { preluActivationWeights: alpha } : {}), ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.1 } : {}) });
        const tfIn = keys.map((k) => tf.tensor(c.values[k], c.shapes[k]));
        const expected = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(call(theirs, t), tf.tensor(r, call(theirs, t).shape))))(tfIn);
        const dtIn = keys.map((k) => dt.tensor(c.values[k], c.shapes[k]));
        const got = dt.grads((...t: dt.Tensor[]) => { const y = call(ours as never, t) as dt.Tensor; return dt.sum(dt.mul(y, dt.tensor(r, y.shape))); })(dtIn);
        keys.forEach((k, i) => close(got[i].data, expected[i].dataSync(), `${name} ${activation} d${k}`, 1e-4));
      }
    });
    it('gradients by finite differences (float64)', () => {
      const f64 = (s: number[]) => randomTensor(s, rng, -1, 1);
      const filter = depthwise ? [2, 2, 2, 2] : [2, 2, 2, 3], outC = depthwise ? 4 : 3;
      for (const activation of ['linear', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
        checkGradients((x, w, bias, alpha) => ours({ x, filter: w, strides: 1, pad: 'same', bias, activation, ...(activation === 'prelu' ? { preluActivationWeights: alpha } : {}) }),
          [f64([1, 3, 3, 2]), f64(filter), f64([outC]), f64([outC])], { wrt: activation === 'prelu' ? [0, 1, 2, 3] : [0, 1, 2] });
      }
    });
  });
}

describe('fused.matMul against TF.js', () => {
  const cases = [
    { what: '[3, 4] @ [4, 5], bias [5]', c: makeCase({ a: [3, 4], b: [4, 5], bias: [5], alpha: [5] }), transposeA: false, transposeB: false },
    { what: 'transposed both, bias [3, 1]', c: makeCase({ a: [4, 3], b: [5, 4], bias: [3, 1], alpha: [1] }), transposeA: true, transposeB: true },
    { what: 'batched [2, 3, 4] @ [2, 4, 2], bias [2, 1, 2]', c: makeCase({ a: [2, 3, 4], b: [2, 4, 2], bias: [2, 1, 2], alpha: [2] }), transposeA: false, transposeB: false },
  ];
  it('every activation and bias shape, transposes, batches, on js and wasm', () => {
    for (const { what, c, transposeA, transposeB } of cases) {
      for (const activation of ACTIVATIONS) {
        const args = (t: Record<string, unknown>) => ({ a: t.a, b: t.b, transposeA, transposeB, bias: t.bias, activation,
          ...(activation === 'prelu' ? { preluActivationWeights: t.alpha } : {}), ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.05 } : {}) });
        const expected = tf.fused.matMul(args(inputs(c, (v, s) => tf.tensor(v, s))) as never);
        for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
          const got = dt.fused.matMul(args(inputs(c, (v, s) => dt.tensor(v, s))) as never);
          assert.deepEqual(got.shape, expected.shape, `${what} ${activation} ${b}: shape`);
          close(got.data, expected.dataSync(), `fused.matMul ${what} ${activation} ${b}`);
        });
      }
    }
  });
  it("gradients equal TF.js's and finite differences", () => {
    const { c } = cases[0];
    for (const activation of ACTIVATIONS) {
      const keys = activation === 'prelu' ? ['a', 'b', 'bias', 'alpha'] : ['a', 'b', 'bias'];
      const call = <T>(f: (a: never) => T, [a, b, bias, alpha]: unknown[]) => f({ a, b, bias, activation, ...(activation === 'prelu' ? { preluActivationWeights: alpha } : {}) } as never);
      const expected = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.square(call(tf.fused.matMul, t))))(keys.map((k) => tf.tensor(c.values[k], c.shapes[k])));
      const got = dt.grads((...t: dt.Tensor[]) => dt.sum(dt.square(call(dt.fused.matMul, t))))(keys.map((k) => dt.tensor(c.values[k], c.shapes[k])));
      keys.forEach((k, i) => close(got[i].data, expected[i].dataSync(), `fused.matMul ${activation} d${k}`, 1e-4));
      checkGradients((a, b, bias, alpha) => call(dt.fused.matMul, [a, b, bias, alpha]), [randomTensor([3, 4], rng), randomTensor([4, 2], rng), randomTensor([2], rng), randomTensor([2], rng)],
        { wrt: activation === 'prelu' ? [0, 1, 2, 3] : [0, 1, 2] });
    }
  });
});

describe('tf.fused with dimRoundingMode (session 26: refused)', () => {
  it('conv2d and depthwiseConv2d with a numeric pad round as TF.js, bias and relu in the epilogue', () => {
    const xv = uniform(2 * 6 * 7 * 2), wv = uniform(3 * 3 * 2 * 2), bv = uniform(2);
    for (const mode of ['floor', 'round', 'ceil'] as const) {
      for (const [name, ours, theirs, outC] of [['conv2d', dt.fused.conv2d, tf.fused.conv2d, 2], ['depthwiseConv2d', dt.fused.depthwiseConv2d, tf.fused.depthwiseConv2d, 4]] as const) {
        const want = theirs({ x: tf.tensor4d(xv, [2, 6, 7, 2]), filter: tf.tensor4d(wv, [3, 3, 2, 2]), strides: 2, pad: 1, dimRoundingMode: mode, bias: tf.tensor1d(uniform(outC).map((_, i) => bv[i % 2])), activation: 'relu' });
        for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
          const got = ours({ x: dt.tensor(xv, [2, 6, 7, 2]), filter: dt.tensor(wv, [3, 3, 2, 2]), strides: 2, pad: 1, dimRoundingMode: mode, bias: dt.tensor(Array.from({ length: outC }, (_, i) => bv[i % 2])), activation: 'relu' });
          assert.deepEqual(got.shape, want.shape, `${name} ${mode} ${b}: shape`);
          close(got.data, want.dataSync(), `${name} ${mode} ${b}`);
        });
      }
    }
  });
});

describe('tf.fused errors', () => {
  const x = dt.zeros([1, 4, 4, 2]), filter = dt.zeros([3, 3, 2, 3]);
  it('name the op, the argument, what was expected and what came', () => {
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', activation: 'gelu' as never }), /fused\.conv2d: activation must be one of 'linear', 'relu', 'relu6', 'elu', 'prelu', 'leakyrelu', 'sigmoid', got "gelu"/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', activation: 'prelu' }), /fused\.conv2d: activation 'prelu' needs preluActivationWeights/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', preluActivationWeights: dt.zeros([3]) }), /preluActivationWeights is given but activation is 'linear'/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: dt.zeros([4]) }), /fused\.conv2d: bias of shape \[4\] must broadcast to the output's shape \[1, 4, 4, 3\]/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: dt.zeros([2, 1, 1, 3]) }), /fused\.conv2d: bias of shape \[2, 1, 1, 3\] must broadcast to the output's shape \[1, 4, 4, 3\]/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', padding: 'same' } as never), /fused\.conv2d: unknown option 'padding' \(known: x, filter, strides, pad/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1, pad: 'same', dimRoundingMode: 'floor' }), /fused\.conv2d: dimRoundingMode 'floor' needs a numeric pad \(as in TF\.js\), got pad "same"/);
    assert.throws(() => dt.fused.conv2d({ x: [1, 2] as never, filter, strides: 1, pad: 'same' }), /fused\.conv2d: x must be a Tensor, got object/);
    assert.throws(() => dt.fused.conv2d({ x, filter, strides: 1 } as never), /fused\.conv2d: .*pad is required/);
    assert.throws(() => dt.fused.depthwiseConv2d({ x, filter: dt.zeros([3, 3, 3, 1]), strides: 1, pad: 'same' }), /depthwiseConv2d: expected a kernel \[kh, kw, 2, multiplier\]/);
    assert.throws(() => dt.fused.matMul({ a: dt.zeros([2, 3]), b: dt.zeros([3, 2]), leakyreluAlpha: NaN, activation: 'leakyrelu' }), /fused\.matMul: leakyreluAlpha must be a finite number, got NaN/);
    assert.throws(() => dt.fused.matMul({ a: dt.zeros([2, 3]), b: dt.zeros([2, 2]) }), /matMul: inner dimensions differ/);
    assert.throws(() => dt.fused.matMul({ a: dt.zeros([2, 3]), b: dt.zeros([3, 2]), transposeA: 1 as never }), /fused\.matMul: transposeA must be a boolean, got 1/);
  });
});

describe('tf.fused in a compiled predict', () => {
  it('a relu or relu6 goes into the convolution epilogue (conv2dActivation) and the plan equals eager', () => {
    for (const [activation, depthwise] of [['relu', false], ['relu6', false], ['relu6', true]] as const) {
      const filter = dt.randomUniform(depthwise ? [3, 3, 4, 2] : [3, 3, 4, 8], -0.5, 0.5, 'float32', 3), bias = dt.randomUniform([8], -0.5, 0.5, 'float32', 4);
      const f = (t: dt.Tensor) => (depthwise ? dt.fused.depthwiseConv2d : dt.fused.conv2d)({ x: t, filter, strides: 1, pad: 'same', bias, activation });
      const x = layers.input({ shape: [6, 6, 4] });
      const m = new models.Model({ inputs: x, outputs: new layers.Lambda({ fn: (t) => f(t as dt.Tensor), outputShape: [null, 6, 6, 8] }).apply(x) as never });
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
        for (const seed of [1, 2]) {
          const input = dt.randomUniform([2, 6, 6, 4], -2, 2, 'float32', seed);
          assert.deepEqual(Array.from((m.predict(input) as dt.Tensor).data), Array.from(f(input).data), `${activation} ${b} compiled vs eager`);
        }
      });
      const calls = [...(m as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans.values()].flatMap((p) => p.calls);
      assert.ok(calls.some((c) => c.kernel === 'conv2dActivation' && c.args[5] === activation), calls.map((c) => c.kernel).join(', '));
      assert.ok(!calls.some((c) => c.kernel === 'unary'), `no separate activation: ${calls.map((c) => c.kernel).join(', ')}`);
    }
  });
});
