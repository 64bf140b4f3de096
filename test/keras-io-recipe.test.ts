// keras.io's "Image classification from scratch" as a Keras user ports it: images from class
// folders, an augmentation Sequential nested in a functional model, separable convolutions with
// residual adds and BatchNormalization, a logit head (activation: null, as Keras's None), a
// ModelCheckpoint writing .keras files into a folder that does not exist yet, then the saved
// model loaded and predicting as the trained one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as dt from '../src/index.ts';
import { callbacks, layers, models, utils, type Tensor } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';

function writeFolder(root: string): void {
  for (const [c, name] of ['Cat', 'Dog'].entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const png = new PNG({ width: 18 + (i % 3), height: 16 + (i % 2) });
      for (let p = 0; p < png.width * png.height; p++) {
        const v = c ? (p % png.width) * 12 : Math.floor(p / png.width) * 12;
        png.data.set([v % 256, (v * 3) % 256, 90, 255], p * 4);
      }
      writeFileSync(join(root, name, `${i}.png`), PNG.sync.write(png));
    }
  }
}

function makeModel(): models.Model {
  const augmentation = new models.Sequential([new layers.RandomFlip({ mode: 'horizontal', seed: 1 }), new layers.RandomRotation({ factor: 0.1, seed: 2 })]);
  const inputs = layers.input({ shape: [16, 16, 3] });
  const apply = (l: dt.layers.Layer, t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => l.apply(t) as SymbolicTensor;
  let x = apply(new layers.Rescaling({ scale: 1 / 255 }), apply(augmentation, inputs));
  x = apply(new layers.Activation({ activation: 'relu' }), apply(new layers.BatchNormalization(), apply(new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), x)));
  const previous = x;
  x = apply(new layers.BatchNormalization(), apply(new layers.SeparableConv2D({ filters: 16, kernelSize: 3, padding: 'same' }), x));
  x = apply(new layers.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), x);
  x = layers.add([x, apply(new layers.Conv2D({ filters: 16, kernelSize: 1, strides: 2, padding: 'same' }), previous)]);
  x = apply(new layers.Dropout({ rate: 0.25, seed: 3 }), apply(new layers.GlobalAveragePooling2D(), x));
  return new models.Model({ inputs, outputs: apply(new layers.Dense({ units: 1, activation: null }), x) });
}

test('keras.io image classification from scratch: folders -> nested augmentation -> checkpoints -> loaded model predicts the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-recipe-'));
  writeFolder(join(dir, 'images'));
  const [train, val] = await utils.imageDatasetFromDirectory(join(dir, 'images'), { validationSplit: 0.25, subset: 'both', seed: 1337, imageSize: [16, 16], batchSize: 6 });
  dt.setRandomSeed(4);
  const model = makeModel();
  model.compile({ optimizer: new dt.optimizers.Adam({ learningRate: 3e-3 }), loss: new dt.losses.BinaryCrossentropy({ fromLogits: true }), metrics: [new dt.metrics.BinaryAccuracy({ name: 'acc' })] });
  const checkpoints = join(dir, 'not-yet', 'there');
  const history = await model.fit(train, { epochs: 2, validationData: val, verbose: 0, callbacks: [new callbacks.ModelCheckpoint({ filepath: join(checkpoints, 'save_at_{epoch}.keras') })] });
  assert.equal(history.history.val_acc.length, 2);
  const loaded = await models.loadModel(join(checkpoints, 'save_at_2.keras'));
  assert.deepEqual(loaded.layers.map((l) => l.className).slice(0, 3), ['InputLayer', 'Sequential', 'Rescaling']);
  const image = utils.imgToArray(await utils.loadImg(join(dir, 'images', 'Cat', '3.png'), { targetSize: [16, 16] })).expandDims(0);
  assert.deepEqual(Array.from((loaded.predict(image) as Tensor).data), Array.from((model.predict(image) as Tensor).data));
  // The loaded model trains on (its optimizer state came with it).
  assert.equal(loaded.optimizer!.iterations, model.optimizer!.iterations);
  await loaded.fit(train, { epochs: 1, verbose: 0 });
});

test('keras.io image segmentation (a small U-Net): per-pixel sparse crossentropy and accuracy, as computed from predict', async () => {
  dt.setRandomSeed(7);
  const apply = (l: dt.layers.Layer, t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => l.apply(t) as SymbolicTensor;
  const inputs = layers.input({ shape: [16, 16, 3] });
  let x = apply(new layers.Activation({ activation: 'relu' }), apply(new layers.BatchNormalization(), apply(new layers.Conv2D({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), inputs)));
  const skip = x;
  x = apply(new layers.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), apply(new layers.SeparableConv2D({ filters: 16, kernelSize: 3, padding: 'same' }), x));
  x = apply(new layers.UpSampling2D({ size: 2 }), apply(new layers.Conv2DTranspose({ filters: 8, kernelSize: 3, padding: 'same' }), x));
  x = apply(new layers.UpSampling2D({ size: 2 }), layers.concatenate([x, skip]));
  const model = new models.Model({ inputs, outputs: apply(new layers.Conv2D({ filters: 3, kernelSize: 3, activation: 'softmax', padding: 'same' }), x) });
  model.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const images = dt.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 3);
  const masks = dt.tensor(Int32Array.from({ length: 8 * 256 }, (_, i) => ((i % 16) < 8 ? 0 : i % 3 === 0 ? 1 : 2)), [8, 16, 16]);
  const history = await model.fit(images, masks, { epochs: 3, batchSize: 4, verbose: 0 });
  assert.ok(history.history.loss[2] < history.history.loss[0], `loss ${history.history.loss}`);
  const [loss, accuracy] = model.evaluate(images, masks, { verbose: 0 });
  const p = (model.predict(images) as Tensor).data;
  let ce = 0, hits = 0;
  for (let i = 0; i < 8 * 256; i++) {
    ce -= Math.log(p[i * 3 + masks.data[i]]);
    let best = 0;
    for (let k = 1; k < 3; k++) if (p[i * 3 + k] > p[i * 3 + best]) best = k;
    hits += +(best === masks.data[i]);
  }
  assert.ok(Math.abs(loss - ce / 2048) < 1e-5, `evaluate's loss ${loss} vs ${ce / 2048} from predict`);
  assert.ok(Math.abs(accuracy - hits / 2048) < 1e-6, `evaluate's accuracy ${accuracy} vs ${hits / 2048} per pixel`);
});
