// ONNX export inlines nested models (a functional block called twice with one set of weights,
// a Sequential inside), and a shared layer called twice: ONNX Runtime gives deeptype's outputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose } from './helpers/oracle.ts';

const rng = new Random(23);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

describe('ONNX export of nested models', () => {
  it('inlines a block model called twice and a nested Sequential; ONNX Runtime gives the same outputs', async () => {
    const bi = layers.input({ shape: [6, 6, 2], name: 'block_in' });
    const bc = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' }).apply(bi);
    const block = new models.Model({ inputs: bi, outputs: layers.add([bc, layers.conv2d({ filters: 3, kernelSize: 1, name: 'proj' }).apply(bi)]), name: 'block' });
    const head = models.sequential({ layers: [layers.flatten({ inputShape: [6, 6, 3] }), layers.dense({ units: 4, activation: 'tanh', name: 'dense' })], name: 'head' });
    const left = layers.input({ shape: [6, 6, 2], name: 'left' }), right = layers.input({ shape: [6, 6, 2], name: 'right' });
    const shared = layers.dense({ units: 2, name: 'dense_shared' });               // one layer, two calls
    const a = shared.apply(head.apply(block.apply(left))), b = shared.apply(head.apply(block.apply(right)));
    const model = new models.Model({ inputs: [left, right], outputs: [layers.subtract([a, b], { name: 'diff' } as never), a] });
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-nested-')), 'nested.onnx');
    await model.exportOnnx(path);
    const session = await ort.InferenceSession.create(path);
    const xl = rand([3, 6, 6, 2]), xr = rand([3, 6, 6, 2]);
    const result = await session.run({ left: new ort.Tensor('float32', xl.data as Float32Array, xl.shape), right: new ort.Tensor('float32', xr.data as Float32Array, xr.shape) });
    const ours = model.predict([xl, xr]) as dt.Tensor[];
    assert.equal(session.outputNames.length, 2);
    session.outputNames.forEach((name, i) => {
      const out = result[name];
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), ours[i], 1e-5, name);
    });
    assert.ok(Math.max(...Array.from(ours[0].data, Math.abs)) > 1e-3, 'the two branches differ (the check is not trivially zero)');
  });

  it('refuses a nested subclassed model, naming it', async () => {
    class Own extends models.Model { d = layers.dense({ units: 2 }); override call(v: dt.Tensor) { return this.d.apply(v) as dt.Tensor; } }
    const inner = new Own({ name: 'own' });
    const x = layers.input({ shape: [3] });
    const model = new models.Model({ inputs: x, outputs: inner.apply(x) });
    await assert.rejects(async () => model.exportOnnx(join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-own-')), 'own.onnx')), /model "own" is a subclassed model/);
  });
});
