// The convolution family's ops: dilated, grouped, depthwise, transposed and 1-D convolutions
// against TensorFlow.js (forward and gradients), finite differences in float64 on the
// reference backend, and the wasm kernels against the reference on odd shapes.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';

const rng = new Random(23);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi, 'float32');
const rand64 = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float64');

/** Our value and gradients of sum(f(xs) * r) next to TF.js's, within 1e-5. */
function compareWithTf(ours: (...xs: dt.Tensor[]) => dt.Tensor, theirs: (...xs: tf.Tensor[]) => tf.Tensor, xs: dt.Tensor[], what: string): void {
  const y = ours(...xs);
  assertClose(y, theirs(...xs.map(toTf)), 1e-5, `${what} forward`);
  const r = rand(y.shape, 0.5, 1.5);
  const { grads } = dt.valueAndGrads(() => ours(...xs).mul(r).sum(), xs);
  const tfGrads = tf.grads((...ts: tf.Tensor[]) => theirs(...ts).mul(toTf(r)).sum())(xs.map(toTf));
  grads.forEach((g, i) => assertClose(g, tfGrads[i], 1e-5, `${what} gradient ${i}`));
}

/**
 * TF.js has no gradients of dilated convolutions: the same convolution by the kernel spread
 * out with zeros between its taps (built with differentiable ops, so w's gradient flows).
 */
function tfDilate(w: tf.Tensor, d: [number, number]): tf.Tensor {
  let k = w;
  for (const axis of [0, 1]) {
    const n = k.shape[axis]!, step = d[axis];
    if (step === 1) continue;
    const zeros = tf.zeros([...k.shape.slice(0, axis + 1), step - 1, ...k.shape.slice(axis + 1)] as number[]);
    const spread = tf.concat([k.expandDims(axis + 1), zeros], axis + 1); // [.., n, step, ..]
    const flat = spread.reshape([...k.shape.slice(0, axis), n * step, ...k.shape.slice(axis + 1)] as number[]);
    k = tf.slice(flat, Array(k.rank).fill(0), k.shape.map((s, a) => (a === axis ? (n - 1) * step + 1 : s!)) as number[]);
  }
  return k;
}

/** TF.js has no grouped convolution: the groups' convolutions, concatenated. */
function tfGrouped(x: tf.Tensor4D, w: tf.Tensor4D, groups: number, strides: number, padding: 'valid' | 'same', dilations: number): tf.Tensor {
  const xs = tf.split(x, groups, 3), ws = tf.split(w, groups, 3);
  return tf.concat(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, tfDilate(ws[g], [dilations, dilations]) as tf.Tensor4D, strides, padding)), 3);
}

