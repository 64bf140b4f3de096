// conv3d and conv3dTranspose against TensorFlow.js (tf.conv3d, tf.conv3dTranspose: outputs
// and gradients), finite differences in float64 on the reference backend, wasm against js,
// and the errors for bad ranks, shapes and options.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const rng = new Random(31);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');
const rand64 = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float64');
type T3 = [number, number, number];
type Pad = 'valid' | 'same';

/** Our value and gradients of sum(f(xs) * r) next to TF.js's. */
function compareWithTf(ours: (...xs: dt.Tensor[]) => dt.Tensor, theirs: (...xs: tf.Tensor[]) => tf.Tensor, xs: dt.Tensor[], what: string, grads = true): void {
  const y = ours(...xs);
  assertClose(y, theirs(...xs.map(toTf)), 1e-5, `${what} forward`);
  if (!grads) return;
  const r = rand(y.shape, 0.5, 1.5);
  const { grads: g } = dt.valueAndGrads(() => ours(...xs).mul(r).sum(), xs);
  const tfGrads = tf.grads((...ts: tf.Tensor[]) => theirs(...ts).mul(toTf(r)).sum())(xs.map(toTf));
  g.forEach((gi, i) => assertClose(gi, tfGrads[i], 1e-5, `${what} gradient ${i}`));
}

// [input, filter, strides, padding, dilations]: odd sizes, mixed strides, one- and 8-channel inputs.
const CONV_CASES: [number[], number[], T3, Pad, T3][] = [
  [[2, 5, 6, 7, 1], [3, 3, 3, 1, 4], [1, 1, 1], 'valid', [1, 1, 1]],
  [[2, 5, 6, 7, 3], [3, 2, 3, 3, 5], [2, 1, 2], 'same', [1, 1, 1]],
  [[1, 7, 5, 6, 8], [2, 3, 3, 8, 6], [2, 2, 2], 'valid', [1, 1, 1]],
  [[2, 4, 5, 5, 2], [1, 3, 2, 2, 3], [1, 2, 1], 'same', [1, 1, 1]],
  [[1, 6, 5, 4, 2], [3, 1, 1, 2, 3], [3, 1, 1], 'same', [1, 1, 1]],
];
const DILATED_CASES: [number[], number[], Pad, T3][] = [
  [[2, 7, 6, 7, 2], [3, 2, 3, 2, 3], 'valid', [2, 1, 2]],
  [[1, 6, 7, 5, 3], [2, 3, 2, 3, 4], 'same', [2, 2, 3]],
];
// [input, filter [kd, kh, kw, f, c], output spatial size, strides, padding]
const TRANSPOSE_CASES: [number[], number[], T3, T3, Pad][] = [
  [[2, 3, 4, 3, 4], [3, 3, 3, 2, 4], [6, 8, 6], [2, 2, 2], 'same'],
  [[1, 3, 2, 4, 3], [2, 3, 2, 5, 3], [8, 5, 8], [3, 2, 2], 'valid'],
  [[2, 4, 3, 3, 2], [3, 2, 3, 3, 2], [6, 4, 5], [1, 1, 1], 'valid'],
  [[1, 3, 3, 2, 8], [3, 3, 3, 4, 8], [5, 6, 3], [2, 2, 2], 'same'],
];

/** TF.js has no gradient of conv3dTranspose: by adjointness, sum(T(x, w) * r) = sum(x * conv3d(r, w)), whose gradients it has. */
function tfTransposeGrads(x: dt.Tensor, w: dt.Tensor, r: dt.Tensor, strides: T3, pad: Pad): tf.Tensor[] {
  const f = (xs: tf.Tensor, ws: tf.Tensor) => tf.conv3d(toTf(r) as tf.Tensor5D, ws as tf.Tensor5D, strides, pad).mul(xs).sum();
  return tf.grads(f)([toTf(x), toTf(w)]);
}

