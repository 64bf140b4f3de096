// Keras's MobileNet (Howard et al. 2017: depthwise-separable blocks) and MobileNetV2 (Sandler et
// al. 2018: inverted residuals with linear bottlenecks), with their width multiplier alpha.
// Layer names are Keras's (conv1, conv_dw_1, conv_pw_1_bn, ...; Conv1, expanded_conv_depthwise,
// block_1_expand, ..., Conv_1, out_relu), so Keras's weight files load.
import { Activation, Reshape } from '../layers/core.ts';
import { Conv2D } from '../layers/convolutional.ts';
import { DepthwiseConv2D } from '../layers/conv-variants.ts';
import { ReLU } from '../layers/advanced-activations.ts';
import { Add } from '../layers/merge.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import { GlobalAveragePooling2D } from '../layers/pooling.ts';
import { Dropout } from '../layers/regularization.ts';
import { ZeroPadding2D } from '../layers/reshaping.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import type { Model } from '../models/model.ts';
import { applicationModel, featurePooling, poolAndClassify, imageInput, inputShapeFor, loadApplicationWeights, makeDivisible, resolveArgs, type ApplicationArgs, type Resolved } from './common.ts';

type T = SymbolicTensor;
const relu6 = (x: T, name: string): T => new ReLU({ maxValue: 6, name }).apply(x) as T;

/** Keras's size rule: a square input of a size the weights exist for is the default size, else 224 (warned when 'imagenet' weights then load the 224 ones). */
function sizes(app: string, r: Resolved, sizesWithWeights: number[]): { defaultSize: number; rows: (s: (number | null)[]) => number } {
  const given = r.inputShape ?? (r.inputTensor ? r.inputTensor.shape.slice(1) : undefined);
  const square = given && given[0] === given[1] && typeof given[0] === 'number' && sizesWithWeights.includes(given[0]) ? given[0] : undefined;
  return {
    defaultSize: square ?? 224,
    rows: (shape) => {
      if (r.weights !== 'imagenet' || (shape[0] === shape[1] && sizesWithWeights.includes(shape[0] as number))) return shape[0] ?? 224;
      console.warn(`applications.${app}: the input is not square or not one of ${sizesWithWeights.join(', ')}: the weights for 224x224 are loaded`);
      return 224;
    },
  };
}

function checkAlpha(app: string, r: Resolved, alpha: number, withWeights: number[]): void {
  if (!(alpha > 0)) throw new Error(`applications.${app}: alpha must be a positive number. Received ${alpha}`);
  if (r.weights === 'imagenet' && !withWeights.includes(alpha)) throw new Error(`applications.${app}: the 'imagenet' weights exist for alpha ${withWeights.join(', ')}. Received alpha=${alpha}`);
}

export interface MobileNetArgs extends ApplicationArgs {
  /** Width multiplier (default 1). */
  alpha?: number;
  /** Depthwise outputs per input channel (default 1; 1 for 'imagenet'). */
  depthMultiplier?: number;
  /** The top's dropout rate (default 1e-3). */
  dropout?: number;
}

