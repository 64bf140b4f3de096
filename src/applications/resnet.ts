// Keras's ResNet50/101/152 (He et al. 2015, bottleneck blocks, v1: stride in the first 1x1) and
// their V2 forms (He et al. 2016, pre-activation: BN-ReLU before each convolution, stride in the
// last block of a stack). Layer names are Keras's (conv1_conv, conv2_block1_0_conv, ...,
// conv5_block3_out, avg_pool, predictions), so Keras's weight files load.
import { Activation } from '../layers/core.ts';
import { Conv2D, MaxPooling2D } from '../layers/convolutional.ts';
import { Add } from '../layers/merge.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { ZeroPadding2D } from '../layers/reshaping.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import type { Model } from '../models/model.ts';
import { applicationModel, poolAndClassify, imageInput, inputShapeFor, loadApplicationWeights, resolveArgs, type ApplicationArgs } from './common.ts';

type T = SymbolicTensor;
const EPSILON = 1.001e-5; // Keras's ResNets
const conv = (x: T, filters: number, kernelSize: number, name: string, extra: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean } = {}): T =>
  new Conv2D({ filters, kernelSize, name, ...extra }).apply(x) as T;
const bn = (x: T, name: string): T => new BatchNormalization({ axis: -1, epsilon: EPSILON, name }).apply(x) as T;
const relu = (x: T, name?: string): T => new Activation({ activation: 'relu', name }).apply(x) as T;

/** v1's bottleneck: 1x1 (strided) -> 3x3 -> 1x1 x4, added to the (projected) shortcut, then ReLU. */
function blockV1(x: T, filters: number, stride: number, projection: boolean, name: string): T {
  const shortcut = projection ? bn(conv(x, 4 * filters, 1, `${name}_0_conv`, { strides: stride }), `${name}_0_bn`) : x;
  let y = relu(bn(conv(x, filters, 1, `${name}_1_conv`, { strides: stride }), `${name}_1_bn`), `${name}_1_relu`);
  y = relu(bn(conv(y, filters, 3, `${name}_2_conv`, { padding: 'same' }), `${name}_2_bn`), `${name}_2_relu`);
  y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
  return relu(new Add({ name: `${name}_add` }).apply([shortcut, y]) as T, `${name}_out`);
}

/** v2's pre-activation bottleneck; a strided block's identity shortcut is a 1x1 max pooling. */
function blockV2(x: T, filters: number, stride: number, projection: boolean, name: string): T {
  const preact = relu(bn(x, `${name}_preact_bn`), `${name}_preact_relu`);
  const shortcut = projection ? conv(preact, 4 * filters, 1, `${name}_0_conv`, { strides: stride })
    : stride > 1 ? new MaxPooling2D({ poolSize: 1, strides: stride }).apply(x) as T : x;
  let y = relu(bn(conv(preact, filters, 1, `${name}_1_conv`, { useBias: false }), `${name}_1_bn`), `${name}_1_relu`);
  y = new ZeroPadding2D({ padding: [[1, 1], [1, 1]], name: `${name}_2_pad` }).apply(y) as T;
  y = relu(bn(conv(y, filters, 3, `${name}_2_conv`, { strides: stride, useBias: false }), `${name}_2_bn`), `${name}_2_relu`);
  y = conv(y, 4 * filters, 1, `${name}_3_conv`);
  return new Add({ name: `${name}_out` }).apply([shortcut, y]) as T;
}

/** A stack: v1 strides and projects in its first block, v2 projects first and strides last. */
function stack(x: T, v2: boolean, filters: number, blocks: number, stride: number, name: string): T {
  for (let i = 1; i <= blocks; i++) {
    const blockName = `${name}_block${i}`;
    if (!v2) x = blockV1(x, filters, i === 1 ? stride : 1, i === 1, blockName);
    else x = blockV2(x, filters, i === blocks ? stride : 1, i === 1, blockName);
  }
  return x;
}

async function resnet(app: string, blocks: [number, number, number, number], v2: boolean, args: ApplicationArgs): Promise<Model> {
  const r = resolveArgs(app, args);
  const input = imageInput(r, inputShapeFor(app, r, 224, 32));
  let x = new ZeroPadding2D({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(input) as T;
  x = conv(x, 64, 7, 'conv1_conv', { strides: 2 });
  if (!v2) x = relu(bn(x, 'conv1_bn'), 'conv1_relu');
  x = new ZeroPadding2D({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as T;
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as T;
  [64, 128, 256, 512].forEach((filters, s) => {
    // v1 halves the size at the start of stacks 3-5; v2 at the end of stacks 2-4.
    const stride = v2 ? (s < 3 ? 2 : 1) : (s > 0 ? 2 : 1);
    x = stack(x, v2, filters, blocks[s], stride, `conv${s + 2}`);
  });
  if (v2) x = relu(bn(x, 'post_bn'), 'post_relu');
  x = poolAndClassify(x, r, { avg: 'avg_pool', max: 'max_pool' });
  const modelName = app.toLowerCase();
  const model = applicationModel(input, x, r.name ?? modelName);
  const file = `${modelName}_weights_tf_dim_ordering_tf_kernels${r.includeTop ? '' : '_notop'}.h5`;
  return loadApplicationWeights(app, model, r.weights, { folder: 'resnet', file });
}

/** Keras's ResNet50 (inputs as resnet50.preprocessInput makes them: caffe, BGR mean-centred). */
export const ResNet50 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet50', [3, 4, 6, 3], false, args);
export const ResNet101 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet101', [3, 4, 23, 3], false, args);
export const ResNet152 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet152', [3, 8, 36, 3], false, args);
/** Keras's ResNet50V2 (inputs as resnetV2.preprocessInput makes them: 'tf', in [-1, 1]). */
export const ResNet50V2 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet50V2', [3, 4, 6, 3], true, args);
export const ResNet101V2 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet101V2', [3, 4, 23, 3], true, args);
export const ResNet152V2 = (args: ApplicationArgs = {}): Promise<Model> => resnet('ResNet152V2', [3, 8, 36, 3], true, args);
