// The one interface every backend implements: named kernels in destination-passing style.
// A kernel reads its input arrays and writes its output array(s); it never allocates. That is
// what lets a training step run again and again over the same buffers (see compile/plan.ts).
import type { DType, TypedArray } from '../core/dtype.ts';
import type { AugmentInfo, TransformInfo } from './js/image-transform.ts';
export type { AugmentInfo, TransformInfo, FillMode } from './js/image-transform.ts';

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'square' | 'reciprocal'
  | 'relu' | 'sigmoid' | 'tanh' | 'sign' | 'step'
  | 'elu' | 'selu' | 'softplus' | 'softsign' | 'erf'
  /** min(max(x, 0), 6); relu6Step: 1 where 0 < x < 6, else 0 (relu6's derivative, read from its output). */
  | 'relu6' | 'relu6Step'
  /** The math functions of TF.js's op set (ops/math.ts); reference kernels on every backend. */
  | 'floor' | 'ceil' | 'round' | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan'
  | 'sinh' | 'cosh' | 'asinh' | 'acosh' | 'atanh' | 'log1p' | 'expm1' | 'rsqrt'
  /** 0/1 masks of the special values. */
  | 'isNaN' | 'isInf' | 'isFinite';
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  /** a * step(b), a * relu6Step(b): an activation's gradient dy from its output y, in one pass. */
  | 'reluGrad' | 'relu6Grad'
  | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual'
  /** mod: a - floor(a / b) * b (the sign of b, as TF.js); floorDiv: floor(a / b). */
  | 'mod' | 'floorDiv' | 'atan2'
  /** 1 or 0, reading nonzero as true. */
  | 'logicalAnd' | 'logicalOr' | 'logicalXor';
export type ReduceOp = 'sum' | 'max' | 'min';
/** What the random kernel draws: uniform in [a, b), normal(mean a, stddev b), normal truncated at 2 stddev, 1 with probability a (else 0). */
export type RandomDist = 'uniform' | 'normal' | 'truncatedNormal' | 'bernoulli';

/**
 * Geometry of an NHWC convolution with an HWIO kernel; paddings already resolved. Taps are
 * dilationH/W pixels apart; with groups > 1 the kernel is [kH, kW, inC / groups, outC] and
 * output channel f reads input channels of group floor(f / (outC / groups)) only.
 */
export interface ConvInfo {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number;
  padTop: number; padLeft: number;
  dilationH: number; dilationW: number; groups: number;
}

/** An activation a convolution kernel can apply to its output as it writes it (its epilogue). */
export type ConvActivation = 'relu' | 'relu6';

/** Geometry of an NHWC pooling window; paddings already resolved. */
export interface PoolInfo {
  batch: number; inH: number; inW: number; channels: number;
  outH: number; outW: number; poolH: number; poolW: number;
  strideH: number; strideW: number; padTop: number; padLeft: number;
}

/** Geometry of an NHWC resize; half-pixel centers, as TF2's tf.image.resize (and Keras 3). */
export interface ResizeInfo {
  batch: number; inH: number; inW: number; channels: number; outH: number; outW: number;
  bilinear: boolean;
}

export interface Backend {
  readonly name: string;
  /** Threads the kernels run on (absent: 1). */
  readonly threads?: number;
  setThreads?(n: number): void;
  /** Resolves when the backend's worker threads are up. */
  whenReady?(): Promise<void>;

  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;
  /** out[i] = a[..] op b[..] over outShape, reading a and b with broadcast strides (0 = stretched). */
  binary(op: BinaryOp, a: TypedArray, aStrides: number[], b: TypedArray, bStrides: number[], out: TypedArray, outShape: number[]): void;
  /** Reduces the middle axis of x viewed as [outer, size, inner] into out [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void;
  argMax(x: TypedArray, out: Int32Array, outer: number, size: number, inner: number): void;
  transpose(x: TypedArray, shape: number[], perm: number[], out: TypedArray): void;
  /** out = x[begin : : step] with out's shape outShape. */
  slice(x: TypedArray, shape: number[], begin: number[], step: number[], out: TypedArray, outShape: number[]): void;
  /** The adjoint of slice: dx is zeroed, then dy is written back where slice read it. */
  sliceGrad(dy: TypedArray, dyShape: number[], begin: number[], step: number[], dx: TypedArray, xShape: number[]): void;
  /**
   * One input of a concatenation: x viewed as [outer, xInner] goes to columns
   * [offset, offset + xInner) of out viewed as [outer, outInner]. A concat is one call per input.
   */
  concatInto(x: TypedArray, out: TypedArray, outer: number, xInner: number, outInner: number, offset: number): void;
  /** Element-by-element conversion between dtypes (also a plain copy). */
  cast(x: TypedArray, out: TypedArray): void;

