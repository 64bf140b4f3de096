// The training passes' wasm kernels (the packed filter gradient, assembly/conv-filter-grad.ts)
// against the reference backend's kernel in float64, and against the wasm kernels they
// replace, on odd shapes: strides 1-3, dilations 1-2, valid, same and uneven explicit padding,
// channel counts that are and are not multiples of 4 and 8.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { filterGradKernel, trainTuning } from '../src/backends/wasm/train-kernels.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(31);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** Largest |a - b| over the largest |b|: the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

interface Case { x: [number, number, number, number]; k: [number, number]; f: number; strides?: number; dilations?: number; padding: 'same' | 'valid' | readonly [number, number] }

/** The case's geometry; an explicit [top, left] padding adds that many zeros before and one after. */
function geometry(c: Case): ConvInfo {
  const w = [c.k[0], c.k[1], c.x[3], c.f];
  if (typeof c.padding === 'string') return convInfo(c.x, w, { strides: c.strides, dilations: c.dilations, padding: c.padding });
  const [top, left] = c.padding, s = c.strides ?? 1, d = c.dilations ?? 1;
  const out = (n: number, k: number, before: number) => Math.floor((n + before + 1 - ((k - 1) * d + 1)) / s) + 1;
  const valid = convInfo(c.x, w, { strides: s, dilations: d, padding: 'valid' });
  return { ...valid, padTop: top, padLeft: left, outH: out(c.x[1], c.k[0], top), outW: out(c.x[2], c.k[1], left) };
}

const CASES: Case[] = [];
// inC, filters: the earlier kernels (3, 5 or 1 channels; 8 or 16 filters), narrow (F < 8; 36 = 32 + 4 channels), packed (F > 16, tails of 8).
for (const [inC, f] of [[4, 8], [8, 16], [3, 8], [5, 12], [1, 1], [12, 3], [36, 1], [16, 24], [8, 20]] as const) {
  for (const strides of [1, 2, 3]) {
    for (const dilations of [1, 2]) {
      for (const padding of ['same', 'valid', [2, 1]] as const) {
        CASES.push({ x: [3, 11, 9, inC], k: [3, 3], f, strides, dilations, padding });
      }
    }
  }
}
CASES.push({ x: [2, 7, 7, 8], k: [1, 1], f: 16, padding: 'valid' }, { x: [2, 8, 8, 16], k: [1, 1], f: 8, strides: 2, padding: 'same' },
  { x: [2, 9, 10, 4], k: [5, 2], f: 8, padding: 'same' }, { x: [1, 13, 13, 8], k: [3, 3], f: 520, padding: 'same' });

describe('packed filter gradient (convFilterGradPacked) against the reference and the earlier kernels', () => {
  it('every case within 1e-5 of the float64 reference, on 1 and 2 threads and with several block sizes', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    // The packed kernel itself, also on the 3x3 stride-1 cases the Winograd one takes (test/winograd-filter-grad.test.ts).
    trainTuning.winogradFilterGrad = 'never';
    let worst = 0;
    for (const c of CASES) {
      const info = geometry(c);
      const x = floats(c.x.reduce((a, b) => a * b)), dy = floats(info.batch * info.outH * info.outW * c.f);
      const size = c.k[0] * c.k[1] * c.x[3] * c.f;
      const exact = new Float64Array(size);
      js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
      for (const [be, block] of [[backends[0], 256], [backends[1], 256], [backends[1], 4], [backends[0], 12]] as const) {
        trainTuning.filterGradBlock = block;
        const dw = new Float32Array(size);
        be.conv2dBackpropFilter(x, dy, dw, info);
        const err = relativeError(dw, exact);
        worst = Math.max(worst, err);
        assert.ok(err <= 1e-5, `${JSON.stringify(c)} on ${be.threads} thread(s), block ${block}: relative error ${err}`);
      }
      trainTuning.filterGradBlock = 256;
      // The kernels the packed one replaces give the same gradient.
      trainTuning.packedFilterGrad = false;
      const before = new Float32Array(size);
      backends[1].conv2dBackpropFilter(x, dy, before, info);
      trainTuning.packedFilterGrad = true;
      assert.ok(relativeError(before, exact) <= 1e-5, `${JSON.stringify(c)}: earlier kernel`);
    }
    assert.deepEqual(new Set(CASES.map((c) => filterGradKernel(geometry(c)))), new Set(['earlier', 'narrow', 'packed', 'threeChannels']), 'every kernel met');
    trainTuning.winogradFilterGrad = 'auto';
    assert.ok(worst > 0, 'float32 kernels differ from float64 somewhere: the comparison ran');
  });
});

