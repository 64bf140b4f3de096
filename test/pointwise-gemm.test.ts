// The pointwise GEMM kernel (assembly/pointwise.ts, dispatch in wasm/pointwise-kernels.ts):
// 1x1 stride-1 convolutions' forward (bias, relu / relu6, residual) and input gradient as one
// GEMM over the batch's pixels, 2x16-tiled (pointwiseTuning.wideTile; bit for bit the 6x8 tile's sums). Against the reference backend in float64 and
// against the direct kernels it replaces (pointwiseTuning.gemm off): pixel counts around the
// 6-row tile and the row blocks, channels that are and are not multiples of 4 and 8 (the
// columns past the last panel of 8), batch 1 and several, 1 and 2 threads, NaN-filled
// outputs; NaN and infinities in the input as the direct kernel gives them; compiled predicts
// and training steps equal to eager ones.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvActivation, ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { pointwiseFits, pointwiseTuning } from '../src/backends/wasm/pointwise-kernels.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(61);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** Largest |a - b| over the largest |b|; NaN where a and b disagree on NaN. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) { if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return NaN; continue; }
    diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** [batch, height, width, in channels, out channels]: P = batch * height * width pixels. */
const SHAPES: [number, number, number, number, number][] = [
  [1, 1, 1, 1, 1], [1, 1, 1, 3, 5], [2, 3, 3, 16, 3], // fewer than 8 columns: the tail alone
  [1, 2, 3, 40, 16], [5, 2, 3, 24, 40], // whole tiles (P = 6, 30)
  [1, 3, 5, 13, 21], [2, 5, 7, 9, 8], [1, 7, 1, 8, 17], [3, 4, 4, 32, 64], [2, 4, 4, 7, 12], // ragged rows, columns, depths
  [1, 4, 4, 256, 512], [2, 8, 8, 64, 128], // MobileNet-like depths
  [3, 9, 11, 96, 104], // over 2^21 multiply-adds: split between the threads (297 rows, not a multiple of 6)
];
const EPILOGUES: (ConvActivation | 'linear')[] = ['linear', 'relu', 'relu6'];

interface Arrays { x: Float32Array; w: Float32Array; bias: Float32Array; residual: Float32Array; dy: Float32Array }
const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);

/** Every pass on one backend, each output NaN-filled first: forward per epilogue with and without bias, residual per epilogue, input gradient. */
function passes(be: WasmBackend | JsBackend, info: ConvInfo, a: Arrays, float64: boolean): Map<string, ArrayLike<number>> {
  const cast = (v: Float32Array) => (float64 ? f64(v) : v);
  const make = (n: number) => (float64 ? new Float64Array(n) : new Float32Array(n)).fill(NaN);
  const [x, w, bias, residual, dy] = [a.x, a.w, a.bias, a.residual, a.dy].map(cast);
  const out = new Map<string, ArrayLike<number>>();
  for (const act of EPILOGUES) {
    for (const b of [null, bias]) {
      const y = make(dy.length);
      if (act === 'linear') be.conv2d(x, w, b, y, info); else be.conv2dActivation(x, w, b, y, info, act);
      out.set(`forward ${act}${b ? ' + bias' : ''}`, y);
    }
    const r = make(dy.length);
    be.conv2dResidual(x, w, bias, residual, r, info, act === 'linear' ? null : act);
    out.set(`residual ${act}`, r);
  }
  const dx = make(x.length);
  be.conv2dBackpropInput(dy, w, dx, info);
  out.set('input grad', dx);
  return out;
}

/** The kernel names a backend's thread pool runs during fn. */
function kernelsRun(be: WasmBackend, fn: () => void): string[] {
  const names: string[] = [], par = be.par.bind(be);
  be.par = (name, ...rest) => { names.push(name); par(name, ...rest); };
  try { fn(); } finally { delete (be as { par?: unknown }).par; }
  return names;
}

