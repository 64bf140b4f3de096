// ONNX export of graphs (residual Add, Concat on channels, every element-wise merge, two inputs
// and two outputs), run in ONNX Runtime against deeptype's own predictions.
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

const rng = new Random(17);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');

describe('ONNX export of functional models', () => {
  it('a two-input, two-output DAG runs in ONNX Runtime with the same outputs', async () => {
    const img = layers.input({ shape: [8, 8, 3], name: 'img' }), vec = layers.input({ shape: [5], name: 'vec' });
    const c1 = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(img);
    const c2 = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c2' }).apply(c1);
    const res = layers.add([c1, c2], { name: 'res' } as never);                   // both NCHW: Add stays NCHW
    const cat = layers.concatenate([res, layers.conv2d({ filters: 2, kernelSize: 1, name: 'c3' }).apply(img)], { name: 'cat' } as never); // channels: axis 1 in NCHW
    const mixed = layers.maximum([cat, layers.conv2d({ filters: 6, kernelSize: 1, name: 'c4' }).apply(img)], { name: 'mx' } as never);
    const pooled = layers.flatten({ name: 'flat' }).apply(layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(mixed));
    const v = layers.dense({ units: 6, activation: 'tanh', name: 'v' }).apply(vec);
    const joined = layers.concatenate([pooled, v], { name: 'joined' } as never);
    const headA = layers.dense({ units: 3, activation: 'softmax', name: 'head_a' }).apply(joined);
    const merged = layers.average([layers.subtract([v, layers.dense({ units: 6, name: 'w' }).apply(vec)]), layers.multiply([v, v]), layers.minimum([v, v])]);
    const headB = layers.dense({ units: 1, name: 'head_b' }).apply(merged);
    const model = new models.Model({ inputs: [img, vec], outputs: [headA, headB] });
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-dag-')), 'dag.onnx');
    await model.exportOnnx(path);
    const session = await ort.InferenceSession.create(path);
    assert.deepEqual(session.inputNames, ['img', 'vec']);
    assert.deepEqual(session.outputNames, ['head_a', 'head_b']);
    const xi = rand([3, 8, 8, 3]), xv = rand([3, 5]);
    const result = await session.run({ img: new ort.Tensor('float32', xi.data as Float32Array, xi.shape), vec: new ort.Tensor('float32', xv.data as Float32Array, xv.shape) });
    const ours = model.predict([xi, xv]) as dt.Tensor[];
    ['head_a', 'head_b'].forEach((name, i) => {
      const out = result[name];
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), ours[i], 1e-5, name);
    });
  });
});
