// MobileNet inference's kernels (issue #15): the pointwise GEMM with bias and activation applied
// in the tile's store (assembly/pointwise.ts, which 1x1 forwards with an epilogue now take from
// pointwiseTuning.epilogueMinPixels pixels) and the depthwise 3x3 interior's rows by pointer
// steps (assembly/depthwise3x3.ts). Against the reference backend in float64 (within 1e-5)
// and against the direct kernels: pixel counts around the 6-row tile, channels off multiples
// of 4 and 8, batch 1 and several, every epilogue, bias or none, NaN-filled outputs (an unwritten
// value fails), clamps hit at both bounds, 1 and 2 threads bit for bit; a compiled predict
// (weights packed ahead in its prologue) equal to an eager one.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvActivation, ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import { depthwiseTuning } from '../src/backends/wasm/depthwise-kernels.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { Random } from '../src/core/random.ts';
import { backend } from '../src/core/engine.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(2207);
const floats = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);
const EPILOGUES: (ConvActivation | 'linear')[] = ['linear', 'relu', 'relu6'];

/** The kernel names a backend's thread pool runs during fn. */
function kernelsRun(be: WasmBackend, fn: () => void): string[] {
  const names: string[] = [], par = be.par.bind(be);
  be.par = (name, ...rest) => { names.push(name); par(name, ...rest); };
  try { fn(); } finally { delete (be as { par?: unknown }).par; }
  return names;
}

/** act(conv(x, w) + bias) on one backend into a NaN-filled output. */
function forward(be: WasmBackend | JsBackend, x: Float32Array | Float64Array, w: Float32Array | Float64Array, bias: Float32Array | Float64Array | null, info: ConvInfo, act: ConvActivation | 'linear', float64: boolean): Float32Array | Float64Array {
  const n = info.batch * info.outH * info.outW * info.outC;
  const y = (float64 ? new Float64Array(n) : new Float32Array(n)).fill(NaN);
  if (act === 'linear') be.conv2d(x, w, bias, y, info); else be.conv2dActivation(x, w, bias, y, info, act);
  return y;
}

/** Checks every epilogue with and without bias on 1 and 2 threads: within 1e-5 of float64, the threads bit for bit; returns the outputs clamped at 0 and at 6 (relu6, with bias). */
function checkAll(wasm: WasmBackend[], info: ConvInfo, x: Float32Array, w: Float32Array, bias: Float32Array, what: string, kernel: string): { zeros: number; sixes: number } {
  const js = new JsBackend(), f64 = (a: Float32Array) => Float64Array.from(a);
  let zeros = 0, sixes = 0;
  for (const act of EPILOGUES) {
    for (const b of [null, bias]) {
      const want = forward(js, f64(x), f64(w), b && f64(b), info, act, true);
      const got = wasm.map((be) => {
        let y!: Float32Array | Float64Array;
        const names = kernelsRun(be, () => { y = forward(be, x, w, b, info, act, false); });
        assert.ok(names.includes(kernel), `${what} ${act}: ${kernel} ran (${names.join(', ')})`);
        return y;
      });
      const label = `${what}, ${act}${b ? ' + bias' : ''}`;
      const err = worstError(got[0], want);
      assert.ok(err <= 1e-5, `${label}: error ${err} against float64 (Infinity: an output left NaN)`);
      assert.deepEqual(got[1], got[0], `${label}: 2 threads differ from 1`);
      if (act === 'relu6' && b) for (const v of got[0]) { if (v === 0) zeros++; if (v === 6) sixes++; }
    }
  }
  return { zeros, sixes };
}

