// ONNX export of the 3-D pooling and reshaping layers, checked by running the exported graph in
// ONNX Runtime against predict.
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

async function runOnnx(model: models.Model, x: dt.Tensor): Promise<dt.Tensor> {
  const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx3d-')), 'model.onnx');
  await model.exportOnnx(path);
  const session = await ort.InferenceSession.create(path);
  const out = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
  return dt.tensor(out.data as Float32Array, out.dims as number[]);
}

describe('ONNX export of the 3-D layers', () => {
  it('ZeroPadding3D, MaxPooling3D (same), AveragePooling3D (same), UpSampling3D, Cropping3D, SpatialDropout3D, GlobalAveragePooling3D', async () => {
    dt.setRandomSeed(4);
    const model = new models.Sequential([
      new layers.Input({ shape: [5, 7, 6, 3] }),
      new layers.ZeroPadding3D({ padding: [[1, 0], [0, 2], [1, 1]] }),
      new layers.MaxPooling3D({ poolSize: [3, 2, 2], strides: [1, 2, 3], padding: 'same' }),
      new layers.Dense({ units: 4 }),
      new layers.AveragePooling3D({ poolSize: [2, 3, 1], strides: [2, 2, 1], padding: 'same' }),
      new layers.UpSampling3D({ size: [2, 1, 3] }),
      new layers.Cropping3D({ cropping: [[1, 0], [0, 1], [2, 1]] }),
      new layers.SpatialDropout3D({ rate: 0.3 }),
      new layers.GlobalAveragePooling3D(),
      new layers.Dense({ units: 2 }),
    ]);
    const x = randomTensor([3, 5, 7, 6, 3], new Random(5), -1, 1, 'float32');
    const y = model.predict(x) as dt.Tensor;
    assert.deepEqual(y.shape, [3, 2]);
    assertClose(await runOnnx(model, x), y, 1e-5, 'ONNX Runtime vs predict');
  });

  it('MaxPooling3D (valid, strides 3), AveragePooling3D (valid), GlobalMaxPooling3D keepdims', async () => {
    dt.setRandomSeed(5);
    const model = new models.Sequential([
      new layers.Input({ shape: [8, 7, 9, 2] }),
      new layers.MaxPooling3D({ poolSize: 2, strides: 3 }),
      new layers.AveragePooling3D({ poolSize: [1, 2, 2], strides: 1 }),
      new layers.GlobalMaxPooling3D({ keepdims: true }),
      new layers.Flatten(),
    ]);
    const x = randomTensor([2, 8, 7, 9, 2], new Random(6), -1, 1, 'float32');
    assertClose(await runOnnx(model, x), model.predict(x) as dt.Tensor, 1e-6, 'ONNX Runtime vs predict');
  });
});
