// BatchNormalization's gradient kernels where dy holds +-Inf or NaN: the wasm kernels give what
// the js reference gives, value for value (the same +-Inf, the same NaN positions, finite values
// within 1e-5). The wasm one-pass sums move sum dy (x - m) from the f32-rounded mean m to the
// mean with a correction (m - mean) * sum dy; with an infinite sum dy and m == mean that was
// 0 * Inf, NaN in dgamma and in every dx of the channel, where the reference has +-Inf.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(2026);
const floats = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());

/** Same special values at the same places, finite ones within 1e-5 relative. */
function assertSameValues(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (!Number.isFinite(w)) { assert.ok(Object.is(g, w), `${what}[${i}]: ${g}, the reference ${w}`); continue; }
    assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g}, the reference ${w}`);
  }
}

describe('batchNorm gradients with infinite or NaN dy', () => {
  it('wasm (1 and 2 threads, plain and relu-masked) gives the js reference values, both sum layouts', async () => {
    const ref = new JsBackend();
    const wasm = [new WasmBackend(1), new WasmBackend(2)];
    for (const b of wasm) await b.whenReady();
    let specials = 0;
    // C <= 32 walks channel groups, wider rows go in order; C = 5 and 37 have scalar tail channels.
    for (const [rows, C] of [[6, 5], [64, 16], [40, 37], [300, 12]]) {
      const x = floats(rows * C, -2, 3), gamma = floats(C, 0.5, 2), beta = floats(C, -1, 1);
      const dy = floats(rows * C, -1, 1);
      // Channel 2: one +Inf; channel 3: one -Inf; channel 4: a NaN; the rest finite.
      dy[1 * C + 2] = Infinity; dy[2 * C + 3] = -Infinity; dy[(rows - 1) * C + 4] = NaN;
      const run = (b: Backend, masked: boolean): Float32Array[] => {
        const y = new Float32Array(rows * C), mean = new Float32Array(C), variance = new Float32Array(C);
        const dx = new Float32Array(rows * C), dgamma = new Float32Array(C), dbeta = new Float32Array(C);
        if (masked) {
          b.batchNormActivation(x, gamma, beta, y, mean, variance, rows, C, 1e-3, 'relu');
          b.batchNormActivationGrad(x, dy, y, mean, variance, gamma, dx, dgamma, dbeta, rows, C, 1e-3, 'relu');
        } else {
          b.batchNorm(x, gamma, beta, y, mean, variance, rows, C, 1e-3);
          b.batchNormGrad(x, dy, mean, variance, gamma, dx, dgamma, dbeta, rows, C, 1e-3);
        }
        return [dx, dgamma, dbeta];
      };
      for (const masked of [false, true]) {
        const want = run(ref, masked);
        // The case under test is there: an infinite dgamma in the reference (unless masked away).
        specials += [2, 3].filter((c) => !Number.isFinite(want[1][c]) && !Number.isNaN(want[1][c])).length;
        for (const b of wasm) {
          const got = run(b, masked);
          for (const [k, name] of ['dx', 'dgamma', 'dbeta'].entries()) assertSameValues(got[k], want[k], `${rows}x${C} ${masked ? 'relu-masked' : 'plain'} ${(b as WasmBackend).threads} threads ${name}`);
        }
      }
    }
    assert.ok(specials >= 8, `expected infinite dgamma in the reference for most cases, got ${specials}`);
  });
});
