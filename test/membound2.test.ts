// The memory-bound kernels rewritten in session 20 against the reference backend: 2x2 max
// pooling at stride 2 (forward and tiled backward: exact, argmax included), the element-wise
// loops with the op a constant (relu, step, relu6, relu6Step; same-shape add, sub, mul:
// exact), nearest resizing as copies (UpSampling2D; forward and gradient, exact), and BatchNormalization's four-row affine pass (<= 64 channels) and register column
// sums (<= 32 channels) in float64 within 1e-5. Odd sizes (rows not multiples of the 4-row and
// 2-row unrolls nor of the 16-row blocks, channels not multiples of 4, on both sides of the
// 32- and 64-channel switches), batch 1 and several, 1 and 2 threads, NaN and infinities.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { PoolInfo, UnaryOp, BinaryOp, ConvActivation, ResizeInfo } from '../src/backends/backend.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(2020);
const floats = (n: number, shift = 0, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread + shift);
const f64 = (a: Float32Array | null): Float64Array | null => (a ? Float64Array.from(a) : null);
const js = new JsBackend();
const backends = async (): Promise<[number, WasmBackend][]> => {
  const two = new WasmBackend(2);
  await two.whenReady();
  return [[1, new WasmBackend(1)], [2, two]];
};

/** Index of the first element where a and b differ (NaN equal to NaN, +0 to -0), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < b.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return i;
  return a.length === b.length ? -1 : b.length;
}
const assertSame = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
  const i = firstDifference(got, want);
  assert.equal(i, -1, `${what}: element ${i} is ${got[i]}, the reference ${want[i]}`);
};

describe('membound2: 2x2 max pooling at stride 2 vs the reference (exact)', () => {
  // [batch, inH, inW, channels, same]: odd sizes drop the last row/column ('valid': the forward's
  // fast path, the backward's general one) or, with 'same' padding, end in a window past the
  // image with no top or left padding (the general kernels); channels % 4 != 0 take the general kernels.
  const SHAPES = [[1, 2, 2, 4, 0], [1, 5, 7, 8, 0], [3, 6, 4, 12, 0], [2, 9, 9, 4, 0], [5, 8, 6, 16, 0], [4, 4, 4, 6, 0], [1, 7, 5, 3, 0], [64, 8, 8, 32, 0],
    [4, 3, 9, 8, 1], [2, 7, 7, 4, 1], [2, 1, 5, 4, 1], [3, 6, 5, 8, 1]];
  it('forward values and argmax, backward dx; NaN, -Infinity and ties; valid and same; 1 and 2 threads', async () => {
    for (const [threads, be] of await backends()) {
      for (const [batch, inH, inW, C, same] of SHAPES) {
        const outH = same ? Math.ceil(inH / 2) : Math.floor(inH / 2), outW = same ? Math.ceil(inW / 2) : Math.floor(inW / 2);
        const what = `${threads} thread(s) [${batch},${inH},${inW},${C}] ${same ? 'same' : 'valid'}`;
        const info: PoolInfo = { batch, inH, inW, channels: C, outH, outW, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
        const x = floats(batch * inH * inW * C);
        // Special values at the window's four taps: NaN first and later, -Infinity, ties (argmax: the first).
        x[0] = NaN; x[C + 1] = NaN; x[2] = -Infinity; x[inW * C + 2] = -Infinity; x[C + 2] = -Infinity; x[inW * C + C + 2] = -Infinity;
        if (C > 3) { x[3] = 0.25; x[C + 3] = 0.25; x[inW * C + 3] = 0.25; x[inW * C + C + 3] = 0.25; }
        x[x.length - 1] = Infinity;
        const n = batch * outH * outW * C;
        const [y, a, wy, wa] = [new Float32Array(n), new Int32Array(n), new Float32Array(n), new Int32Array(n)];
        js.maxPool2d(x, y, a, info);
        be.maxPool2d(x, wy, wa, info);
        assertSame(wy, y, `${what}: maxPool2d`);
        assertSame(wa, a, `${what}: argmax`);
        const dy = floats(n);
        dy[1] = NaN;
        const [dx, wdx] = [new Float32Array(x.length), new Float32Array(x.length).fill(7)];
        js.maxPool2dBackward(dy, a, dx, info);
        be.maxPool2dBackward(dy, a, wdx, info);
        assertSame(wdx, dx, `${what}: maxPool2dBackward`);
      }
    }
  });
});

describe('membound2: element-wise loops with the op a constant vs the reference (exact)', () => {
  const special = (x: Float32Array): Float32Array => { x.set([NaN, -0, 0, Infinity, -Infinity, 6, -6, 5.999999], 0); return x; };
  it('relu, step, relu6, relu6Step; add, sub, mul (same shape) and the generic ones; odd lengths; 1 and 2 threads', async () => {
    for (const [threads, be] of await backends()) {
      // Lengths: one vector's tail (9), below and above the 4096-float wasm threshold and the
      // 16384-float parallel one, none a multiple of 4 but one.
      for (const n of [9, 4099, 20001, 65536]) {
        // Short arrays run in wasm only when they live in wasm memory (as a plan's do).
        const place = (v: Float32Array): Float32Array => { const w = be.mem.f32(be.mem.reserve(v.length * 4), v.length); w.set(v); return w; };
        const mark = be.mem.mark();
        const a = place(special(floats(n, 0, 8))), b = place(floats(n, 0, 8)), out = place(new Float32Array(n).fill(7));
        for (const op of ['relu', 'step', 'relu6', 'relu6Step', 'neg', 'abs', 'square'] as UnaryOp[]) {
          const want = new Float32Array(n);
          js.unary(op, a, want);
          out.fill(7);
          be.unary(op, a, out);
          assertSame(out, want, `${threads} thread(s) ${op} [${n}]`);
        }
        const full = [1], shape = [n];
        for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as BinaryOp[]) {
          for (const [bStrides, label] of [[full, 'same shape'], [[0], 'scalar b']] as [number[], string][]) {
            const want = new Float32Array(n);
            js.binary(op, a, full, b, bStrides, want, shape);
            out.fill(7);
            be.binary(op, a, full, b, bStrides, out, shape);
            assertSame(out, want, `${threads} thread(s) ${op} ${label} [${n}]`);
          }
        }
        be.mem.release(mark);
      }
    }
  });
});

describe('comparisons into float32 masks and sign in SIMD vs the reference (exact)', () => {
  it('equal, notEqual, greater(Equal), less(Equal) as 1/0 masks (same shape, one value, broadcast rows); sign; NaN, -0, ties; 1 and 2 threads', async () => {
    const ops: BinaryOp[] = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];
    for (const [threads, be] of await backends()) {
      for (const [rows, cols] of [[1, 9], [7, 13], [41, 101], [4, 5003]]) {
        const n = rows * cols;
        const place = (v: Float32Array): Float32Array => { const w = be.mem.f32(be.mem.reserve(v.length * 4), v.length); w.set(v); return w; };
        const mark = be.mem.mark();
        const a = floats(n, 0, 4).map((v, i) => (i % 5 === 0 ? Math.round(v) : v)), b = floats(n, 0, 4).map((v, i) => (i % 3 === 0 ? a[i] : v));
        a.set([NaN, -0, 0, Infinity, 2].slice(0, n), 0); b.set([NaN, 0, -0, Infinity, NaN].slice(0, n), 0);
        const row = Float32Array.from(a.subarray(0, cols));
        const pa = place(a), pb = place(b), pRow = place(row), out = place(new Float32Array(n));
        const cases: [Float32Array, number[], string][] = [[pb, [cols, 1], 'same shape'], [pb.subarray(5, 6), [0, 0], 'one value'], [pRow, [0, 1], 'a row broadcast']];
        for (const op of ops) {
          for (const [other, strides, label] of cases) {
            const want = new Float32Array(n);
            js.binary(op, pa, [cols, 1], other, strides, want, [rows, cols]);
            out.fill(7);
            be.binary(op, pa, [cols, 1], other, strides, out, [rows, cols]);
            assertSame(out, want, `${threads} thread(s) ${op} ${label} [${rows}, ${cols}]`);
            if (label === 'same shape' && n > 100) assert.ok(want.some((v) => v === 1) && want.some((v) => v === 0), `${op} ${label}: both outcomes occur`);
          }
        }
        const want = new Float32Array(n);
        js.unary('sign', pa, want);
        out.fill(7);
        be.unary('sign', pa, out);
        assertSame(out, want, `${threads} thread(s) sign [${n}]`);
        assert.ok(Object.is(out[1], -0) && Number.isNaN(out[0]), 'sign keeps -0 and NaN');
        be.mem.release(mark);
      }
    }
  });
});

describe('membound2: nearest resizing (UpSampling2D) vs the reference (exact), infinities kept', () => {
  it('forward copies and gradient sums; factors 2 and 3, odd and shrinking sizes, channels 1-8; 1 and 2 threads', async () => {
    for (const [threads, be] of await backends()) {
      for (const [batch, inH, inW, C, outH, outW] of [[1, 2, 2, 4, 4, 4], [3, 5, 7, 3, 10, 14], [2, 4, 3, 8, 12, 9], [4, 7, 5, 5, 3, 11], [64, 7, 7, 1, 14, 14]]) {
        const info: ResizeInfo = { batch, inH, inW, channels: C, outH, outW, bilinear: false };
        const what = `${threads} thread(s) [${batch},${inH},${inW},${C}] -> ${outH}x${outW}`;
        const x = floats(batch * inH * inW * C);
        x[0] = Infinity; x[1] = -0; x[C * inW + 2] = NaN;
        const n = batch * outH * outW * C;
        const [y, wy] = [new Float32Array(n), new Float32Array(n).fill(7)];
        js.resize(x, y, info);
        be.resize(x, wy, info);
        assertSame(wy, y, `${what}: resize`);
        const up = outH >= inH && outW >= inW; // then output pixel 0 is a copy of input pixel 0
        if (up) assert.ok(wy[0] === Infinity && (C === 1 || Object.is(wy[1], -0)), `${what}: the infinity and -0 are copied (${wy[0]}, ${wy[1]})`);
        const dy = floats(n);
        dy[0] = -Infinity;
        const [dx, wdx] = [new Float32Array(x.length), new Float32Array(x.length).fill(7)];
        js.resizeBackward(dy, dx, info);
        be.resizeBackward(dy, wdx, info);
        // Sums in the same order (output order, one add per output value): identical.
        assertSame(wdx, dx, `${what}: resizeBackward`);
        if (up) assert.equal(wdx[0], -Infinity, `${what}: the infinite gradient reaches its source`);
      }
    }
  });
});

/** max |a - b| over max |b| (or `floor`, the size of the terms where the result cancels); NaN and infinities must match exactly. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  let diff = 0, scale = floor;
  for (let i = 0; i < b.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue; // infinities and NaN alike
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) return Infinity;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

describe('membound2: BatchNormalization affine pass (four rows) and column sums (registers) vs float64', () => {
  // rows x channels: around the 4-row and 2-row unrolls and the 16-row blocks; channel tails
  // 1-3; 16, 32 (the register sums' widest), 33, 64 (the four-row pass's widest), 65; sizes
  // above 4096 values split over two threads.
  const SHAPES: [number, number][] = [[1, 16], [3, 5], [4, 16], [7, 32], [17, 13], [33, 30], [35, 33], [66, 64], [19, 65], [2050, 16], [1031, 32], [515, 64], [301, 7], [129, 2]];
  const eps = 1e-3;
  const check = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, floor = 0): void => {
    const e = relativeError(got, want, floor);
    assert.ok(e <= 1e-5, `${what}: relative error ${e}`);
  };
  it('forward (plain, relu, relu6) and gradients (plain, masked) on 1 and 2 threads, mean far from zero too: within 1e-5', async () => {
    for (const [threads, be] of await backends()) {
      for (const [rows, C] of SHAPES) {
        for (const [shift, spread] of [[0.3, 1], [500, 0.5]]) {
          const what = `${threads} thread(s) [${rows}, ${C}] mean ${shift}`;
          const x = floats(rows * C, shift, spread), dy = floats(rows * C), gamma = floats(C, 1.5), beta = floats(C, 0, 3);
          const n = rows * C;
          const [y, mean, variance] = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
          js.batchNorm(f64(x)!, f64(gamma), f64(beta), y, mean, variance, rows, C, eps);
          const [wy, wm, wv] = [new Float32Array(n), new Float32Array(C), new Float32Array(C)];
          be.batchNorm(x, gamma, beta, wy, wm, wv, rows, C, eps);
          check(wy, y, `${what}: batchNorm`);
          check(wv, variance, `${what}: batchNorm variance`);
          const m32 = Float32Array.from(mean), v32 = Float32Array.from(variance);
          // The gradients' terms: gamma * inv * dy (dx is their difference; see relativeError).
          const terms = Math.max(...Array.from(dy, (v, i) => Math.abs((gamma[i % C] * v) / Math.sqrt(v32[i % C] + eps))));
          for (const act of ['relu', 'relu6'] as ConvActivation[]) {
            const r = new Float64Array(n);
            js.batchNormActivation(f64(x)!, f64(gamma), f64(beta), r, new Float64Array(C), new Float64Array(C), rows, C, eps, act);
            be.batchNormActivation(x, gamma, beta, wy, wm, wv, rows, C, eps, act);
            check(wy, r, `${what}: batchNormActivation ${act}`);
            const r32 = Float32Array.from(r);
            const [dx, dg, db] = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
            js.batchNormActivationGrad(f64(x)!, f64(dy)!, f64(r32)!, f64(m32)!, f64(v32)!, f64(gamma), dx, dg, db, rows, C, eps, act);
            const [wdx, wdg, wdb] = [new Float32Array(n), new Float32Array(C), new Float32Array(C)];
            be.batchNormActivationGrad(x, dy, r32, m32, v32, gamma, wdx, wdg, wdb, rows, C, eps, act);
            check(wdx, dx, `${what}: batchNormActivationGrad ${act} dx`, terms);
            check(wdg, dg, `${what}: batchNormActivationGrad ${act} dgamma`);
            check(wdb, db, `${what}: batchNormActivationGrad ${act} dbeta`);
          }
          const [dx, dg, db] = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
          js.batchNormGrad(f64(x)!, f64(dy)!, f64(m32)!, f64(v32)!, f64(gamma), dx, dg, db, rows, C, eps);
          const [wdx, wdg, wdb] = [new Float32Array(n), new Float32Array(C), new Float32Array(C)];
          be.batchNormGrad(x, dy, m32, v32, gamma, wdx, wdg, wdb, rows, C, eps);
          check(wdx, dx, `${what}: batchNormGrad dx`, terms);
          check(wdg, dg, `${what}: batchNormGrad dgamma`);
          check(wdb, db, `${what}: batchNormGrad dbeta`);
        }
      }
    }
  });

  it('NaN and an infinity in x, NaN in dy reach the same outputs as in the reference', async () => {
    for (const [threads, be] of await backends()) {
      for (const [rows, C] of [[37, 16], [35, 33], [66, 64], [2050, 16]] as [number, number][]) {
        const what = `${threads} thread(s) [${rows}, ${C}]`, n = rows * C;
        const x = floats(n), dy = floats(n), gamma = floats(C, 1.5), beta = floats(C);
        x[5 * C + 1] = NaN; x[9 * C + 2] = Infinity; // channels 1 and 2 of the statistics
        dy[3 * C + 3] = NaN; // channel 3 of the gradient's sums
        const [y, mean, variance] = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
        js.batchNormActivation(f64(x)!, f64(gamma), f64(beta), y, mean, variance, rows, C, eps, 'relu');
        const [wy, wm, wv] = [new Float32Array(n), new Float32Array(C), new Float32Array(C)];
        be.batchNormActivation(x, gamma, beta, wy, wm, wv, rows, C, eps, 'relu');
        check(wy, y, `${what}: batchNormActivation`);
        assert.ok(Number.isNaN(wy[C + 1]) && Number.isNaN(wv[1]) && Number.isNaN(wy[2]), `${what}: the NaN and the infinity reach their channels`);
        // The gradient with finite statistics, NaN / -Infinity in dy only.
        const xs = floats(n), m32 = new Float32Array(C).fill(0.1), v32 = new Float32Array(C).fill(0.5), r32 = Float32Array.from(xs, (v) => Math.max(v, 0));
        r32[3 * C + 3] = 1; // unmasked where dy is NaN
        const [dx, dg, db] = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
        js.batchNormActivationGrad(f64(xs)!, f64(dy)!, f64(r32)!, f64(m32)!, f64(v32)!, f64(gamma), dx, dg, db, rows, C, eps, 'relu');
        const [wdx, wdg, wdb] = [new Float32Array(n), new Float32Array(C), new Float32Array(C)];
        be.batchNormActivationGrad(xs, dy, r32, m32, v32, gamma, wdx, wdg, wdb, rows, C, eps, 'relu');
        const terms = Math.max(...Array.from(dy, (v, i) => (Number.isFinite(v) ? Math.abs((gamma[i % C] * v) / Math.sqrt(0.5 + eps)) : 0)));
        check(wdx, dx, `${what}: batchNormActivationGrad dx`, terms);
        check(wdb, db, `${what}: dbeta`);
        check(wdg, dg, `${what}: dgamma`);
        assert.ok(Number.isNaN(wdb[3]) && Number.isNaN(wdg[3]) && Number.isNaN(wdx[3]) && Number.isFinite(wdb[4]), `${what}: dbeta ${wdb[3]}, dgamma ${wdg[3]}, dx ${wdx[3]}`);
      }
    }
  });
});
