// ResNet-20's 16-channel 3x3 convolutions on wasm: Winograd F(4x4, 3x3) from 16 channels
// (winogradTuning.minChannels4 = 16 or sixteenInputChannels, which 'auto' then picks at 16 -> 16
// on 32x32; both off by default, undecided: see winogradTuning) against a
// float64 convolution (within its documented bound, 1e-4 relative: issue #15's for Winograd),
// the direct kernel and the reference backend, and the shapes it leaves to the direct kernel
// (channels not multiples of 4, strides 2-3, dilation 2) equal to what the direct kernel gives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { WINOGRAD4_MIN_CHANNELS, winogradChoice, winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import type { ConvAlgorithm } from '../src/backends/wasm/winograd-kernels.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { worstError } from './helpers/compare.ts';
import { convForward, EPILOGUES, type Epilogue } from './helpers/conv-epilogue.ts';

const rng = new Random(16);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

function backendWith(threads: number, alg: ConvAlgorithm): WasmBackend {
  const b = new WasmBackend(threads);
  b.convAlgorithm = alg;
  return b;
}

/** Runs body with these winogradTuning settings, then restores the defaults. */
function withTuning<T>(settings: Partial<typeof winogradTuning>, body: () => T): T {
  const before = { ...winogradTuning };
  Object.assign(winogradTuning, settings);
  try { return body(); } finally { Object.assign(winogradTuning, before); }
}
/** Runs body with F(4x4) allowed from `channels` channels. */
const withMinChannels = <T>(channels: number, body: () => T): T => withTuning({ minChannels4: channels }, body);

function exact(x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, r: dt.Tensor, info: ConvInfo, ep: Epilogue, padding: 'same' | 'valid', strides = 1, dilations = 1): Float64Array {
  return dt.withBackend('js', () => {
    let y = dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, strides, dilations, ...(ep === 'none' ? {} : { bias: b.cast('float64') }) });
    if (ep === 'residual') y = dt.relu(y.add(r.cast('float64').reshape(y.shape)));
    if (ep === 'relu') y = dt.relu(y);
    if (ep === 'relu6') y = dt.minimum(dt.relu(y), 6);
    return y.data as Float64Array;
  });
}


