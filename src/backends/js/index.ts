// The reference backend: every kernel in plain TypeScript. It is the yardstick the fast
// backends are tested against, and works on float64 too (for tight gradient checks).
import type { Backend } from '../backend.ts';
import * as ew from './elementwise.ts';
import * as nn from './nn.ts';
import * as opt from './optimizers.ts';

export class JsBackend implements Backend {
  readonly name: string = 'js';
  unary = ew.unary;
  binary = ew.binary;
  reduce = ew.reduce;
  argMax = ew.argMax;
  transpose = ew.transpose;
  slice = ew.slice;
  sliceGrad = ew.sliceGrad;
  cast = ew.cast;
  oneHot = ew.oneHot;
  matMul = nn.matMul;
  conv2d = nn.conv2d;
  conv2dBackpropInput = nn.conv2dBackpropInput;
  conv2dBackpropFilter = nn.conv2dBackpropFilter;
  maxPool2d = nn.maxPool2d;
  maxPool2dBackward = nn.maxPool2dBackward;
  conv2dMaxPool = nn.conv2dMaxPool;
  conv2dBackpropFilterPooled = nn.conv2dBackpropFilterPooled;
  softmax = nn.softmax;
  logSoftmax = nn.logSoftmax;
  sparseSoftmaxCrossEntropy = nn.sparseSoftmaxCrossEntropy;
  sparseSoftmaxCrossEntropyGrad = nn.sparseSoftmaxCrossEntropyGrad;
  adam = nn.adam;
  sgd = nn.sgd;
  rmsprop = nn.rmsprop;
  adagrad = opt.adagrad;
  adadelta = opt.adadelta;
  adamax = opt.adamax;
  nadam = opt.nadam;
  lion = opt.lion;
  ftrl = opt.ftrl;
  emaUpdate = opt.emaUpdate;
  rmspropCentered = opt.rmspropCentered;
}
