// examples/ct-scan-3d.ts (keras-io's CT-scan 3-D convnet), shrunk: its model predicts what
// TF.js's same model (with TF.js's own Conv3D and MaxPooling3D) predicts with the same weights
// (TF.js has no GlobalAveragePooling3D and no rank-5 BatchNormalization: its model takes them
// on the flattened voxels), and one epoch of fit through the compiled plan, then evaluate, runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { ctScanModel, compileCtScanModel, syntheticScans } from '../examples/ct-scan-3d.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const SMALL = { width: 46, height: 47, depth: 46, filters: [4, 4, 8, 8], dense: 16 };

/** keras-io's get_model in TF.js, with the real 3-D pooling layers. */
function tfjsCtScanModel(): tf.LayersModel {
  const input = tf.input({ shape: [SMALL.width, SMALL.height, SMALL.depth, 1] });
  let x = input as tf.SymbolicTensor;
  for (const f of SMALL.filters) {
    x = tf.layers.conv3d({ filters: f, kernelSize: 3, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling3d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    // TF.js's BatchNormalization refuses rank 5: the same statistics on the flattened voxels.
    const shape = x.shape.slice(1) as number[];
    x = tf.layers.reshape({ targetShape: [-1, shape[3]] }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reshape({ targetShape: shape }).apply(x) as tf.SymbolicTensor;
  }
  // TF.js has no GlobalAveragePooling3D: the mean over the flattened voxels.
  const [, d, h, w, c] = x.shape as number[];
  x = tf.layers.reshape({ targetShape: [d * h * w, c] }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: SMALL.dense, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor });
}

describe('examples/ct-scan-3d.ts', () => {
  it('predicts what TF.js\'s model (with its MaxPooling3D) predicts with the same weights', () => {
    dt.setRandomSeed(5);
    const ours = ctScanModel(SMALL), theirs = tfjsCtScanModel();
    const withWeights = (ls: { weights: unknown[] }[]) => ls.filter((l) => l.weights.length > 0);
    const [a, b] = [withWeights(ours.layers), withWeights(theirs.layers as unknown as { weights: unknown[] }[])];
    assert.equal(a.length, b.length);
    a.forEach((l, i) => {
      // Non-trivial moving statistics, so that inference's BatchNormalization is checked too.
      const ws = (l as dt.layers.Layer).getWeights().map((w, k) => (k >= 2 && w.rank === 1 ? dt.randomUniform(w.shape, 0.5, 1.5, 'float32', 10 + i * 4 + k) : w));
      (l as dt.layers.Layer).setWeights(ws);
      (b[i] as unknown as tf.layers.Layer).setWeights(ws.map(toTf));
    });
    const [x] = syntheticScans(2, 46, 3);
    const volumes = dt.concat([x, dt.slice(x, [0, 0, 0, 0, 0], [2, 46, 1, 46, 1])], 2); // an odd height: 47
    assertClose(ours.predict(volumes) as dt.Tensor, theirs.predict(toTf(volumes)) as tf.Tensor, 1e-4, 'predictions');
  });

  it('fits one epoch through the compiled plan and evaluates', async () => {
    dt.setRandomSeed(1);
    const model = ctScanModel({ ...SMALL, height: 46 });
    compileCtScanModel(model);
    const [x, y] = syntheticScans(4, 46, 1);
    const before = model.getWeights().map((w) => Float32Array.from(w.data as Float32Array));
    const history = await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
    const loss = history.history.loss[0] as number;
    assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
    const moved = model.getWeights().filter((w, i) => w.data.some((v, j) => v !== before[i][j])).length;
    assert.ok(moved >= 10, `only ${moved} weights changed`);
    const [evalLoss, acc] = model.evaluate(x, y, { verbose: 0 }) as number[];
    assert.ok(Number.isFinite(evalLoss) && acc >= 0 && acc <= 1, `evaluate: ${evalLoss}, ${acc}`);
  });
});

// conv3d's output [n * d, h, w, f] reaches the stand-in's pooling as [n, d, h, w * f]: the
// reshape is no call in a plan, so the fusions must check the pooling's geometry (they fused
// it into conv2dMaxPool with the convolution's, a wrong answer, before).
describe('plan fusions: a convolution pooled through a reshape', () => {
  it('compiled predict and gradients equal eager ones on wasm (Conv2D -> Reshape -> MaxPooling2D)', () => {
    dt.setBackend('wasm');
    dt.setRandomSeed(2);
    const input = dt.layers.input({ shape: [8, 8, 3] });
    const conv = dt.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as dt.layers.SymbolicTensor;
    const reshaped = dt.layers.reshape({ targetShape: [4, 8, 8] }).apply(conv) as dt.layers.SymbolicTensor;
    const pooled = dt.layers.maxPooling2d({ poolSize: 2 }).apply(reshaped) as dt.layers.SymbolicTensor;
    const model = dt.models.model({ inputs: input, outputs: dt.layers.flatten().apply(pooled) as dt.layers.SymbolicTensor });
    const x = dt.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 4), r = dt.randomUniform([2, 64], 0.5, 1.5, 'float32', 5);
    const eager = model.apply(x) as dt.Tensor;
    assertClose(model.predict(x) as dt.Tensor, eager, 1e-6, 'predict');
    const loss = (xs: dt.Tensor[]) => (model.apply(xs[0]) as dt.Tensor).mul(r).sum();
    const expected = dt.valueAndGrads(() => loss([x]), model.trainableWeights).grads;
    for (let i = 0; i < 2; i++) model.compiledValueAndGrads(loss, [x]); // builds, then traces
    const { grads } = model.compiledValueAndGrads(loss, [x]);
    grads.forEach((g, i) => assertClose(g, expected[i], 1e-5, `gradient ${i}`));
  });
});
