// The model zoo of `npm run bench:zoo` (issue #15): six convnets written once here for
// deeptype and once in bench/zoo_pytorch.py for PyTorch, layer for layer the same (the test
// test/zoo.test.ts checks the parameter counts match). Convolutions followed by
// BatchNormalization have no bias, as usual (and in the PyTorch twin). The MobileNet-style
// net uses ReLU6 as MobileNet does (Keras's layers.ReLU(6.0); PyTorch's nn.ReLU6).
import { layers, models } from 'deeptype';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import { seedModel } from './seed-model.ts';
import { kerasIoConvnet } from './keras-io-convnet.ts';

export interface ZooEntry {
  /** Builds a fresh, untrained model (glorot-uniform kernels, zero biases: Keras's defaults). */
  build: () => models.Model;
  /** One input sample's shape (without the batch). */
  inputShape: number[];
  /** Training batch size the benchmark uses. */
  batchSize: number;
  /** 'classes': sparse labels of 10 classes; 'image': the target is the input (autoencoder). */
  target: 'classes' | 'image';
}

type T = SymbolicTensor;
const relu = (x: T): T => new layers.Activation({ activation: 'relu' }).apply(x) as T;
const relu6 = (x: T): T => new layers.ReLU({ maxValue: 6 }).apply(x) as T;
const bn = (x: T): T => new layers.BatchNormalization().apply(x) as T;
const conv = (x: T, filters: number, kernelSize: number, strides = 1): T =>
  new layers.Conv2D({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as T;

/** CIFAR VGG-style: 3 stages of (Conv-BN-ReLU) x2 + 2x2 max-pool, 32/64/128 filters, Dense 10. */
export function vggBn(): models.Model {
  const inputs = layers.input({ shape: [32, 32, 3] });
  let x = inputs;
  for (const filters of [32, 64, 128]) {
    x = relu(bn(conv(x, filters, 3)));
    x = relu(bn(conv(x, filters, 3)));
    x = new layers.MaxPooling2D({ poolSize: [2, 2] }).apply(x) as T;
  }
  x = new layers.Flatten().apply(x) as T;
  const outputs = new layers.Dense({ units: 10, activation: 'softmax' }).apply(x) as T;
  return models.model({ inputs, outputs, name: 'vgg_bn' });
}

/** ResNet-20 (He et al. 2015, CIFAR): 3 stages x 3 basic blocks of 16/32/64 filters; the first block of stages 2 and 3 downsamples with stride 2 and a 1x1 conv + BN projection shortcut. */
export function resnet20(): models.Model {
  const inputs = layers.input({ shape: [32, 32, 3] });
  let x = relu(bn(conv(inputs, 16, 3)));
  [16, 32, 64].forEach((filters, stage) => {
    for (let block = 0; block < 3; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const y = bn(conv(relu(bn(conv(x, filters, 3, strides))), filters, 3));
      const shortcut = strides === 1 ? x : bn(conv(x, filters, 1, strides));
      x = relu(new layers.Add().apply([shortcut, y]) as T);
    }
  });
  x = new layers.GlobalAveragePooling2D().apply(x) as T;
  const outputs = new layers.Dense({ units: 10, activation: 'softmax' }).apply(x) as T;
  return models.model({ inputs, outputs, name: 'resnet20' });
}

/** The depthwise-separable blocks of the MobileNet-style net: [pointwise filters, depthwise stride]. */
export const MOBILENET_BLOCKS: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2]];

/** MobileNet-style for 64x64x3: 3x3 stride-2 stem (32), depthwise-separable blocks (DW3x3-BN-ReLU6, PW1x1-BN-ReLU6), global average pooling, Dense 10. */
export function mobileNetStyle(): models.Model {
  const inputs = layers.input({ shape: [64, 64, 3] });
  let x = relu6(bn(conv(inputs, 32, 3, 2))); // 32x32
  for (const [filters, strides] of MOBILENET_BLOCKS) {
    x = relu6(bn(new layers.DepthwiseConv2D({ kernelSize: 3, strides, padding: 'same', useBias: false }).apply(x) as T));
    x = relu6(bn(conv(x, filters, 1)));
  }
  x = new layers.GlobalAveragePooling2D().apply(x) as T; // from 4x4x512
  const outputs = new layers.Dense({ units: 10, activation: 'softmax' }).apply(x) as T;
  return models.model({ inputs, outputs, name: 'mobilenet_style' });
}

/** Convolutional autoencoder for 28x28x1: Conv-pool x2 down to 7x7x64, then a Conv2DTranspose (stride 2) and an UpSampling2D + Conv back to 28x28, sigmoid output. */
export function convAutoencoder(): models.Model {
  return new models.Sequential({ name: 'conv_autoencoder', layers: [
    new layers.Input({ shape: [28, 28, 1] }),
    new layers.Conv2D({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }), // 14x14
    new layers.Conv2D({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: [2, 2] }), // 7x7
    new layers.Conv2DTranspose({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), // 14x14
    new layers.UpSampling2D({ size: 2 }), // 28x28
    new layers.Conv2D({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new layers.Conv2D({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ] });
}

/** The zoo, by the names `--models` takes. */
export const ZOO: Record<string, ZooEntry> = {
  seed: { build: seedModel, inputShape: [28, 28], batchSize: 32, target: 'classes' },
  convnet: { build: kerasIoConvnet, inputShape: [28, 28, 1], batchSize: 128, target: 'classes' },
  vgg: { build: vggBn, inputShape: [32, 32, 3], batchSize: 64, target: 'classes' },
  resnet20: { build: resnet20, inputShape: [32, 32, 3], batchSize: 64, target: 'classes' },
  mobilenet: { build: mobileNetStyle, inputShape: [64, 64, 3], batchSize: 32, target: 'classes' },
  autoencoder: { build: convAutoencoder, inputShape: [28, 28, 1], batchSize: 64, target: 'image' },
};
