// ResNet-20's speed work on wasm: F(4x4)'s input transform taking a tile's first two columns
// from its left neighbour (winogradTuning.reuseColumns), the Winograd F(4x4) GEMMs and the stems' im2col GEMM by
// gemmWide's 2x16 register tile (winogradTuning.wideGemm) against a float64 product (with and
// without a bias), and the convolutions through it equal
// bit for bit to gemm's 4x8 tile (same products summed in the same order), within F(4x4)'s
// documented bound (1e-4 relative) of a float64 convolution, on 1 and 2 threads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { winogradTuning } from '../src/backends/wasm/winograd-kernels.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { worstError } from './helpers/compare.ts';
import { convForward, EPILOGUES, type Epilogue } from './helpers/conv-epilogue.ts';

const rng = new Random(20);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

function withTuning<T>(settings: Partial<typeof winogradTuning>, body: () => T): T {
  const before = { ...winogradTuning };
  Object.assign(winogradTuning, settings);
  try { return body(); } finally { Object.assign(winogradTuning, before); }
}
const withWide = <T>(wide: boolean, body: () => T): T => withTuning({ wideGemm: wide }, body);

describe('gemmWide (assembly/gemm-wide.ts)', () => {
  const be = new WasmBackend(1);
  const exports = be.mem.exports as unknown as Record<string, (...a: number[]) => void>;
  const place = (v: ArrayLike<number>): number => { const p = be.mem.reserve(v.length * 4); be.mem.f32(p, v.length).set(v); return p; };
  // Rows odd and even (the 2-row tile and its one-row end), k from 1, columns multiples of 16
  // and others (gemm's path); A's rows wider than k (ars > k, as a strided panel would be).
  for (const [m, k, n, ars] of [[64, 16, 16, 16], [7, 5, 32, 9], [1, 1, 16, 1], [65, 32, 48, 32], [3, 64, 64, 70], [5, 16, 24, 16], [9, 3, 12, 4], [255, 27, 16, 27]]) {
    for (const withBias of [false, true]) {
      it(`[${m},${k}] x [${k},${n}]${withBias ? ' + bias' : ''} (rows ${ars} floats apart), rows [1, ${m}) only`, () => {
        const a = Float32Array.from({ length: m * ars }, () => rng.uniform(-1, 1)), b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
        const bias = Float32Array.from({ length: n }, () => (withBias ? rng.uniform(-1, 1) : 0));
        const pa = place(a), pb = place(b), pc = place(new Float32Array(m * n).fill(NaN));
        exports.gemmWide(pa, ars, pb, pc, k, n, withBias ? place(bias) : 0, 1, m);
        const c = be.mem.f32(pc, m * n);
        for (let j = 0; j < n; j++) assert.ok(Number.isNaN(c[j]), 'row 0 is outside [row0, row1): left alone');
        for (let i = 1; i < m; i++) for (let j = 0; j < n; j++) {
          let s = bias[j];
          for (let p = 0; p < k; p++) s += a[i * ars + p] * b[p * n + j];
          assert.ok(Math.abs(c[i * n + j] - s) <= 1e-5 * Math.max(1, Math.abs(s)), `C[${i},${j}] = ${c[i * n + j]}, expected ${s}`);
        }
      });
    }
  }
});

describe('convolutions with few input channels (convGemm: the stems) through gemmWide', () => {
  // ResNet-20's stem 3 -> 16 (and 32, 64, and 24: gemm's path), odd sizes, strides 1-2, both
  // paddings, bias and activations: equal bit for bit to the 4x8 tile, within 1e-5 of float64.
  // convGemm itself: stemTuning.stemGemm off (its in-place kernel: test/stem-gemm.test.ts).
  before(() => { stemTuning.stemGemm = false; });
  after(() => { stemTuning.stemGemm = true; });
  const shapes: [number, number, number, number, number, 'same' | 'valid'][] = [[3, 11, 3, 16, 1, 'same'], [2, 9, 3, 32, 2, 'valid'], [1, 7, 5, 64, 1, 'same'], [2, 10, 3, 24, 1, 'same']];
  for (const threads of [1, 2]) {
    const be = new WasmBackend(threads);
    for (const [n, hw, C, F, strides, padding] of shapes) {
      it(`${threads} thread(s): ${n}x${hw}x${hw}x${C} -> ${F}, stride ${strides}, '${padding}'`, () => {
        const x = rand([n, hw, hw, C]), k = rand([3, 3, C, F]), b = rand([F]);
        const info = dt.convInfo(x.shape, k.shape, { padding, strides });
        for (const act of [null, 'relu', 'relu6'] as const) {
          const run = (): Float32Array => {
            const out = new Float32Array(info.batch * info.outH * info.outW * F).fill(NaN);
            if (act) be.conv2dActivation(x.data, k.data, b.data, out, info, act); else be.conv2d(x.data, k.data, b.data, out, info);
            return out;
          };
          const wide = withWide(true, run), narrow = withWide(false, run);
          assert.deepEqual(wide, narrow, `${act}: the two tiles differ`);
          const want = dt.withBackend('js', () => {
            let y = dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, strides, bias: b.cast('float64') });
            if (act === 'relu') y = dt.relu(y);
            if (act === 'relu6') y = dt.minimum(dt.relu(y), 6);
            return y.data as Float64Array;
          });
          const e = worstError(wide, want);
          assert.ok(e <= 1e-5, `${act}: ${e} from float64`);
        }
      });
    }
  }
});

