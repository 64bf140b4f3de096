// The memory-bound training kernels rewritten for bandwidth (src/backends/wasm/assembly/norm.ts
// bnShiftedSums, norm-train.ts, ...) against the reference backend in float64: shapes that cross
// every block and unroll boundary (rows 1..many, channels not multiples of 4, wide channels with
// short blocks), data whose mean dwarfs its spread, 1 and 2 threads; and a BatchNormalization +
// depthwise model trained compiled and eagerly on wasm. The bandwidth limit's own checks too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { streamGBs } from '../src/backends/wasm/bandwidth.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { assertCompiledTrainsAsEager } from './helpers/compare.ts';

const rng = new Random(77);
const floats = (n: number, shift = 0, spread = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread + shift);
const f64 = (a: Float32Array | null): Float64Array | null => (a ? Float64Array.from(a) : null);

/**
 * max |a - b| over max |b| (the arrays' scale), so near-zero entries do not dominate; `floor`
 * raises the scale to the size of the terms the result is a sum of, where they cancel (dx of a
 * batch of 2 rows is a difference of O(gamma * inv * dy) terms, far smaller than they are).
 */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  let diff = 0, scale = floor;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return scale === 0 ? diff : diff / scale;
}

// rows x channels: 1 row; rows not a multiple of the 4-row (forward) and 2-row (gradient)
// unrolls nor of the blocks (32 rows, or 4096 / C); channel tails 1-3; 512 and 1030 channels
// (8- and 4-row blocks); sizes above 4096 values split over two threads in several chunks.
const SHAPES: [number, number][] = [[1, 1], [1, 6], [2, 3], [5, 4], [31, 7], [33, 9], [67, 16], [130, 5], [97, 512], [13, 1030], [1201, 13], [4099, 3], [777, 36]];

describe('membound: batch-normalization kernels (one-pass shifted statistics, blocked column sums) vs float64', () => {
  const js = new JsBackend(), eps = 1e-3;
  const check = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, floor = 0): void => {
    const e = relativeError(got, want, floor);
    assert.ok(e <= 1e-5, `${what}: relative error ${e}`);
  };
  for (const threads of [1, 2]) {
    it(`forward, fused forward and both gradients on ${threads} thread(s), odd shapes: within 1e-5`, async () => {
      const be = new WasmBackend(threads);
      await be.whenReady();
      for (const [rows, C] of SHAPES) {
        for (const [shift, spread] of [[0.3, 1], [1000, 0.5]]) {
          const what = `[${rows}, ${C}] mean ${shift} spread ${spread}`;
          const x = floats(rows * C, shift, spread), dy = floats(rows * C), gamma = floats(C, 1.5), beta = floats(C);
          // Reference in float64: batchNorm (two-pass statistics), relu, relu's gradient, batchNormGrad.
          const y = new Float64Array(rows * C), mean = new Float64Array(C), variance = new Float64Array(C);
          js.batchNorm(f64(x)!, f64(gamma), f64(beta), y, mean, variance, rows, C, eps);
          const r = y.map((v) => (v > 0 ? v : 0));
          const masked = Float64Array.from(dy, (g, i) => (r[i] > 0 ? g : 0));
          // The gradients take the statistics as float32 (as a plan stores them): the reference too.
          const m32 = Float32Array.from(mean), v32 = Float32Array.from(variance);
          const [dx, dg, db] = [new Float64Array(rows * C), new Float64Array(C), new Float64Array(C)];
          js.batchNormGrad(f64(x)!, masked, f64(m32)!, f64(v32)!, f64(gamma), dx, dg, db, rows, C, eps);
          const [dgPlain, dbPlain] = [new Float64Array(C), new Float64Array(C)];
          const dxNoGamma = new Float64Array(rows * C);
          js.batchNormGrad(f64(x)!, f64(dy)!, f64(m32)!, f64(v32)!, null, dxNoGamma, dgPlain, dbPlain, rows, C, eps);

          const wy = new Float32Array(rows * C), wm = new Float32Array(C), wv = new Float32Array(C);
          be.batchNorm(x, gamma, beta, wy, wm, wv, rows, C, eps);
          check(wy, y, `${what}: batchNorm`);
          check(wm, mean, `${what}: batchNorm mean`);
          check(wv, variance, `${what}: batchNorm variance`);
          be.batchNormActivation(x, gamma, beta, wy, wm, wv, rows, C, eps, 'relu');
          check(wy, r, `${what}: batchNormActivation`);
          check(wv, variance, `${what}: batchNormActivation variance`);
          // dx's terms: gamma * inv * dy (with or without gamma); see relativeError.
          const terms = (g: Float32Array | null): number => Math.max(...Array.from(dy, (v, i) => Math.abs(((g ? g[i % C] : 1) * v) / Math.sqrt(variance[i % C] + eps))));
          const [wdx, wdg, wdb] = [new Float32Array(rows * C), new Float32Array(C), new Float32Array(C)];
          be.batchNormActivationGrad(x, dy, Float32Array.from(r), m32, v32, gamma, wdx, wdg, wdb, rows, C, eps, 'relu');
          check(wdx, dx, `${what}: batchNormActivationGrad dx`, terms(gamma));
          check(wdg, dg, `${what}: batchNormActivationGrad dgamma`);
          check(wdb, db, `${what}: batchNormActivationGrad dbeta`);
          be.batchNormGrad(x, dy, m32, v32, null, wdx, wdg, wdb, rows, C, eps);
          check(wdx, dxNoGamma, `${what}: batchNormGrad dx (no gamma)`, terms(null));
          check(wdg, dgPlain, `${what}: batchNormGrad dgamma`);
          check(wdb, dbPlain, `${what}: batchNormGrad dbeta`);
        }
      }
    });
  }
});

