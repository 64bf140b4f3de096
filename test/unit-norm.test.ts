// UnitNormalization and Identity through the layer test helper, against Keras 3's formulas in
// float64 (TF.js has neither layer): x / sqrt(max(sum(x^2 over axis), 1e-12)), and x.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, type Tensor } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { expectError } from './helpers/errors.ts';

/** Keras's normalize over the given axes of a row-major array of `shape`. */
function unitNorm(x: Float64Array, shape: number[], axes: number[]): Float64Array {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // Each element's group: its index with the normalized axes zeroed.
  const group = (i: number): number => shape.reduce((g, d, a) => g + (axes.includes(a) ? 0 : Math.floor(i / strides[a]) % d * strides[a]), 0);
  const sums = new Map<number, number>();
  x.forEach((v, i) => sums.set(group(i), (sums.get(group(i)) ?? 0) + v * v));
  return x.map((v, i) => v / Math.sqrt(Math.max(sums.get(group(i))!, 1e-12)));
}

runLayerTest({
  name: 'UnitNormalization (axis -1)',
  make: () => new layers.UnitNormalization(),
  inputShape: [3, 5],
  reference: (x) => unitNorm(x, [3, 5], [1]),
  weights: { trainable: 0, nonTrainable: 0 },
});

runLayerTest({
  name: 'UnitNormalization (axis [1, 2] of [batch, steps, channels])',
  make: () => new layers.UnitNormalization({ axis: [1, 2] }),
  inputShape: [2, 3, 4],
  reference: (x) => unitNorm(x, [2, 3, 4], [1, 2]),
  weights: { trainable: 0, nonTrainable: 0 },
});

runLayerTest({
  name: 'Identity',
  make: () => new layers.Identity(),
  inputShape: [2, 3, 4],
  reference: (x) => Float64Array.from(x),
  weights: { trainable: 0, nonTrainable: 0 },
});

describe('UnitNormalization and Identity: edges and errors', () => {
  it('a zero row stays zero (the 1e-12 floor), not NaN', () => {
    const y = new layers.UnitNormalization().apply(dt.tensor([[0, 0, 0], [3, 0, 4]])) as Tensor;
    assert.deepEqual(Array.from(y.data), [0, 0, 0, 0.6000000238418579, 0, 0.800000011920929]);
  });
  it('bad axes and options name the layer', async () => {
    await expectError('layers', 'UnitNormalization axis 1.5', () => new layers.UnitNormalization({ axis: 1.5 }), /'axis'.*an integer axis or a list of them/);
    await expectError('layers', 'UnitNormalization on the batch axis', () => new layers.UnitNormalization({ axis: 0, name: 'un' }).apply(dt.ones([2, 3])), /Layer "un": axis 0 is not a list of distinct feature axes of input shape \[2, 3\]/);
    await expectError('layers', 'UnitNormalization axis 3 of a rank-2 input', () => new layers.UnitNormalization({ axis: 3 }).computeOutputShape([null, 3]), /axis 3 is not/);
    await expectError('layers', 'Identity with an option', () => new layers.Identity({ axis: 1 } as never), /unknown option 'axis'/);
  });
});
