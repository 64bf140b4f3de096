// Every differentiable op's gradient rule against finite differences (float64).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { gradRules } from '../src/ops/gradients.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(7);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
/** Values kept away from 0 and from each other, so kinks (relu, abs, max) are not straddled. */
const spread = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = rng.shuffle(Array.from({ length: n }, (_, i) => (i - n / 2 + 0.5) * 0.1));
  return dt.tensor(vals, shape, 'float64');
};

const covered = new Set<string>();
function op(name: keyof typeof gradRules, body: () => void): void {
  covered.add(name);
  it(name, body);
}

describe('gradients match finite differences', () => {
  for (const name of ['neg', 'exp', 'sigmoid', 'tanh', 'square'] as const) {
    op(name, () => checkGradients((x) => dt[name](x), [rand([3, 4])]));
  }
  for (const name of ['elu', 'selu', 'softplus', 'softsign', 'erf'] as const) {
    op(name, () => checkGradients((x) => dt[name](x), [spread([3, 4])]));
  }
  op('abs', () => checkGradients((x) => dt.abs(x), [spread([3, 4])]));
  op('relu', () => checkGradients((x) => dt.relu(x), [spread([3, 4])]));
  // -6.6 to 6.6 in steps of 1.2, each at least 0.6 from the kinks at 0 and 6: every region of relu6.
  op('relu6', () => checkGradients((x) => dt.relu6(x), [dt.mul(spread([3, 4]), 12)]));
  // relu's and relu6's gradient ops, linear in dy (y, an activation's output, gets none).
  op('reluGrad', () => { const y = dt.relu(spread([3, 4])); checkGradients((dy) => dt.reluGrad(dy, y), [rand([3, 4])]); });
  op('relu6Grad', () => { const y = dt.relu6(dt.mul(spread([3, 4]), 12)); checkGradients((dy) => dt.relu6Grad(dy, y), [rand([3, 4])]); });
  op('log', () => checkGradients((x) => dt.log(x), [rand([3, 4], 0.5, 2)]));
  op('sqrt', () => checkGradients((x) => dt.sqrt(x), [rand([3, 4], 0.5, 2)]));
  op('reciprocal', () => checkGradients((x) => dt.reciprocal(x), [rand([3, 4], 0.5, 2)]));

  for (const name of ['add', 'sub', 'mul'] as const) {
    op(name, () => {
      checkGradients((a, b) => dt[name](a, b), [rand([2, 3]), rand([2, 3])]);
      checkGradients((a, b) => dt[name](a, b), [rand([2, 1, 3]), rand([4, 1])]); // broadcasting both ways
      checkGradients((a, b) => dt[name](a, b), [rand([2, 3]), rand([])]);
    });
  }
  op('div', () => checkGradients((a, b) => dt.div(a, b), [rand([2, 3]), rand([3], 0.5, 2)]));
  op('pow', () => checkGradients((a, b) => dt.pow(a, b), [rand([2, 3], 0.5, 2), rand([3], 0.5, 2)]));
  op('maximum', () => checkGradients((a, b) => dt.maximum(a, b), [spread([2, 3]), spread([3]).add(0.03)]));
  op('minimum', () => checkGradients((a, b) => dt.minimum(a, b), [spread([2, 3]), spread([3]).add(0.03)]));

  op('sum', () => {
    checkGradients((x) => dt.sum(x), [rand([2, 3, 4])]);
    checkGradients((x) => dt.sum(x, [0, 2]), [rand([2, 3, 4])]);
    checkGradients((x) => dt.sum(x, 1, true), [rand([2, 3, 4])]);
  });
  op('max', () => checkGradients((x) => dt.max(x, 1), [spread([2, 3, 4])]));
  op('min', () => checkGradients((x) => dt.min(x, [0, 2]), [spread([2, 3, 4])]));
  op('broadcastTo', () => checkGradients((x) => dt.broadcastTo(x, [2, 3, 4]), [rand([3, 1])]));
  op('reshape', () => checkGradients((x) => dt.reshape(x, [4, -1]).mul(dt.range(0, 6, 1, 'float64')), [rand([2, 3, 4])]));
  op('transpose', () => checkGradients((x) => dt.transpose(x, [2, 0, 1]), [rand([2, 3, 4])]));
  op('concat', () => checkGradients((a, b) => dt.concat([a, b], 1), [rand([2, 3, 2]), rand([2, 1, 2])]));
  op('slice', () => {
    checkGradients((x) => x.index('1:3, ::2'), [rand([4, 5])]);
    checkGradients((x) => x.index(1), [rand([3, 2])]);
  });
  op('cast', () => checkGradients((x) => dt.cast(x, 'float64').mul(2), [rand([3])]));

  op('matMul', () => {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = tA ? rand([4, 3]) : rand([3, 4]);
      const b = tB ? rand([5, 4]) : rand([4, 5]);
      checkGradients((x, y) => dt.matMul(x, y, { transposeA: tA, transposeB: tB }), [a, b]);
    }
    checkGradients((x, y) => dt.matMul(x, y), [rand([2, 3, 4]), rand([2, 4, 2])]); // batched
  });

  op('conv2d', () => {
    const cases: [number[], number[], number, 'valid' | 'same'][] = [
      [[2, 6, 6, 2], [3, 3, 2, 3], 1, 'valid'],
      [[1, 6, 6, 2], [3, 3, 2, 2], 1, 'same'],
      [[1, 7, 7, 1], [3, 3, 1, 2], 2, 'same'],
      [[1, 7, 6, 2], [2, 2, 2, 2], 2, 'valid'],
      [[1, 6, 6, 1], [4, 4, 1, 2], 1, 'same'], // even kernel: the extra padding goes after
      [[1, 5, 5, 1], [1, 1, 1, 3], 1, 'valid'],
    ];
    for (const [xs, ws, s, padding] of cases) {
      checkGradients((x, w) => dt.conv2d(x, w, { strides: s, padding }), [rand(xs), rand(ws)]);
    }
    checkGradients((x, w, b) => dt.conv2d(x, w, { padding: 'same', bias: b }), [rand([2, 5, 5, 2]), rand([3, 3, 2, 3]), rand([3])]);
  });
  op('conv2dTranspose', () => {
    checkGradients((x, w) => dt.conv2dTranspose(x, w, [6, 6], { strides: 2, padding: 'same' }), [rand([1, 3, 3, 2]), rand([3, 3, 2, 2])]);
    checkGradients((x, w) => dt.conv2dTranspose(x, w, [5, 4], { padding: 'valid' }), [rand([2, 3, 2, 2]), rand([3, 3, 1, 2])]);
  });
  op('maxPool2d', () => {
    checkGradients((x) => dt.maxPool2d(x, 2), [spread([2, 4, 4, 3])]);
    checkGradients((x) => dt.maxPool2d(x, 3, { strides: 2, padding: 'same' }), [spread([1, 5, 5, 2])]);
  });
  op('avgPool2d', () => {
    checkGradients((x) => dt.avgPool2d(x, [3, 2], { strides: 2, padding: 'same' }), [rand([2, 5, 6, 3])]);
    checkGradients((x) => dt.avgPool2d(x, 2), [rand([1, 4, 5, 2])]);
  });
  op('pad', () => checkGradients((x) => dt.pad(x, [[0, 0], [1, 2], [0, 3], [0, 0]]), [rand([2, 3, 2, 2])]));
  op('resize', () => {
    checkGradients((x) => dt.resize(x, [5, 7], 'bilinear'), [rand([2, 3, 4, 2])]);
    checkGradients((x) => dt.resize(x, [2, 3], 'bilinear'), [rand([1, 5, 7, 2])]);
    checkGradients((x) => dt.resize(x, [5, 3], 'nearest'), [rand([1, 3, 4, 2])]);
  });
  op('softmax', () => {
    checkGradients((x) => dt.softmax(x), [rand([3, 5], -3, 3)]);
    checkGradients((x) => dt.softmax(x, 0), [rand([3, 5], -3, 3)]);
  });
  op('logSoftmax', () => checkGradients((x) => dt.logSoftmax(x), [rand([3, 5], -3, 3)]));
  op('sparseSoftmaxCrossEntropy', () => {
    const labels = dt.tensor([0, 4, 2], null, 'int32');
    checkGradients((x) => dt.sparseSoftmaxCrossEntropy(x, labels), [rand([3, 5], -3, 3)]);
  });

  op('batchNorm', () => {
    checkGradients((x, g, b) => dt.batchNormTrain(x, g, b, 1e-3).y, [rand([4, 3, 5]), rand([5], 0.5, 1.5), rand([5])]);
    checkGradients((x) => dt.batchNormTrain(x, null, null, 1e-3).y, [rand([6, 2])]); // center and scale off
  });
  op('concat', () => {
    checkGradients((a, b) => dt.concat([a, b], -1), [rand([2, 3, 2]), rand([2, 3, 4])]);
    checkGradients((a, b, c) => dt.concat([a, b, c], 0), [rand([1, 3]), rand([2, 3]), rand([1, 3])]);
  });
  op('imageTransform', () => {
    // A rotation-and-shift projective map (tf.image.transform's 8 numbers), bilinear, every fill mode.
    const t = dt.tensor([[0.9, -0.2, 0.6, 0.15, 1.05, -0.3, 0, 0]], null, 'float64');
    for (const fillMode of ['constant', 'reflect', 'wrap', 'nearest'] as const) {
      checkGradients((x) => dt.imageTransform(x, t, { interpolation: 'bilinear', fillMode, fillValue: 0.5 }), [rand([1, 5, 6, 2])]);
    }
  });
  op('channelAffine', () => {
    checkGradients((x, s, b) => dt.channelAffine(x, s, b), [rand([2, 3, 4]), rand([4]), rand([4])]);
    checkGradients((x, s) => dt.channelAffine(x, s), [rand([5, 2]), rand([2])]);
  });

  // The math functions (ops/math.ts), each on a domain where it is smooth.
  const MATH: [keyof typeof gradRules & keyof typeof dt, number, number][] = [['sin', -3, 3], ['cos', -3, 3], ['tan', -1.2, 1.2], ['asin', -0.9, 0.9],
    ['acos', -0.9, 0.9], ['atan', -3, 3], ['sinh', -2, 2], ['cosh', -2, 2], ['asinh', -3, 3], ['acosh', 1.1, 3], ['atanh', -0.9, 0.9],
    ['log1p', -0.9, 3], ['expm1', -2, 2], ['rsqrt', 0.2, 3]];
  for (const [name, lo, hi] of MATH) op(name, () => checkGradients((x) => (dt[name] as (x: dt.Tensor) => dt.Tensor)(x), [rand([3, 4], lo, hi)], { tol: 1e-5 }));
  // Zero away from their jumps (x itself added so the check sees a nonzero total).
  for (const name of ['floor', 'ceil', 'round'] as const) op(name, () => checkGradients((x) => dt[name](x).add(x.mul(0.5)), [dt.tensor([0.2, 1.3, -2.7, 3.1], [4], 'float64')]));
  op('mod', () => checkGradients((a, b) => dt.mod(a, b), [rand([2, 3], 0.1, 0.9), dt.tensor([1.1, -1.3, 2.2], [3], 'float64')]));
  op('atan2', () => checkGradients((a, b) => dt.atan2(a, b), [rand([2, 3], -2, 2), rand([3], 0.5, 2)]));
  op('select', () => checkGradients((a, b) => dt.where(dt.tensor([1, 0, 1, 0, 0, 1], [2, 3], 'uint8'), a, b), [rand([2, 3]), rand([3])]));
  op('gather', () => checkGradients((x) => dt.gather(x, [1, 1, 0, 2], 1), [rand([2, 3, 2])]));
  op('cumulative', () => {
    checkGradients((x) => dt.cumsum(x, 1, true, true), [rand([2, 3, 2])]);
    checkGradients((x) => dt.cumprod(x, 1), [rand([2, 3, 2])]);
  });

  // scatter.ts's scatterAdd (scatterND sums repeats) and customGrad (the rule is the user's: here the true one).
  op('scatterAdd', () => {
    checkGradients((u) => dt.scatterND(dt.tensor([2, 0, 2], [3, 1], 'int32'), u, [4, 2]), [rand([3, 2])]);
    checkGradients((x) => dt.unsortedSegmentSum(x, dt.tensor([2, 0, 2, 1], [4], 'int32'), 3), [rand([4, 3])]);
  });
  op('customGrad', () => {
    const cube = dt.customGrad((x) => ({ value: dt.pow(x as dt.Tensor, 3), gradFunc: (dy) => dt.mul(dy, dt.mul(dt.square(x as dt.Tensor), 3)) }));
    checkGradients((x) => cube(x), [rand([2, 3])]);
  });

  it('covers every op in the gradient table', () => {
    assert.deepEqual([...covered].sort(), Object.keys(gradRules).sort());
  });
});

describe('composed gradients', () => {
  it('flow through a small conv net end to end', () => {
    const labels = dt.tensor([1, 0], null, 'int32');
    const net = (x: dt.Tensor, w1: dt.Tensor, b1: dt.Tensor, w2: dt.Tensor) => {
      const h = dt.maxPool2d(dt.relu(dt.add(dt.conv2d(x, w1, { padding: 'same' }), b1)), 2);
      return dt.sparseSoftmaxCrossEntropy(dt.matMul(dt.reshape(h, [2, -1]), w2), labels);
    };
    checkGradients(net, [rand([2, 4, 4, 1]), rand([3, 3, 1, 2]), rand([2]), rand([8, 3])], { tol: 1e-5 });
  });
  it('accumulate when a tensor is used twice', () => {
    checkGradients((x) => x.mul(x).add(x.exp()), [rand([4])]);
  });
  it('give zeros for a variable the value does not depend on', () => {
    const a = rand([2]), b = rand([3]);
    const { grads } = dt.valueAndGrads(() => a.sum(), [a, b]);
    assert.deepEqual(Array.from(grads[1].data), [0, 0, 0]);
  });
});