describe('pointwise GEMM with its epilogue in the store', () => {
  const wasm = [new WasmBackend(1), new WasmBackend(2)];
  const defaults = { ...pointwiseTuning };
  before(async () => { await wasm[1].whenReady(); });
  after(() => { Object.assign(pointwiseTuning, defaults); });

  // [batch, height, width, in, out]: P = batch * height * width rows (6-row tiles, then 4 and 1-3).
  const SHAPES: [number, number, number, number, number][] = [
    [1, 1, 1, 5, 8], [1, 1, 5, 3, 9], [1, 2, 3, 13, 16], [1, 3, 3, 7, 24], // P 1, 5, 6, 9
    [2, 2, 5, 17, 21], [3, 3, 3, 32, 40], [4, 1, 7, 9, 15], // P 20 (6+6+6+2), 27 (4x6+3), 28 (4x6+4)
    [1, 7, 11, 64, 33], [5, 4, 4, 40, 72], // P 77 (12x6+5), 80: batch 1 and 5, 64 deep
    [2, 8, 11, 96, 104], // over 2^21 multiply-adds: split between the threads (176 rows)
  ];
  afterEach(() => { Object.assign(pointwiseTuning, defaults); });
  it('bias and relu / relu6 in the tile store: within 1e-5 of float64, 1 = 2 threads, both clamps hit', () => {
    pointwiseTuning.epilogueMinPixels = 0; pointwiseTuning.wideEpilogueMinPixels = 0; // every call through pointwiseGemm
    let zeros = 0, sixes = 0;
    for (const [n, h, wd, C, F] of SHAPES) {
      const info = convInfo([n, h, wd, C], [1, 1, C, F], { padding: 'same' });
      // Inputs scaled so that relu6 clamps at 6 too (sums of C products of up to 3 x 1).
      const got = checkAll(wasm, info, floats(n * h * wd * C, 3), floats(C * F), floats(F, 2), `1x1 [${n},${h},${wd},${C}] -> ${F}`, 'pointwiseGemm');
      zeros += got.zeros; sixes += got.sixes;
    }
    assert.ok(zeros > 50 && sixes > 50, `relu6 clamped ${zeros} outputs at 0 and ${sixes} at 6`);
    Object.assign(pointwiseTuning, defaults);
  });

  it('NaN and infinities pass the clamp as the direct kernel gives them', () => {
    pointwiseTuning.epilogueMinPixels = 0; pointwiseTuning.wideEpilogueMinPixels = 0;
    const info = convInfo([1, 5, 5, 11], [1, 1, 11, 19], { padding: 'same' });
    const x = floats(25 * 11), w = floats(11 * 19), bias = floats(19);
    x[3 * 11 + 4] = NaN; x[10 * 11] = Infinity; x[17 * 11 + 10] = -Infinity; x[24 * 11 + 2] = 1e30;
    for (const be of wasm) {
      for (const act of EPILOGUES) {
        pointwiseTuning.gemm = true;
        const gemm = forward(be, x, w, bias, info, act, false);
        pointwiseTuning.gemm = false;
        const direct = forward(be, x, w, bias, info, act, false);
        pointwiseTuning.gemm = true;
        const what = `${act}, ${be.threads} thread(s)`;
        assert.deepEqual(Array.from(gemm, Number.isFinite), Array.from(direct, Number.isFinite), `${what}: non-finite where the direct kernel's are`);
        assert.ok(gemm.some(Number.isNaN) && (act === 'relu6' || gemm.some((v) => v === Infinity || v === -Infinity)), `${what}: NaN and infinities reached the output`);
        for (let i = 0; i < gemm.length; i++) {
          if (Number.isFinite(direct[i])) assert.ok(Math.abs(gemm[i] - direct[i]) <= 1e-5 * Math.max(1, Math.abs(direct[i])), `${what}: output ${i} ${gemm[i]} vs ${direct[i]}`);
          else assert.ok(Object.is(gemm[i], direct[i]) || (Number.isNaN(gemm[i]) && Number.isNaN(direct[i])), `${what}: output ${i} ${gemm[i]} vs ${direct[i]}`);
        }
      }
    }
    Object.assign(pointwiseTuning, defaults);
  });

  it('by default: up to wideTileMaxK input channels from wideEpilogueMinPixels pixels (batch 1 too), deeper ones from epilogueMinPixels pixels per call', () => {
    const be = wasm[0];
    const run = (info: ConvInfo) => kernelsRun(be, () => forward(be, floats(info.batch * info.inH * info.inW * info.inC), floats(info.inC * 16), floats(16), info, 'relu6', false));
    assert.ok(run(convInfo([1, 32, 32, 24], [1, 1, 24, 16], { padding: 'same' })).includes('pointwiseGemm'), '24 deep, 1024 pixels: the GEMM (2x16 tile)');
    assert.ok(run(convInfo([1, 16, 16, 128], [1, 1, 128, 16], { padding: 'same' })).includes('pointwiseGemm'), '128 deep, 256 pixels: the GEMM (2x16 tile)');
    assert.ok(!run(convInfo([1, 8, 8, 128], [1, 1, 128, 16], { padding: 'same' })).includes('pointwiseGemm'), '128 deep, 64 pixels: the direct kernel');
    assert.ok(run(convInfo([256, 4, 4, 136], [1, 1, 136, 16], { padding: 'same' })).includes('pointwiseGemm'), '136 deep, 4096 pixels: the GEMM (6x8 tile)');
    assert.ok(!run(convInfo([1, 32, 32, 136], [1, 1, 136, 16], { padding: 'same' })).includes('pointwiseGemm'), '136 deep, 1024 pixels: the direct kernel');
    const oneFilter = convInfo([1, 16, 16, 24], [1, 1, 24, 1], { padding: 'same' }), twelve = convInfo([1, 16, 16, 24], [1, 1, 24, 12], { padding: 'same' });
    const kernels = (info: ConvInfo) => kernelsRun(be, () => forward(be, floats(256 * 24), floats(24 * info.outC), floats(info.outC), info, 'relu', false));
    assert.ok(kernels(oneFilter).includes('convOneFilter'), 'one output channel, 256 pixels: convOneFilter');
    assert.ok(!kernels(twelve).includes('pointwiseGemm'), '12 output channels (not whole panels), 256 pixels: the direct kernel');
  });
});