describe('membound: the bias gradient (column sums, threads over rows) vs float64', () => {
  for (const threads of [1, 2]) {
    it(`odd shapes on ${threads} thread(s): within 1e-5 of the sum of |x|`, async () => {
      const be = new WasmBackend(threads);
      await be.whenReady();
      for (const [rows, C] of [...SHAPES, [25088, 32], [50000, 4]] as [number, number][]) {
        if (C < 4) continue; // fewer than 4 columns: another kernel (reduceMiddle)
        const x = floats(rows * C, 0.3), out = new Float32Array(C);
        be.reduce('sum', x, out, 1, rows, C);
        const want = new Float64Array(C), size = new Float64Array(C);
        for (let i = 0; i < x.length; i++) { want[i % C] += x[i]; size[i % C] += Math.abs(x[i]); }
        const e = Math.max(...Array.from(out, (v, c) => Math.abs(v - want[c]) / size[c]));
        assert.ok(e <= 1e-5, `[${rows}, ${C}]: error ${e} of the sum of |x|`);
      }
    });
  }
});

describe('membound: BatchNormalization + depthwise model, compiled plan vs eager on wasm', () => {
  it('three Adam steps give the same weights within 1e-5 (1 and 2 threads)', async () => {
    dt.setBackend('wasm');
    for (const threads of [1, 2]) {
      dt.setThreads(threads);
      const build = () => {
        dt.setRandomSeed(5);
        const inputs = layers.input({ shape: [11, 9, 6] });
        let x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
        x = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization().apply(x)) as SymbolicTensor;
        x = new layers.DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization({ scale: false }).apply(x)) as SymbolicTensor;
        x = new layers.Conv2D({ filters: 5, kernelSize: 1, useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.BatchNormalization().apply(x) as SymbolicTensor;
        x = new layers.GlobalAveragePooling2D().apply(x) as SymbolicTensor;
        const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
        return models.model({ inputs, outputs });
      };
      const x = randomTensor([40, 11, 9, 6], rng, -1, 2, 'float32'), y = dt.tensor(Array.from({ length: 40 }, (_, i) => i % 3), null, 'int32');
      await assertCompiledTrainsAsEager(build, x, y, `${threads} thread(s)`);
    }
    dt.setThreads(1);
  });
});

describe('membound: the bandwidth limit', () => {
  it('measures a positive, finite rate for every stream shape and refuses bad ones', () => {
    const be = new WasmBackend(1);
    for (const [reads, writes] of [[1, 0], [2, 0], [3, 0], [1, 1], [3, 1]] as const) {
      const gbs = streamGBs(be, { reads, writes, bytes: 64 << 10 });
      assert.ok(Number.isFinite(gbs) && gbs > 0.1, `${reads} reads ${writes} writes: ${gbs} GB/s`);
    }
    assert.throws(() => streamGBs(be, { reads: 4 as 3, writes: 0, bytes: 1024 }), /streamGBs: expected 1-3 reads, 0-1 writes and bytes > 0, got 4, 0, 1024/);
  });
  it('the copy stream writes the sum of its inputs (the loads are real)', () => {
    const be = new WasmBackend(1), n = 64;
    const [a, b, c, d] = [0, 1, 2, 3].map(() => be.mem.reserve(n * 4));
    be.mem.f32(a, n).fill(1); be.mem.f32(b, n).fill(2); be.mem.f32(c, n).fill(4);
    be.mem.exports.streamLimit(a, b, c, d, 3, 1, 0, n / 16);
    assert.deepEqual([...be.mem.f32(d, n)], new Array(n).fill(7));
  });
});