for (const backend of ['js', 'wasm']) {
  describe(`convolution ops match TensorFlow.js on the ${backend} backend`, () => {
    before(() => dt.setBackend(backend));
    for (const [dilation, padding] of [[2, 'valid'], [2, 'same'], [3, 'same']] as const) {
      it(`dilated conv2d, dilation ${dilation}, padding ${padding}`, () => {
        for (const c of [3, 8]) {
          compareWithTf((x, w) => dt.conv2d(x, w, { padding, dilations: dilation }),
            (x, w) => tf.conv2d(x as tf.Tensor4D, tfDilate(w, [dilation, dilation]) as tf.Tensor4D, 1, padding), [rand([2, 9, 10, c]), rand([3, 3, c, 8])], `dilated c=${c}`);
          // TF.js's own dilated forward pass agrees.
          const x = rand([1, 9, 10, c]), w = rand([3, 3, c, 8]);
          assertClose(dt.conv2d(x, w, { padding, dilations: dilation }), tf.conv2d(toTf(x) as tf.Tensor4D, toTf(w) as tf.Tensor4D, 1, padding, 'NHWC', dilation), 1e-5, 'tf dilated');
        }
      });
    }
    for (const [groups, c, f] of [[2, 4, 6], [4, 16, 8], [3, 9, 3]] as const) {
      it(`grouped conv2d, ${groups} groups of ${c} channels to ${f} filters`, () => {
        for (const [strides, padding, dilation] of [[1, 'same', 1], [2, 'valid', 1], [1, 'same', 2]] as const) {
          compareWithTf((x, w) => dt.conv2d(x, w, { strides, padding, dilations: dilation, groups }),
            (x, w) => tfGrouped(x as tf.Tensor4D, w as tf.Tensor4D, groups, strides, padding, dilation),
            [rand([2, 7, 8, c]), rand([3, 3, c / groups, f])], `groups ${groups} strides ${strides} ${padding} dilation ${dilation}`);
        }
      });
    }
    for (const [m, strides, padding, dilation, k] of [[1, 1, 'same', 1, 3], [2, 2, 'valid', 1, 3], [1, 2, 'same', 1, 5], [3, 1, 'valid', 2, 3], [1, 1, 'same', 2, 3]] as const) {
      it(`depthwiseConv2d, multiplier ${m}, ${k}x${k}, strides ${strides}, ${padding}, dilation ${dilation}`, () => {
        for (const c of [3, 8]) {
          compareWithTf((x, w, b) => dt.depthwiseConv2d(x, w, { strides, padding, dilations: dilation, bias: b }),
            (x, w, b) => tf.depthwiseConv2d(x as tf.Tensor4D, tfDilate(w, [dilation, dilation]) as tf.Tensor4D, strides, padding).add(b),
            [rand([2, 9, 8, c]), rand([k, k, c, m]), rand([c * m])], `depthwise c=${c}`);
        }
      });
    }
    for (const [strides, padding, k, inHW] of [[2, 'same', 3, 4], [2, 'valid', 3, 4], [1, 'same', 3, 5], [3, 'valid', 2, 3], [2, 'same', 4, 3]] as const) {
      it(`conv2dTranspose, ${k}x${k}, strides ${strides}, ${padding}`, () => {
        for (const [c, f] of [[3, 2], [16, 8]]) {
          const size = dt.transposedSize(inHW, k, strides, padding);
          compareWithTf((x, w) => dt.conv2dTranspose(x, w, [size, size], { strides, padding }),
            (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, size, size, f], strides, padding),
            [rand([2, inHW, inHW, c]), rand([k, k, f, c])], `transpose c=${c} f=${f}`);
        }
      });
    }
    for (const [stride, padding, dilation] of [[1, 'valid', 1], [2, 'same', 1], [1, 'causal', 2], [1, 'causal', 1], [1, 'same', 2]] as const) {
      it(`conv1d, stride ${stride}, ${padding}, dilation ${dilation}`, () => {
        // TF.js's conv1d has no causal padding: the same as zeros padded on the left, then valid.
        const theirs = (x: tf.Tensor, w: tf.Tensor) => padding === 'causal'
          ? tf.conv1d(tf.pad(x as tf.Tensor3D, [[0, 0], [2 * dilation, 0], [0, 0]]), tfDilate(w, [dilation, 1]) as tf.Tensor3D, stride, 'valid')
          : tf.conv1d(x as tf.Tensor3D, tfDilate(w, [dilation, 1]) as tf.Tensor3D, stride, padding);
        compareWithTf((x, w) => dt.conv1d(x, w, { stride, padding, dilation }), theirs, [rand([2, 11, 4]), rand([3, 4, 5])], 'conv1d');
      });
    }
  });
}

describe('convolution gradients match finite differences (float64, reference backend)', () => {
  before(() => dt.setBackend('js'));
  it('conv2d with dilation, strides and groups together', () => {
    checkGradients((x, w, b) => dt.conv2d(x, w, { strides: [2, 1], padding: 'same', dilations: [2, 1], groups: 2, bias: b }),
      [rand64([1, 7, 6, 4]), rand64([3, 2, 2, 4]), rand64([4])]);
  });
  it('depthwiseConv2d with a multiplier, stride 2 and dilation 2', () => {
    checkGradients((x, w) => dt.depthwiseConv2d(x, w, { strides: 2, padding: 'same', dilations: 2 }), [rand64([1, 7, 7, 2]), rand64([3, 3, 2, 2])]);
  });
  it('conv2dTranspose with strides, dilation and an output padding', () => {
    const size = dt.transposedSize(3, 3, 2, 'same', 1, 1);
    checkGradients((x, w) => dt.conv2dTranspose(x, w, [size, size], { strides: 2, padding: 'same' }), [rand64([1, 3, 3, 2]), rand64([3, 3, 3, 2])]);
    checkGradients((x, w) => dt.conv2dTranspose(x, w, [7, 7], { padding: 'valid', dilations: 2 }), [rand64([1, 3, 3, 2]), rand64([3, 3, 2, 2])]);
  });
  it('conv1d, causal and dilated', () => {
    checkGradients((x, w) => dt.conv1d(x, w, { padding: 'causal', dilation: 2 }), [rand64([2, 6, 3]), rand64([2, 3, 2])]);
  });
});