for (const backend of ['js', 'wasm']) {
  describe(`conv3d ops match TensorFlow.js on the ${backend} backend`, () => {
    before(() => dt.setBackend(backend));
    for (const [xs, ws, strides, padding] of CONV_CASES) {
      it(`conv3d ${JSON.stringify(xs)} * ${JSON.stringify(ws)}, strides ${strides}, ${padding}`, () => {
        compareWithTf((x, w) => dt.conv3d(x, w, strides, padding), (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides, padding), [rand(xs), rand(ws)], 'conv3d');
      });
    }
    it('conv3d with a bias (options form) is conv3d plus the bias', () => {
      const x = rand([2, 4, 5, 3, 3]), w = rand([3, 3, 2, 3, 4]), b = rand([4]);
      compareWithTf((x, w, b) => dt.conv3d(x, w, { strides: [1, 2, 1], padding: 'same', bias: b }),
        (x, w, b) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, [1, 2, 1], 'same').add(b), [x, w, b], 'conv3d bias');
    });
    for (const [xs, ws, padding, dilations] of DILATED_CASES) {
      // TF.js refuses the gradient of a dilated conv3d: outputs here, gradients by finite differences below.
      it(`dilated conv3d, dilations ${dilations}, ${padding} (forward)`, () => {
        compareWithTf((x, w) => dt.conv3d(x, w, 1, padding, 'NDHWC', dilations),
          (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, padding, 'NDHWC', dilations), [rand(xs), rand(ws)], 'dilated', false);
      });
    }
    it('one [d, h, w, c] volume runs as a batch of one (TF.js form)', () => {
      const x = rand([4, 5, 3, 2]), w = rand([2, 2, 2, 2, 3]);
      compareWithTf((x, w) => dt.conv3d(x, w, 1, 'same'), (x, w) => tf.conv3d(x as tf.Tensor4D, w as tf.Tensor5D, 1, 'same'), [x, w], 'rank 4');
      const y = rand([3, 2, 3, 3]), k = rand([2, 2, 2, 4, 3]);
      assertClose(dt.conv3dTranspose(y, k, [6, 4, 6, 4], 2, 'same'), tf.conv3dTranspose(toTf(y) as tf.Tensor4D, toTf(k) as tf.Tensor5D, [6, 4, 6, 4], 2, 'same'), 1e-5, 'rank-4 transpose');
    });
    for (const [xs, ws, out, strides, padding] of TRANSPOSE_CASES) {
      it(`conv3dTranspose ${JSON.stringify(xs)} -> ${out}, strides ${strides}, ${padding}`, () => {
        const x = rand(xs), w = rand(ws), shape = [xs[0], ...out, ws[3]];
        const y = dt.conv3dTranspose(x, w, shape, strides, padding);
        assertClose(y, tf.conv3dTranspose(toTf(x) as tf.Tensor5D, toTf(w) as tf.Tensor5D, shape as [number, number, number, number, number], strides, padding), 1e-5, 'forward');
        const r = rand(y.shape, 0.5, 1.5);
        const { grads } = dt.valueAndGrads(() => dt.conv3dTranspose(x, w, shape, strides, padding).mul(r).sum(), [x, w]);
        const expected = tfTransposeGrads(x, w, r, strides, padding);
        assertClose(grads[0], expected[0], 1e-5, 'dx');
        assertClose(grads[1], expected[1], 1e-5, 'dw');
      });
    }
  });
}

describe('conv3d ops: finite differences (float64, reference backend)', () => {
  before(() => dt.setBackend('js'));
  it('conv3d, strides and same padding', () => {
    checkGradients((x, w, b) => dt.conv3d(x, w, { strides: [2, 1, 2], padding: 'same', bias: b }), [rand64([1, 5, 4, 5, 2]), rand64([3, 2, 3, 2, 3]), rand64([3])]);
  });
  it('dilated conv3d (TF.js has no gradient of it)', () => {
    for (const [xs, ws, padding, dilations] of DILATED_CASES) {
      checkGradients((x, w) => dt.conv3d(x, w, { padding, dilations }), [rand64(xs.map((d, i) => (i === 0 ? 1 : d))), rand64(ws)]);
    }
  });
  it('grouped conv3d (groups 2) is each group convolved alone', () => {
    const x = rand64([1, 4, 4, 3, 4]), w = rand64([2, 3, 2, 2, 6]);
    checkGradients((x, w) => dt.conv3d(x, w, { groups: 2, padding: 'same' }), [x, w]);
    const y = dt.conv3d(x, w, { groups: 2, padding: 'same' });
    const halves = [0, 1].map((g) => dt.conv3d(dt.slice(x, [0, 0, 0, 0, 2 * g], [1, 4, 4, 3, 2]), dt.slice(w, [0, 0, 0, 0, 3 * g], [2, 3, 2, 2, 3]), { padding: 'same' }));
    assertClose(y, dt.concat(halves, 4), 1e-12, 'groups');
  });
  it('conv3dTranspose with dilations (Keras has them; TF.js does not)', () => {
    checkGradients((x, w) => dt.conv3dTranspose(x, w, [7, 5, 4], { strides: [1, 2, 1], padding: 'valid', dilations: [2, 1, 2] }), [rand64([1, 3, 2, 2, 2]), rand64([3, 2, 2, 3, 2])]);
    checkGradients((x, w) => dt.conv3dTranspose(x, w, [6, 4, 5], { strides: 2, padding: 'same' }), [rand64([1, 3, 2, 3, 2]), rand64([3, 3, 2, 2, 2])]);
    // Depth stride 2 with dilation 2: every tap in the even phase, none in the odd one (zeros).
    checkGradients((x, w) => dt.conv3dTranspose(x, w, [8, 3, 3], { strides: [2, 1, 1], padding: 'valid', dilations: [2, 1, 1] }), [rand64([1, 2, 2, 2, 2]), rand64([3, 2, 2, 2, 2])]);
  });
});

