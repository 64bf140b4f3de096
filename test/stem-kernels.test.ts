// The first and last layers' kernels: the one-channel 3x3 convolution fused with 2x2 max
// pooling (assembly/conv-stem.ts) and the one-output-channel convolution (conv-one-filter.ts)
// against the reference backend in float64 and against themselves on 2 threads (with and
// without argmax, with and without the four-output path); and inference plans, which ask the
// fused pooling for no argmax.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { convInfo, poolInfo, type ConvGeometry } from '../src/ops/conv.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { stemTuning } from '../src/backends/wasm/conv-kernels.ts';
import { worstError } from './helpers/compare.ts';

const rng = new Random(23);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

describe('one-channel 3x3 convolution + 2x2 max pooling (conv-stem.ts)', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2), js = new JsBackend();
  before(async () => { await one.whenReady(); await two.whenReady(); });

  // [input H, W, filters, geometry]: odd inputs with uneven explicit padding (even outputs),
  // 'same' and 'valid', padding on one side only, a tall narrow map (pooled rows split unevenly).
  const CASES: [number, number, number, ConvGeometry][] = [
    [12, 10, 4, { padding: 'same' }], [13, 11, 12, { padding: [[0, 1], [1, 0]] }], [14, 12, 4, { padding: 'valid' }], [14, 18, 8, { padding: [[1, 1], [1, 1]] }],
    [28, 28, 32, { padding: 'same' }], [34, 6, 16, { padding: 'same' }],
  ];
  for (const [h, w, filters, geometry] of CASES) {
    for (const batch of [1, 3]) {
      for (const withBias of [true, false]) {
        it(`${h}x${w} -> ${filters}, ${JSON.stringify(geometry.padding)}, batch ${batch}${withBias ? '' : ', no bias'}`, () => {
          const info = convInfo([batch, h, w, 1], [3, 3, 1, filters], geometry);
          assert.ok(info.outH % 2 === 0 && info.outW % 2 === 0, 'the case must take the fused kernel (even conv output)');
          const pool = poolInfo([batch, info.outH, info.outW, filters], 2, 2, 'valid');
          const x = floats(batch * h * w), k = floats(9 * filters), b = withBias ? floats(filters) : null;
          const n = batch * pool.outH * pool.outW * filters;
          const ref = new Float64Array(n), refArg = new Int32Array(n);
          js.conv2dMaxPool(Float64Array.from(x), Float64Array.from(k), b && Float64Array.from(b), ref, refArg, info, pool);
          const run = (be: WasmBackend, argmax: boolean): [Float32Array, Int32Array | null] => {
            const out = new Float32Array(n).fill(NaN), arg = argmax ? new Int32Array(n).fill(-1) : null;
            be.conv2dMaxPool(x, k, b, out, arg, info, pool);
            return [out, arg];
          };
          const [o1, a1] = run(one, true), [o2, a2] = run(two, true), [o1n] = run(one, false), [o2n] = run(two, false);
          const err = worstError(o1, ref);
          assert.ok(err <= 1e-5, `pooled vs float64 reference: ${err}`);
          for (const [what, o] of [['2 threads', o2], ['no argmax, 1 thread', o1n], ['no argmax, 2 threads', o2n]] as const) {
            assert.ok(o1.every((v, i) => Object.is(v, o[i])), `${what} differs from 1 thread with argmax (first at ${o1.findIndex((v, i) => !Object.is(v, o[i]))})`);
          }
          assert.deepEqual(a2, a1, 'argmax: 2 threads = 1 thread');
          // The reference's argmax wherever its window's maximum is clear of float32 rounding.
          let checked = 0;
          for (let i = 0; i < n; i++) {
            if (a1![i] === refArg[i]) { checked++; continue; }
            const y = new Float64Array(batch * info.outH * info.outW * filters);
            js.conv2d(Float64Array.from(x), Float64Array.from(k), b && Float64Array.from(b), y, info);
            assert.ok(Math.abs(y[a1![i]] - ref[i]) <= 1e-6, `argmax ${i}: ${a1![i]} (value ${y[a1![i]]}) vs the reference's ${refArg[i]} (${ref[i]})`);
          }
          assert.ok(checked >= n - 2, `argmax equal to the reference's at ${checked} of ${n}`);
        });
      }
    }
  }

});

