// TensorFlow.js as a test oracle (never imported by src/): conversions and comparisons.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Tensor, tensor } from '../../src/index.ts';

// PROD: TF.js stays quiet (no "looks like you are running TensorFlow.js in Node.js" banner).
tf.env().set('PROD', true);
await tf.setBackend('cpu');
export { tf };

export const toTf = (t: Tensor): tf.Tensor => tf.tensor(Array.from(t.data), t.shape, t.dtype === 'int32' || t.dtype === 'uint8' ? 'int32' : 'float32');
export const fromTf = (t: tf.Tensor): Tensor => tensor(t.dataSync() as Float32Array, t.shape);

/** Max |a - b| / max(1, |b|) must stay below tol; shapes must agree. */
export function assertClose(actual: Tensor, expected: tf.Tensor | Tensor, tol = 1e-5, what = ''): void {
  const exp = expected instanceof Tensor ? expected : fromTf(expected);
  assert.deepEqual(actual.shape, exp.shape, `${what}: shape`);
  let worst = 0, at = -1;
  for (let i = 0; i < actual.size; i++) {
    const err = Math.abs(actual.data[i] - exp.data[i]) / Math.max(1, Math.abs(exp.data[i]));
    if (!(err <= worst)) { worst = err; at = i; }
  }
  assert.ok(worst < tol, `${what}: element ${at} differs: ${actual.data[at]} vs ${exp.data[at]} (relative ${worst.toExponential(2)})`);
}
