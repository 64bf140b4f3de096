// Keras's VGG16 and VGG19 (Simonyan & Zisserman 2014): five blocks of 3x3 same convolutions with
// ReLU, each ending in 2x2 max pooling, then Flatten and two Dense 4096 for the top. Layer names
// are Keras's (block1_conv1 ... block5_pool, fc1, fc2, predictions), so its weight files load.
import { Flatten, Dense } from '../layers/core.ts';
import { Conv2D, MaxPooling2D } from '../layers/convolutional.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import type { Model } from '../models/model.ts';
import { applicationModel, featurePooling, imageInput, inputShapeFor, loadApplicationWeights, resolveArgs, type ApplicationArgs } from './common.ts';

async function vgg(app: 'VGG16' | 'VGG19', convsPerBlock: number[], args: ApplicationArgs): Promise<Model> {
  const r = resolveArgs(app, args);
  const input = imageInput(r, inputShapeFor(app, r, 224, 32));
  let x: SymbolicTensor = input;
  [64, 128, 256, 512, 512].forEach((filters, b) => {
    for (let c = 1; c <= convsPerBlock[b]; c++) {
      x = new Conv2D({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${c}` }).apply(x) as SymbolicTensor;
    }
    x = new MaxPooling2D({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as SymbolicTensor;
  });
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x) as SymbolicTensor;
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc1' }).apply(x) as SymbolicTensor;
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc2' }).apply(x) as SymbolicTensor;
    x = new Dense({ units: r.classes, activation: r.activation, name: 'predictions' }).apply(x) as SymbolicTensor;
  } else {
    x = featurePooling(x, r.pooling);
  }
  const model = applicationModel(input, x, r.name ?? app.toLowerCase());
  const file = `${app.toLowerCase()}_weights_tf_dim_ordering_tf_kernels${r.includeTop ? '' : '_notop'}.h5`;
  return loadApplicationWeights(app, model, r.weights, { folder: app.toLowerCase(), file });
}

/** Keras's VGG16: 13 convolutions (2, 2, 3, 3, 3 per block). Inputs as vgg16.preprocessInput makes them (caffe: BGR, mean-centred). */
export const VGG16 = (args: ApplicationArgs = {}): Promise<Model> => vgg('VGG16', [2, 2, 3, 3, 3], args);
/** Keras's VGG19: 16 convolutions (2, 2, 4, 4, 4 per block). */
export const VGG19 = (args: ApplicationArgs = {}): Promise<Model> => vgg('VGG19', [2, 2, 4, 4, 4], args);
