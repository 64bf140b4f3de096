// Convolutions with fewer than 8 input channels and output channels a multiple of 16 (the RGB
// stems: assembly/conv-stem-gemm.ts, stemTuning.stemGemm) against the reference backend in
// float64 (within 1e-5), against convGemm's im2col path bit for bit (the same sums in the same
// order, the activation on the stored registers as convGemm's pass applies it: NaN and
// infinities included), and 1 thread = 2 threads bit for bit: odd sizes, strides 1, 2, 3 and
// mixed, 'same', 'valid' and uneven explicit padding, 1 to 7 channels, kernels 1x1 to 5x5,
// batch 1 and 3, every epilogue, bias or none; other shapes keep convGemm.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { convInfo, type ConvGeometry } from '../src/ops/conv.ts';
import type { ConvActivation, ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(2402);
const floats = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1) * scale);
const EPILOGUES: (ConvActivation | 'linear')[] = ['linear', 'relu', 'relu6'];

/** The kernel names a backend's thread pool runs during fn. */
function kernelsRun(be: WasmBackend, fn: () => void): string[] {
  const names: string[] = [], par = be.par.bind(be);
  be.par = (name, ...rest) => { names.push(name); par(name, ...rest); };
  try { fn(); } finally { delete (be as { par?: unknown }).par; }
  return names;
}

/** act(conv(x, w) + bias) into a NaN-filled output (an unwritten value shows). */
function forward(be: WasmBackend | JsBackend, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, info: ConvInfo, act: ConvActivation | 'linear', float64 = false): Float32Array | Float64Array {
  const n = info.batch * info.outH * info.outW * info.outC;
  const y = (float64 ? new Float64Array(n) : new Float32Array(n)).fill(NaN);
  const [xx, ww, bb] = float64 ? [Float64Array.from(x), Float64Array.from(w), bias && Float64Array.from(bias)] : [x as Float32Array, w as Float32Array, bias as Float32Array | null];
  if (act === 'linear') be.conv2d(xx, ww, bb, y, info); else be.conv2dActivation(xx, ww, bb, y, info, act);
  return y;
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
};

describe('stem convolutions read in place (conv-stem-gemm.ts)', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2), js = new JsBackend();
  before(async () => { await one.whenReady(); await two.whenReady(); });
  after(() => { stemTuning.stemGemm = true; });

  // [batch, H, W, C, F, kernel, geometry]: the zoo's stems (MobileNet 64x64 stride 2, ResNet-20
  // and VGG 32x32), odd maps (a row's odd last output), strides 3 and [1, 2], uneven padding.
  const CASES: [number, number, number, number, number, number, ConvGeometry][] = [
    [1, 64, 64, 3, 32, 3, { strides: 2, padding: 'same' }], [1, 32, 32, 3, 16, 3, { padding: 'same' }], [3, 32, 32, 3, 32, 3, { padding: 'same' }],
    [1, 13, 11, 3, 16, 3, { padding: 'same' }], [3, 15, 9, 1, 32, 3, { strides: 2, padding: 'same' }], [1, 17, 14, 5, 48, 5, { padding: 'valid' }],
    [1, 12, 19, 7, 16, 3, { strides: 3, padding: 'same' }], [3, 10, 13, 2, 16, 4, { strides: [1, 2], padding: [[2, 0], [0, 1]] }],
    [1, 9, 9, 3, 16, 1, { strides: 2, padding: 'valid' }], [1, 6, 7, 4, 32, 3, { padding: [[1, 2], [2, 1]] }],
  ];
  for (const [batch, h, w, c, f, k, geometry] of CASES) {
    it(`${batch}x${h}x${w}x${c} -> ${f}, ${k}x${k} ${JSON.stringify(geometry)}`, () => {
      const info = convInfo([batch, h, w, c], [k, k, c, f], geometry);
      // Inputs scaled so that relu6 clamps at 6 as well as at 0.
      const x = floats(batch * h * w * c, 3), kernel = floats(k * k * c * f), bias = floats(f, 2);
      let zeros = 0, sixes = 0;
      for (const act of EPILOGUES) {
        for (const b of [bias, null]) {
          const what = `${act}${b ? '' : ', no bias'}`;
          const ref = forward(js, x, kernel, b, info, act, true);
          stemTuning.stemGemm = false;
          const im2col = forward(one, x, kernel, b, info, act);
          stemTuning.stemGemm = true;
          let got!: Float32Array | Float64Array;
          assert.ok(kernelsRun(one, () => { got = forward(one, x, kernel, b, info, act); }).includes('convStemGemm'), `${what}: convStemGemm ran`);
          const got2 = forward(two, x, kernel, b, info, act);
          assert.ok(worstError(got, ref) <= 1e-5, `${what}: vs float64 ${worstError(got, ref)}`);
          assert.equal(sameBits(got, im2col), -1, `${what}: differs from convGemm at ${sameBits(got, im2col)}`);
          assert.equal(sameBits(got2, got), -1, `${what}: 2 threads differ from 1 at ${sameBits(got2, got)}`);
          if (act === 'relu6' && b) for (const v of got) { if (v === 0) zeros++; else if (v === 6) sixes++; }
        }
      }
      assert.ok(zeros > 0 && (k === 1 || sixes > 0), `relu6 clamped ${zeros} outputs at 0 and ${sixes} at 6`);
    });
  }

  it('NaN and infinities as convGemm gives them, every epilogue', () => {
    const info = convInfo([1, 11, 12, 3], [3, 3, 3, 16], { padding: 'same' });
    const x = floats(11 * 12 * 3), kernel = floats(27 * 16), bias = floats(16);
    x[5] = NaN; x[100] = Infinity; x[200] = -Infinity; x[300] = 1e30;
    for (const act of EPILOGUES) {
      stemTuning.stemGemm = false;
      const im2col = forward(one, x, kernel, bias, info, act);
      stemTuning.stemGemm = true;
      const got = forward(one, x, kernel, bias, info, act), got2 = forward(two, x, kernel, bias, info, act);
      assert.ok(got.some(Number.isNaN) && (act === 'relu6' || got.some((v) => !Number.isFinite(v) && !Number.isNaN(v))), `${act}: NaN and infinities reached the output`);
      assert.equal(sameBits(got, im2col), -1, `${act}: differs from convGemm at ${sameBits(got, im2col)}`);
      assert.equal(sameBits(got2, got), -1, `${act}: 2 threads differ from 1`);
    }
  });

  it('other shapes keep convGemm: output channels not a multiple of 16, dilations, the switch off', () => {
    const run = (info: ConvInfo) => kernelsRun(one, () => forward(one, floats(info.batch * info.inH * info.inW * info.inC), floats(info.kH * info.kW * info.inC * info.outC), null, info, 'relu'));
    assert.ok(run(convInfo([1, 10, 10, 3], [3, 3, 3, 24], { padding: 'same' })).includes('convGemm'), '24 filters');
    assert.ok(run(convInfo([1, 10, 10, 3], [3, 3, 3, 16], { padding: 'same', dilations: 2 })).includes('convGemm'), 'dilation 2');
    stemTuning.stemGemm = false;
    assert.ok(run(convInfo([1, 10, 10, 3], [3, 3, 3, 16], { padding: 'same' })).includes('convGemm'), 'stemTuning.stemGemm off');
    stemTuning.stemGemm = true;
  });
});
