// The fast depthwise kernels (assembly/depthwise3x3.ts, dispatch in wasm/depthwise-kernels.ts)
// against the reference backend in float64 and against the general depthwise kernels they
// replace: odd sizes, channel counts that are and are not multiples of 4, strides 1-3,
// dilations 1-2, 'same' / 'valid' / uneven explicit padding, batch 1 and several, 1 and 2
// threads, every epilogue (linear, relu, relu6), with and without bias, the sliding interior
// (depthwiseTuning.sliding) and the grouped one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { convInfo } from '../src/ops/conv.ts';
import type { ConvActivation, ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { depthwiseTuning, filterGrad3x3Fits, inPlace3x3Fits, inputGrad3x3s2Fits } from '../src/backends/wasm/depthwise-kernels.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(47);
const floats = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);

/** Largest |a - b| over the largest |b|: the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

type Padding = 'same' | 'valid' | readonly [number, number];
interface Case { x: [number, number, number, number]; k?: [number, number]; multiplier?: number; strides: number; dilations: number; padding: Padding }

/** The case's depthwise geometry; an explicit [top, left] padding adds that many zeros before and one after. */
function geometry(c: Case): ConvInfo {
  const [kH, kW] = c.k ?? [3, 3], C = c.x[3], w = [kH, kW, 1, C * (c.multiplier ?? 1)];
  const opts = { strides: c.strides, dilations: c.dilations, groups: C };
  if (typeof c.padding === 'string') return convInfo(c.x, w, { ...opts, padding: c.padding });
  const [top, left] = c.padding, s = c.strides, d = c.dilations;
  const out = (n: number, k: number, before: number) => Math.floor((n + before + 1 - ((k - 1) * d + 1)) / s) + 1;
  const valid = convInfo(c.x, w, { ...opts, padding: 'valid' });
  return { ...valid, padTop: top, padLeft: left, outH: out(c.x[1], kH, top), outW: out(c.x[2], kW, left) };
}

const CASES: Case[] = [];
for (const C of [1, 3, 4, 13, 32]) {
  for (const strides of [1, 2, 3]) {
    for (const dilations of [1, 2]) {
      for (const padding of ['same', 'valid', [2, 1]] as const) {
        CASES.push({ x: [C === 13 ? 1 : 3, 11, 10, C], strides, dilations, padding });
      }
    }
  }
}
// Wide rows (long interiors, both parities of the two-output loop), a tiny image (border only), and MobileNet's shapes.
CASES.push({ x: [2, 6, 23, 36], strides: 1, dilations: 1, padding: 'same' }, { x: [2, 6, 24, 20], strides: 2, dilations: 1, padding: 'same' },
  { x: [2, 2, 2, 8], strides: 1, dilations: 1, padding: 'same' }, { x: [1, 3, 1, 5], strides: 1, dilations: 2, padding: 'same' },
  { x: [2, 32, 32, 32], strides: 1, dilations: 1, padding: 'same' }, { x: [2, 32, 32, 64], strides: 2, dilations: 1, padding: 'same' },
  { x: [2, 8, 8, 256], strides: 2, dilations: 1, padding: 'same' },
  // Wider left paddings: the sliding row starts past outputs whose taps are all or mostly outside.
  { x: [2, 7, 9, 8], strides: 1, dilations: 1, padding: [1, 2] }, { x: [1, 6, 11, 12], strides: 2, dilations: 1, padding: [2, 3] },
  { x: [1, 5, 1, 8], strides: 1, dilations: 1, padding: 'same' }, { x: [1, 5, 3, 4], strides: 2, dilations: 1, padding: [1, 1] });

const ACTIVATIONS = ['linear', 'relu', 'relu6'] as const;

/** out = act(depthwise(x, w) + bias) on a backend (linear: the plain conv2d). */
function forward(be: WasmBackend | JsBackend, x: Float32Array | Float64Array, w: Float32Array | Float64Array, bias: Float32Array | Float64Array | null,
  out: Float32Array | Float64Array, info: ConvInfo, act: (typeof ACTIVATIONS)[number]): void {
  if (act === 'linear') be.conv2d(x, w, bias, out, info);
  else be.conv2dActivation(x, w, bias, out, info, act as ConvActivation);
}

const f64 = (a: Float32Array | null): Float64Array | null => a && Float64Array.from(a);