describe('16-channel 3x3 convolutions by F(4x4) (winogradTuning.minChannels4 = 16)', () => {
  it("'auto' picks F(4x4) at ResNet-20's 16 -> 16 on 32x32 only when allowed, and only where it fits", () => {
    const info = (c: number, f: number, o: Partial<ConvInfo> = {}): ConvInfo => ({ ...dt.convInfo([64, 32, 32, c], [3, 3, c, f], { padding: 'same' }), ...o });
    assert.equal(WINOGRAD4_MIN_CHANNELS, 32);
    assert.equal(winogradChoice(info(16, 16), 'auto'), 'winograd4', 'default: sixteenInputChannels');
    withTuning({ sixteenInputChannels: false }, () => assert.equal(winogradChoice(info(16, 16), 'auto'), null, 'without it: the direct kernel below 32 channels'));
    withMinChannels(16, () => {
      assert.equal(winogradChoice(info(16, 16), 'auto'), 'winograd4');
      assert.equal(winogradChoice(info(32, 16), 'auto'), 'winograd4');
      assert.equal(winogradChoice(info(12, 16), 'auto'), null, '12 channels: below the bound');
      assert.equal(winogradChoice(info(18, 16), 'auto'), null, 'channels not a multiple of 4');
      assert.equal(winogradChoice(info(16, 16, { strideH: 2, strideW: 2, outH: 16, outW: 16 }), 'auto'), null, 'stride 2');
      assert.equal(winogradChoice(info(16, 16, { dilationH: 2, dilationW: 2 }), 'auto'), null, 'dilation 2');
    });
  });

  it("sixteenInputChannels: F(4x4) where 16 input channels meet 16+ output channels, nowhere else below 32", () => {
    const info = (c: number, f: number): ConvInfo => dt.convInfo([64, 32, 32, c], [3, 3, c, f], { padding: 'same' });
    withTuning({ sixteenInputChannels: true }, () => {
      assert.equal(winogradChoice(info(16, 16), 'auto'), 'winograd4');
      assert.equal(winogradChoice(info(16, 32), 'auto'), 'winograd4', "the seed model's input gradient (flipped 32 -> 16)");
      assert.equal(winogradChoice(info(32, 16), 'auto'), null, "the seed model's 32 -> 16 forward: 32 channels summed");
      assert.equal(winogradChoice(info(16, 8), 'auto'), null);
      assert.equal(winogradChoice(info(20, 20), 'auto'), null);
      assert.equal(winogradChoice(info(32, 32), 'auto'), 'winograd4', 'from 32 channels as before');
      // End to end: 'auto' then gives F(4x4)'s bits, within its bound of float64.
      const x = rand([2, 12, 12, 16]), k = rand([3, 3, 16, 16]), b = rand([16]);
      const ci = dt.convInfo(x.shape, k.shape, { padding: 'same' }), r = rand([2 * 12 * 12 * 16]);
      const a = convForward(backendWith(2, 'auto'), x, k, b, r, ci, 'relu'), w4 = convForward(backendWith(1, 'winograd4'), x, k, b, r, ci, 'relu');
      assert.deepEqual(a, w4);
      assert.ok(worstError(a, exact(x, k, b, r, ci, 'relu', 'same')) < 1e-4);
    });
  });

  it('forward: within 1e-4 of float64 and of the direct kernel, 1 and 2 threads bitwise alike, batch 1 and 3, both paddings, every epilogue', (t) => {
    const one = backendWith(1, 'auto'), two = backendWith(2, 'auto'), direct = backendWith(1, 'direct');
    let worst = 0, worstDirect = 0;
    withMinChannels(16, () => {
      // [batch, h, w, C, F, padding]: odd sizes (edge tiles both ways), 16..24 channels, 16 tiles or more ('auto' needs them).
      for (const [n, h, w, c, f, padding] of [[1, 13, 17, 16, 16, 'same'], [3, 11, 9, 16, 16, 'valid'], [3, 10, 9, 20, 16, 'same'], [1, 16, 15, 16, 24, 'same'],
        [3, 7, 12, 24, 20, 'valid'], [1, 32, 32, 16, 16, 'same'], [2, 10, 9, 32, 16, 'same']] as const) {
        const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
        const info = dt.convInfo(x.shape, k.shape, { padding });
        assert.equal(winogradChoice(info, 'auto'), 'winograd4');
        const r = rand([n * info.outH * info.outW * f]);
        for (const ep of EPILOGUES) {
          const what = `[${n}, ${h}, ${w}, ${c}] -> ${f} ${padding} ${ep}`;
          const [a, a2, d] = [one, two, direct].map((be) => convForward(be, x, k, b, r, info, ep));
          const err = worstError(a, exact(x, k, b, r, info, ep, padding));
          assert.ok(err < 1e-4, `${what}: F(4x4) is ${err} from float64`);
          assert.ok(worstError(a, d) < 1e-4, `${what}: vs the direct kernel`);
          assert.deepEqual(a2, a, `${what}: two threads vs one`);
          assert.ok(a.some((v, i) => v !== d[i]), `${what}: gave the direct kernel's bits (not F(4x4))`);
          worst = Math.max(worst, err);
          worstDirect = Math.max(worstDirect, worstError(d, exact(x, k, b, r, info, ep, padding)));
        }
      }
    });
    t.diagnostic(`worst error vs float64, relative to max(1, |y|): F(4x4) ${worst.toExponential(2)}, direct ${worstDirect.toExponential(2)}`);
  });

  it('the input gradient through it (16 -> 16, 20 -> 16, 16 -> 24) matches the reference backend within 1e-4, 1 and 2 threads', () => {
    const js = new JsBackend();
    withMinChannels(16, () => {
      for (const threads of [1, 2]) {
        const wasm = backendWith(threads, 'auto');
        for (const [n, h, w, c, f, padding] of [[2, 11, 9, 16, 16, 'same'], [1, 12, 13, 20, 16, 'valid'], [3, 8, 8, 16, 24, 'same']] as const) {
          const x = rand([n, h, w, c]), k = rand([3, 3, c, f]);
          const info = dt.convInfo(x.shape, k.shape, { padding });
          const dy = rand([n, info.outH, info.outW, f]);
          const dx = new Float32Array(x.size).fill(NaN), expected = new Float32Array(x.size);
          wasm.conv2dBackpropInput(dy.data, k.data, dx, info);
          js.conv2dBackpropInput(dy.data, k.data, expected, info);
          const err = worstError(dx, expected);
          assert.ok(err < 1e-4, `input gradient [${n}, ${h}, ${w}, ${c}] -> ${f} ${padding}, ${threads} thread(s): ${err}`);
        }
      }
    });
  });

  it('shapes it does not fit (8-24 channels not multiples of 4, strides 2-3, dilation 2) give the direct kernel\'s bits, within 1e-5 of float64', () => {
    const auto = backendWith(2, 'auto'), direct = backendWith(1, 'direct');
    withMinChannels(16, () => {
      // [batch, h, w, C, F, padding, stride, dilation]
      for (const [n, h, w, c, f, padding, s, d] of [[2, 9, 11, 10, 16, 'same', 1, 1], [1, 12, 7, 16, 18, 'valid', 1, 1], [3, 13, 13, 16, 16, 'same', 2, 1],
        [1, 11, 10, 24, 16, 'valid', 3, 1], [2, 12, 9, 16, 16, 'same', 1, 2], [1, 10, 13, 22, 14, 'valid', 2, 2], [1, 9, 9, 8, 8, 'same', 1, 1]] as const) {
        const x = rand([n, h, w, c]), k = rand([3, 3, c, f]), b = rand([f]);
        const info = dt.convInfo(x.shape, k.shape, { padding, strides: s, dilations: d });
        const r = rand([n * info.outH * info.outW * f]);
        for (const ep of EPILOGUES) {
          const what = `[${n}, ${h}, ${w}, ${c}] -> ${f} ${padding} stride ${s} dilation ${d} ${ep}`;
          const a = convForward(auto, x, k, b, r, info, ep);
          assert.deepEqual(a, convForward(direct, x, k, b, r, info, ep), `${what}: not the direct kernel's result`);
          const err = worstError(a, exact(x, k, b, r, info, ep, padding, s, d));
          assert.ok(err < 1e-5, `${what}: ${err} from float64`);
        }
      }
    });
  });
});
