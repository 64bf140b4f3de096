// The reference backend: every kernel in plain TypeScript. It is the yardstick the fast
// backends are tested against, and works on float64 too (for tight gradient checks).
import type { Backend } from '../backend.ts';
import * as ew from './elementwise.ts';
import * as math from './math.ts';
import * as nn from './nn.ts';
import { conv2dBackpropInputAdd, conv2dResidual } from './conv-residual.ts';
import * as rnd from './random.ts';
import * as norm from './norm.ts';
import * as normFused from './norm-fused.ts';
import { bnInferenceFactors } from './norm-factors.ts';
import * as spatial from './spatial.ts';
import * as opt from './optimizers.ts';

import { augmentTransforms, imageTransform, imageTransformBackward } from './image-transform.ts';

export class JsBackend implements Backend {
  readonly name: string = 'js';
  unary = ew.unary;
  binary = ew.binary;
  reduce = ew.reduce;
  argMax = ew.argMax;
  transpose = ew.transpose;
  slice = ew.slice;
  sliceGrad = ew.sliceGrad;
  concatInto = ew.concatInto;
  cast = ew.cast;
  oneHot = ew.oneHot;
  select = math.select;
  gather = math.gather;
  gatherGrad = math.gatherGrad;
  matMul = nn.matMul;
  conv2d = nn.conv2d;
  conv2dActivation = nn.conv2dActivation;
  conv2dResidual = conv2dResidual;
  conv2dBackpropInput = nn.conv2dBackpropInput;
  conv2dBackpropInputAdd = conv2dBackpropInputAdd;
  conv2dBackpropFilter = nn.conv2dBackpropFilter;
  maxPool2d = nn.maxPool2d;
  maxPool2dBackward = nn.maxPool2dBackward;
  conv2dMaxPool = nn.conv2dMaxPool;
  conv2dBackpropFilterPooled = nn.conv2dBackpropFilterPooled;
  /** No prepared forms here (no preparedConvWeights): a plan never calls this on the reference backend. */
  prepareConvWeights(_w: unknown, _prepared: unknown, _info: unknown, form: string): void {
    throw new Error(`internal error: the reference backend has no prepared weight form '${form}'`);
  }
  avgPool2d = spatial.avgPool2d;
  avgPool2dBackward = spatial.avgPool2dBackward;
  resize = spatial.resize;
  resizeBackward = spatial.resizeBackward;
  imageTransform = imageTransform;
  imageTransformBackward = imageTransformBackward;
  augmentTransforms = augmentTransforms;
  softmax = nn.softmax;
  logSoftmax = nn.logSoftmax;
  sparseSoftmaxCrossEntropy = nn.sparseSoftmaxCrossEntropy;
  sparseSoftmaxCrossEntropyGrad = nn.sparseSoftmaxCrossEntropyGrad;
  adam = nn.adam;
  sgd = nn.sgd;
  rmsprop = nn.rmsprop;
  random = rnd.random;
  movingAverage = rnd.movingAverage;
  batchNorm = norm.batchNorm;
  batchNormGrad = norm.batchNormGrad;
  batchNormActivation = normFused.batchNormActivation;
  batchNormResidualActivation = normFused.batchNormResidualActivation;
  batchNormActivationGrad = normFused.batchNormActivationGrad;
  channelAffine: Backend['channelAffine'] = norm.channelAffine;
  bnInferenceFactors = bnInferenceFactors;
  adagrad = opt.adagrad;
  adadelta = opt.adadelta;
  adamax = opt.adamax;
  nadam = opt.nadam;
  lion = opt.lion;
  ftrl = opt.ftrl;
  emaUpdate = opt.emaUpdate;
  rmspropCentered = opt.rmspropCentered;
}
