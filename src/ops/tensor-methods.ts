// The op methods of Tensor (x.add(y), x.reshape([...]), x.sum()): declared in core/tensor.ts,
// installed here, so that core never imports the ops built on top of it.
import { Tensor, type TensorLike } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import type { Shape } from '../core/shape.ts';
import type { IndexSpec } from './layout.ts';
import * as elementwise from './elementwise.ts';
import * as reduce from './reduce.ts';
import * as layout from './layout.ts';
import * as nn from './nn.ts';
import * as math from './math.ts';
import * as indexing from './indexing.ts';
import * as activations from './activations.ts';
import * as linalg from './linalg.ts';
import * as blocks from './blocks.ts';
import * as selection from './selection.ts';
import * as cumulative from './cumulative.ts';
import * as conv from './conv.ts';
import * as convVariants from './conv-variants.ts';
import * as spatial from './spatial.ts';
import * as image from './image.ts';
import * as poolingTfjs from './pooling-tfjs.ts';
import * as scatter from './scatter.ts';
import { TensorBuffer, any, all, argMin } from './misc-tfjs.ts';
import type { Pair } from './conv.ts';
import type { TfjsPad } from './positional.ts';
import { concat } from './concat.ts';
import { pad } from './spatial.ts';
import { onesLike, variable, zerosLike, type NestedArray } from '../core/tensor.ts';

const ops = { ...elementwise, ...reduce, ...layout, ...nn, ...math, ...indexing, ...activations, ...linalg, ...blocks, ...cumulative };
const list = (t: Tensor, others: Tensor | Tensor[]): Tensor[] => [t, ...(Array.isArray(others) ? others : [others])];

type Axis = number | number[] | null; // null or undefined: every axis, as TF.js
/** The op methods Tensor declares (everything that returns a Tensor, except the plain class methods). */
type OpMethod = Exclude<{ [K in keyof Tensor]: Tensor[K] extends (...args: never[]) => Tensor ? K : never }[keyof Tensor], 'clone'>;