/** conv3dTranspose written out in float64: each input voxel scatters the kernel, TensorFlow's padding rule taken on the output. */
function bruteTranspose(x: dt.Tensor, w: dt.Tensor, out: T3, strides: T3, dilations: T3, padding: Pad): Float64Array {
  const [n, ...inSize] = x.shape, c = x.shape[4], k = w.shape.slice(0, 3), f = w.shape[3];
  const before = [0, 1, 2].map((a) => dt.outputSize(out[a], dt.dilatedSize(k[a], dilations[a]), strides[a], padding).padBefore);
  const y = new Float64Array(n * out[0] * out[1] * out[2] * f);
  for (let b = 0; b < n; b++) for (let i = 0; i < inSize[0]; i++) for (let j = 0; j < inSize[1]; j++) for (let l = 0; l < inSize[2]; l++) {
    for (let a = 0; a < k[0]; a++) for (let p = 0; p < k[1]; p++) for (let q = 0; q < k[2]; q++) {
      const at = [i, j, l].map((v, ax) => v * strides[ax] + [a, p, q][ax] * dilations[ax] - before[ax]);
      if (at.some((v, ax) => v < 0 || v >= out[ax])) continue;
      for (let o = 0; o < f; o++) for (let ch = 0; ch < c; ch++) {
        y[(((b * out[0] + at[0]) * out[1] + at[1]) * out[2] + at[2]) * f + o] += x.data[(((b * inSize[0] + i) * inSize[1] + j) * inSize[2] + l) * c + ch] * w.data[(((a * k[1] + p) * k[2] + q) * f + o) * c + ch];
      }
    }
  }
  return y;
}

describe('conv3dTranspose against its definition in float64 (dilations, which TF.js lacks; phases of every kind)', () => {
  before(() => dt.setBackend('js'));
  const cases: [number[], number[], T3, T3, T3, Pad][] = [
    [[1, 2, 2, 2, 2], [3, 2, 2, 2, 2], [8, 3, 3], [2, 1, 1], [2, 1, 1], 'valid'], // the odd phase meets no tap
    [[2, 3, 2, 3, 2], [3, 2, 3, 3, 2], [5, 4, 3], [2, 2, 1], [1, 1, 2], 'same'],
    [[1, 3, 3, 2, 3], [2, 3, 2, 2, 3], [9, 8, 4], [3, 2, 2], [2, 1, 1], 'valid'],
    [[1, 2, 3, 2, 2], [3, 3, 3, 2, 2], [5, 5, 2], [3, 2, 1], [3, 1, 1], 'same'],
  ];
  for (const [xs, ws, out, strides, dilations, padding] of cases) {
    it(`${JSON.stringify(xs)} -> ${out}, strides ${strides}, dilations ${dilations}, ${padding}`, () => {
      const x = rand64(xs), w = rand64(ws);
      const y = dt.conv3dTranspose(x, w, out, { strides, dilations, padding });
      assertClose(y, dt.tensor(bruteTranspose(x, w, out, strides, dilations, padding), y.shape, 'float64'), 1e-12, 'transpose');
    });
  }
});