describe('conv2dTranspose against its definition (float64): every input pixel scatters its kernel', () => {
  before(() => dt.setBackend('js'));
  it('strides 2, same, output padding 1', () => {
    const x = rand64([1, 3, 3, 2]), w = rand64([3, 3, 2, 2]);
    const size = dt.transposedSize(3, 3, 2, 'same', 1, 1); // (3 - 1) * 2 + 3 - 2 * 1 + 1 = 6
    assert.equal(size, 6);
    // TensorFlow's rule for the convolution of a 6x6 image by a 3x3 kernel at stride 2, 'same':
    // 3 outputs, (3 - 1) * 2 + 3 - 6 = 1 padding pixel in all, none of it on the leading side.
    const y = dt.conv2dTranspose(x, w, [size, size], { strides: 2, padding: 'same' });
    const expected = new Float64Array(size * size * 2), pad = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 2; c++) {
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let f = 0; f < 2; f++) {
        const oh = i * 2 + kh - pad, ow = j * 2 + kw - pad;
        if (oh < 0 || ow < 0 || oh >= size || ow >= size) continue;
        expected[(oh * size + ow) * 2 + f] += x.data[(i * 3 + j) * 2 + c] * w.data[((kh * 3 + kw) * 2 + f) * 2 + c];
      }
    }
    assertClose(y, dt.tensor(expected, [1, size, size, 2], 'float64'), 1e-12, 'transposed conv by its definition');
  });
});

describe('convolution shape rules give clear errors', () => {
  it('a negative or zero dilation', () => {
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 2]), rand([3, 3, 2, 2]), { dilations: -1 }), /conv2d: dilations must be positive integers, got -1/);
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 2]), rand([3, 3, 2, 2]), { dilations: [1, 0] }), /dilations must be positive integers, got \[1,0\]/);
  });
  it('groups that do not divide the channels, and a kernel of the wrong depth', () => {
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 6]), rand([3, 3, 2, 4]), { groups: 4 }), /groups=4 must divide the 6 input channels/);
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 6]), rand([3, 3, 3, 5]), { groups: 2 }), /groups=2 must divide the 5 output channels/);
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 6]), rand([3, 3, 2, 4]), { groups: 2 }), /with groups=2 the kernel must have 3 input channels; got kernel shape \[3, ?3, ?2, ?4\]/);
  });
  it('a kernel larger than the padded input', () => {
    assert.throws(() => dt.conv2d(rand([1, 4, 4, 1]), rand([5, 5, 1, 1])), /a 5x5 kernel is larger than the 4x4 input padded with "valid"/);
    assert.throws(() => dt.conv2d(rand([1, 5, 5, 1]), rand([3, 3, 1, 1]), { dilations: 3 }), /spanning 7x7 with dilations \[3, 3\]/);
    assert.throws(() => dt.depthwiseConv2d(rand([1, 2, 2, 3]), rand([3, 3, 3, 1])), /depthwiseConv2d: a 3x3 kernel is larger than the 2x2 input/);
  });
  it('transposed output sizes that do not convolve back to the input', () => {
    assert.throws(() => dt.conv2dTranspose(rand([1, 3, 3, 2]), rand([3, 3, 4, 2]), [9, 9], { strides: 2, padding: 'same' }), /gives 5x5, not the input's 3x3/);
    assert.throws(() => dt.conv2dTranspose(rand([1, 3, 3, 2]), rand([3, 3, 4, 3]), [6, 6]), /kernel \[kh, kw, filters, 2\]/);
  });
});

/** Max relative difference |a - b| / max(1, |a|) of two tensors of one shape. */
function assertNear(a: dt.Tensor, b: dt.Tensor, what: string, tolerance = 1e-5): void {
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < a.size; i++) {
    const err = Math.abs(a.data[i] - b.data[i]) / Math.max(1, Math.abs(a.data[i]));
    assert.ok(err < tolerance, `${what}: element ${i}: js ${a.data[i]} vs wasm ${b.data[i]}`);
  }
}