// Typed against the declarations: a method declared on Tensor without a forward here is a compile error.
const methods: { [K in OpMethod]: (this: Tensor, ...args: Parameters<Tensor[K]>) => Tensor } = {
  reshape(this: Tensor, shape: Shape): Tensor { return ops.reshape(this, shape); },
  flatten(this: Tensor): Tensor { return ops.reshape(this, [-1]); },
  expandDims(this: Tensor, axis = 0): Tensor { return ops.expandDims(this, axis); },
  squeeze(this: Tensor, axis?: Axis): Tensor { return ops.squeeze(this, axis); },
  transpose(this: Tensor, perm?: number[]): Tensor { return ops.transpose(this, perm); },
  index(this: Tensor, ...spec: IndexSpec[]): Tensor { return ops.index(this, ...spec); },
  cast(this: Tensor, dtype: DType | 'bool'): Tensor { return ops.cast(this, dtype); },
  add(this: Tensor, b: TensorLike): Tensor { return ops.add(this, b); },
  sub(this: Tensor, b: TensorLike): Tensor { return ops.sub(this, b); },
  mul(this: Tensor, b: TensorLike): Tensor { return ops.mul(this, b); },
  div(this: Tensor, b: TensorLike): Tensor { return ops.div(this, b); },
  pow(this: Tensor, b: TensorLike): Tensor { return ops.pow(this, b); },
  maximum(this: Tensor, b: TensorLike): Tensor { return ops.maximum(this, b); },
  minimum(this: Tensor, b: TensorLike): Tensor { return ops.minimum(this, b); },
  equal(this: Tensor, b: TensorLike): Tensor { return ops.equal(this, b); },
  greater(this: Tensor, b: TensorLike): Tensor { return ops.greater(this, b); },
  less(this: Tensor, b: TensorLike): Tensor { return ops.less(this, b); },
  neg(this: Tensor): Tensor { return ops.neg(this); },
  abs(this: Tensor): Tensor { return ops.abs(this); },
  exp(this: Tensor): Tensor { return ops.exp(this); },
  log(this: Tensor): Tensor { return ops.log(this); },
  sqrt(this: Tensor): Tensor { return ops.sqrt(this); },
  square(this: Tensor): Tensor { return ops.square(this); },
  relu(this: Tensor): Tensor { return ops.relu(this); },
  sigmoid(this: Tensor): Tensor { return ops.sigmoid(this); },
  tanh(this: Tensor): Tensor { return ops.tanh(this); },
  clip(this: Tensor, min: number, max: number): Tensor { return ops.clip(this, min, max); },
  matMul(this: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor { return ops.matMul(this, b, transposeA, transposeB); },
  sum(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.sum(this, axis, keepDims); },
  mean(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.mean(this, axis, keepDims); },
  max(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.max(this, axis, keepDims); },
  min(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.min(this, axis, keepDims); },
  argMax(this: Tensor, axis = 0): Tensor { return ops.argMax(this, axis); },
  softmax(this: Tensor, axis = -1): Tensor { return ops.softmax(this, axis); },
  logSoftmax(this: Tensor, axis = -1): Tensor { return ops.logSoftmax(this, axis); },

  floor(this: Tensor): Tensor { return ops.floor(this); },
  ceil(this: Tensor): Tensor { return ops.ceil(this); },
  round(this: Tensor): Tensor { return ops.round(this); },
  sign(this: Tensor): Tensor { return ops.sign(this); },
  step(this: Tensor): Tensor { return ops.step(this); },
  reciprocal(this: Tensor): Tensor { return ops.reciprocal(this); },
  rsqrt(this: Tensor): Tensor { return ops.rsqrt(this); },
  sin(this: Tensor): Tensor { return ops.sin(this); },
  cos(this: Tensor): Tensor { return ops.cos(this); },
  tan(this: Tensor): Tensor { return ops.tan(this); },
  asin(this: Tensor): Tensor { return ops.asin(this); },
  acos(this: Tensor): Tensor { return ops.acos(this); },
  atan(this: Tensor): Tensor { return ops.atan(this); },
  sinh(this: Tensor): Tensor { return ops.sinh(this); },
  cosh(this: Tensor): Tensor { return ops.cosh(this); },
  asinh(this: Tensor): Tensor { return ops.asinh(this); },
  acosh(this: Tensor): Tensor { return ops.acosh(this); },
  atanh(this: Tensor): Tensor { return ops.atanh(this); },
  log1p(this: Tensor): Tensor { return ops.log1p(this); },
  expm1(this: Tensor): Tensor { return ops.expm1(this); },
  relu6(this: Tensor): Tensor { return ops.relu6(this); },
  elu(this: Tensor): Tensor { return ops.elu(this); },
  selu(this: Tensor): Tensor { return ops.selu(this); },
  softplus(this: Tensor): Tensor { return ops.softplus(this); },
  logSigmoid(this: Tensor): Tensor { return ops.logSigmoid(this); },
  isNaN(this: Tensor): Tensor { return ops.isNaN(this); },
  isInf(this: Tensor): Tensor { return ops.isInf(this); },
  isFinite(this: Tensor): Tensor { return ops.isFinite(this); },
  mod(this: Tensor, b: TensorLike): Tensor { return ops.mod(this, b); },
  floorDiv(this: Tensor, b: TensorLike): Tensor { return ops.floorDiv(this, b); },
  atan2(this: Tensor, b: TensorLike): Tensor { return ops.atan2(this, b); },
  squaredDifference(this: Tensor, b: TensorLike): Tensor { return ops.squaredDifference(this, b); },
  divNoNan(this: Tensor, b: TensorLike): Tensor { return ops.divNoNan(this, b); },
  notEqual(this: Tensor, b: TensorLike): Tensor { return ops.notEqual(this, b); },
  greaterEqual(this: Tensor, b: TensorLike): Tensor { return ops.greaterEqual(this, b); },
  lessEqual(this: Tensor, b: TensorLike): Tensor { return ops.lessEqual(this, b); },
  logicalAnd(this: Tensor, b: TensorLike): Tensor { return ops.logicalAnd(this, b); },
  logicalOr(this: Tensor, b: TensorLike): Tensor { return ops.logicalOr(this, b); },
  logicalXor(this: Tensor, b: TensorLike): Tensor { return ops.logicalXor(this, b); },
  logicalNot(this: Tensor): Tensor { return ops.logicalNot(this); },
  clipByValue(this: Tensor, min: number, max: number): Tensor { return ops.clip(this, min, max); },
  any(this: Tensor, axis?: Axis, keepDims = false): Tensor { return any(this, axis, keepDims); },
  all(this: Tensor, axis?: Axis, keepDims = false): Tensor { return all(this, axis, keepDims); },
  argMin(this: Tensor, axis = 0): Tensor { return argMin(this, axis); },
  slice(this: Tensor, begin: number | number[], size?: number | number[]): Tensor { return ops.slice(this, begin, size); },
  gather(this: Tensor, indices: Tensor | number[], axis = 0, batchDims = 0): Tensor { return ops.gather(this, indices, axis, batchDims); },
  tile(this: Tensor, reps: number[]): Tensor { return ops.tile(this, reps); },
  reverse(this: Tensor, axis?: Axis): Tensor { return ops.reverse(this, axis); },
  concat(this: Tensor, others: Tensor | Tensor[], axis = 0): Tensor { return concat(list(this, others), axis); },
  stack(this: Tensor, others: Tensor | Tensor[], axis = 0): Tensor { return ops.stack(list(this, others), axis); },
  broadcastTo(this: Tensor, shape: Shape): Tensor { return ops.broadcastTo(this, shape); },
  pad(this: Tensor, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor { return pad(this, paddings, constantValue); },
  oneHot(this: Tensor, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor { return ops.oneHot(this, depth, onValue, offValue, dtype); },
  zerosLike(this: Tensor): Tensor { return zerosLike(this); },
  onesLike(this: Tensor): Tensor { return onesLike(this); },
  reshapeAs(this: Tensor, other: Tensor): Tensor { return ops.reshape(this, other.shape); },
  asType(this: Tensor, dtype: DType): Tensor { return ops.cast(this, dtype); },
  toFloat(this: Tensor): Tensor { return ops.cast(this, 'float32'); },
  toInt(this: Tensor): Tensor { return ops.cast(this, 'int32'); },
  toBool(this: Tensor): Tensor { return ops.notEqual(this, 0); },
  asScalar(this: Tensor): Tensor { return ops.reshape(this, []); },
  as1D(this: Tensor): Tensor { return ops.reshape(this, [-1]); },
  as2D(this: Tensor, rows: number, cols: number): Tensor { return ops.reshape(this, [rows, cols]); },
  as3D(this: Tensor, d0: number, d1: number, d2: number): Tensor { return ops.reshape(this, [d0, d1, d2]); },
  as4D(this: Tensor, d0: number, d1: number, d2: number, d3: number): Tensor { return ops.reshape(this, [d0, d1, d2, d3]); },
  as5D(this: Tensor, d0: number, d1: number, d2: number, d3: number, d4: number): Tensor { return ops.reshape(this, [d0, d1, d2, d3, d4]); },
  logSumExp(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.logSumExp(this, axis, keepDims); },
  cumsum(this: Tensor, axis = 0, exclusive = false, reverse = false): Tensor { return ops.cumsum(this, axis, exclusive, reverse); },
  cumprod(this: Tensor, axis = 0, exclusive = false, reverse = false): Tensor { return ops.cumprod(this, axis, exclusive, reverse); },
  prod(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.prod(this, axis, keepDims); },
  dot(this: Tensor, b: Tensor): Tensor { return ops.dot(this, b); },
  norm(this: Tensor, ord: number | 'euclidean' | 'fro' = 'euclidean', axis?: Axis, keepDims = false): Tensor { return ops.norm(this, ord, axis, keepDims); },
  euclideanNorm(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.euclideanNorm(this, axis, keepDims); },
  batchNorm(this: Tensor, mean: Tensor | number, variance: Tensor | number, offset?: Tensor | number, scale?: Tensor | number, varianceEpsilon = 0.001): Tensor {
    return ops.batchNorm(this, mean, variance, offset, scale, varianceEpsilon);
  },
  localResponseNormalization(this: Tensor, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor { return ops.localResponseNormalization(this, depthRadius, bias, alpha, beta); },
  leakyRelu(this: Tensor, alpha = 0.2): Tensor { return ops.leakyRelu(this, alpha); },
  mirrorPad(this: Tensor, paddings: [number, number][], mode: 'reflect' | 'symmetric'): Tensor { return ops.mirrorPad(this, paddings, mode); },
  depthToSpace(this: Tensor, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor { return ops.depthToSpace(this, blockSize, dataFormat); },
  spaceToBatchND(this: Tensor, blockShape: number[], paddings: [number, number][]): Tensor { return ops.spaceToBatchND(this, blockShape, paddings); },
  batchToSpaceND(this: Tensor, blockShape: number[], crops: [number, number][]): Tensor { return ops.batchToSpaceND(this, blockShape, crops); },
  stridedSlice(this: Tensor, begin: number[], end: number[], strides?: number[], beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): Tensor {
    return ops.stridedSlice(this, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  },
  conv1d(this: Tensor, filter: Tensor, stride: number, pad: 'valid' | 'same' | number, dataFormat?: 'NWC', dilation?: number): Tensor { return convVariants.conv1d(this, filter, stride, pad, dataFormat, dilation); },
  conv2d(this: Tensor, filter: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair): Tensor { return conv.conv2d(this, filter, strides, pad, dataFormat, dilations); },
  depthwiseConv2d(this: Tensor, filter: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair): Tensor { return convVariants.depthwiseConv2d(this, filter, strides, pad, dataFormat, dilations); },
  separableConv2d(this: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides?: Pair, pad?: TfjsPad, dilation?: Pair, dataFormat?: 'NHWC'): Tensor {
    return convVariants.separableConv2d(this, depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat);
  },
  conv2dTranspose(this: Tensor, filter: Tensor, outputShape: readonly number[], strides: Pair, pad: TfjsPad): Tensor { return convVariants.conv2dTranspose(this, filter, outputShape, strides, pad); },
  maxPool(this: Tensor, filterSize: Pair, strides: Pair, pad: 'valid' | 'same'): Tensor { return conv.maxPool(this, filterSize, strides, pad); },
  avgPool(this: Tensor, filterSize: Pair, strides: Pair, pad: 'valid' | 'same'): Tensor { return spatial.avgPool(this, filterSize, strides, pad); },
  pool(this: Tensor, windowShape: Pair, poolingType: 'max' | 'avg', pad: 'valid' | 'same' | 0, dilations?: Pair, strides?: Pair): Tensor { return poolingTfjs.pool(this, windowShape, poolingType, pad, dilations, strides); },
  dilation2d(this: Tensor, filter: Tensor, strides: Pair, pad: TfjsPad, dilations?: Pair, dataFormat?: 'NHWC'): Tensor { return poolingTfjs.dilation2d(this, filter, strides, pad, dilations, dataFormat); },
  resizeBilinear(this: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor { return image.resizeBilinear(this, size, alignCorners, halfPixelCenters); },
  resizeNearestNeighbor(this: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor { return image.resizeNearestNeighbor(this, size, alignCorners, halfPixelCenters); },
  prelu(this: Tensor, alpha: Tensor | number): Tensor { return activations.prelu(this, alpha); },
  erf(this: Tensor): Tensor { return activations.erf(this); },
  where(this: Tensor, condition: Tensor, b: Tensor): Tensor { return indexing.where(condition, this, b); },
  unsortedSegmentSum(this: Tensor, segmentIds: Tensor, numSegments: number): Tensor { return scatter.unsortedSegmentSum(this, segmentIds, numSegments); },
  variable(this: Tensor, trainable = true, name?: string, dtype?: DType): Tensor { return variable(this, trainable, name, dtype); },
};

/** The methods that give something other than one Tensor. */
const otherMethods: Pick<Tensor, 'split' | 'unstack' | 'arraySync' | 'array' | 'topk' | 'unique' | 'bufferSync' | 'buffer' | 'bytes'> = {
  bufferSync(this: Tensor) { return new TensorBuffer(this.shape, this.dtype, this.data); },
  buffer(this: Tensor) { return Promise.resolve(new TensorBuffer(this.shape, this.dtype, this.data)); },
  bytes(this: Tensor) { return Promise.resolve(new Uint8Array(this.data.slice().buffer)); },
  topk(this: Tensor, k = 1, sorted = true) { return selection.topk(this, k, sorted); },
  unique(this: Tensor, axis = 0) { return selection.unique(this, axis); },
  split(this: Tensor, sizes: number | number[], axis = 0): Tensor[] { return ops.split(this, sizes, axis); },
  unstack(this: Tensor, axis = 0): Tensor[] { return ops.unstack(this, axis); },
  arraySync(this: Tensor): NestedArray { return this.toArray(); },
  array(this: Tensor): Promise<NestedArray> { return Promise.resolve(this.toArray()); },
};

Object.assign(Tensor.prototype, methods, otherMethods);