describe('one output channel (conv-one-filter.ts)', () => {
  const one = new WasmBackend(1), two = new WasmBackend(2), js = new JsBackend();
  before(async () => { await one.whenReady(); await two.whenReady(); });
  // [input H, W, C, kernel, geometry]: the autoencoder's last layer, odd sizes, channels not a
  // multiple of 8 or of 4 (the one-pixel path alone), strides, dilations, explicit padding,
  // a row too narrow for four outputs.
  const CASES: [number, number, number, number, ConvGeometry][] = [
    [28, 28, 32, 3, { padding: 'same' }], [13, 17, 12, 3, { padding: 'same' }], [11, 23, 20, 5, { padding: 'valid' }],
    [15, 21, 8, 3, { strides: 2, padding: 'same' }], [14, 19, 16, 3, { dilations: 2, padding: 'same' }],
    [12, 18, 6, 3, { padding: 'same' }], [9, 16, 4, 2, { strides: [1, 3], padding: [[0, 1], [2, 0]] }], [7, 5, 8, 3, { padding: 'valid' }],
  ];
  for (const [h, w, c, k, geometry] of CASES) {
    for (const act of ['linear', 'relu', 'relu6'] as const) {
      it(`${h}x${w}x${c} ${k}x${k} ${JSON.stringify(geometry)}, ${act}`, () => {
        for (const batch of [1, 2]) {
          const info = convInfo([batch, h, w, c], [k, k, c, 1], geometry);
          // relu6: inputs x4 so that some outputs clamp at 6
          const x = floats(batch * h * w * c).map((v) => (act === 'relu6' ? 4 : 1) * v), kernel = floats(k * k * c), b = act === 'relu6' ? null : floats(1);
          const n = batch * info.outH * info.outW, ref = new Float64Array(n);
          const wide = (a: Float32Array | null) => a && Float64Array.from(a);
          if (act === 'linear') js.conv2d(wide(x)!, wide(kernel)!, wide(b), ref, info); else js.conv2dActivation(wide(x)!, wide(kernel)!, wide(b), ref, info, act);
          const run = (be: WasmBackend, quads: boolean): Float32Array => {
            stemTuning.oneFilterQuads = quads;
            const out = new Float32Array(n).fill(NaN);
            if (act === 'linear') be.conv2d(x, kernel, b, out, info); else be.conv2dActivation(x, kernel, b, out, info, act);
            stemTuning.oneFilterQuads = true;
            return out;
          };
          const [o1, o2, single] = [run(one, true), run(two, true), run(one, false)];
          for (const [what, o] of [['four outputs', o1], ['one output at a time', single]] as const) {
            const err = worstError(o, ref);
            assert.ok(err <= 1e-5, `batch ${batch}, ${what}: ${err} vs float64`);
          }
          assert.ok(o1.every((v, i) => Object.is(v, o2[i])), `batch ${batch}: 2 threads differ from 1 (first at ${o1.findIndex((v, i) => !Object.is(v, o2[i]))})`);
        }
      });
    }
  }
});

describe('inference plans: conv2dMaxPool without argmax', () => {
  type Plans = Map<string, { calls: { kernel: string; args: unknown[] }[] }>;
  // The conv2dMaxPool calls of each plan of this kind ('predict', 'train').
  const pooledCalls = (m: dt.models.Model, kind: string) => [...(m as unknown as { plans: Plans }).plans]
    .filter(([key]) => key.includes(`|${kind}|`)).map(([, p]) => p.calls.filter((c) => c.kernel === 'conv2dMaxPool'));
  const build = () => {
    dt.setRandomSeed(5);
    return new dt.models.Sequential([
      new dt.layers.Input({ shape: [16, 16, 1] }),
      new dt.layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), // the one-channel kernel
      new dt.layers.MaxPooling2D({ poolSize: 2 }),
      new dt.layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), // direct kernels: argmax into scratch
      new dt.layers.MaxPooling2D({ poolSize: 2 }),
      new dt.layers.Flatten(), new dt.layers.Dense({ units: 3, activation: 'softmax' }),
    ]);
  };
  for (const backendName of ['wasm', 'js'] as const) {
    it(`${backendName}: predict's plan passes null, training's keeps argmax; compiled = eager`, async () => {
      dt.setBackend(backendName);
      await dt.ready();
      const x = dt.tensor(floats(5 * 16 * 16), [5, 16, 16, 1]), y = dt.tensor([0, 1, 2, 0, 1], null, 'int32');
      const [compiled, eager] = [build(), build()];
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', runEagerly: true });
      const p = compiled.predict(x, { batchSize: 5 }) as dt.Tensor, q = eager.predict(x, { batchSize: 5 }) as dt.Tensor;
      assert.ok(worstError(p.dataSync(), q.dataSync()) <= 1e-5, 'predict compiled vs eager');
      const predicts = pooledCalls(compiled, 'predict');
      assert.ok(predicts.length >= 1, 'a predict plan');
      for (const calls of predicts) {
        assert.equal(calls.length, 2, 'two fused calls in each predict plan');
        assert.ok(calls.every((c) => c.args[4] === null), 'predict: no argmax');
      }
      compiled.trainStep(x, y); eager.trainStep(x, y);
      const trains = pooledCalls(compiled, 'train');
      assert.equal(trains.length, 1, 'one training plan');
      assert.equal(trains[0].length, 2, 'two fused calls in the training plan');
      assert.ok(trains[0].every((c) => c.args[4] !== null && c.args[4] !== undefined), 'training: argmax kept (the backward reads it)');
      compiled.getWeights().forEach((w, i) => assert.ok(worstError(w.dataSync(), eager.getWeights()[i].dataSync()) <= 1e-5, `weight ${i} after a step`));
      const p2 = compiled.predict(x, { batchSize: 5 }) as dt.Tensor, q2 = eager.predict(x, { batchSize: 5 }) as dt.Tensor;
      assert.ok(worstError(p2.dataSync(), q2.dataSync()) <= 1e-5, 'predict after the step');
      dt.setBackend('wasm');
    });
  }
});
