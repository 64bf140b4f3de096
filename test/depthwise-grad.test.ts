// The 3x3 depthwise filter gradient (assembly/depthwise3x3-grad.ts#dwFilterGrad3x3InPlace), with
// and without the read-ahead and with its defaults, against the reference
// backend in float64 on odd sizes, channels off multiples of 4, strides 1-2, 'same' / 'valid'
// / explicit paddings, batches that take one and several partials; 1 and 2 threads bit for
// bit (partials by a fixed number of images); NaN and infinities where the reference has them;
// a compiled depthwise block trained three steps as eager.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { depthwiseTuning, dwFilterGrad3x3Chunk, filterGrad3x3Fits } from '../src/backends/wasm/depthwise-kernels.ts';
import { Random } from '../src/core/random.ts';
import { assertCompiledTrainsAsEager } from './helpers/compare.ts';

const rng = new Random(53);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** Largest |a - b| over the largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

type Padding = 'same' | 'valid' | readonly [number, number];

/** A depthwise 3x3 geometry; an explicit [top, left] padding adds that many zeros before and one after. */
function geometry(x: [number, number, number, number], strides: number, padding: Padding): ConvInfo {
  const opts = { strides, groups: x[3] }, w = [3, 3, 1, x[3]];
  if (typeof padding === 'string') return convInfo(x, w, { ...opts, padding });
  const [top, left] = padding, out = (n: number, before: number) => Math.floor((n + before + 1 - 3) / strides) + 1;
  return { ...convInfo(x, w, { ...opts, padding: 'valid' }), padTop: top, padLeft: left, outH: out(x[1], top), outW: out(x[2], left) };
}

// With and without the read-ahead (on every row size), and the defaults.
const MODES = {
  plain: { filterGradReadAhead: false },
  readAhead: { filterGradReadAhead: true, filterGradReadAheadMinRowBytes: 0 },
  defaults: {},
};

function filterGrad(be: WasmBackend, x: Float32Array, dy: Float32Array, info: ConvInfo, mode: keyof typeof MODES): Float32Array {
  const saved = { ...depthwiseTuning };
  Object.assign(depthwiseTuning, MODES[mode]);
  try {
    const dw = new Float32Array(9 * info.outC).fill(NaN);
    be.conv2dBackpropFilter(x, dy, dw, info);
    return dw;
  } finally { Object.assign(depthwiseTuning, saved); }
}

const SHAPES: [number, number, number, number][] = [[3, 11, 10, 4], [2, 7, 13, 13], [1, 2, 2, 8], [9, 9, 9, 36], [2, 5, 17, 3], [2, 32, 32, 32]];
const PADDINGS: Padding[] = ['same', 'valid', [2, 1], [0, 2]];

