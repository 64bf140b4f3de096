// keras-io's "3D image classification from CT scans"
// (https://keras.io/examples/vision/3D_image_classification/), its model ported: four blocks of
// Conv3D (64, 64, 128, 256 filters, 3x3x3, relu) -> MaxPool3D(2) -> BatchNormalization, then
// GlobalAveragePooling3D, Dense(512, relu), Dropout(0.3), Dense(1, sigmoid); binary
// cross-entropy, Adam with ExponentialDecay(1e-4, 100000, 0.96, staircase). The CT scans are
// replaced by small synthetic volumes (a bright ball in noise, or noise alone), so it runs
// anywhere in a few minutes; fit runs through the compiled training plan. Few steps are few for
// BatchNormalization's moving statistics (momentum 0.99: 47% of the way after 64 steps): with
// --epochs 8 training accuracy reached 1.0 while validation accuracy stayed 0.5 (a smaller variant
// scored 0.5 on its own training volumes in inference mode too); keras-io trains 100 epochs.
// Run: node --import tsx examples/ct-scan-3d.ts [--size 48] [--samples 16] [--epochs 3]
import { parseArgs } from 'node:util';
import * as dt from 'deeptype';
import { layers, models, optimizers, schedules } from 'deeptype';

type SymbolicTensor = layers.SymbolicTensor;

export interface CtScanModelOptions { width?: number; height?: number; depth?: number; filters?: number[]; dense?: number }

/** keras-io's get_model(width, height, depth); filters and dense shrink it for tests. */
export function ctScanModel({ width = 128, height = 128, depth = 64, filters = [64, 64, 128, 256], dense = 512 }: CtScanModelOptions = {}): models.Model {
  const inputs = layers.input({ shape: [width, height, depth, 1] });
  let x = inputs;
  filters.forEach((f, i) => {
    x = layers.conv3d({ filters: f, kernelSize: 3, activation: 'relu' }).apply(x) as SymbolicTensor;
    x = layers.maxPooling3d({ poolSize: 2 }).apply(x) as SymbolicTensor;
    x = layers.batchNormalization().apply(x) as SymbolicTensor;
  });
  x = layers.globalAveragePooling3d().apply(x) as SymbolicTensor;
  x = layers.dense({ units: dense, activation: 'relu' }).apply(x) as SymbolicTensor;
  x = layers.dropout({ rate: 0.3 }).apply(x) as SymbolicTensor;
  const outputs = layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as SymbolicTensor;
  return models.model({ inputs, outputs, name: '3dcnn' });
}

/** n volumes [size, size, size, 1] in [0, 1]: odd ones hold a bright ball (label 1), even ones noise only (label 0). */
export function syntheticScans(n: number, size: number, seed = 1): [dt.Tensor, dt.Tensor] {
  const rng = dt.randomUniform([n * size ** 3], 0, 0.5, 'float32', seed).data as Float32Array;
  const x = new Float32Array(rng), y = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    if (s % 2 === 0) continue;
    y[s] = 1;
    const r = size / 6, c = [0, 1, 2].map((a) => size / 3 + ((s * 7 + a * 5) % Math.max(1, Math.floor(size / 3))));
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) for (let k = 0; k < size; k++) {
      if ((i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 < r * r) x[((s * size + i) * size + j) * size + k] += 0.5;
    }
  }
  return [dt.tensor(x, [n, size, size, size, 1]), dt.tensor(y, [n, 1])];
}

export function compileCtScanModel(model: models.Model): void {
  const lrSchedule = new schedules.ExponentialDecay({ initialLearningRate: 0.0001, decaySteps: 100000, decayRate: 0.96, staircase: true });
  model.compile({ loss: 'binary_crossentropy', optimizer: new optimizers.Adam({ learningRate: lrSchedule }), metrics: ['acc'] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '48' }, samples: { type: 'string', default: '16' }, epochs: { type: 'string', default: '3' } } });
  const size = Number(values.size), n = Number(values.samples);
  dt.setRandomSeed(1);
  const [xTrain, yTrain] = syntheticScans(n, size, 1), [xVal, yVal] = syntheticScans(Math.max(2, n / 4), size, 2);
  const model = ctScanModel({ width: size, height: size, depth: size });
  model.summary();
  compileCtScanModel(model);
  const start = performance.now();
  await model.fit(xTrain, yTrain, { batchSize: 2, epochs: Number(values.epochs), shuffle: true, validationData: [xVal, yVal] });
  const [loss, acc] = model.evaluate(xVal, yVal, { verbose: 0 });
  console.log(`Validation loss: ${loss.toFixed(4)}\nValidation accuracy: ${acc.toFixed(4)}\nTraining time: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  process.exit(0);
}
