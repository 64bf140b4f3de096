// Keras's DenseNet121/169/201 (Huang et al. 2017): dense blocks whose every BN-ReLU-1x1-BN-ReLU-3x3
// unit concatenates 32 new channels onto its input, between transitions that halve the channels
// (1x1) and the size (2x2 average pooling). Layer names are Keras's (conv1_conv,
// conv2_block1_0_bn, ..., pool4_conv, bn, avg_pool, predictions), so Keras's weight files load.
import { Activation } from '../layers/core.ts';
import { Conv2D, MaxPooling2D } from '../layers/convolutional.ts';
import { Concatenate } from '../layers/merge.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { AveragePooling2D } from '../layers/pooling.ts';
import { ZeroPadding2D } from '../layers/reshaping.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import type { Model } from '../models/model.ts';
import { applicationModel, poolAndClassify, imageInput, inputShapeFor, loadApplicationWeights, resolveArgs, type ApplicationArgs } from './common.ts';

type T = SymbolicTensor;
const GROWTH = 32;
const bnRelu = (x: T, name: string): T =>
  new Activation({ activation: 'relu', name: `${name}_relu` }).apply(new BatchNormalization({ axis: -1, epsilon: 1.001e-5, name: `${name}_bn` }).apply(x) as T) as T;
const channels = (x: T): number => x.shape[x.shape.length - 1] as number;

function denseUnit(x: T, name: string): T {
  let y = bnRelu(x, `${name}_0`);
  y = new Conv2D({ filters: 4 * GROWTH, kernelSize: 1, useBias: false, name: `${name}_1_conv` }).apply(y) as T;
  y = bnRelu(y, `${name}_1`);
  y = new Conv2D({ filters: GROWTH, kernelSize: 3, padding: 'same', useBias: false, name: `${name}_2_conv` }).apply(y) as T;
  return new Concatenate({ axis: -1, name: `${name}_concat` }).apply([x, y]) as T;
}

function transition(x: T, name: string): T {
  const y = bnRelu(x, name);
  const conv = new Conv2D({ filters: Math.trunc(channels(y) * 0.5), kernelSize: 1, useBias: false, name: `${name}_conv` }).apply(y) as T;
  return new AveragePooling2D({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(conv) as T;
}

async function densenet(app: string, blocks: [number, number, number, number], args: ApplicationArgs): Promise<Model> {
  const r = resolveArgs(app, args);
  const input = imageInput(r, inputShapeFor(app, r, 224, 32));
  let x = new ZeroPadding2D({ padding: [[3, 3], [3, 3]] }).apply(input) as T;
  x = new Conv2D({ filters: 64, kernelSize: 7, strides: 2, useBias: false, name: 'conv1_conv' }).apply(x) as T;
  x = bnRelu(x, 'conv1');
  x = new ZeroPadding2D({ padding: [[1, 1], [1, 1]] }).apply(x) as T;
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1' }).apply(x) as T;
  blocks.forEach((units, b) => {
    for (let i = 1; i <= units; i++) x = denseUnit(x, `conv${b + 2}_block${i}`);
    if (b < 3) x = transition(x, `pool${b + 2}`);
  });
  x = new Activation({ activation: 'relu', name: 'relu' }).apply(new BatchNormalization({ axis: -1, epsilon: 1.001e-5, name: 'bn' }).apply(x) as T) as T;
  x = poolAndClassify(x, r, { avg: 'avg_pool', max: 'max_pool' });
  const name = app.toLowerCase();
  const model = applicationModel(input, x, r.name ?? name);
  return loadApplicationWeights(app, model, r.weights, { folder: 'densenet', file: `${name}_weights_tf_dim_ordering_tf_kernels${r.includeTop ? '' : '_notop'}.h5` });
}

/** Keras's DenseNet121 (inputs as densenet.preprocessInput makes them: 'torch', ImageNet-normalized). */
export const DenseNet121 = (args: ApplicationArgs = {}): Promise<Model> => densenet('DenseNet121', [6, 12, 24, 16], args);
export const DenseNet169 = (args: ApplicationArgs = {}): Promise<Model> => densenet('DenseNet169', [6, 12, 32, 32], args);
export const DenseNet201 = (args: ApplicationArgs = {}): Promise<Model> => densenet('DenseNet201', [6, 12, 48, 32], args);