describe('dwFilterGrad3x3InPlace against the reference backend', () => {
  it('every sweep within 1e-5 of float64; 1 and 2 threads bit for bit; the read-ahead changes no bit', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    let cases = 0;
    for (const shape of SHAPES) {
      for (const strides of [1, 2]) {
        for (const padding of PADDINGS) {
          if (padding !== 'same' && (shape[1] < 3 || shape[2] < 3)) continue; // convInfo's 'valid' (geometry's start) refuses it
          const info = geometry(shape, strides, padding);
          if (info.outH <= 0 || info.outW <= 0) continue;
          assert.ok(filterGrad3x3Fits(info), JSON.stringify(info));
          cases++;
          const x = floats(shape.reduce((a, b) => a * b)), dy = floats(info.batch * info.outH * info.outW * info.outC);
          const dw64 = new Float64Array(9 * info.outC);
          js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), dw64, info);
          const what = `${JSON.stringify(shape)} stride ${strides} padding ${JSON.stringify(padding)}`;
          const results: Record<string, Float32Array> = {};
          for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
            const [one, two] = backends.map((be) => filterGrad(be, x, dy, info, mode));
            assert.ok(relativeError(one, dw64) <= 1e-5, `${what} ${mode}: ${relativeError(one, dw64)}`);
            assert.deepEqual(two, one, `${what} ${mode}: 2 threads differ from 1`);
            results[mode] = one;
          }
          assert.deepEqual(results.readAhead, results.plain, `${what}: the read-ahead changed the sums`);
        }
      }
    }
    assert.ok(cases >= 40, `${cases} cases`);
  });

  it('partials by a fixed number of images, whatever the thread count', () => {
    assert.equal(dwFilterGrad3x3Chunk(1), 1);
    assert.equal(dwFilterGrad3x3Chunk(8), 1);
    assert.equal(dwFilterGrad3x3Chunk(9), 2);
    assert.equal(dwFilterGrad3x3Chunk(32), 4);
  });

  it('NaN and infinities where the reference has them (the row and column ends add no product with a missing output)', async () => {
    const js = new JsBackend(), be = new WasmBackend(2);
    await be.whenReady();
    for (const strides of [1, 2]) {
      for (const padding of ['same', 'valid', [2, 1]] as Padding[]) {
        const shape: [number, number, number, number] = [2, 9, 11, 8], info = geometry(shape, strides, padding);
        const x = floats(shape.reduce((a, b) => a * b)), dy = floats(info.batch * info.outH * info.outW * info.outC);
        const C = 8, at = (n: number, h: number, w: number, c: number) => ((n * 9 + h) * 11 + w) * C + c;
        // Infinities on every edge of the image (some channels), a NaN inside, zeros in dy beside them.
        x[at(0, 0, 0, 1)] = Infinity; x[at(0, 4, 10, 2)] = -Infinity; x[at(1, 8, 5, 5)] = Infinity; x[at(1, 3, 0, 6)] = -Infinity;
        x[at(0, 8, 10, 7)] = Infinity; x[at(1, 4, 4, 0)] = NaN;
        for (let i = 3; i < dy.length; i += 7) dy[i] = 0;
        const dw64 = new Float64Array(9 * C);
        js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), dw64, info);
        for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
          const dw = filterGrad(be, x, dy, info, mode);
          const what = `stride ${strides} padding ${JSON.stringify(padding)} ${mode}`;
          let special = 0;
          for (let i = 0; i < dw64.length; i++) {
            if (Number.isFinite(dw64[i])) assert.ok(Math.abs(dw[i] - dw64[i]) <= 1e-4, `${what} tap ${i}: ${dw[i]} vs ${dw64[i]}`);
            else { special++; assert.ok(Object.is(dw[i], Math.fround(dw64[i])), `${what} tap ${i}: ${dw[i]} vs ${dw64[i]}`); }
          }
          assert.ok(special >= 4, `${what}: ${special} taps not finite`);
        }
      }
    }
  });
});

describe('a compiled depthwise block (the filter gradient with the read-ahead)', () => {
  it('three Adam steps give the same weights as eager within 1e-5 (1 and 2 threads)', async () => {
    dt.setBackend('wasm');
    for (const threads of [1, 2]) {
      dt.setThreads(threads);
      const build = () => {
        dt.setRandomSeed(9);
        const inputs = layers.input({ shape: [13, 11, 8] });
        let x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
        x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x)) as SymbolicTensor;
        x = new layers.DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x)) as SymbolicTensor;
        x = new layers.Conv2D({ filters: 12, kernelSize: 1, useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.GlobalAveragePooling2D().apply(x) as SymbolicTensor;
        const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
        return models.model({ inputs, outputs });
      };
      const x = dt.tensor(floats(20 * 13 * 11 * 8), [20, 13, 11, 8]), y = dt.tensor(Array.from({ length: 20 }, (_, i) => i % 3), null, 'int32');
      await assertCompiledTrainsAsEager(build, x, y, `${threads} thread(s)`);
    }
    dt.setThreads(1);
  });
});