/** f's value and its gradients with respect to xs on both backends, within 1e-5 relative. */
function conform(what: string, f: (...xs: dt.Tensor[]) => dt.Tensor, xs: dt.Tensor[]): void {
  const r = rand(dt.withBackend('js', () => f(...xs)).shape, 0.5, 1.5);
  const run = () => { const { grads } = dt.valueAndGrads(() => f(...xs).mul(r).sum(), xs); return [f(...xs), ...grads]; };
  const onJs = dt.withBackend('js', run), onWasm = dt.withBackend('wasm', run);
  onJs.forEach((t, i) => assertNear(t, onWasm[i], `${what} [${i === 0 ? 'value' : `grad ${i - 1}`}]`));
}

describe('wasm convolution kernels conform to the reference on odd shapes', () => {
  // [input channels, filters, groups]: im2col and direct paths, depthwise (with a multiplier), grouped.
  const kinds = [[3, 5, 1], [8, 16, 1], [12, 6, 1], [8, 8, 8], [5, 10, 5], [8, 8, 2]] as const;
  for (const strides of [1, 2, 3]) {
    for (const dilation of [1, 2]) {
      for (const padding of ['valid', 'same'] as const) {
        it(`strides ${strides}, dilation ${dilation}, padding ${padding}`, () => {
          for (const [c, f, groups] of kinds) {
            const x = rand([3, 11, 9, c]), w = rand([3, 2, c / groups, f]), b = rand([f]);
            conform(`c=${c} f=${f} groups=${groups}`, (x, w, b) => dt.conv2d(x, w, { strides, padding, dilations: dilation, groups, bias: b }), [x, w, b]);
          }
          const size = dt.transposedSize(5, 3, strides, padding, dilation);
          for (const [c, f] of [[8, 16], [4, 1]]) {
            conform(`transposed c=${c} f=${f}`, (x, w) => dt.conv2dTranspose(x, w, [size, size], { strides, padding, dilations: dilation }), [rand([2, 5, 5, c]), rand([3, 3, f, c])]);
          }
        });
      }
    }
  }
  it('batch 1 (an image\'s rows split between threads) and batch 5 (images and rows unevenly split)', () => {
    for (const batch of [1, 5]) {
      for (const [c, f, groups] of [[8, 16, 1], [8, 8, 8], [4, 8, 4]] as const) {
        for (const [strides, dilation] of [[1, 1], [2, 1], [1, 2], [3, 1]] as const) {
          conform(`batch ${batch} c=${c} f=${f} groups=${groups} strides ${strides} dilation ${dilation}`,
            // (batch 5 on smaller images: a filter gradient sums batch * outH * outW float32
            // products, and longer sums drift past 1e-5 by summation order alone)
            (x, w, b) => dt.conv2d(x, w, { strides, padding: 'same', dilations: dilation, groups, bias: b }),
            [rand(batch === 1 ? [1, 13, 10, c] : [5, 7, 5, c]), rand([3, 3, c / groups, f]), rand([f])]);
        }
      }
    }
  });
  it('conv2dActivation (the fused epilogue) equals conv2d then relu, on every kernel path', () => {
    const wasm = new WasmBackend(2);
    for (const [c, f, groups] of kinds) {
      for (const strides of [1, 2]) {
        const x = rand([2, 9, 7, c]), w = rand([3, 3, c / groups, f]), b = rand([f]);
        const info = dt.convInfo(x.shape, w.shape, { strides, padding: 'same', groups });
        const expected = dt.withBackend('js', () => dt.relu(dt.conv2d(x, w, { strides, padding: 'same', groups, bias: b })));
        const out = new Float32Array(expected.size);
        wasm.conv2dActivation(x.data, w.data, b.data, out, info, 'relu');
        assertNear(expected, dt.tensor(out, expected.shape, 'float32'), `relu epilogue c=${c} f=${f} groups=${groups} strides ${strides}`);
      }
    }
  });
});

