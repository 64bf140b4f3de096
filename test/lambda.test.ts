// Keras's Lambda layer: a function of tensor ops as a layer. Through the layer helper (no
// config or file checks: a function has neither), compiled like any layer, and refused by
// every file format with what to do instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models, type Tensor } from '../src/index.ts';
import { layerFromKeras } from '../src/io/keras-layers.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { runLayerTest } from './helpers/layer-test.ts';

const noFiles = { config: 'a Lambda holds a JavaScript function: it has no config', tfjsFiles: 'no file holds a function', kerasFiles: 'no file holds a function' };

runLayerTest({
  name: 'Lambda (x * sigmoid(x) + 1)', make: () => new layers.Lambda((x) => (x as Tensor).mul(dt.sigmoid(x as Tensor)).add(1)), inputShape: [2, 3, 4],
  weights: { trainable: 0, nonTrainable: 0 }, skip: noFiles,
  reference: (x) => x.map((v) => v / (1 + Math.exp(-v)) + 1),
});
runLayerTest({
  name: 'Lambda (two inputs, arguments, a new shape)', make: () => new layers.Lambda({ fn: (xs, { scale }) => dt.concat([(xs as Tensor[])[0], (xs as Tensor[])[1].mul(scale as number)], 1) , arguments: { scale: 3 } }),
  inputShapes: [[2, 3], [2, 2]], weights: { trainable: 0, nonTrainable: 0 }, skip: noFiles,
  reference: (_x, _w, _t, [a, b]) => Float64Array.from({ length: 10 }, (_, i) => { const r = Math.floor(i / 5), c = i % 5; return c < 3 ? a[r * 3 + c] : 3 * b[r * 2 + c - 3]; }),
});

test('Lambda: output shapes inferred or given; files refuse it naming the layer; a Keras file\'s Python lambda is refused; cloneModel keeps the function', async () => {
  const inputs = layers.input({ shape: [6, 6, 2] });
  const pooled = new layers.Lambda({ fn: (x) => (x as Tensor).mean([1, 2]), name: 'gap' }).apply(inputs) as SymbolicTensor;
  assert.deepEqual(pooled.shape, [null, 2], 'inferred by running the function once');
  const given = new layers.Lambda({ fn: (x) => (x as Tensor).reshape([-1, 72]), outputShape: [72] }).apply(inputs) as SymbolicTensor;
  assert.deepEqual(given.shape, [null, 72]);
  const model = new models.Model({ inputs, outputs: new layers.Dense({ units: 2 }).apply(pooled) as SymbolicTensor });
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-lambda-'));
  for (const path of [join(dir, 'm.keras'), join(dir, 'm.h5'), join(dir, 'tfjs')]) {
    await assert.rejects(model.save(path), /Layer "gap" \(Lambda\) holds a JavaScript function, which no model file can store.*saveWeights.*registerLayers/);
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
  assert.throws(() => layerFromKeras({ class_name: 'Lambda', config: { name: 'l', function: { class_name: '__lambda__', config: { code: '4wEAAA...' } } } }, 'model.keras'),
    /Lambda.*its function was saved as Python code.*rebuild the model in code/);
  assert.throws(() => new layers.Lambda({ fn: 3 } as never), /fn must be a function of tensors, got number/);
  assert.throws(() => new layers.Lambda({ fn: (x: Tensor) => x, outputshape: [1] } as never), /unknown option 'outputshape'/);
  const x = dt.randomUniform([3, 6, 6, 2], 0, 1, 'float32', 2);
  const clone = models.cloneModel(model);
  clone.setWeights(model.getWeights());
  assert.deepEqual(Array.from((clone.predict(x) as Tensor).data), Array.from((model.predict(x) as Tensor).data));
});
