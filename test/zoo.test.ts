// The model zoo of `npm run bench:zoo`: each model builds, has exactly the parameters of its
// PyTorch twin in bench/zoo_pytorch.py, trains one compiled step, and its ONNX export runs in
// ONNX Runtime with deeptype's own predictions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as dt from '../src/index.ts';
import { ZOO } from '../examples/zoo-models.ts';
import { syntheticBatch } from '../bench/zoo-data.ts';
import { assertClose } from './helpers/oracle.ts';

// Computed once with PyTorch: `/usr/bin/python3 bench/zoo_pytorch.py --count` (trainable =
// sum of parameters(); total adds BatchNorm's running_mean and running_var, which Keras counts
// as non-trainable weights).
const PYTORCH_COUNTS: Record<string, { trainable: number; total: number }> = {
  seed: { trainable: 12794, total: 12794 },
  convnet: { trainable: 34826, total: 34826 },
  vgg: { trainable: 307946, total: 308842 },
  resnet20: { trainable: 272474, total: 274042 },
  mobilenet: { trainable: 274250, total: 278730 },
  autoencoder: { trainable: 74497, total: 74497 },
};

describe('model zoo', () => {
  it('every zoo model has a PyTorch count', () => assert.deepEqual(Object.keys(ZOO).sort(), Object.keys(PYTORCH_COUNTS).sort()));
  for (const [name, entry] of Object.entries(ZOO)) {
    it(`${name}: PyTorch's parameter counts, one compiled train step, ONNX Runtime agrees`, async () => {
      dt.setRandomSeed(3);
      const model = entry.build();
      const trainable = model.trainableWeights.reduce((s, w) => s + w.size, 0);
      assert.deepEqual({ trainable, total: model.countParams() }, PYTORCH_COUNTS[name], `${name}: parameter counts`);

      model.compile({ loss: entry.target === 'classes' ? 'sparse_categorical_crossentropy' : 'mse', optimizer: new dt.optimizers.Adam({ epsilon: 1e-7 }) });
      const { x, y } = syntheticBatch(entry, 2);
      const before = Float32Array.from(model.trainableWeights[0].data as Float32Array);
      const logs = model.trainStep(x, y);
      assert.equal(model.planCount, 1, `${name}: the step ran as a compiled plan`);
      assert.ok(Object.values(logs).every((v) => Number.isFinite(v)), `${name}: finite loss ${JSON.stringify(logs)}`);
      assert.ok((model.trainableWeights[0].data as Float32Array).some((v, i) => v !== before[i]), `${name}: the step changed the first kernel`);

      const path = join(mkdtempSync(join(tmpdir(), 'deeptype-zoo-')), `${name}.onnx`);
      await model.exportOnnx(path);
      const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
      const out = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
      assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as dt.Tensor, 1e-4, `${name}: ONNX Runtime vs predict`);
    });
  }
});
