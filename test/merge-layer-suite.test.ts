// The merge layers through the shared layer test helper (two or three inputs, functional probes).
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const none = { trainable: 0, nonTrainable: 0 };
const elementwise = (f: (...v: number[]) => number) => (_x: Float64Array, _w: Float64Array[], _t: boolean, inputs: Float64Array[]): Float64Array =>
  inputs[0].map((_, i) => f(...inputs.map((a) => a[i])));

runLayerTest({ name: 'Add (three inputs)', make: () => new layers.Add(), inputShapes: [[2, 3, 4], [2, 3, 4], [2, 3, 4]], tfjs: (tf) => tf.layers.add(), weights: none });
runLayerTest({ name: 'Multiply', make: () => new layers.Multiply(), inputShapes: [[2, 5], [2, 5]], tfjs: (tf) => tf.layers.multiply(), weights: none });
runLayerTest({ name: 'Average', make: () => new layers.Average(), inputShapes: [[2, 3, 2, 4], [2, 3, 2, 4]], tfjs: (tf) => tf.layers.average(), weights: none });
runLayerTest({ name: 'Maximum', make: () => new layers.Maximum(), inputShapes: [[3, 4], [3, 4], [3, 4]], tfjs: (tf) => tf.layers.maximum(), weights: none });
runLayerTest({ name: 'Minimum', make: () => new layers.Minimum(), inputShapes: [[3, 2, 4], [3, 2, 4]], tfjs: (tf) => tf.layers.minimum(), weights: none });
runLayerTest({
  name: 'Subtract', make: () => new layers.Subtract(), inputShapes: [[2, 3, 4], [2, 3, 4]], weights: none,
  // TF.js has no Subtract layer: Keras's definition, inputs[0] - inputs[1].
  reference: elementwise((a, b) => a - b),
});
runLayerTest({ name: 'Concatenate (last axis, unequal widths)', make: () => new layers.Concatenate(), inputShapes: [[2, 3, 4], [2, 3, 2]], tfjs: (tf) => tf.layers.concatenate(), weights: none });
runLayerTest({ name: 'Concatenate (axis 1)', make: () => new layers.Concatenate({ axis: 1 }), inputShapes: [[2, 3, 4], [2, 2, 4]], tfjs: (tf) => tf.layers.concatenate({ axis: 1 }), weights: none });
runLayerTest({ name: 'Dot (axes 1, normalize)', make: () => new layers.Dot({ axes: 1, normalize: true }), inputShapes: [[3, 4], [3, 4]], tfjs: (tf) => tf.layers.dot({ axes: 1, normalize: true }), weights: none });
runLayerTest({ name: 'Dot (rank 3, axes [2, 2])', make: () => new layers.Dot({ axes: [2, 2] }), inputShapes: [[2, 3, 4], [2, 5, 4]], tfjs: (tf) => tf.layers.dot({ axes: [2, 2] }), weights: none });

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { input } from '../src/index.ts';

test('element-wise merges keep unknown sizes unknown (null + null was 1)', () => {
  const a = input({ shape: [null, null, 3] }), b = input({ shape: [null, null, 3] });
  assert.deepEqual(new layers.Add().apply([a, b]).shape, [null, null, null, 3]);
  assert.deepEqual(new layers.Multiply().apply([a, input({ shape: [1, 1, 3] })]).shape, [null, null, null, 3]);
  assert.deepEqual(new layers.Maximum().apply([input({ shape: [4, 3] }), input({ shape: [3] })]).shape, [null, 4, 3]);
});