describe('conv3d ops: wasm on a training-sized shape, against float64', () => {
  // 48 columns (3 taps x 16 channels) of 3x3 taps: conv2d's Winograd kernels on wasm, whose
  // filter gradient measured 5.5e-5 from float64 here (the reference backend's f32: 8e-6).
  it('forward and gradients', () => {
    const x = rand64([2, 6, 9, 8, 16]), w = rand64([3, 3, 3, 16, 16]);
    const run = (x: dt.Tensor, w: dt.Tensor) => {
      const r = dt.onesLike(dt.conv3d(x, w, 1, 'same'));
      return [dt.conv3d(x, w, 1, 'same'), ...dt.valueAndGrads(() => dt.conv3d(x, w, 1, 'same').mul(r).sum(), [x, w]).grads];
    };
    dt.setBackend('js');
    const expected = run(x, w);
    dt.setBackend('wasm');
    run(x.cast('float32'), w.cast('float32')).forEach((t, i) => assertClose(t, expected[i], 2e-4, `output ${i}`));
  });
});

describe('conv3d ops: clear errors', () => {
  const x = rand([1, 4, 4, 4, 2]), w = rand([3, 3, 3, 2, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ['rank-4 filter', () => dt.conv3d(x, rand([3, 3, 2, 3]), 1, 'valid'), /conv3d: expected a filter of rank 5/],
    ['rank-3 input', () => dt.conv3d(rand([4, 4, 2]), w, 1, 'valid'), /conv3d: expected input of rank 5/],
    ['channel mismatch', () => dt.conv3d(x, rand([3, 3, 3, 4, 3]), 1, 'valid'), /input has 2 channels.*filter must have 2 input channels/],
    ['bad pad', () => dt.conv3d(x, w, 1, 'full' as Pad), /conv3d: pad must be 'valid' or 'same', got "full"/],
    ['NCDHW', () => dt.conv3d(x, w, 1, 'valid', 'NCDHW' as 'NDHWC'), /only dataFormat 'NDHWC'/],
    ['zero stride', () => dt.conv3d(x, w, [1, 0, 1], 'valid'), /strides must be a positive integer or \[depth, height, width\]/],
    ['pair of strides', () => dt.conv3d(x, w, [1, 1] as unknown as T3, 'valid'), /strides must be a positive integer or \[depth, height, width\]/],
    ['filter too large', () => dt.conv3d(x, rand([5, 3, 3, 2, 3]), 1, 'valid'), /a 5x3x3 filter .* is larger than the 4x4x4 input/],
    ['bad bias', () => dt.conv3d(x, w, { bias: rand([2]) }), /bias must have shape \[3\]/],
    ['groups not dividing', () => dt.conv3d(x, rand([3, 3, 3, 1, 3]), { groups: 2 }), /groups=2 must divide/],
    ['transpose: wrong outputShape', () => dt.conv3dTranspose(x, rand([3, 3, 3, 3, 2]), [1, 9, 9, 9, 3], 1, 'valid'), /an output of 9x9x9 .* gives 7x7x7, not the input's 4x4x4/],
    ['transpose: filter channels', () => dt.conv3dTranspose(x, rand([3, 3, 3, 3, 5]), [1, 6, 6, 6, 3], 1, 'valid'), /expected a filter \[kd, kh, kw, filters, 2\]/],
    ['transpose: output channels', () => dt.conv3dTranspose(x, rand([3, 3, 3, 3, 2]), [1, 6, 6, 6, 4], 1, 'valid'), /outputShape's last axis 4 does not match the filter's 3/],
    ['transpose: outputShape rank', () => dt.conv3dTranspose(x, rand([3, 3, 3, 3, 2]), [6, 6, 6, 3], 1, 'valid'), /outputShape must have the input's rank \(5\)/],
  ];
  for (const [what, f, message] of cases) it(what, () => assert.throws(f, message));
});

describe('conv3d with a stride longer than the volume (one output slice)', () => {
  it('strides [1e9, 1e9, 1e9] give the same single output as [4, 4, 4], with no giant padding (it asked for 16e9 floats)', () => {
    const rng = new Random(9);
    const x = randomTensor([2, 4, 5, 3, 2], rng, -1, 1, 'float32'), w = randomTensor([2, 2, 2, 2, 3], rng, -1, 1, 'float32');
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
      const huge = dt.conv3d(x, w, [1e9, 1e9, 1e9], 'valid'), small = dt.conv3d(x, w, [4, 5, 3], 'valid');
      assert.deepEqual(huge.shape, [2, 1, 1, 1, 3]);
      assertClose(huge, small, 1e-6, `${b}: one slice`);
    });
  });
});
