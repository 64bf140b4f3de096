// The small-map / batch-1 inference paths of the wasm convolutions (issue #15's latency
// target): the direct kernels with output channels in cache-sized blocks, weights packed in
// panels of 8 (assembly/conv.ts#packPanels) and one image split between threads by output
// channels (assembly/conv-columns.ts), forward, with bias and relu, with a residual, and
// fused with 2x2 max pooling, against the reference backend in float64 and against the same
// wasm kernels reading the weights in place. Maps 1x1..9x9, channels that are and are not
// multiples of 4 and 8, strides 1-3, dilations 1-2, same / valid / uneven explicit padding,
// batch 1 and 3, 1 and 2 threads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { convInfo, poolInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(19);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const f64 = (a: Float32Array | null): Float64Array | null => (a ? Float64Array.from(a) : null);

/** Largest |a - b| over the largest |b|: the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return scale === 0 ? diff : diff / scale; // all zeros (windows wholly in the padding): exact
}

interface Case { batch: number; map: [number, number]; inC: number; outC: number; k: number; strides?: number; dilations?: number; padding: 'same' | 'valid' | readonly [number, number] }

/** The case's geometry; an explicit [top, left] padding adds that many zeros before and one after. */
function geometry(c: Case): ConvInfo {
  const x = [c.batch, c.map[0], c.map[1], c.inC], w = [c.k, c.k, c.inC, c.outC];
  if (typeof c.padding === 'string') return convInfo(x, w, { strides: c.strides, dilations: c.dilations, padding: c.padding });
  const [top, left] = c.padding, s = c.strides ?? 1, d = c.dilations ?? 1;
  const out = (n: number, before: number) => Math.floor((n + before + 1 - ((c.k - 1) * d + 1)) / s) + 1;
  const valid = convInfo(x, w, { strides: s, dilations: d, padding: 'valid' });
  return { ...valid, padTop: top, padLeft: left, outH: out(c.map[0], top), outW: out(c.map[1], left) };
}

const CASES: Case[] = [];
// Channels: under 8 out (no panel), tails of 4 and of 1-3 past the panels, panels only.
const CHANNELS = [[8, 5], [9, 12], [12, 19], [16, 16], [20, 27]] as const;
for (const [h, w] of [[1, 1], [2, 3], [4, 4], [5, 7], [8, 8], [9, 9]] as const) {
  CHANNELS.forEach(([inC, outC], i) => {
    for (const strides of [1, 2, 3]) {
      const padding = (['same', 'valid', [1, 2]] as const)[(i + strides) % 3];
      const dilations = (i + h) % 2 + 1;
      for (const k of [1, 3]) {
        const c: Case = { batch: (h + strides) % 2 ? 1 : 3, map: [h, w], inC, outC, k, strides, dilations, padding };
        const span = (k - 1) * dilations + 1;
        if (padding === 'same' || (span <= h && span <= w)) CASES.push(c);
      }
    }
  });
}
// Kernels over 128 KB (column blocks of 8, packed by default from 64 pixels on): 3x3 64 -> 72 and 1x1 256 -> 136.
CASES.push({ batch: 1, map: [8, 8], inC: 64, outC: 72, k: 3, padding: 'same' }, { batch: 2, map: [5, 6], inC: 64, outC: 68, k: 3, padding: 'same', dilations: 2 },
  { batch: 1, map: [9, 9], inC: 256, outC: 136, k: 1, padding: 'valid' },
  // Pooled with 2 row pairs per sweep over 3 pairs (the last sweep a single pair).
  { batch: 1, map: [6, 8], inC: 8, outC: 200, k: 3, padding: 'same' }, { batch: 1, map: [4, 4], inC: 256, outC: 131, k: 1, strides: 2, padding: 'same' });

/** Kernel choices on wasm: the first reads the weights in place and splits rows / images; every other must give the same floats. */
const CONFIGS = [
  { weightPacking: 'never', columnSplit: 'never' }, { weightPacking: 'always', columnSplit: 'never' }, { weightPacking: 'auto', columnSplit: 'auto' },
  { weightPacking: 'never', columnSplit: 'always' }, { weightPacking: 'always', columnSplit: 'always' },
] as const;
const configure = (be: WasmBackend, c: { weightPacking: 'auto' | 'always' | 'never'; columnSplit: 'auto' | 'always' | 'never' }): void => {
  be.weightPacking = c.weightPacking; be.columnSplit = c.columnSplit;
};

/**
 * Output arrays in wasm memory (as a plan's buffers) filled with NaN / -1: a kernel that leaves
 * any value unwritten fails the comparison (a scratch copy could hold an earlier call's result).
 */
function poisoned(be: WasmBackend, n: number): Float32Array { return be.mem.f32(be.mem.reserve(n * 4), n).fill(NaN); }
function poisonedInts(be: WasmBackend, n: number): Int32Array { return be.mem.i32(be.mem.reserve(n * 4), n).fill(-1); }

