// examples/text-convnet.ts (keras-io's text classification model): the same parameter counts
// as the model built with TF.js's layers, the same predictions with the same weights, and
// compiled fit steps equal eager ones (Dropout draws the same with the same seed).
import { describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { optimizers, type Tensor } from '../src/index.ts';
import { syntheticReviews, textConvnet } from '../examples/text-convnet.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

/** The keras-io model in TF.js's layers. */
function tfTextConvnet(maxFeatures: number, embeddingDim: number, width: number): tf.LayersModel {
  const inputs = tf.input({ shape: [null] });
  let x = tf.layers.embedding({ inputDim: maxFeatures, outputDim: embeddingDim }).apply(inputs) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv1d({ filters: width, kernelSize: 7, padding: 'valid', activation: 'relu', strides: 3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv1d({ filters: width, kernelSize: 7, padding: 'valid', activation: 'relu', strides: 3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalMaxPooling1d().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: width, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor });
}

describe('examples/text-convnet.ts', () => {
  it("keras-io's sizes: the parameter counts of the TF.js model, layer by layer", () => {
    const ours = textConvnet(), theirs = tfTextConvnet(20000, 128, 128);
    assert.deepEqual(ours.layers.map((l) => l.countParams()), theirs.layers.map((l) => l.countParams()));
    assert.equal(ours.countParams(), 2806273);
    theirs.dispose();
  });

  it('predictions match TF.js with the same weights (inference: Dropout off)', () => {
    dt.setRandomSeed(4);
    const ours = textConvnet({ maxFeatures: 300, embeddingDim: 8, width: 6 }), theirs = tfTextConvnet(300, 8, 6);
    theirs.setWeights(ours.getWeights().map(toTf));
    const [x] = syntheticReviews(5, 40, 300, 3);
    assertClose(ours.predict(x) as Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'predictions');
  });

  it('one compiled fit step equals an eager one (same loss, same weights), and a few steps train', async () => {
    const [x, y] = syntheticReviews(16, 40, 300, 5);
    const make = (runEagerly: boolean) => {
      dt.setRandomSeed(2);
      const m = textConvnet({ maxFeatures: 300, embeddingDim: 8, width: 6 });
      m.compile({ loss: 'binary_crossentropy', optimizer: new optimizers.Adam({ learningRate: 0.01 }), runEagerly });
      return m;
    };
    // Each model made and fitted in turn: fit's shuffle draws from the global generator too.
    const compiled = make(false);
    const a = await compiled.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0 });
    const eager = make(true);
    const b = await eager.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0 });
    assert.ok(Math.abs(a.history.loss[0] - b.history.loss[0]) < 1e-5, `loss compiled ${a.history.loss[0]} vs eager ${b.history.loss[0]}`);
    compiled.getWeights().forEach((w, i) => assertClose(w, eager.getWeights()[i], 1e-5, `weight ${compiled.weights[i].name}`));
    const more = await compiled.fit(x, y, { batchSize: 8, epochs: 4, verbose: 0 });
    assert.ok(more.history.loss.every(Number.isFinite) && more.history.loss[3] < a.history.loss[0], `losses ${a.history.loss[0]} -> ${more.history.loss}`);
  });

  it('exports to ONNX (Gather, Conv, ReduceMax, MatMul) and runs in ONNX Runtime with the same predictions', async () => {
    dt.setRandomSeed(6);
    const model = textConvnet({ maxFeatures: 300, embeddingDim: 8, width: 6 });
    const [x] = syntheticReviews(3, 40, 300, 7);
    const path = join(mkdtempSync(join(tmpdir(), 'deeptype-onnx-')), 'text.onnx');
    await model.exportOnnx(path);
    const out = (await (await ort.InferenceSession.create(path)).run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output;
    assertClose(dt.tensor(out.data as Float32Array, out.dims as number[]), model.predict(x) as Tensor, 1e-5, 'ONNX Runtime vs deeptype');
  });
});