describe('Winograd F(4x4) through gemmWide (winogradTuning.wideGemm)', () => {
  function run(be: WasmBackend, x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, r: dt.Tensor, info: ConvInfo, ep: Epilogue, grad: boolean): Float32Array {
    if (grad) {
      const dx = new Float32Array(info.batch * info.inH * info.inW * info.inC).fill(NaN);
      be.conv2dBackpropInput(x.data as Float32Array, k.data as Float32Array, dx, info);
      return dx;
    }
    return convForward(be, x, k, b, r, info, ep);
  }
  function exact(x: dt.Tensor, k: dt.Tensor, b: dt.Tensor, r: dt.Tensor, ep: Epilogue, padding: 'same' | 'valid'): Float64Array {
    return dt.withBackend('js', () => {
      let y = dt.conv2d(x.cast('float64'), k.cast('float64'), { padding, ...(ep === 'none' ? {} : { bias: b.cast('float64') }) });
      if (ep === 'residual') y = dt.relu(y.add(r.cast('float64').reshape(y.shape)));
      if (ep === 'relu') y = dt.relu(y);
      if (ep === 'relu6') y = dt.minimum(dt.relu(y), 6);
      return y.data as Float64Array;
    });
  }
  // ResNet-20's three widths (16, 32, 64 output channels: the 2x16 tile) and 20 (gemm's path),
  // odd image sizes (edge tiles, an odd last tile row in a panel), both paddings.
  // Images wider than a panel's tiles (tile rows split between panels and threads: column reuse
  // must restart there) and a 5-wide 'valid' one (one tile per row, nothing to reuse).
  const shapes: [number, number, number, number, 'same' | 'valid'][] = [[3, 11, 16, 16, 'same'], [2, 9, 32, 32, 'valid'], [1, 7, 64, 64, 'same'], [2, 13, 16, 48, 'same'],
    [1, 10, 16, 20, 'valid'], [2, 37, 16, 16, 'same'], [1, 5, 32, 32, 'valid'], [1, 34, 64, 64, 'valid']];
  for (const threads of [1, 2]) {
    const be = new WasmBackend(threads);
    be.convAlgorithm = 'winograd4';
    for (const [n, hw, C, F, padding] of shapes) {
      it(`${threads} thread(s): ${n}x${hw}x${hw}x${C} -> ${F} '${padding}', every epilogue and the input gradient: = the 4x8 tile bit for bit, within 1e-4 of float64`, () => {
        const x = rand([n, hw, hw, C]), k = rand([3, 3, C, F]), b = rand([F]);
        const info = dt.convInfo(x.shape, k.shape, { padding });
        const r = rand([n, info.outH, info.outW, F]);
        for (const ep of EPILOGUES) {
          const wide = withWide(true, () => run(be, x, k, b, r, info, ep, false));
          const narrow = withWide(false, () => run(be, x, k, b, r, info, ep, false));
          assert.deepEqual(wide, narrow, `${ep}: the two tiles differ`);
          const sixColumns = withTuning({ reuseColumns: false }, () => run(be, x, k, b, r, info, ep, false));
          assert.deepEqual(wide, sixColumns, `${ep}: reusing the neighbour's columns changed the result`);
          const e = worstError(wide, exact(x, k, b, r, ep, padding));
          assert.ok(e <= 1e-4, `${ep}: ${e} from float64`);
        }
        if (padding === 'same' && C === F) { // the input gradient: F(4x4) over the flipped kernel
          const dy = rand([n, info.outH, info.outW, F]);
          const wide = withWide(true, () => run(be, dy, k, b, r, info, 'none', true));
          const narrow = withWide(false, () => run(be, dy, k, b, r, info, 'none', true));
          assert.deepEqual(wide, narrow, 'input gradient: the two tiles differ');
          assert.deepEqual(wide, withTuning({ reuseColumns: false }, () => run(be, dy, k, b, r, info, 'none', true)), 'input gradient: column reuse changed it');
          const want = new Float64Array(x.size);
          new JsBackend().conv2dBackpropInput(dy.cast('float64').data, k.cast('float64').data, want, info);
          const e = worstError(wide, want);
          assert.ok(e <= 1e-4, `input gradient: ${e} from float64`);
        }
      });
    }
  }
});