describe('fast 3x3 depthwise forward (dwConv3x3)', () => {
  it('matches the float64 reference within 1e-5 and the general kernel, every case, epilogue, bias, thread count', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    let fast = 0, worst = 0;
    for (const c of CASES) {
      const info = geometry(c);
      if (info.outH <= 0 || info.outW <= 0) continue;
      assert.ok(inPlace3x3Fits(info), `${JSON.stringify(c)} takes the fast kernel`);
      fast++;
      const x = floats(c.x.reduce((a, b) => a * b), 4), w = floats(9 * info.outC), n = info.batch * info.outH * info.outW * info.outC;
      for (const bias of [null, floats(info.outC)]) {
        for (const act of ACTIVATIONS) {
          const exact = new Float64Array(n), oneThread: Float32Array[] = [];
          forward(js, Float64Array.from(x), Float64Array.from(w), f64(bias), exact, info, act);
          for (const be of backends) {
            // Both interiors: the sliding one (each channel quad along the row) and the groups of four outputs.
            const outs: Float32Array[] = [];
            for (const sliding of [true, false]) {
              depthwiseTuning.sliding = sliding;
              const out = new Float32Array(n).fill(NaN); // an output left unwritten fails
              forward(be, x, w, bias, out, info, act);
              const err = relativeError(out, exact);
              worst = Math.max(worst, err);
              assert.ok(err <= 1e-5, `${JSON.stringify(c)} ${act} bias ${!!bias} on ${be.threads} thread(s), sliding ${sliding}: relative error ${err}`);
              outs.push(out);
            }
            depthwiseTuning.sliding = true;
            if (be === backends[1]) assert.deepEqual(outs[0], oneThread[0], `${JSON.stringify(c)}: 1 and 2 threads alike`);
            else oneThread[0] = outs[0];
          }
          depthwiseTuning.inPlace3x3 = false;
          const general = new Float32Array(n);
          forward(backends[1], x, w, bias, general, info, act);
          depthwiseTuning.inPlace3x3 = true;
          assert.ok(relativeError(general, exact) <= 1e-5, `${JSON.stringify(c)}: the general kernel`);
        }
      }
    }
    assert.ok(fast >= 90, `${fast} cases ran the fast kernel`);
    assert.ok(worst > 0, 'float32 kernels differ from float64 somewhere: the comparison ran');
  });

  it('agrees with TF.js depthwiseConv2d (MobileNet-like shapes, same and valid, strides 1 and 2)', () => {
    const be = new WasmBackend(1);
    for (const [shape, strides, padding] of [[[2, 9, 12, 8], 1, 'same'], [[1, 16, 16, 12], 2, 'same'], [[2, 7, 7, 6], 2, 'valid'], [[1, 5, 9, 4], 1, 'valid']] as const) {
      const info = convInfo([...shape], [3, 3, 1, shape[3]], { strides, padding, groups: shape[3] });
      const x = floats((shape as readonly number[]).reduce((a, b) => a * b)), w = floats(9 * shape[3]);
      const out = new Float32Array(info.batch * info.outH * info.outW * info.outC);
      be.conv2d(x, w, null, out, info);
      const expected = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(x, [...shape]), tf.tensor4d(w, [3, 3, shape[3], 1]), strides, padding).dataSync());
      assert.equal(expected.length, out.length);
      assert.ok(relativeError(out, expected) <= 1e-5, `${shape} stride ${strides} ${padding}: ${relativeError(out, expected)}`);
    }
  });

  it('other kernel sizes and channel multipliers keep the general kernel', () => {
    for (const c of [{ x: [1, 8, 8, 4], k: [5, 5], strides: 1, dilations: 1, padding: 'same' }, { x: [1, 8, 8, 4], multiplier: 2, strides: 1, dilations: 1, padding: 'same' }] as Case[]) {
      assert.equal(inPlace3x3Fits(geometry(c)), false, JSON.stringify(c));
    }
  });
});

describe('depthwise gradients on wasm (dwInputGrad3x3s2, dwFilterGrad3x3InPlace, the stride-1 flipped forward, the general kernels) against the reference backend', () => {
  it('input and filter gradients within 1e-5 of float64, every case, 1 and 2 threads', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    let gathered = 0, swept = 0;
    const cases: Case[] = [...CASES, { x: [2, 9, 8, 4], k: [5, 3], strides: 2, dilations: 1, padding: 'same' }, { x: [2, 9, 8, 4], multiplier: 2, strides: 1, dilations: 2, padding: 'same' }];
    for (const c of cases) {
      const info = geometry(c);
      if (info.outH <= 0 || info.outW <= 0) continue;
      const xs = c.x.reduce((a, b) => a * b), ys = info.batch * info.outH * info.outW * info.outC, ws = info.kH * info.kW * info.outC;
      const x = floats(xs), w = floats(ws), dy = floats(ys);
      const dx64 = new Float64Array(xs), dw64 = new Float64Array(ws);
      js.conv2dBackpropInput(Float64Array.from(dy), Float64Array.from(w), dx64, info);
      js.conv2dBackpropFilter(Float64Array.from(x), Float64Array.from(dy), dw64, info);
      if (inputGrad3x3s2Fits(info)) gathered++;
      if (filterGrad3x3Fits(info)) swept++;
      for (const [be, fast] of [[backends[0], true], [backends[1], true], [backends[1], false]] as const) {
        depthwiseTuning.inPlace3x3 = fast;
        const dx = new Float32Array(xs).fill(NaN), dw = new Float32Array(ws).fill(NaN);
        be.conv2dBackpropInput(dy, w, dx, info);
        be.conv2dBackpropFilter(x, dy, dw, info);
        depthwiseTuning.inPlace3x3 = true;
        const kernels = `${fast ? 'fast' : 'general'} kernels on ${be.threads} thread(s)`;
        assert.ok(relativeError(dx, dx64) <= 1e-5, `${JSON.stringify(c)} input gradient, ${kernels}: ${relativeError(dx, dx64)}`);
        assert.ok(relativeError(dw, dw64) <= 1e-5, `${JSON.stringify(c)} filter gradient, ${kernels}: ${relativeError(dw, dw64)}`);
      }
    }
    assert.ok(gathered >= 15, `${gathered} cases took dwInputGrad3x3s2`);
    assert.ok(swept >= 30, `${swept} cases took dwFilterGrad3x3InPlace`);
  });
});
