// Comparing a kernel's output with a reference in tests.
import assert from 'node:assert/strict';

/**
 * Worst |a - b| / max(1, |b|) over two arrays of one length (absolute near 0, relative for
 * large values: the measure of the 1e-5 / Winograd 1e-4 bounds); NaN, e.g. an output a kernel
 * never wrote into a NaN-filled array, counts as Infinity.
 */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}
