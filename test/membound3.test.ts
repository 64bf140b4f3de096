// Session 22's memory-bound kernels against the reference backend: tiled max pooling's
// gradient split by output rows (2x2 and 3x3 windows; batch 1 on both threads), average
// pooling's gradient as a gather over input rows (every padding, strides 1-3), relu as pmax + 0
// (-0 to +0 as the reference), the 2x2
// pooling loops with the tap's offset selected (exact values and argmax), nearest resizing's
// gradient as a gather over input rows (exact, signed zeros and infinities kept; batch 1 on
// both threads), the forward's repeated rows copied, Adam split between threads (within 1e-5
// of float64; 1 and 2 threads bit for bit) and BatchNormalization's gradient sums by either
// loop (the column walk or rows in order) within 1e-5 of float64 on 1 and 2 threads. Every output starts NaN-filled
// so that a value left unwritten fails; 1 and 2 threads must agree bit for bit; a small model
// with pooling and upsampling trains compiled as eagerly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { PoolInfo, ResizeInfo } from '../src/backends/backend.ts';
import { normTrainTuning } from '../src/backends/wasm/norm-train.ts';
import { spatialTuning } from '../src/backends/wasm/spatial.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertCompiledTrainsAsEager } from './helpers/compare.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

const rng = new Random(2222);
const floats = (n: number, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread);
const js = new JsBackend();
let pair: [WasmBackend, WasmBackend] | null = null;
const backends = async (): Promise<[WasmBackend, WasmBackend]> => {
  if (pair) return pair;
  const two = new WasmBackend(2);
  await two.whenReady();
  return (pair = [new WasmBackend(1), two]);
};

/** Index of the first element where a and b differ as bits (NaN equals NaN; +0 and -0 differ), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : b.length;
}
const assertSame = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
  const i = firstDifference(got, want);
  assert.equal(i, -1, `${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
};
/** max |a - b| / max |b|; NaN must meet NaN, an infinity the same infinity. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue; // infinities and NaN must match exactly
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) return Infinity;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
/** Runs fn on be, returning whether `kernel` was cut into more than one chunk. */
function splits(be: WasmBackend, kernel: string, fn: () => void): boolean {
  let split = false;
  be.onSplit = (name, total, chunk) => { if (name === kernel && chunk < total) split = true; };
  try { fn(); } finally { be.onSplit = null; }
  return split;
}

describe('membound3: tiled max pooling, forward and gradient (2x2 and 3x3 windows) vs the reference (exact)', () => {
  // [batch, inH, inW, channels, pool]: tiled shapes (stride = window, sizes multiples of it), batch 1
  // large enough to split by rows, channels 4-36 (multiples of 4: the tiled gradient's condition).
  const SHAPES = [[1, 32, 32, 32, 2], [1, 16, 10, 12, 2], [3, 6, 14, 8, 2], [1, 2, 2, 4, 2], [2, 24, 18, 36, 2], [1, 27, 21, 8, 3], [2, 9, 12, 4, 3]];
  it('values, argmax, dx bit for bit; NaN, -Infinity, ties and -0; batch 1 split between two threads', async () => {
    const [one, two] = await backends();
    for (const [batch, inH, inW, C, p] of SHAPES) {
      const outH = inH / p, outW = inW / p, what = `[${batch},${inH},${inW},${C}] ${p}x${p}`;
      const info: PoolInfo = { batch, inH, inW, channels: C, outH, outW, poolH: p, poolW: p, strideH: p, strideW: p, padTop: 0, padLeft: 0 };
      const x = floats(batch * inH * inW * C);
      x[0] = NaN; x[C + 1] = NaN; x[2] = -Infinity; x[C + 2] = -Infinity; x[inW * C + 2] = -Infinity; x[inW * C + C + 2] = -Infinity;
      x[3] = 0.5; x[C + 3] = 0.5; x[inW * C + 3] = 0.5; x[inW * C + C + 3] = 0.5; // a tie: the first tap wins
      x[x.length - 1] = Infinity;
      const n = batch * outH * outW * C, dy = floats(n);
      dy[1] = NaN; dy[2] = -0; dy[n - 1] = -Infinity;
      const [y, a, dx] = [new Float32Array(n), new Int32Array(n), new Float32Array(x.length)];
      js.maxPool2d(x, y, a, info);
      js.maxPool2dBackward(dy, a, dx, info);
      for (const be of [one, two]) {
        const t = `${what} ${be.threads} thread(s)`;
        const [wy, wa, wdx] = [new Float32Array(n).fill(NaN), new Int32Array(n).fill(-7), new Float32Array(x.length).fill(NaN)];
        be.maxPool2d(x, wy, wa, info);
        assertSame(wy, y, `${t}: maxPool2d`);
        assertSame(wa, a, `${t}: argmax`);
        const split = splits(be, 'maxPoolBackwardTiled', () => be.maxPool2dBackward(dy, a, wdx, info));
        assertSame(wdx, dx, `${t}: maxPool2dBackward`);
        if (be.threads === 2 && batch * inH * inW * C >= 4 * 8192) assert.ok(split, `${t}: the gradient splits between the threads`);
      }
    }
  });
});