/** Keras's MobileNet (v1). Inputs as mobilenet.preprocessInput makes them ('tf': in [-1, 1]). */
export async function MobileNet(args: MobileNetArgs = {}): Promise<Model> {
  const app = 'MobileNet';
  const r = resolveArgs(app, args, ['alpha', 'depthMultiplier', 'dropout']);
  const alpha = args.alpha ?? 1, depthMultiplier = args.depthMultiplier ?? 1, dropout = args.dropout ?? 1e-3;
  checkAlpha(app, r, alpha, [0.25, 0.5, 0.75, 1]);
  if (r.weights === 'imagenet' && depthMultiplier !== 1) throw new Error(`applications.${app}: the 'imagenet' weights need depthMultiplier 1. Received ${depthMultiplier}`);
  const size = sizes(app, r, [128, 160, 192, 224]);
  const shape = inputShapeFor(app, r, size.defaultSize, 32);
  const rows = size.rows(shape);
  const input = imageInput(r, shape);
  let x = new Conv2D({ filters: Math.trunc(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' }).apply(input) as T;
  x = relu6(new BatchNormalization({ axis: -1, name: 'conv1_bn' }).apply(x) as T, 'conv1_relu');
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];
  blocks.forEach(([filters, stride], i) => {
    const id = i + 1;
    if (stride === 2) x = new ZeroPadding2D({ padding: [[0, 1], [0, 1]], name: `conv_pad_${id}` }).apply(x) as T;
    x = new DepthwiseConv2D({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', depthMultiplier, useBias: false, name: `conv_dw_${id}` }).apply(x) as T;
    x = relu6(new BatchNormalization({ axis: -1, name: `conv_dw_${id}_bn` }).apply(x) as T, `conv_dw_${id}_relu`);
    x = new Conv2D({ filters: Math.trunc(filters * alpha), kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${id}` }).apply(x) as T;
    x = relu6(new BatchNormalization({ axis: -1, name: `conv_pw_${id}_bn` }).apply(x) as T, `conv_pw_${id}_relu`);
  });
  if (r.includeTop) {
    x = new GlobalAveragePooling2D({ keepdims: true }).apply(x) as T;
    x = new Dropout({ rate: dropout, name: 'dropout' }).apply(x) as T;
    x = new Conv2D({ filters: r.classes, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x) as T;
    x = new Reshape({ targetShape: [r.classes], name: 'reshape_2' }).apply(x) as T;
    x = new Activation({ activation: r.activation, name: 'predictions' }).apply(x) as T;
  } else {
    x = featurePooling(x, r.pooling);
  }
  const model = applicationModel(input, x, r.name ?? `mobilenet_${alpha.toFixed(2)}_${rows}`);
  const alphaText = ({ 1: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5' } as Record<number, string>)[alpha];
  return loadApplicationWeights(app, model, r.weights, { folder: 'mobilenet', file: `mobilenet_${alphaText}_${rows}_tf${r.includeTop ? '' : '_no_top'}.h5` });
}

export interface MobileNetV2Args extends ApplicationArgs {
  /** Width multiplier (default 1). */
  alpha?: number;
}

/** Python's str(float): 1 -> '1.0', 0.35 -> '0.35' (Keras's file names use it). */
const pythonFloat = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** Keras's imagenet_utils.correct_pad for a 3x3 stride-2 window: one less at the top/left of an even side. */
function correctPad(x: T): [[number, number], [number, number]] {
  const [h, w] = x.shape.slice(1, 3);
  const adjust = (side: number | null): number => (side === null ? 1 : 1 - (side % 2));
  return [[1 - adjust(h), 1], [1 - adjust(w), 1]];
}

/** One inverted residual: 1x1 expansion (not in block 0), 3x3 depthwise, 1x1 linear projection, added to the input when the shape allows. */
function invertedResidual(input: T, expansion: number, stride: number, alpha: number, filters: number, id: number): T {
  const inChannels = input.shape[input.shape.length - 1] as number;
  const outChannels = makeDivisible(Math.trunc(filters * alpha), 8);
  const prefix = id ? `block_${id}_` : 'expanded_conv_';
  const bn = (x: T, name: string): T => new BatchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name }).apply(x) as T;
  let x = input;
  if (id) x = relu6(bn(new Conv2D({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(x) as T, `${prefix}expand_BN`), `${prefix}expand_relu`);
  if (stride === 2) x = new ZeroPadding2D({ padding: correctPad(x), name: `${prefix}pad` }).apply(x) as T;
  x = new DepthwiseConv2D({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(x) as T;
  x = relu6(bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = bn(new Conv2D({ filters: outChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(x) as T, `${prefix}project_BN`);
  return inChannels === outChannels && stride === 1 ? new Add({ name: `${prefix}add` }).apply([input, x]) as T : x;
}

/** Keras's MobileNetV2. Inputs as mobilenetV2.preprocessInput makes them ('tf': in [-1, 1]). */
export async function MobileNetV2(args: MobileNetV2Args = {}): Promise<Model> {
  const app = 'MobileNetV2';
  const r = resolveArgs(app, args, ['alpha']);
  const alpha = args.alpha ?? 1;
  checkAlpha(app, r, alpha, [0.35, 0.5, 0.75, 1, 1.3, 1.4]);
  const size = sizes(app, r, [96, 128, 160, 192, 224]);
  const shape = inputShapeFor(app, r, size.defaultSize, 32);
  const rows = size.rows(shape);
  const input = imageInput(r, shape);
  const bn = (x: T, name: string): T => new BatchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name }).apply(x) as T;
  let x = new Conv2D({ filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(input) as T;
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  // [filters, stride, expansion] of blocks 0-16.
  const blocks: [number, number, number][] = [[16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
    [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6]];
  blocks.forEach(([filters, stride, expansion], id) => { x = invertedResidual(x, expansion, stride, alpha, filters, id); });
  const last = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280; // the paper: no alpha below 1 on the last conv
  x = relu6(bn(new Conv2D({ filters: last, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as T, 'Conv_1_bn'), 'out_relu');
  x = poolAndClassify(x, r);
  const model = applicationModel(input, x, r.name ?? `mobilenetv2_${alpha.toFixed(2)}_${rows}`);
  const file = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pythonFloat(alpha)}_${rows}${r.includeTop ? '' : '_no_top'}.h5`;
  return loadApplicationWeights(app, model, r.weights, { folder: 'mobilenet_v2', file });
}