describe('depthwise 3x3 interior rows by pointer steps', () => {
  const wasm = [new WasmBackend(1), new WasmBackend(2)];
  before(async () => { await wasm[1].whenReady(); });

  // [batch, height, width, channels, stride, padding]: rows 4+ wide take the grouped interior;
  // heights 1-3 put the zero row above, below or on both sides of the image rows.
  const CASES: [number, number, number, number, number, 'same' | 'valid'][] = [
    [1, 1, 9, 4, 1, 'same'], [2, 2, 8, 6, 1, 'same'], [1, 3, 11, 9, 1, 'same'], [3, 7, 13, 12, 1, 'same'], [1, 6, 10, 5, 1, 'valid'],
    [1, 2, 12, 8, 2, 'same'], [2, 9, 17, 7, 2, 'same'], [1, 11, 19, 16, 2, 'valid'], [4, 5, 9, 3, 2, 'same'],
    [2, 16, 16, 36, 1, 'same'], [2, 16, 16, 36, 2, 'same'], // over the split threshold: rows between threads
  ];
  it('within 1e-5 of float64 for every epilogue, bias or none, 1 = 2 threads, both clamps hit', () => {
    assert.ok(depthwiseTuning.inPlace3x3);
    let zeros = 0, sixes = 0;
    for (const [n, h, wd, C, s, padding] of CASES) {
      const info = convInfo([n, h, wd, C], [3, 3, 1, C], { strides: s, padding, groups: C });
      const got = checkAll(wasm, info, floats(n * h * wd * C, 3), floats(9 * C), floats(C, 2), `dw [${n},${h},${wd},${C}] s${s} ${padding}`, 'dwConv3x3');
      zeros += got.zeros; sixes += got.sixes;
    }
    assert.ok(zeros > 50 && sixes > 50, `relu6 clamped ${zeros} outputs at 0 and ${sixes} at 6`);
  });
});

describe('a MobileNet-style block at 4096+ pixels: compiled predict = eager', () => {
  type T = SymbolicTensor;
  const build = (): models.Model => {
    dt.setRandomSeed(5);
    const inputs = layers.input({ shape: [16, 16, 12] });
    let x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x) as T) as T;
    x = new layers.Conv2D({ filters: 20, kernelSize: 1, useBias: false }).apply(x) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x) as T) as T;
    x = new layers.GlobalAveragePooling2D().apply(x) as T;
    return models.model({ inputs, outputs: new layers.Dense({ units: 3 }).apply(x) as T });
  };
  const x = dt.tensor(floats(16 * 16 * 16 * 12, 3), [16, 16, 16, 12]);
  for (const threads of [1, 2]) {
    it(`${threads} thread(s): the 1x1 call runs pointwiseGemm with bias + relu6 (BN folded), twice, within 1e-5 of eager`, async () => {
      dt.setBackend('wasm');
      dt.setThreads(threads);
      await dt.ready();
      const compiled = build(), eager = build();
      // Moving statistics away from 0 / 1 (variances positive), so the fold gives a bias.
      for (const l of compiled.layers.filter((l) => l instanceof layers.BatchNormalization)) {
        const [gamma, beta, mean, variance] = l.getWeights();
        l.setWeights([gamma, beta, dt.tensor(floats(mean.size, 0.5), mean.shape), dt.tensor(floats(variance.size, 0.4).map((v) => Math.abs(v) + 0.5), variance.shape)]);
      }
      eager.setWeights(compiled.getWeights());
      compiled.compile({ loss: 'mse', optimizer: 'sgd' });
      eager.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
      const be = backend() as WasmBackend;
      const names: string[] = [], par = be.par.bind(be);
      be.par = (name, ...rest) => { names.push(name); par(name, ...rest); };
      let first: dt.Tensor, second: dt.Tensor;
      try { first = compiled.predict(x, { batchSize: 16 }) as dt.Tensor; second = compiled.predict(x, { batchSize: 16 }) as dt.Tensor; } finally { delete (be as { par?: unknown }).par; }
      assert.ok(names.includes('pointwiseGemm'), `pointwiseGemm ran (${[...new Set(names)].join(', ')})`);
      const want = eager.predict(x, { batchSize: 16 }) as dt.Tensor;
      assert.ok(worstError(first.data, want.data) <= 1e-5, `first predict: error ${worstError(first.data, want.data)}`);
      assert.deepEqual(second.data, first.data, 'second predict (weights packed in the prologue before) equals the first');
      dt.setThreads(1);
    });
  }
});