describe('membound3: nearest resizing as a gather (gradient) and row copies (forward) vs the reference (exact)', () => {
  // [batch, inH, inW, C, outH, outW]: factors 2 and 3, uneven factors, shrinking (sources no output takes), odd channels.
  const SHAPES = [[1, 14, 14, 64, 28, 28], [1, 16, 9, 5, 32, 27], [2, 7, 5, 3, 21, 10], [3, 5, 7, 6, 7, 12], [1, 9, 8, 4, 4, 3], [2, 3, 3, 1, 8, 7], [1, 1, 1, 7, 3, 2]];
  it('forward and gradient bit for bit, infinities, NaN and -0 kept; batch 1 split between two threads', async () => {
    const [one, two] = await backends();
    for (const [batch, inH, inW, C, outH, outW] of SHAPES) {
      const info: ResizeInfo = { batch, inH, inW, channels: C, outH, outW, bilinear: false };
      const what = `[${batch},${inH},${inW},${C}] -> ${outH}x${outW}`;
      const x = floats(batch * inH * inW * C);
      x[0] = Infinity; x[x.length - 1] = -0; x[Math.min(x.length - 2, C + 1)] = NaN;
      const n = batch * outH * outW * C, dy = floats(n);
      dy[0] = -Infinity; dy[n - 1] = NaN;
      for (let i = 5; i < n; i += 17) dy[i] = -0; // some sums of -0 only: 0 + (-0) + ... is +0 in the reference
      const [y, dx] = [new Float32Array(n), new Float32Array(x.length)];
      js.resize(x, y, info);
      js.resizeBackward(dy, dx, info);
      for (const be of [one, two]) {
        const t = `${what} ${be.threads} thread(s)`;
        const [wy, wdx] = [new Float32Array(n).fill(NaN), new Float32Array(x.length).fill(NaN)];
        be.resize(x, wy, info);
        assertSame(wy, y, `${t}: resize`);
        const split = splits(be, 'resizeNearestGather', () => be.resizeBackward(dy, wdx, info));
        assertSame(wdx, dx, `${t}: resizeBackward`);
        if (be.threads === 2 && n >= 4 * 8192) assert.ok(split, `${t}: the gradient splits between the threads`);
      }
    }
    // An all -0 gradient: every source sums to +0 as the reference's zero-filled adds do.
    const info: ResizeInfo = { batch: 1, inH: 3, inW: 3, channels: 4, outH: 6, outW: 6, bilinear: false };
    const dx = new Float32Array(36).fill(NaN);
    one.resizeBackward(new Float32Array(144).fill(-0), dx, info);
    assert.ok(dx.every((v) => Object.is(v, 0)), `all -0 gradients: +0 everywhere, got ${dx.slice(0, 4)}`);
  });
});

