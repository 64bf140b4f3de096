// Finite-difference gradient checking in float64: the analytic gradient of sum(f(x) * r), for a
// fixed random r, against central differences of the same scalar.
import assert from 'node:assert/strict';
import { Tensor, tensor, valueAndGrads } from '../../src/index.ts';
import { Random } from '../../src/core/random.ts';

export function randomTensor(shape: number[], rng: Random, lo = -1, hi = 1, dtype: 'float64' | 'float32' = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, () => rng.uniform(lo, hi)), shape, dtype);
}

/** Checks d(sum(f(...xs) * r))/dxs against central differences, for the inputs at `wrt`. */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], { wrt = xs.map((_, i) => i), eps = 1e-6, tol = 1e-6, seed = 1 } = {}): void {
  const rng = new Random(seed);
  const probe = f(...xs);
  const r = randomTensor(probe.shape, rng, 0.5, 1.5);
  const scalarOf = (args: Tensor[]): number => {
    const y = f(...args);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * r.data[i];
    return s;
  };
  const targets = wrt.map((i) => xs[i]);
  const { grads } = valueAndGrads(() => f(...xs).mul(r).sum(), targets);
  wrt.forEach((inputIndex, k) => {
    const x = xs[inputIndex];
    assert.deepEqual(grads[k].shape, x.shape, `gradient shape for input ${inputIndex}`);
    for (let i = 0; i < x.size; i++) {
      const saved = x.data[i];
      x.data[i] = saved + eps;
      const up = scalarOf(xs);
      x.data[i] = saved - eps;
      const down = scalarOf(xs);
      x.data[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const analytic = grads[k].data[i];
      const err = Math.abs(numeric - analytic) / Math.max(1, Math.abs(numeric));
      assert.ok(err < tol, `input ${inputIndex} element ${i}: analytic ${analytic} vs numeric ${numeric} (error ${err.toExponential(2)})`);
    }
  });
}