describe('wasm conv2dMaxPool and conv2dBackpropFilterPooled conform to the reference, fused kernels or not', () => {
  it('tiling 2x2 poolings and others, 1, 3 and 8 channels', () => {
    const wasm = new WasmBackend(2), js = new JsBackend();
    for (const [c, hw, pool, stride, convStrides] of [[1, 8, 2, 2, 1], [3, 8, 2, 2, 1], [8, 8, 2, 2, 1], [8, 9, 3, 2, 1], [3, 7, 2, 2, 2], [8, 10, 2, 1, 1]] as const) {
      const x = rand([3, hw, hw, c]), w = rand([3, 3, c, 8]), b = rand([8]);
      const conv = dt.convInfo(x.shape, w.shape, { strides: convStrides, padding: 'same' });
      const pi = dt.poolInfo([3, conv.outH, conv.outW, 8], pool, stride, 'valid');
      const n = 3 * pi.outH * pi.outW * 8;
      const run = (be: WasmBackend | JsBackend) => {
        const out = new Float32Array(n), argmax = new Int32Array(n), dw = new Float32Array(w.size);
        be.conv2dMaxPool(x.data, w.data, b.data, out, argmax, conv, pi);
        const dyPool = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
        be.conv2dBackpropFilterPooled(x.data, dyPool, argmax, dw, conv, pi);
        return [dt.tensor(out, [n], 'float32'), dt.tensor(dw, [w.size], 'float32'), argmax];
      };
      const [jo, jdw, ja] = run(js), [wo, wdw, wa] = run(wasm);
      const what = `c=${c} ${hw}x${hw} pool ${pool}/${stride} conv strides ${convStrides}`;
      assertNear(jo as dt.Tensor, wo as dt.Tensor, `${what} pooled`);
      assert.deepEqual(Array.from(wa as Int32Array), Array.from(ja as Int32Array), `${what} argmax`);
      assertNear(jdw as dt.Tensor, wdw as dt.Tensor, `${what} filter gradient`);
    }
  });
});

describe('Winograd F(2x2, 3x3) against the direct convolution', () => {
  it('odd sizes, valid and same, bias and relu: within 1e-4 of float64 (issue #15\'s bound; both errors printed)', (t) => {
    const wasm = new WasmBackend(2), direct = new WasmBackend(2);
    wasm.convAlgorithm = 'winograd';
    direct.convAlgorithm = 'direct';
    let worst = 0, worstDirect = 0;
    for (const [n, h, w, c, f, padding] of [[2, 7, 9, 8, 12, 'same'], [3, 8, 8, 32, 32, 'same'], [1, 11, 6, 16, 4, 'valid'], [2, 5, 5, 4, 8, 'valid'], [1, 16, 16, 64, 64, 'same'], [2, 8, 8, 128, 128, 'same']] as const) {
      const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
      const info = dt.convInfo(x.shape, k.shape, { padding });
      const exact = dt.withBackend('js', () => dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, bias: b.cast('float64') }));
      for (const act of [null, 'relu'] as const) {
        const out = new Float32Array(exact.size);
        if (act) wasm.conv2dActivation(x.data, k.data, b.data, out, info, act);
        else wasm.conv2d(x.data, k.data, b.data, out, info);
        const expected = act ? dt.withBackend('js', () => dt.relu(exact)) : exact;
        assertNear(expected, dt.tensor(out, exact.shape, 'float32'), `winograd ${[n, h, w, c, f]} ${padding} ${act ?? ''}`, 1e-4);
        const plain = new Float32Array(exact.size);
        direct.conv2d(x.data, k.data, b.data, plain, info);
        for (let i = 0; i < out.length; i++) {
          const scale = Math.max(1, Math.abs(expected.data[i]));
          worst = Math.max(worst, Math.abs(out[i] - expected.data[i]) / scale);
          if (!act) worstDirect = Math.max(worstDirect, Math.abs(plain[i] - exact.data[i]) / scale);
        }
      }
    }
    t.diagnostic(`worst error vs the float64 convolution, relative to max(1, |y|): Winograd F(2x2,3x3) ${worst.toExponential(2)}, direct ${worstDirect.toExponential(2)}`);
  });
});

describe('Winograd in training: value and gradients on wasm (Winograd forced) match the reference', () => {
  it('3x3 stride 1, same and valid, 8 and 12 channels', () => {
    const wasm = new WasmBackend(2);
    wasm.convAlgorithm = 'winograd';
    for (const padding of ['same', 'valid'] as const) {
      const x = rand([2, 7, 6, 8]), w = rand([3, 3, 8, 12]);
      const info = dt.convInfo(x.shape, w.shape, { padding });
      const dy = rand([2, info.outH, info.outW, 12]);
      const dx = new Float32Array(x.size), expected = new Float32Array(x.size);
      wasm.conv2dBackpropInput(dy.data, w.data, dx, info);
      new JsBackend().conv2dBackpropInput(dy.data, w.data, expected, info);
      assertNear(dt.tensor(expected, x.shape, 'float32'), dt.tensor(dx, x.shape, 'float32'), `input gradient by Winograd, ${padding}`);
    }
  });
});