describe('small-map direct convolutions (column blocks, packed weights) on wasm', () => {
  const js = new JsBackend();
  const backends = [new WasmBackend(1), new WasmBackend(2)];
  before(async () => { await backends[1].whenReady(); });

  it('conv2dActivation, conv2d and conv2dResidual: within 1e-5 of float64, packed equal to unpacked, on 1 and 2 threads', () => {
    let worst = 0, packedChecked = 0;
    for (const c of CASES) {
      const info = geometry(c);
      const x = floats(c.batch * c.map[0] * c.map[1] * c.inC), w = floats(c.k * c.k * c.inC * c.outC), bias = floats(c.outC);
      const n = info.batch * info.outH * info.outW * info.outC, residual = floats(n);
      const exact = { act: new Float64Array(n), plain: new Float64Array(n), res: new Float64Array(n) };
      js.conv2dActivation(f64(x)!, f64(w)!, f64(bias), exact.act, info, 'relu');
      js.conv2d(f64(x)!, f64(w)!, null, exact.plain, info);
      js.conv2dResidual(f64(x)!, f64(w)!, f64(bias), f64(residual)!, exact.res, info, 'relu');
      for (const be of backends) {
        const seen: Record<string, Float32Array[]> = { act: [], plain: [], res: [] };
        for (const config of CONFIGS) {
          configure(be, config);
          const packing = JSON.stringify(config), mark = be.mem.mark();
          const out = { act: poisoned(be, n), plain: poisoned(be, n), res: poisoned(be, n) };
          be.conv2dActivation(x, w, bias, out.act, info, 'relu');
          be.conv2d(x, w, null, out.plain, info);
          be.conv2dResidual(x, w, bias, residual, out.res, info, 'relu');
          for (const kind of ['act', 'plain', 'res'] as const) out[kind] = out[kind].slice();
          be.mem.release(mark);
          for (const kind of ['act', 'plain', 'res'] as const) {
            const err = relativeError(out[kind], exact[kind]);
            worst = Math.max(worst, err);
            assert.ok(err <= 1e-5, `${kind} ${JSON.stringify(c)}, ${be.threads} thread(s), ${packing}: relative error ${err}`);
            seen[kind].push(out[kind]);
          }
        }
        configure(be, CONFIGS[2]);
        // Packed panels and column chunks sum the same weights in the same order: the same floats.
        for (const kind of ['act', 'plain', 'res'] as const) {
          for (let k = 1; k < CONFIGS.length; k++) assert.deepEqual(seen[kind][k], seen[kind][0], `${kind} ${JSON.stringify(c)}: ${JSON.stringify(CONFIGS[k])} differs from ${JSON.stringify(CONFIGS[0])}`);
        }
        if (c.inC >= 8 && c.outC >= 8) packedChecked++;
      }
    }
    assert.ok(packedChecked > 100, `the packed path ran on ${packedChecked} cases`);
    assert.ok(worst > 0, 'float32 kernels differ from float64 somewhere: the comparison ran');
  });

  it('conv2dMaxPool (the fused direct kernel on even maps, conv then pool otherwise): within 1e-5 of float64, packed equal to unpacked', () => {
    let fused = 0;
    for (const c of CASES) {
      const info = geometry(c);
      if (info.outH < 2 || info.outW < 2) continue;
      const pool = poolInfo([info.batch, info.outH, info.outW, info.outC], 2, 2, 'valid');
      if (info.outH % 2 === 0 && info.outW % 2 === 0 && info.outC % 4 === 0) fused++;
      const x = floats(c.batch * c.map[0] * c.map[1] * c.inC), w = floats(c.k * c.k * c.inC * c.outC), bias = floats(c.outC);
      const m = pool.batch * pool.outH * pool.outW * pool.channels;
      const exact = new Float64Array(m), exactArg = new Int32Array(m);
      js.conv2dMaxPool(f64(x)!, f64(w)!, f64(bias), exact, exactArg, info, pool);
      for (const be of backends) {
        const outs: Float32Array[] = [], args: Int32Array[] = [];
        for (const config of CONFIGS) {
          configure(be, config);
          const packing = JSON.stringify(config), mark = be.mem.mark();
          const [o, a] = [poisoned(be, m), poisonedInts(be, m)];
          be.conv2dMaxPool(x, w, bias, o, a, info, pool);
          const [out, arg] = [o.slice(), a.slice()];
          be.mem.release(mark);
          const err = relativeError(out, exact);
          assert.ok(err <= 1e-5, `pooled ${JSON.stringify(c)}, ${be.threads} thread(s), ${packing}: relative error ${err}`);
          outs.push(out); args.push(arg);
        }
        configure(be, CONFIGS[2]);
        for (let k = 1; k < CONFIGS.length; k++) {
          assert.deepEqual(outs[k], outs[0], `pooled ${JSON.stringify(c)}: ${JSON.stringify(CONFIGS[k])} differs from ${JSON.stringify(CONFIGS[0])}`);
          assert.deepEqual(args[k], args[0], `pooled ${JSON.stringify(c)}: ${JSON.stringify(CONFIGS[k])}'s argmax differs`);
        }
      }
    }
    assert.ok(fused > 10, `the fused kernel ran on ${fused} cases`);
  });
});
