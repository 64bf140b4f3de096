// Element-wise comparison with TF.js for the op tests (tfjs-ops*.test.ts): values within a
// relative tolerance (NaN matching NaN), and one op run on deeptype's js and wasm backends
// against TF.js on the same random inputs.
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from './oracle.ts';
import * as dt from '../../src/index.ts';
import type { Random } from '../../src/core/random.ts';

/** a within tol of TF.js's b, relative to max(1, |b|); NaN where b is NaN. */
export function closeToTfjs(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
}

/** uniform(n) draws from rng; same(what, ours, theirs, shapes) runs f on both backends and on TF.js with the same values: same shape and values. */
export function tfjsComparer(rng: Random): {
  uniform: (n: number, lo?: number, hi?: number) => number[];
  same: (what: string, ours: (...x: dt.Tensor[]) => dt.Tensor, theirs: (...x: tfjs.Tensor[]) => tfjs.Tensor, shapes: number[][], tol?: number) => void;
} {
  const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
  const same = (what: string, ours: (...x: dt.Tensor[]) => dt.Tensor, theirs: (...x: tfjs.Tensor[]) => tfjs.Tensor, shapes: number[][], tol = 1e-5): void => {
    const values = shapes.map((s) => uniform(s.reduce((a, b) => a * b, 1)));
    const expected = theirs(...values.map((v, i) => tf.tensor(v, shapes[i])));
    for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
      const got = ours(...values.map((v, i) => dt.tensor(v, shapes[i])));
      assert.deepEqual(got.shape, expected.shape, `${what} ${b}: shape`);
      closeToTfjs(got.data, expected.dataSync(), `${what} ${b}`, tol);
    });
  };
  return { uniform, same };
}