describe('pointwiseGemm: 1x1 convolutions as one GEMM over the batch', () => {
  const wasm = [new WasmBackend(1), new WasmBackend(2)];
  before(async () => { await wasm[1].whenReady(); });
  const defaults = { ...pointwiseTuning };
  after(() => { Object.assign(pointwiseTuning, defaults); });

  it('takes 1x1 stride-1 unpadded convolutions only, and runs pointwiseGemm for their forward and input gradient', () => {
    const one = convInfo([2, 5, 5, 13], [1, 1, 13, 21], { padding: 'same' });
    assert.ok(pointwiseFits(one));
    assert.ok(!pointwiseFits(convInfo([2, 5, 5, 13], [1, 1, 13, 21], { padding: 'same', strides: 2 })), 'stride 2');
    assert.ok(!pointwiseFits(convInfo([2, 5, 5, 13], [3, 3, 13, 21], { padding: 'same' })), '3x3');
    assert.ok(!pointwiseFits(convInfo([2, 5, 5, 12], [1, 1, 4, 12], { padding: 'same', groups: 3 })), 'grouped');
    const be = wasm[0], x = floats(2 * 25 * 13), w = floats(13 * 21), y = new Float32Array(2 * 25 * 21), bias = floats(21);
    assert.deepEqual(kernelsRun(be, () => be.conv2d(x, w, null, y, one)), ['packPanels', 'pointwiseGemm']);
    assert.deepEqual(kernelsRun(be, () => be.conv2dBackpropInput(y, w, x, one)), ['packPanelsTransposed', 'pointwiseGemm']);
    // With an epilogue: the 2x16 tile's depths (13 here) to whole panels of output channels (24)
    // from wideEpilogueMinPixels pixels (lowered to 50 here), others (21 outputs; the 6x8 tile's
    // depths) from epilogueMinPixels (these 50 pixels: the direct kernel), none without pointwiseTuning.epilogue.
    pointwiseTuning.wideEpilogueMinPixels = 50;
    const panels = convInfo([2, 5, 5, 13], [1, 1, 13, 24], { padding: 'same' }), w24 = floats(13 * 24), y24 = new Float32Array(2 * 25 * 24), b24 = floats(24);
    assert.deepEqual(kernelsRun(be, () => be.conv2dActivation(x, w24, b24, y24, panels, 'relu6')), ['packPanels', 'pointwiseGemm'], 'relu6, 13 deep, 24 outputs: the GEMM by default');
    assert.deepEqual(kernelsRun(be, () => be.conv2dResidual(x, w24, b24, y24, y24.slice(), panels, 'relu')), ['packPanels', 'pointwiseGemm'], 'residual, 13 deep, 24 outputs');
    assert.ok(!kernelsRun(be, () => be.conv2dActivation(x, w, bias, y, one, 'relu6')).includes('pointwiseGemm'), 'relu6, 21 outputs: direct below epilogueMinPixels');
    pointwiseTuning.wideTileMaxK = 8; // 13 input channels now take the 6x8 tile
    assert.ok(!kernelsRun(be, () => be.conv2dActivation(x, w24, b24, y24, panels, 'relu6')).includes('pointwiseGemm'), 'relu6, 6x8 tile, 24 outputs: direct below epilogueMinPixels');
    assert.ok(!kernelsRun(be, () => be.conv2dActivation(x, w, null, y, one, 'relu6')).includes('pointwiseGemm'), 'relu6, 6x8 tile: direct below epilogueMinPixels');
    assert.ok(!kernelsRun(be, () => be.conv2d(x, w, bias, y, one)).includes('pointwiseGemm'), 'bias, 6x8 tile: direct below epilogueMinPixels');
    pointwiseTuning.epilogueMinPixels = 50;
    assert.deepEqual(kernelsRun(be, () => be.conv2dActivation(x, w, bias, y, one, 'relu6')), ['packPanels', 'pointwiseGemm']);
    assert.deepEqual(kernelsRun(be, () => be.conv2dResidual(x, w, bias, y, y.slice(), one, 'relu')), ['packPanels', 'pointwiseGemm']);
    pointwiseTuning.wideTileMaxK = defaults.wideTileMaxK;
    pointwiseTuning.wideEpilogueMinPixels = 51;
    assert.ok(!kernelsRun(be, () => be.conv2dActivation(x, w24, b24, y24, panels, 'relu6')).includes('pointwiseGemm'), 'relu6, 24 outputs: direct below wideEpilogueMinPixels');
    pointwiseTuning.wideEpilogueMinPixels = defaults.wideEpilogueMinPixels;
    pointwiseTuning.epilogue = false;
    assert.ok(!kernelsRun(be, () => be.conv2d(x, w, bias, y, one)).includes('pointwiseGemm'), 'bias: direct with pointwiseTuning.epilogue off');
    pointwiseTuning.epilogue = true;
    pointwiseTuning.epilogueMinPixels = defaults.epilogueMinPixels;
    pointwiseTuning.gemm = false;
    assert.ok(!kernelsRun(be, () => be.conv2d(x, w, null, y, one)).includes('pointwiseGemm'), 'the switch off');
    pointwiseTuning.gemm = true;
  });

  it('matches the float64 reference within 1e-5 and the direct kernels, every shape, epilogue, block size and thread count', () => {
    const js = new JsBackend();
    pointwiseTuning.epilogueMinPixels = 0; pointwiseTuning.wideEpilogueMinPixels = 0; // every pass through pointwiseGemm
    let checked = 0;
    for (const [n, h, wd, C, F] of SHAPES) {
      const info = convInfo([n, h, wd, C], [1, 1, C, F], { padding: 'same' });
      const P = n * h * wd;
      const a: Arrays = { x: floats(P * C), w: floats(C * F), bias: floats(F), residual: floats(P * F), dy: floats(P * F) };
      const want = passes(js, info, a, true);
      // The default blocks (one at these sizes), and blocks of 6 rows and 8 columns (many, each a tile).
      for (const bytes of [0, 4]) {
        pointwiseTuning.rowBlockBytes = bytes || defaults.rowBlockBytes;
        pointwiseTuning.colBlockBytes = bytes || defaults.colBlockBytes;
        pointwiseTuning.wideColBlockBytes = bytes || defaults.wideColBlockBytes;
        let oneThread: Map<string, ArrayLike<number>> | undefined;
        for (const be of wasm) {
          pointwiseTuning.gemm = false;
          const direct = passes(be, info, a, false);
          pointwiseTuning.gemm = true;
          pointwiseTuning.wideTile = false;
          const narrow = passes(be, info, a, false);
          pointwiseTuning.wideTile = true;
          pointwiseTuning.wideTileMaxK = 1 << 30; // every forward on the 2x16 tile, whatever its depth
          const got = passes(be, info, a, false);
          pointwiseTuning.wideTileMaxK = defaults.wideTileMaxK;
          for (const [pass, ref] of want) {
            const what = `[${n},${h},${wd},${C}] -> ${F}, ${pass}, ${bytes ? 'smallest' : 'default'} blocks, ${be.threads} thread(s)`;
            const g = got.get(pass)!;
            assert.ok(Array.from(g).every(Number.isFinite), `${what}: an output unwritten or not finite`);
            const err = relativeError(g, ref), vsDirect = relativeError(g, direct.get(pass)!);
            assert.ok(err <= 1e-5, `${what}: relative error ${err} against float64`);
            assert.ok(vsDirect <= 1e-5, `${what}: relative difference ${vsDirect} against the direct kernel`);
            // The 2x16 and 6x8 tiles add the same products in the same order: the same floats.
            assert.deepEqual(g, narrow.get(pass)!, `${what}: the 2x16 tile against the 6x8 one`);
            if (oneThread) assert.deepEqual(g, oneThread.get(pass)!, `${what}: against 1 thread`);
            checked++;
          }
          oneThread = got;
        }
      }
    }
    assert.equal(checked, SHAPES.length * 2 * 2 * (3 * 3 + 1));
    Object.assign(pointwiseTuning, defaults);
  });

  it('a NaN or an infinity in the input gives what the direct kernels give (NaN through relu and relu6, no NaN elsewhere)', () => {
    const info = convInfo([2, 3, 5, 19], [1, 1, 19, 24], { padding: 'same' });
    const x = floats(30 * 19), w = floats(19 * 24), bias = floats(24), dy = floats(30 * 24);
    x[5 * 19 + 3] = NaN; x[17 * 19 + 18] = Infinity; x[29 * 19] = -Infinity; dy[11 * 24 + 23] = NaN; dy[12 * 24] = Infinity;
    pointwiseTuning.epilogueMinPixels = 0; pointwiseTuning.wideEpilogueMinPixels = 0;
    for (const be of wasm) {
      const run = (on: boolean): Float32Array[] => {
        pointwiseTuning.gemm = on;
        const outs = EPILOGUES.map((act) => {
          const y = new Float32Array(30 * 24).fill(-7);
          if (act === 'linear') be.conv2d(x, w, bias, y, info); else be.conv2dActivation(x, w, bias, y, info, act);
          return y;
        });
        const dx = new Float32Array(30 * 19).fill(-7);
        be.conv2dBackpropInput(dy, w, dx, info);
        return [...outs, dx];
      };
      const direct = run(false), gemm = run(true);
      direct.forEach((d, k) => {
        assert.deepEqual(Array.from(gemm[k], (v) => (Number.isFinite(v) ? 0 : v)), Array.from(d, (v) => (Number.isFinite(v) ? 0 : v)), `pass ${k}: NaN and infinities where the direct kernel has them, ${be.threads} thread(s)`);
        const finite = (v: Float32Array) => v.map((q, i) => (Number.isFinite(d[i]) ? q : 0));
        assert.ok(relativeError(finite(gemm[k]), finite(d)) <= 1e-5, `pass ${k}: the finite values, ${be.threads} thread(s)`);
      });
      assert.ok(gemm[2].some(Number.isNaN) && gemm[3].some(Number.isNaN), 'the NaN reached relu6 and the input gradient');
    }
    Object.assign(pointwiseTuning, defaults);
  });
});

