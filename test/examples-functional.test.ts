// The functional examples (examples/functional-models.ts), built by the same code with
// deeptype's layers and with TF.js's: parameter counts, one Adam step, files both ways.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { layers, models, optimizers } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { features, resnet, unet, type Kit } from '../examples/functional-models.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const ours: Kit = { layers, input: layers.input, model: models.model };
const theirs: Kit = { layers: tf.layers, input: tf.input, model: tf.model };
const f = features(layers); // build both with the layers deeptype has
const rng = new Random(3);
const rand = (shape: number[]) => randomTensor(shape, rng, -1, 1, 'float32');
const small = { inputShape: [8, 8, 3], classes: 5, blocksPerStage: 1, filters: [4, 8, 8], features: f };

function copyWeights(from: models.Model, to: tf.LayersModel): void {
  for (const l of from.layers) if (l.weights.length) to.getLayer(l.name).setWeights(l.getWeights().map(toTf));
}

describe('ResNet (examples/functional-models.ts)', () => {
  it('ResNet-20 has the parameter count TF.js gives the same graph, and summary prints it', () => {
    const a = resnet(ours, { features: f }) as models.Model, b = resnet(theirs, { features: f }) as tf.LayersModel;
    assert.equal(a.countParams(), b.countParams());
    assert.equal(a.layers.length, b.layers.length);
    const lines: string[] = [];
    a.summary((l) => lines.push(l));
    assert.ok(lines.includes(`Total params: ${b.countParams().toLocaleString('en-US')}`));
    assert.ok(lines.some((l) => l.includes("['relu_2[0][0]', 'conv_4[0][0]']") || l.includes("['relu_2[0][0]',")), 'Connected to lists both inputs of an Add');
  });

  it('one Adam step from identical weights matches TF.js: loss, weights, predictions', async () => {
    dt.setRandomSeed(5);
    const a = resnet(ours, small) as models.Model, b = resnet(theirs, small) as tf.LayersModel;
    copyWeights(a, b);
    a.compile({ loss: 'sparse_categorical_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }) });
    b.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: tf.train.adam(0.01) });
    const x = rand([6, 8, 8, 3]), y = dt.tensor(Int32Array.from({ length: 6 }, (_, i) => i % 5), [6]);
    const [ourLoss] = a.trainOnBatch(x, y);
    const theirLoss = (await b.trainOnBatch(toTf(x), toTf(y).cast('float32'))) as number;
    assert.ok(Math.abs(ourLoss - theirLoss) < 1e-5, `loss ${ourLoss} vs ${theirLoss}`);
    for (const l of a.layers) l.weights.forEach((w, i) => assertClose(w, b.getLayer(l.name).getWeights()[i], 1e-5, w.name));
    assertClose(a.predict(x) as dt.Tensor, b.predict(toTf(x)) as tf.Tensor, 1e-5, 'predictions after the step');
  });

  it('compiled steps equal eager ones, and the loss falls', () => {
    const x = rand([4, 8, 8, 3]), y = dt.tensor(new Int32Array([0, 1, 2, 3]), [4]);
    const run = (runEagerly: boolean) => {
      dt.setRandomSeed(9);
      const m = resnet(ours, small) as models.Model;
      m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', runEagerly });
      return [0, 1, 2].map(() => m.trainOnBatch(x, y)[0]);
    };
    const eager = run(true), planned = run(false);
    eager.forEach((v, i) => assert.ok(Math.abs(v - planned[i]) < 1e-5, `step ${i}: eager ${v} vs compiled ${planned[i]}`));
    assert.ok(planned[2] < planned[0], `loss falls: ${planned}`);
  });

  it('saved by deeptype, loaded by TF.js, and the other way round: same predictions', async () => {
    const a = resnet(ours, small) as models.Model, dir = mkdtempSync(join(tmpdir(), 'deeptype-resnet-'));
    await a.save(dir);
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bytes = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
    const b = await tf.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }) });
    const x = rand([3, 8, 8, 3]);
    assertClose(a.predict(x) as dt.Tensor, b.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype -> TF.js');
    const c = resnet(theirs, small) as tf.LayersModel, dir2 = mkdtempSync(join(tmpdir(), 'deeptype-resnet-tf-'));
    const { writeFileSync } = await import('node:fs');
    await c.save({ save: async (art) => {
      writeFileSync(join(dir2, 'w.bin'), Buffer.from(art.weightData as ArrayBuffer));
      writeFileSync(join(dir2, 'model.json'), JSON.stringify({ modelTopology: art.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: art.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    } });
    const d = await models.loadModel(dir2);
    assertClose(d.predict(x) as dt.Tensor, c.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js -> deeptype');
  });
});

describe('U-Net (examples/functional-models.ts)', () => {
  it('has the parameter count TF.js gives the same graph, and trains', { skip: f.upSampling ? false : 'needs UpSampling2D or Conv2DTranspose, not in deeptype yet' }, () => {
    const opts = { inputShape: [16, 16, 1], features: f };
    const a = unet(ours, opts) as models.Model, b = unet(theirs, opts) as tf.LayersModel;
    assert.equal(a.countParams(), b.countParams());
    a.compile({ loss: 'mse', optimizer: 'adam' });
    const x = rand([2, 16, 16, 1]), y = rand([2, 16, 16, 1]).abs();
    const first = a.trainOnBatch(x, y)[0];
    assert.ok(a.trainOnBatch(x, y)[0] < first);
  });
});