describe('membound3: average pooling gradient as a gather over input rows vs the scatter (exact) and the reference', () => {
  // [batch, inH, inW, C, pool, stride, same]: windows overlapping (stride < pool), tiling, leaving gaps
  // (stride > pool), 'same' padding with clipped windows, odd sizes, channels 1-9.
  const SHAPES = [[1, 32, 32, 16, 2, 2, 0], [1, 17, 13, 5, 3, 1, 1], [2, 9, 11, 8, 3, 2, 1], [3, 10, 7, 3, 2, 3, 0], [1, 8, 8, 9, 3, 3, 1], [2, 5, 6, 4, 3, 2, 0], [1, 1, 1, 2, 1, 1, 0], [1, 40, 30, 12, 3, 2, 1]];
  it('dx bit for bit on 1 and 2 threads, every padding, strides 1-3; NaN and infinities kept; batch 1 split', async () => {
    const [one, two] = await backends();
    for (const [batch, inH, inW, C, p, st, same] of SHAPES) {
      const outH = same ? Math.ceil(inH / st) : Math.floor((inH - p) / st) + 1, outW = same ? Math.ceil(inW / st) : Math.floor((inW - p) / st) + 1;
      const padTop = same ? Math.floor(Math.max((outH - 1) * st + p - inH, 0) / 2) : 0, padLeft = same ? Math.floor(Math.max((outW - 1) * st + p - inW, 0) / 2) : 0;
      const info: PoolInfo = { batch, inH, inW, channels: C, outH, outW, poolH: p, poolW: p, strideH: st, strideW: st, padTop, padLeft };
      const what = `[${batch},${inH},${inW},${C}] ${p}x${p}/${st} ${same ? 'same' : 'valid'}`;
      const n = batch * outH * outW * C, dy = floats(n), xs = batch * inH * inW * C;
      dy[0] = Infinity; dy[n - 1] = NaN; if (n > 2) dy[1] = -0;
      // The reference divides in f64; the wasm scatter (the kernel before, switch off) multiplies by
      // an f32 1 / size: the gather must equal the scatter bit for bit, and the reference within 1e-6.
      const [ref, scatter] = [new Float32Array(xs), new Float32Array(xs).fill(NaN)];
      js.avgPool2dBackward(dy, ref, info);
      spatialTuning.avgPoolGather = false;
      try { one.avgPool2dBackward(dy, scatter, info); } finally { spatialTuning.avgPoolGather = true; }
      assert.ok(relativeError(scatter, ref) <= 1e-6, `${what}: the scatter within 1e-6 of the reference (${relativeError(scatter, ref)})`);
      for (const be of [one, two]) {
        const wdx = new Float32Array(xs).fill(NaN);
        const split = splits(be, 'avgPoolGather', () => be.avgPool2dBackward(dy, wdx, info));
        assertSame(wdx, scatter, `${what} ${be.threads} thread(s): avgPool2dBackward, gather vs scatter`);
        if (be.threads === 2 && xs >= 4 * 8192) assert.ok(split, `${what}: the gradient splits between the threads`);
      }
    }
  });
});

describe('membound3: relu as one pmax and a + 0 vs the reference (exact, signed zeros included)', () => {
  it('-0 gives +0, NaN and infinities kept, odd lengths; 1 and 2 threads', async () => {
    const [one, two] = await backends();
    for (const n of [1, 7, 4099, 50001]) {
      const x = floats(n);
      const special = [-0, 0, NaN, Infinity, -Infinity, -1e-45, 1e-45];
      special.forEach((v, i) => { if (i < n) x[(i * 613) % n] = v; });
      const want = new Float32Array(n);
      js.unary('relu', x, want);
      for (const be of [one, two]) {
        const got = new Float32Array(n).fill(NaN);
        be.unary('relu', x, got);
        assertSame(got, want, `relu n ${n} ${be.threads} thread(s)`);
      }
    }
  });
});

describe('membound3: Adam between threads vs float64', () => {
  it('odd lengths within 1e-5 of float64; 1 and 2 threads bit for bit; NaN kept', async () => {
    const [one, two] = await backends();
    for (const n of [3, 4101, 40003]) {
      const g = floats(n), w0 = floats(n), m0 = floats(n, 0.1), v0 = Float32Array.from(floats(n), Math.abs);
      g[n - 1] = NaN;
      const ref = [w0, m0, v0].map((a) => Float64Array.from(a));
      js.adam(ref[0], Float64Array.from(g), ref[1], ref[2], 1e-3, 0.9, 0.999, 1e-7, 4);
      const results = [one, two].map((be) => {
        const [w, m, v] = [w0, m0, v0].map((a) => { const out = be.mem.f32(be.mem.reserve(4 * n), n); out.set(a); return out; });
        const split = splits(be, 'adamRange', () => be.adam(w, g, m, v, 1e-3, 0.9, 0.999, 1e-7, 4));
        if (be.threads === 2 && n > 10000) assert.ok(split, `n ${n}: Adam splits between the threads`);
        return [w, m, v].map((a) => Float32Array.from(a));
      });
      ['w', 'm', 'v'].forEach((name, k) => {
        assertSame(results[1][k], results[0][k], `n ${n}: ${name}, 2 threads vs 1`);
        assert.ok(relativeError(results[0][k], ref[k]) <= 1e-5, `n ${n}: ${name} within 1e-5 of float64 (${relativeError(results[0][k], ref[k])})`);
        assert.ok(Number.isNaN(results[0][k][n - 1]), `n ${n}: ${name}: a NaN gradient gives NaN`);
      });
    }
  });
});