  /** out[b] = op(a[b]) @ op(b[b]) for each of `batch` matrices; op transposes when asked. */
  matMul(a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): void;

  /** out = conv(x, w) (+ bias per output channel, when given: fused so the output is written once). */
  conv2d(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, prepared?: TypedArray | null, form?: string | null): void;
  /** conv2d (+ bias) then the activation, in one pass: what a plan calls for conv -> relu. */
  conv2dActivation(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, activation: ConvActivation, prepared?: TypedArray | null, form?: string | null): void;
  /**
   * act(conv2d(x, w) (+ bias) + residual) in one call, residual shaped as the output: what a
   * plan calls for conv -> add -> relu, the end of a residual block (activation null: none).
   */
  conv2dResidual(x: TypedArray, w: TypedArray, bias: TypedArray | null, residual: TypedArray, out: TypedArray, info: ConvInfo, activation: ConvActivation | null, prepared?: TypedArray | null, form?: string | null): void;
  conv2dBackpropInput(dy: TypedArray, w: TypedArray, dx: TypedArray, info: ConvInfo): void;
  /**
   * dx = conv2dBackpropInput(dy, w) + addend in one call, addend shaped as dx: what a training
   * plan calls where a gradient sum (a residual block's input) adds an input gradient.
   */
  conv2dBackpropInputAdd(dy: TypedArray, w: TypedArray, addend: TypedArray, dx: TypedArray, info: ConvInfo): void;
  conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dw: TypedArray, info: ConvInfo): void;
  /** Writes the max of each window and the flat input index it came from (for the backward pass). */
  maxPool2d(x: TypedArray, out: TypedArray, argmax: Int32Array, info: PoolInfo): void;
  maxPool2dBackward(dy: TypedArray, argmax: Int32Array, dx: TypedArray, info: PoolInfo): void;
  /**
   * conv2d then maxPool2d in one pass, the convolution's output never stored: what a
   * training plan calls when a pooling layer is the only reader of a convolution's output.
   * argmax indexes the (unstored) convolution output, as maxPool2d's would; null where no call
   * reads it (an inference plan: compile/fusions.ts#unreadArgmax), so a kernel may skip it.
   */
  conv2dMaxPool(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, argmax: Int32Array | null, conv: ConvInfo, pool: PoolInfo, prepared?: TypedArray | null, form?: string | null): void;
  /**
   * Weights prepared once (compile/prologue.ts): a plan asks which form a convolution call
   * would read its kernel in ({form, floats}, or null: none), runs prepareConvWeights(w,
   * prepared, info, form) in its prologue, and passes (prepared, form) to the convolution,
   * which reads them only if it still runs that form (else it transforms w itself as before).
   * The reference backend has no forms.
   */
  preparedConvWeights?(kernel: KernelName, info: ConvInfo, pool: PoolInfo | null): { form: string; floats: number } | null;
  prepareConvWeights(w: TypedArray, prepared: TypedArray, info: ConvInfo, form: string): void;
  /**
   * maxPool2dBackward then conv2dBackpropFilter in one pass, the convolution's output gradient
   * never stored: what a plan calls when only the filter gradient reads it.
   */
  conv2dBackpropFilterPooled(x: TypedArray, dyPool: TypedArray, argmax: Int32Array, dw: TypedArray, conv: ConvInfo, pool: PoolInfo): void;

  /** The mean of each window, over the window's pixels inside the input (TensorFlow's rule for 'same'). */
  avgPool2d(x: TypedArray, out: TypedArray, info: PoolInfo): void;
  avgPool2dBackward(dy: TypedArray, dx: TypedArray, info: PoolInfo): void;
  /** Nearest or bilinear resize of every image; the backward pass adds each output's gradient to its sources. */
  resize(x: TypedArray, out: TypedArray, info: ResizeInfo): void;
  resizeBackward(dy: TypedArray, dx: TypedArray, info: ResizeInfo): void;
  /** Projective transforms of every image (tf.image.transform; see js/image-transform.ts), and the adjoint in the image. */
  imageTransform(x: TypedArray, transforms: TypedArray, out: TypedArray, info: TransformInfo): void;
  imageTransformBackward(dy: TypedArray, transforms: TypedArray, dx: TypedArray, info: TransformInfo): void;
  /** The augmentation layers' transforms from their uniform draws (Keras's flip/translation/zoom/rotation matrices). */
  augmentTransforms(u: TypedArray, out: TypedArray, info: AugmentInfo): void;

  softmax(x: TypedArray, out: TypedArray, rows: number, cols: number): void;
  logSoftmax(x: TypedArray, out: TypedArray, rows: number, cols: number): void;
  /** Per-row -log softmax(logits)[label], and the softmax itself, kept for the gradient. */
  sparseSoftmaxCrossEntropy(logits: TypedArray, labels: TypedArray, loss: TypedArray, probs: TypedArray, rows: number, cols: number): void;
  /** dlogits = (probs - onehot(labels)) * dy[row]. */
  sparseSoftmaxCrossEntropyGrad(probs: TypedArray, labels: TypedArray, dy: TypedArray, dlogits: TypedArray, rows: number, cols: number): void;

  /** out[i, c] = 1 where c == indices[i], else 0 (out is zeroed first). */
  oneHot(indices: TypedArray, out: TypedArray, depth: number): void;
  /** out = cond ? a : b over outShape, each operand read with broadcast strides (0 = stretched). */
  select(cond: TypedArray, cStrides: number[], a: TypedArray, aStrides: number[], b: TypedArray, bStrides: number[], out: TypedArray, outShape: number[]): void;
  /** x viewed as [outer, size, inner]: out[o, i, :] = x[o, indices[i], :]; an index outside [0, size) throws. */
  gather(x: TypedArray, indices: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void;
  /** The adjoint of gather: dx is zeroed, then dy[o, i, :] is added to dx[o, indices[i], :]. */
  gatherGrad(dy: TypedArray, indices: TypedArray, dx: TypedArray, outer: number, size: number, inner: number): void;
  /**
   * x viewed as [outer, size, inner]: the running sum (product) along the middle axis; exclusive
   * leaves each entry out of its own total, reverse runs from the end.
   */
  cumulative(x: TypedArray, out: TypedArray, outer: number, size: number, inner: number, product: boolean, exclusive: boolean, reverse: boolean): void;
  /** The gradient of a cumulative product, exact where x has zeros (no division). */
  cumprodGrad(x: TypedArray, dy: TypedArray, dx: TypedArray, outer: number, size: number, inner: number, exclusive: boolean, reverse: boolean): void;

  // Randomness and state: kernels, so that a replayed plan draws anew and updates state every step.
  /**
   * Fills out with draws of dist(a, b) from the counter-based Philox4x32-10 generator whose state
   * is [key0, key1, counterLo, counterHi], then advances the counter past the blocks it used.
   * Value i depends only on the state and i, so any split over threads gives the same numbers.
   */
  random(dist: RandomDist, state: Int32Array, out: TypedArray, a: number, b: number): void;
  /** v = v * momentum + x * (1 - momentum), in place (moving statistics). */
  movingAverage(v: TypedArray, x: TypedArray, momentum: number): void;

  // Batch normalization over x viewed as [rows, channels] (channels last).
  /** y = (x - mean) / sqrt(variance + epsilon) * gamma + beta, with the batch's mean and biased variance written out. */
  batchNorm(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, channels: number, epsilon: number): void;
  /** The gradients of batchNorm for dy: dx, and dgamma / dbeta (the column sums it needs anyway). */
  batchNormGrad(x: TypedArray, dy: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, channels: number, epsilon: number): void;
  /**
   * y = activation(batchNorm(x)) in one pass (a plan's fusion of batchNorm -> relu in training).
   * `coefficients` (optional, 3 * channels + 1 floats): what the backend's batchNormActivationGrad
   * may use to rebuild the activation's mask from x instead of reading y (wasm: the forward's f32
   * scale, centre and shift, then 1; a backend with no use for it writes 0 there).
   */
  batchNormActivation(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, channels: number, epsilon: number, activation: ConvActivation,
    coefficients?: TypedArray | null): void;
  /** y = activation(batchNorm(x) + residual) in one pass (a plan's fusion of a residual block's batchNorm -> add -> relu). */
  batchNormResidualActivation(x: TypedArray, gamma: TypedArray | null, beta: TypedArray | null, residual: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray, rows: number, channels: number, epsilon: number, activation: ConvActivation): void;
  /**
   * batchNormGrad for dy * step(y), y = relu(batchNorm(x)): the activation's gradient (from its
   * output y) folded in. `coefficients`: batchNormActivation's for this x, if any (the same result
   * either way; the mask may then come from x).
   */
  batchNormActivationGrad(x: TypedArray, dy: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, channels: number, epsilon: number, activation: ConvActivation,
    coefficients?: TypedArray | null): void;
  /** out = x * scale[c] + shift[c] over [rows, channels] (inference batch norm; shift may be null). */
  channelAffine(x: TypedArray, scale: TypedArray, shift: TypedArray | null, out: TypedArray, rows: number, channels: number): void;
  /**
   * Inference batch norm's factors (a plan's fusion of the five element-wise ops that make them):
   * scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale, each step rounded as
   * the unfused ops round it; epsilon, gamma and beta hold one value (broadcast) or one per channel.
   */
  bnInferenceFactors(variance: TypedArray, epsilon: TypedArray, gamma: TypedArray, mean: TypedArray, beta: TypedArray, scale: TypedArray, shift: TypedArray, channels: number): void;

  // Optimizer updates, in place on the weights and their slots.
  adam(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void;
  sgd(w: TypedArray, g: TypedArray, velocity: TypedArray | null, lr: number, momentum: number, nesterov: boolean): void;
  rmsprop(w: TypedArray, g: TypedArray, meanSquare: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, epsilon: number): void;
  // More updates (Keras 3's rules; see js/optimizers.ts), and the weights' moving average.
  adagrad(w: TypedArray, g: TypedArray, acc: TypedArray, lr: number, epsilon: number): void;
  adadelta(w: TypedArray, g: TypedArray, accGrad: TypedArray, accDelta: TypedArray, lr: number, rho: number, epsilon: number): void;
  adamax(w: TypedArray, g: TypedArray, m: TypedArray, u: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void;
  nadam(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, a: number, b: number, c2: number): void;
  lion(w: TypedArray, g: TypedArray, m: TypedArray, lr: number, beta1: number, beta2: number): void;
  ftrl(w: TypedArray, g: TypedArray, acc: TypedArray, linear: TypedArray, lr: number, power: number, l1: number, l2: number, l2Shrinkage: number): void;
  emaUpdate(avg: TypedArray, w: TypedArray, momentum: number): void;
  rmspropCentered(w: TypedArray, g: TypedArray, ms: TypedArray, mg: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, epsilon: number): void;
}

/** Every kernel's name. */
export type KernelName = Exclude<keyof Backend, 'name' | 'threads' | 'setThreads' | 'whenReady' | 'preparedConvWeights'>;

/**
 * Which arguments of each kernel it writes. A training plan needs this to know which buffers a
 * call produces; the mapped type makes a kernel without an entry a compile error.
 */
export const KERNEL_OUTPUTS: { readonly [K in KernelName]: readonly number[] } = {
  unary: [2], binary: [5], reduce: [2], argMax: [2], transpose: [3], slice: [4], sliceGrad: [4], concatInto: [1], cast: [1],
  matMul: [2], conv2d: [3], prepareConvWeights: [1], conv2dActivation: [3], conv2dResidual: [4], conv2dBackpropInput: [2], conv2dBackpropInputAdd: [3], conv2dBackpropFilter: [2],
  maxPool2d: [1, 2], maxPool2dBackward: [2], conv2dMaxPool: [3, 4], conv2dBackpropFilterPooled: [3], softmax: [1], logSoftmax: [1],
  avgPool2d: [1], avgPool2dBackward: [1], resize: [1], resizeBackward: [1], imageTransform: [2], imageTransformBackward: [2], augmentTransforms: [1],
  sparseSoftmaxCrossEntropy: [2, 3], sparseSoftmaxCrossEntropyGrad: [3], oneHot: [1], select: [6], gather: [2], gatherGrad: [2], cumulative: [1], cumprodGrad: [2],
  adam: [0, 2, 3], sgd: [0, 2], rmsprop: [0, 2, 3],
  random: [1, 2], movingAverage: [0],
  batchNorm: [3, 4, 5], batchNormGrad: [5, 6, 7], channelAffine: [3], bnInferenceFactors: [5, 6],
  batchNormActivation: [3, 4, 5, 10], batchNormActivationGrad: [6, 7, 8], batchNormResidualActivation: [4, 5, 6],
  adagrad: [0, 2], adadelta: [0, 2, 3], adamax: [0, 2, 3], nadam: [0, 2, 3], lion: [0, 2], ftrl: [0, 2, 3], emaUpdate: [0], rmspropCentered: [0, 2, 3, 4],
};

// --- What a backend offers compiled plans (compile/plan.ts): memory that stays, and one workspace.
/** A byte range of some buffer. */
export interface Region { buffer: ArrayBufferLike; base: number }

/** What a backend offers plans: regions that stay, and the shared workspace. */
export interface PlanMemory {
  persistent(bytes: number): Region;
  /** The shared workspace, at least `bytes` long; `version` changes whenever it moves. */
  workspace(bytes: number): Region & { version: number };
  /**
   * Temporary allocation for a trace run: begin() marks, alloc() takes, end() frees all. Given
   * `keep`, the run may take its space over the workspace (no plan runs during a trace, and a
   * plan copies its constants back in after one), unless one of those arrays lies in it.
   */
  trace?: { begin(keep?: readonly TypedArray[]): number; alloc(dtype: DType, size: number): TypedArray; end(mark: number): void };
  owns(a: TypedArray): boolean;
  /** Bytes in use, the most in use since resetPeak(), and the limit (backends with a memory limit). */
  usage?(): { used: number; peak: number; limit: number };
  resetPeak?(): void;
}