describe('models with 1x1 convolutions: compiled steps equal eager ones on wasm', () => {
  type T = SymbolicTensor;
  // A depthwise-separable block as MobileNet has them, a 1x1 convolution with a bias and relu
  // at odd channel counts, and a residual add after a 1x1 convolution.
  const build = (): models.Model => {
    dt.setRandomSeed(11);
    const inputs = layers.input({ shape: [5, 7, 6] });
    let x = new layers.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x) as T) as T;
    x = new layers.Conv2D({ filters: 16, kernelSize: 1, useBias: false }).apply(x) as T;
    x = new layers.ReLU({ maxValue: 6 }).apply(new layers.BatchNormalization().apply(x) as T) as T;
    const y = new layers.Conv2D({ filters: 16, kernelSize: 1, activation: 'relu' }).apply(x) as T;
    x = new layers.Add().apply([x, y]) as T;
    x = new layers.Conv2D({ filters: 13, kernelSize: 1 }).apply(x) as T;
    x = new layers.GlobalAveragePooling2D().apply(x) as T;
    return models.model({ inputs, outputs: new layers.Dense({ units: 3 }).apply(x) as T });
  };
  const x = dt.tensor(Float32Array.from({ length: 4 * 5 * 7 * 6 }, () => 2 * rng.uniform() - 1), [4, 5, 7, 6]);
  const y = dt.tensor(Float32Array.from({ length: 4 * 3 }, () => rng.uniform()), [4, 3]);
  for (const threads of [1, 2]) {
    it(`${threads} thread(s): predict and two epochs of fit, compiled vs eager within 1e-5`, async () => {
      dt.setBackend('wasm');
      dt.setThreads(threads);
      await dt.ready();
      const compiled = build(), eager = build();
      eager.setWeights(compiled.getWeights());
      compiled.compile({ loss: 'mse', optimizer: 'sgd' });
      eager.compile({ loss: 'mse', optimizer: 'sgd', runEagerly: true });
      const close = (a: dt.Tensor, b: dt.Tensor, what: string): void => {
        const err = relativeError(a.data, b.data);
        assert.ok(err <= 1e-5, `${what}: relative difference ${err}`);
      };
      close(compiled.predict(x) as dt.Tensor, eager.predict(x) as dt.Tensor, 'predict');
      await compiled.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, shuffle: false });
      await eager.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, shuffle: false });
      compiled.getWeights().forEach((w, i) => close(w, eager.getWeights()[i], `weight ${i} after fit`));
      close(compiled.predict(x) as dt.Tensor, eager.predict(x) as dt.Tensor, 'predict after fit');
      dt.setThreads(1);
    });
  }
});