describe('3x3 depthwise filter gradient (dwFilterGrad3x3) against the reference and the general kernel', () => {
  it('odd sizes, strides 1-3, dilations 1-2, every padding, multipliers 1 and 2: within 1e-5', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    let cases = 0;
    for (const [C, multiplier] of [[4, 1], [12, 1], [8, 2], [32, 1]] as const) {
      for (const strides of [1, 2, 3]) {
        for (const dilations of [1, 2]) {
          for (const padding of ['same', 'valid', [2, 1]] as const) {
            const c: Case = { x: [3, 11, 10, C], k: [3, 3], f: C * multiplier, strides, dilations, padding };
            const info = { ...geometry(c), groups: C };
            // (dwFilterGrad3x3 is chosen at stride 1 only; forced here on every stride.)
            const x = floats(c.x.reduce((a, b) => a * b)), dy = floats(info.batch * info.outH * info.outW * info.outC);
            const size = 9 * info.outC, exact = new Float64Array(size);
            js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), exact, info);
            for (const be of backends) {
              for (const fast of [true, false]) {
                trainTuning.depthwise3x3FilterGrad = fast;
                trainTuning.depthwise3x3AnyStride = fast;
                const dw = new Float32Array(size);
                be.conv2dBackpropFilter(x, dy, dw, info);
                const err = relativeError(dw, exact);
                assert.ok(err <= 1e-5, `${JSON.stringify(c)} ${fast ? 'dwFilterGrad3x3' : 'dwFilterGrad'} on ${be.threads} thread(s): ${err}`);
              }
              trainTuning.depthwise3x3FilterGrad = true;
              trainTuning.depthwise3x3AnyStride = false;
            }
            cases++;
          }
        }
      }
    }
    assert.equal(cases, 72);
  });
});

describe('packed filter gradient: a chunk writes only its own packed panels', () => {
  it('a dilated tap past a block\'s last pixel writes no zeros beyond the block (they landed in the next chunk\'s panels, racing it on 2 threads)', () => {
    const be = new WasmBackend(1);
    const b = be as unknown as { mem: { exports: Record<string, (...a: number[]) => void>; buffer: ArrayBuffer }; scratch(n: number): number };
    const xs: [number, number, number, number] = [3, 11, 9, 16], f = 24, block = 4, chunk = 152;
    const info = convInfo(xs, [3, 3, 16, f], { dilations: 2, padding: 'same' });
    const size = 9 * 16 * f, slotFloats = block * (f + 4);
    const px = b.scratch(xs.reduce((a, c) => a * c) * 4), pdy = b.scratch(info.batch * info.outH * info.outW * f * 4);
    const partials = b.scratch(size * 4), packs = b.scratch(2 * slotFloats * 4);
    new Float32Array(b.mem.buffer, px, xs.reduce((a, c) => a * c)).set(floats(xs.reduce((a, c) => a * c)));
    new Float32Array(b.mem.buffer, pdy, info.batch * info.outH * info.outW * f).set(floats(info.batch * info.outH * info.outW * f));
    // The second slot's panels hold a sentinel; the first chunk (slot 0) must leave it alone.
    new Float32Array(b.mem.buffer, packs + slotFloats * 4, slotFloats).fill(12345);
    const g = [info.inH, info.inW, info.inC, info.outH, info.outW, info.outC, info.kH, info.kW, info.strideH, info.strideW, info.padTop, info.padLeft, info.dilationH, info.dilationW];
    b.mem.exports.convFilterGradPacked(px, pdy, partials, packs, ...g, block, chunk, 0, chunk);
    const next = new Float32Array(b.mem.buffer, packs + slotFloats * 4, slotFloats);
    assert.ok(next.every((v) => v === 12345), `chunk 0 wrote into chunk 1's panels (${next.filter((v) => v !== 12345).length} floats)`);
  });
});
