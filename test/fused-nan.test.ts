// A fused activation (a convolution's or a batch normalization's epilogue) gives what the
// unfused relu / relu6 gives, NaN included: a compiled plan fuses them, and must not hide a NaN
// that the eager run shows (TerminateOnNaN, a diverging fit).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { convInfo } from '../src/ops/conv.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(21);
const values = (n: number, nanEvery: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i % nanEvery === 3 ? Number.NaN : rng.uniform() * 16 - 8));

describe('fused activations keep NaN', () => {
  for (const [name, backend] of [['wasm', new WasmBackend(1)], ['js', new JsBackend()]] as const) {
    it(`${name}: conv2dActivation and batchNormActivation equal the unfused relu / relu6`, () => {
      for (const act of ['relu', 'relu6'] as const) {
        for (const inC of [3, 8, 32]) {
          const info = convInfo([2, 7, 7, inC], [3, 3, inC, 8], { padding: 'same' });
          const x = values(2 * 7 * 7 * inC, 7 * 7 * inC), w = Float32Array.from({ length: 9 * inC * 8 }, () => rng.uniform() - 0.5);
          const n = 2 * 7 * 7 * 8, fused = new Float32Array(n), plain = new Float32Array(n), unfused = new Float32Array(n);
          backend.conv2dActivation(x, w, null, fused, info, act);
          backend.conv2d(x, w, null, plain, info);
          backend.unary(act, plain, unfused);
          for (let i = 0; i < n; i++) {
            assert.ok(Object.is(fused[i], unfused[i]) || Math.abs(fused[i] - unfused[i]) <= 1e-5 * (1 + Math.abs(unfused[i])), `${act} C ${inC} element ${i}: fused ${fused[i]} vs unfused ${unfused[i]}`);
          }
          assert.ok(unfused.some(Number.isNaN) && unfused.some((v) => v === 0) && unfused.some((v) => v > 0), 'the case reaches NaN, 0 and positive values');
        }
        const rows = 37, C = 12, xb = values(rows * C, 41), y = new Float32Array(rows * C), mean = new Float32Array(C), variance = new Float32Array(C);
        backend.batchNormActivation(xb, null, null, y, mean, variance, rows, C, 1e-3, act);
        assert.ok(y.some(Number.isNaN), `${act}: batchNormActivation keeps the NaN of its column`);
      }
    });
  }

  it('a compiled predict shows the NaN that the eager one shows', () => {
    for (const activation of ['relu', 'relu6'] as const) {
      dt.setRandomSeed(2);
      const model = new models.Sequential([new layers.Input({ shape: [6, 6, 2] }), new layers.Conv2D({ filters: 4, kernelSize: 3, activation })]);
      const x = dt.tensor(values(3 * 6 * 6 * 2, 6 * 6 * 2), [3, 6, 6, 2]); // one NaN per image
      const compiled = model.predict(x) as dt.Tensor;
      model.runEagerly = true;
      const eager = model.predict(x) as dt.Tensor;
      const nan = (t: dt.Tensor) => Array.from(t.data, Number.isNaN);
      assert.deepEqual(nan(compiled), nan(eager), `${activation}: the same outputs are NaN`);
      assert.ok(nan(eager).some(Boolean), 'the case has NaN outputs');
    }
  });
});
