// Batch normalization's training kernels: the SIMD batchNormGrad and the fused
// batchNormActivation / batchNormActivationGrad (BatchNormalization + ReLU in one pass each
// way) on wasm against the reference backend's unfused kernels in float64, and the plan
// fusion that uses them (src/compile/fusions-norm.ts) against eager training on both backends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { assertClose } from './helpers/oracle.ts';

const rng = new Random(41);
const floats = (n: number, shift = 0): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1 + shift);

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return scale === 0 ? diff : diff / scale;
}

describe('wasm batch-normalization training kernels against the unfused float64 reference', () => {
  it('odd row and channel counts, with and without gamma/beta, 1 and 2 threads: within 1e-5', async () => {
    const js = new JsBackend(), backends = [new WasmBackend(1), new WasmBackend(2)];
    await backends[1].whenReady();
    const eps = 1e-3;
    for (const [rows, C] of [[7, 1], [33, 3], [65, 5], [129, 8], [301, 13], [2048, 64]] as const) {
      for (const affine of [true, false]) {
        const x = floats(rows * C, 0.3), dy = floats(rows * C);
        const gamma = affine ? floats(C, 1.5) : null, beta = affine ? floats(C) : null;
        const f64 = (a: Float32Array | null) => (a ? Float64Array.from(a) : null);
        // Reference: batchNorm then relu; relu's gradient dy * step(y) then batchNormGrad.
        const y = new Float64Array(rows * C), mean = new Float64Array(C), variance = new Float64Array(C);
        js.batchNorm(f64(x)!, f64(gamma), f64(beta), y, mean, variance, rows, C, eps);
        const r = y.map((v) => (v > 0 ? v : 0));
        const masked = Float64Array.from(dy, (g, i) => g * (r[i] > 0 ? 1 : 0));
        const [dx, dg, db] = [new Float64Array(rows * C), new Float64Array(C), new Float64Array(C)];
        js.batchNormGrad(f64(x)!, masked, mean, variance, f64(gamma), dx, dg, db, rows, C, eps);
        const [dxPlain, dgPlain, dbPlain] = [new Float64Array(rows * C), new Float64Array(C), new Float64Array(C)];
        js.batchNormGrad(f64(x)!, f64(dy)!, mean, variance, f64(gamma), dxPlain, dgPlain, dbPlain, rows, C, eps);
        for (const be of backends) {
          const what = `${rows}x${C} ${affine ? 'affine' : 'no gamma/beta'} on ${be.threads} thread(s)`;
          const wy = new Float32Array(rows * C), wm = new Float32Array(C), wv = new Float32Array(C);
          be.batchNormActivation(x, gamma, beta, wy, wm, wv, rows, C, eps, 'relu');
          assert.ok(relativeError(wy, r) <= 1e-5, `${what}: batchNormActivation ${relativeError(wy, r)}`);
          assert.ok(relativeError(wm, mean) <= 1e-5 && relativeError(wv, variance) <= 1e-5, `${what}: statistics`);
          const ry = Float32Array.from(r);
          const [wdx, wdg, wdb] = [new Float32Array(rows * C), new Float32Array(C), new Float32Array(C)];
          be.batchNormActivationGrad(x, dy, ry, Float32Array.from(mean), Float32Array.from(variance), gamma, wdx, wdg, wdb, rows, C, eps, 'relu');
          for (const [got, want, name] of [[wdx, dx, 'dx'], [wdg, dg, 'dgamma'], [wdb, db, 'dbeta']] as const) {
            assert.ok(relativeError(got, want) <= 1e-5, `${what}: batchNormActivationGrad ${name} ${relativeError(got, want)}`);
          }
          be.batchNormGrad(x, dy, Float32Array.from(mean), Float32Array.from(variance), gamma, wdx, wdg, wdb, rows, C, eps);
          for (const [got, want, name] of [[wdx, dxPlain, 'dx'], [wdg, dgPlain, 'dgamma'], [wdb, dbPlain, 'dbeta']] as const) {
            assert.ok(relativeError(got, want) <= 1e-5, `${what}: batchNormGrad ${name} ${relativeError(got, want)}`);
          }
        }
      }
    }
  });

  it('refuses an activation it does not know, naming it', () => {
    const js = new JsBackend(), x = new Float32Array(8);
    assert.throws(() => js.batchNormActivation(x, null, null, new Float32Array(8), new Float32Array(2), new Float32Array(2), 4, 2, 1e-3, 'gelu' as 'relu'),
      /batchNormActivation: unknown activation 'gelu', expected one of relu, relu6/);
  });
});

describe('fusion: BatchNormalization + ReLU as batchNormActivation and its gradient in compiled plans', () => {
  for (const backend of ['js', 'wasm']) {
    it(`on ${backend}: the train plan fuses both, and trains as eager does`, () => {
      dt.setBackend(backend);
      const build = () => {
        dt.setRandomSeed(9);
        const inputs = layers.input({ shape: [7, 9, 3] });
        let x = new layers.Conv2D({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
        x = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization().apply(x)) as SymbolicTensor;
        x = new layers.Conv2D({ filters: 5, kernelSize: 3, strides: 2, useBias: false }).apply(x) as SymbolicTensor;
        x = new layers.Activation({ activation: 'relu' }).apply(new layers.BatchNormalization({ center: false }).apply(x)) as SymbolicTensor;
        // A normalization the next layer reads directly: not fused.
        x = new layers.BatchNormalization().apply(new layers.Flatten().apply(x)) as SymbolicTensor;
        const outputs = new layers.Dense({ units: 3, activation: 'softmax' }).apply(x) as SymbolicTensor;
        return models.model({ inputs, outputs });
      };
      const x = randomTensor([6, 7, 9, 3], rng, -1, 1, 'float32'), y = dt.tensor([0, 1, 2, 0, 1, 2], null, 'int32');
      const [compiled, eager] = [build(), build()];
      // SGD, not Adam: Adam divides by sqrt(v) + 1e-7, which turns the ~1e-9 rounding of a
      // near-zero gradient (the last normalization's beta, over 6 rows) into a step difference
      // of 1e-5; the fused and unfused kernels themselves agree within 1e-6 (the tests above).
      const sgd = () => new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 });
      compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd() });
      eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: sgd(), runEagerly: true });
      for (let step = 0; step < 3; step++) { compiled.trainStep(x, y); eager.trainStep(x, y); }
      compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${i} compiled vs eager`));
      const plans = (compiled as unknown as { plans: Map<string, { calls: { kernel: string; args: unknown[] }[] }> }).plans;
      const train = [...plans.entries()].find(([key]) => key.includes('|train|'))![1];
      const kernels = train.calls.map((c) => c.kernel);
      assert.equal(kernels.filter((k) => k === 'batchNormActivation').length, 2, kernels.join(', '));
      assert.equal(kernels.filter((k) => k === 'batchNormActivationGrad').length, 2, kernels.join(', '));
      assert.equal(kernels.filter((k) => k === 'batchNorm').length, 1, kernels.join(', '));
      assert.ok(!train.calls.some((c) => c.kernel === 'binary' && c.args[0] === 'reluGrad'), `a relu gradient is left: ${kernels.join(', ')}`);
    });
  }
});
