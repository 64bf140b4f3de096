// The table of differentiable ops. OpAttrs names every op that records itself on the tape
// and the attributes it records; gradients.ts must give each a rule, or the build fails.
import type { Tensor } from '../core/tensor.ts';
import type { ConvInfo, PoolInfo, ResizeInfo, TransformInfo } from '../backends/backend.ts';
import type { DType } from '../core/dtype.ts';

type NoAttrs = Record<string, never>;

export interface OpAttrs {
  // elementwise
  neg: NoAttrs; abs: NoAttrs; exp: NoAttrs; log: NoAttrs; sqrt: NoAttrs; square: NoAttrs;
  reciprocal: NoAttrs; relu: NoAttrs; relu6: NoAttrs; sigmoid: NoAttrs; tanh: NoAttrs;
  elu: NoAttrs; selu: NoAttrs; softplus: NoAttrs; softsign: NoAttrs; erf: NoAttrs;
  add: NoAttrs; sub: NoAttrs; mul: NoAttrs; div: NoAttrs; pow: NoAttrs; maximum: NoAttrs; minimum: NoAttrs; reluGrad: NoAttrs; relu6Grad: NoAttrs;
  // math functions (math.ts)
  floor: NoAttrs; ceil: NoAttrs; round: NoAttrs; sin: NoAttrs; cos: NoAttrs; tan: NoAttrs; asin: NoAttrs; acos: NoAttrs; atan: NoAttrs;
  sinh: NoAttrs; cosh: NoAttrs; asinh: NoAttrs; acosh: NoAttrs; atanh: NoAttrs; log1p: NoAttrs; expm1: NoAttrs; rsqrt: NoAttrs;
  mod: NoAttrs; atan2: NoAttrs;
  // indexing (indexing.ts)
  select: NoAttrs;
  gather: { axis: number };
  scatterAdd: { size: number }; // scatter.ts: rows summed into a zero output
  cumulative: { axis: number; product: boolean; exclusive: boolean; reverse: boolean };
  // reductions and layout
  sum: { axes: number[] };
  max: { axes: number[] };
  min: { axes: number[] };
  broadcastTo: NoAttrs;
  reshape: NoAttrs;
  transpose: { perm: number[] };
  slice: { begin: number[]; step: number[] };
  concat: { axis: number };
  cast: { dtype: DType };
  // network ops
  matMul: { transposeA: boolean; transposeB: boolean };
  conv2d: { info: ConvInfo };
  conv2dTranspose: { info: ConvInfo };
  maxPool2d: { info: PoolInfo };
  avgPool2d: { info: PoolInfo };
  pad: { before: number[] };
  resize: { info: ResizeInfo };
  imageTransform: { info: TransformInfo };
  softmax: NoAttrs;
  logSoftmax: NoAttrs;
  sparseSoftmaxCrossEntropy: NoAttrs;
  // normalization
  batchNorm: { epsilon: number; hasGamma: boolean; hasBeta: boolean };
  channelAffine: NoAttrs;
  // tf.customGrad (custom-grad.ts): the user's gradient function
  customGrad: { gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] };
}
export type OpName = keyof OpAttrs;

/** One recorded op: what ran, on what, with which attributes, and what its gradient needs. */
export interface TapeEntry<K extends OpName = OpName> {
  op: K;
  inputs: Tensor[];
  output: Tensor;
  attrs: OpAttrs[K];
  saved: Tensor[];
}

/**
 * Given dL/d(output), returns dL/d(input) for each input (null where none flows). `needs[i]`
 * says whether input i wants a gradient at all, so costly rules can skip the rest.
 */
export type GradRule<K extends OpName> = (dy: Tensor, entry: TapeEntry<K>, needs: boolean[]) => (Tensor | null)[];
export type GradTable<K extends OpName> = { [P in K]: GradRule<P> };