describe('membound3: BatchNormalization gradient sums, column walk and rows in order, vs float64', () => {
  it('plain and relu-masked, channels 3-260, within 1e-5 on 1 and 2 threads', async () => {
    const [one, two] = await backends();
    const saved = normTrainTuning.walkChannels;
    try {
      for (const [rows, C] of [[517, 3], [300, 36], [129, 64], [66, 130], [40, 260]]) {
        const n = rows * C, x = floats(n, 2), dy = floats(n), r = Float32Array.from(floats(n), (v) => Math.max(0, v));
        const mean = new Float64Array(C), variance = new Float64Array(C), gamma = floats(C);
        for (let c = 0; c < C; c++) {
          let s = 0, q = 0;
          for (let i = 0; i < rows; i++) s += x[i * C + c];
          mean[c] = s / rows;
          for (let i = 0; i < rows; i++) q += (x[i * C + c] - mean[c]) ** 2;
          variance[c] = q / rows;
        }
        for (const masked of [false, true]) {
          const want = [new Float64Array(n), new Float64Array(C), new Float64Array(C)];
          const [x64, dy64, r64, g64] = [x, dy, r, gamma].map((a) => Float64Array.from(a));
          if (masked) js.batchNormActivationGrad(x64, dy64, r64, mean, variance, g64, want[0], want[1], want[2], rows, C, 1e-3, 'relu');
          else js.batchNormGrad(x64, dy64, mean, variance, g64, want[0], want[1], want[2], rows, C, 1e-3);
          for (const walk of [0, 1024]) {
            normTrainTuning.walkChannels = walk;
            const got = [one, two].map((be) => {
              const out = [new Float32Array(n).fill(NaN), new Float32Array(C).fill(NaN), new Float32Array(C).fill(NaN)];
              const [m32, v32] = [Float32Array.from(mean), Float32Array.from(variance)];
              if (masked) be.batchNormActivationGrad(x, dy, r, m32, v32, gamma, out[0], out[1], out[2], rows, C, 1e-3, 'relu');
              else be.batchNormGrad(x, dy, m32, v32, gamma, out[0], out[1], out[2], rows, C, 1e-3);
              return out;
            });
            const what = `[${rows}, ${C}] ${masked ? 'masked' : 'plain'} ${walk ? 'walk' : 'rows'}`;
            ['dx', 'dgamma', 'dbeta'].forEach((name, k) => {
              // (Not bit for bit between thread counts: each chunk of rows has its own f64 partial sums.)
              for (const [t, out] of got.entries()) {
                const e = relativeError(out[k], want[k]);
                assert.ok(e <= 1e-5, `${what} ${t + 1} thread(s): ${name} within 1e-5 of float64 (${e})`);
              }
            });
          }
        }
      }
    } finally { normTrainTuning.walkChannels = saved; }
  });
});

describe('membound3: pooling and upsampling model, compiled plan vs eager on wasm', () => {
  it('three Adam steps give the same weights within 1e-5 (1 and 2 threads)', async () => {
    dt.setBackend('wasm');
    for (const threads of [1, 2]) {
      dt.setThreads(threads);
      const build = () => {
        dt.setRandomSeed(9);
        const inputs = layers.input({ shape: [12, 10, 3] });
        let x = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inputs) as SymbolicTensor;
        x = new layers.MaxPooling2D({ poolSize: 2 }).apply(x) as SymbolicTensor;
        x = new layers.UpSampling2D({ size: [2, 2] }).apply(x) as SymbolicTensor;
        x = new layers.Conv2D({ filters: 4, kernelSize: 3, strides: 2 }).apply(x) as SymbolicTensor;
        x = new layers.Flatten().apply(x) as SymbolicTensor;
        const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
        return models.model({ inputs, outputs });
      };
      const x = randomTensor([24, 12, 10, 3], rng, -1, 2, 'float32'), y = dt.tensor(Array.from({ length: 24 }, (_, i) => i % 3), null, 'int32');
      await assertCompiledTrainsAsEager(build, x, y, `${threads} thread(s)`);
    }
    dt.setThreads(1);
  });
});
