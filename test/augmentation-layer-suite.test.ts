// The augmentation layers through the shared layer test helper. In inference each is the
// identity (RandomCrop: the centered window resized, checked against TF.js's resizeBilinear);
// in training they are random: compiled vs eager and wasm vs js then compare two layers with the
// same seed, which must augment identically. Their geometry against tf.image.transform is in
// test/augmentation.test.ts.
import { layers } from '../src/index.ts';
import { runLayerTest } from './helpers/layer-test.ts';
import { tf } from './helpers/oracle.ts';

const none = { trainable: 0, nonTrainable: 0 };
const identity = (x: Float64Array): Float64Array => x;
const images = [2, 6, 7, 3];
// The transform matrices (8 numbers per image from its draws) stay in the reference kernel,
// which runs on views of wasm memory; the helper prints it as a finding.
const inheritedKernels = { augmentTransforms: 'the per-image 3x3 matrices: 8 numbers per image' };
const common = { inputShape: images, weights: none, modes: [false, true], stochastic: true, reference: identity, inheritedKernels };

runLayerTest({ name: 'RandomFlip (both)', make: () => new layers.RandomFlip({ seed: 1 }), ...common });
runLayerTest({ name: 'RandomFlip (horizontal)', make: () => new layers.RandomFlip({ mode: 'horizontal', seed: 2 }), ...common });
runLayerTest({ name: 'RandomTranslation (reflect, bilinear)', make: () => new layers.RandomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], seed: 3 }), ...common });
runLayerTest({ name: 'RandomZoom (constant fill 0.5)', make: () => new layers.RandomZoom({ heightFactor: [-0.4, 0.5], fillMode: 'constant', fillValue: 0.5, seed: 4 }), ...common });
runLayerTest({ name: 'RandomRotation (wrap, nearest)', make: () => new layers.RandomRotation({ factor: 0.3, fillMode: 'wrap', interpolation: 'nearest', seed: 5 }), ...common });
runLayerTest({ name: 'RandomRotation (nearest fill, bilinear)', make: () => new layers.RandomRotation({ factor: [-0.1, 0.2], fillMode: 'nearest', seed: 6 }), ...common });
runLayerTest({ name: 'RandomContrast', make: () => new layers.RandomContrast({ factor: 0.5, valueRange: [-10, 10], seed: 7 }), ...common });
runLayerTest({ name: 'RandomBrightness', make: () => new layers.RandomBrightness({ factor: [-0.2, 0.3], valueRange: [-10, 10], seed: 8 }), ...common });
runLayerTest({
  name: 'RandomCrop (4x5 of 6x7)', make: () => new layers.RandomCrop({ height: 4, width: 5, seed: 9 }), ...common,
  // Inference: the largest centered window of the target's aspect ratio, resized bilinearly
  // (Keras 3's crop_to_aspect_ratio resize). 6x7 at 4:5 is the 5x7 window... computed here.
  reference: (x) => {
    const [n, h, w, c] = images, cropH = Math.min(h, Math.trunc((w * 4) / 5)), cropW = Math.min(w, Math.trunc((h * 5) / 4));
    const t = tf.tensor(Array.from(x), [n, h, w, c]).slice([0, Math.trunc((h - cropH) / 2), Math.trunc((w - cropW) / 2), 0], [n, cropH, cropW, c]);
    return Float64Array.from(tf.image.resizeBilinear(t as tf.Tensor4D, [4, 5], false, true).dataSync());
  },
  tol: 1e-4,
});
