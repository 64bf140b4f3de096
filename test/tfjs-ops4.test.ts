// Argument forms of TF.js's top-level ops found by a differential sweep against TF.js, on the js
// and wasm backends: number statistics in batchNorm, eye of size 0, the 'bool' dtype and JS
// booleans in the tensor factories.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './helpers/oracle.ts';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';

const rng = new Random(44);
const uniform = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => rng.uniform(lo, hi));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};
/** f on deeptype and on TF.js with the same values: same shape and values, on both backends. */
function same(what: string, ours: (...x: dt.Tensor[]) => dt.Tensor, theirs: (...x: tf.Tensor[]) => tf.Tensor, shapes: number[][], tol = 1e-5): void {
  const values = shapes.map((s) => uniform(s.reduce((a, b) => a * b, 1)));
  const expected = theirs(...values.map((v, i) => tf.tensor(v, shapes[i])));
  for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
    const got = ours(...values.map((v, i) => dt.tensor(v, shapes[i])));
    assert.deepEqual(got.shape, expected.shape, `${what} ${b}: shape`);
    close(got.data, expected.dataSync(), `${what} ${b}`, tol);
  });
}

before(async () => { dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('batchNorm with number statistics against TF.js', () => {
  it('batchNorm(x, 0.2, 1.5, 0.1, 2) and mixed number / tensor forms (a number variance crashed: "add: at least one operand must be a Tensor")', () => {
    same('all numbers', (x) => dt.batchNorm(x, 0.2, 1.5, 0.1, 2), (x) => tf.batchNorm(x, 0.2, 1.5, 0.1, 2), [[2, 3]]);
    same('method, number variance and epsilon', (x) => x.batchNorm(0, 1, undefined, undefined, 0.1), (x) => x.batchNorm(0, 1, undefined, undefined, 0.1), [[4]]);
  });
});

describe('eye of size 0 against TF.js', () => {
  it('eye(0), eye(0, 3), eye(2, 0, [2]) are empty, as TF.js and NumPy (refused: "numRows must be a positive integer, got 0"); -1 and 1.5 refused by name', () => {
    for (const args of [[0], [0, 3], [2, 0, [2]]] as [number, number?, number[]?][]) {
      const expected = tf.eye(args[0], args[1], args[2] as [number] | undefined);
      for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => assert.deepEqual([dt.eye(...args).shape, dt.eye(...args).size], [expected.shape, 0], `eye(${args}) ${b}`));
    }
    assert.throws(() => dt.eye(-1), /eye: numRows must be an integer >= 0, got -1/);
    assert.throws(() => dt.eye(2, 1.5), /eye: numColumns must be an integer >= 0, got 1\.5/);
  });
});
