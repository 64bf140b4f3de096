// The convolutions built on conv2d's kernels: depthwise (one group per input channel),
// transposed (the input-gradient kernel run forward) and 1-D (a 2-D convolution of height 1).
import { backend, record } from '../core/engine.ts';
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make, sumOrZeros } from './util.ts';
import { reshape } from './layout.ts';
import { conv2d, convInfo, dilatedSize, type ConvGeometry, type Padding, type Pair } from './conv.ts';
import { isPositional, onImages, tfjsGeometry, withRounding, type RoundingMode, type TfjsPad } from './positional.ts';

export interface DepthwiseConv2dOptions extends Omit<ConvGeometry, 'groups'> { bias?: Tensor }

/**
 * x [n, h, w, c] convolved channel by channel with w [kh, kw, c, m]: output channel c*m + j is
 * input channel c convolved with w[:, :, c, j] (TensorFlow's depthwise_conv2d). It is conv2d
 * with one group per channel; w [kh, kw, c, m] and the grouped kernel [kh, kw, 1, c*m] are the
 * same floats.
 */
export function depthwiseConv2d(x: Tensor, w: Tensor, options?: DepthwiseConv2dOptions): Tensor;
/** TF.js's form: depthwiseConv2d(x, filter, strides, pad, dataFormat, dilations, dimRoundingMode); x may be one [h, w, c] image. */
export function depthwiseConv2d(x: Tensor, w: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair, dimRoundingMode?: RoundingMode): Tensor;
export function depthwiseConv2d(x: Tensor, w: Tensor, a: DepthwiseConv2dOptions | Pair = {}, pad?: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair, dimRoundingMode?: RoundingMode): Tensor {
  if (isPositional(a)) return onImages(x, (xs) => depthwiseConv2d(xs, w, withRounding('depthwiseConv2d', tfjsGeometry('depthwiseConv2d', a, pad, dataFormat, dilations), pad, dimRoundingMode, xs.shape.slice(1, 3), w.shape.slice(0, 2))));
  const { bias, ...geometry } = a;
  if (x.rank !== 4) throw new Error(`depthwiseConv2d: expected input of rank 4 [batch, height, width, channels], got shape ${formatShape(x.shape)}`);
  if (w.rank !== 4 || w.shape[2] !== x.shape[3]) {
    throw new Error(`depthwiseConv2d: expected a kernel [kh, kw, ${x.shape[3]}, multiplier] for an input of ${x.shape[3]} channels, got ${formatShape(w.shape)}`);
  }
  const [kH, kW, c, m] = w.shape;
  return conv2d(x, reshape(w, [kH, kW, 1, c * m]), { ...geometry, groups: c, bias, what: 'depthwiseConv2d' } as ConvGeometry);
}

export interface Conv2dTransposeOptions extends Omit<ConvGeometry, 'groups'> {}

/**
 * The transposed convolution (the gradient of conv2d with respect to its input, run forward):
 * x [n, h, w, c] and w [kh, kw, f, c] give [n, outSize[0], outSize[1], f], the image whose
 * conv2d by w with these strides, padding and dilations has x's shape.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, outSize: readonly [number, number], geometry?: Conv2dTransposeOptions): Tensor;
/** TF.js's form: conv2dTranspose(x, filter, outputShape [n, h, w, f] or [h, w, f], strides, pad); x may be one [h, w, c] image. */
export function conv2dTranspose(x: Tensor, w: Tensor, outputShape: readonly number[], strides: Pair, pad: TfjsPad): Tensor;
export function conv2dTranspose(x: Tensor, w: Tensor, outSize: readonly number[], geometry: Conv2dTransposeOptions | Pair = {}, pad?: TfjsPad): Tensor {
  if (isPositional(geometry)) {
    if (outSize.length !== x.rank) throw new Error(`conv2dTranspose: outputShape must have the input's rank (${x.rank}), got [${outSize}]`);
    const [h, wd] = outSize.slice(-3);
    if (w.shape[2] !== outSize[outSize.length - 1]) throw new Error(`conv2dTranspose: outputShape's last axis ${outSize[outSize.length - 1]} does not match the filter's ${w.shape[2]} output channels`);
    return onImages(x, (xs) => conv2dTranspose(xs, w, [h, wd], tfjsGeometry('conv2dTranspose', geometry, pad, undefined, undefined)));
  }
  if (outSize.length !== 2) throw new Error(`conv2dTranspose: outSize must be [height, width], got [${outSize}]`);
  if (x.rank !== 4) throw new Error(`conv2dTranspose: expected input of rank 4 [batch, height, width, channels], got shape ${formatShape(x.shape)}`);
  if (w.rank !== 4 || w.shape[3] !== x.shape[3]) {
    throw new Error(`conv2dTranspose: expected a kernel [kh, kw, filters, ${x.shape[3]}] for an input of ${x.shape[3]} channels, got ${formatShape(w.shape)}`);
  }
  const [n, h, wd] = x.shape;
  const info = convInfo([n, outSize[0], outSize[1], w.shape[2]], w.shape, geometry, 'conv2dTranspose');
  if (info.outH !== h || info.outW !== wd) {
    throw new Error(`conv2dTranspose: an output of ${outSize[0]}x${outSize[1]} convolved with these strides and padding gives ${info.outH}x${info.outW}, not the input's ${h}x${wd}`);
  }
  const dtype = x.dtype === 'float64' || w.dtype === 'float64' ? 'float64' : 'float32';
  const y = make(dtype, [n, outSize[0], outSize[1], w.shape[2]], (out) => sumOrZeros(out, [x.data, w.data], () => backend().conv2dBackpropInput(x.data, w.data, out, info)));
  record('conv2dTranspose', [x, w], y, { info });
  return y;
}

/**
 * Keras's output length of a transposed convolution along one axis (deconv_output_length):
 * without outputPadding, 'valid' gives in*stride + max(span - stride, 0) and 'same' in*stride.
 */
export function transposedSize(inSize: number, k: number, stride: number, padding: Padding, dilation = 1, outputPadding: number | null = null): number {
  const span = dilatedSize(k, dilation);
  if (outputPadding === null) return padding === 'valid' ? inSize * stride + Math.max(span - stride, 0) : inSize * stride;
  const pad = padding === 'same' ? Math.floor(span / 2) : 0;
  return (inSize - 1) * stride + span - 2 * pad + outputPadding;
}

export interface Conv1dOptions {
  stride?: number;
  /** 'causal': output t sees inputs up to t only (zeros padded on the left). */
  padding?: Padding | 'causal';
  dilation?: number;
  groups?: number;
  bias?: Tensor;
}

/** x [n, length, c] convolved with w [k, c / groups, f]: a conv2d of height 1. */
export function conv1d(x: Tensor, w: Tensor, options?: Conv1dOptions): Tensor;
/** TF.js's form: conv1d(x, filter, stride, pad, dataFormat = 'NWC', dilation = 1); pad 'valid', 'same' or zeros each side; x may be one [length, c] sequence. */
export function conv1d(x: Tensor, w: Tensor, stride: number, pad: 'valid' | 'same' | number, dataFormat?: 'NWC', dilation?: number): Tensor;
export function conv1d(x: Tensor, w: Tensor, a: Conv1dOptions | number = {}, pad?: 'valid' | 'same' | number, dataFormat?: 'NWC', dilation = 1): Tensor {
  if (typeof a === 'number') {
    if (dataFormat !== undefined && dataFormat !== 'NWC') throw new Error(`conv1d: only dataFormat 'NWC' is supported, got '${String(dataFormat)}'; transpose the input to [batch, length, channels]`);
    if (pad !== 'valid' && pad !== 'same' && !(Number.isInteger(pad) && (pad as number) >= 0)) throw new Error(`conv1d: with the stride given positionally (TF.js's form), pad must be 'valid', 'same' or a non-negative integer, got ${JSON.stringify(pad)}`);
    const one = x.rank === 2, xs = one ? reshape(x, [1, ...x.shape]) : x;
    const y = typeof pad === 'number'
      ? conv1dExplicit(xs, w, a, pad, dilation)
      : conv1d(xs, w, { stride: a, padding: pad, dilation });
    return one ? reshape(y, y.shape.slice(1)) : y;
  }
  const { stride = 1, padding = 'valid', dilation: rate = 1, groups = 1, bias } = a;
  return conv1dOptions(x, w, stride, padding, rate, groups, bias);
}

/** TF.js's numeric pad: that many zeros at each end of the sequence. */
function conv1dExplicit(x: Tensor, w: Tensor, stride: number, pad: number, dilation: number): Tensor {
  if (x.rank !== 3 || w.rank !== 3) throw new Error(`conv1d: expected input [batch, length, channels] and kernel [k, in, out], got shapes ${formatShape(x.shape)} and ${formatShape(w.shape)}`);
  const [n, length, c] = x.shape, [k, kc, f] = w.shape;
  const y = conv2d(reshape(x, [n, 1, length, c]), reshape(w, [1, k, kc, f]), { strides: [1, stride] as Pair, padding: [[0, 0], [pad, pad]], dilations: [1, dilation], what: 'conv1d' } as ConvGeometry);
  return reshape(y, [n, y.shape[2], f]);
}

function conv1dOptions(x: Tensor, w: Tensor, stride: number, padding: Padding | 'causal', dilation: number, groups: number, bias: Tensor | undefined): Tensor {
  if (x.rank !== 3) throw new Error(`conv1d: expected input of rank 3 [batch, length, channels], got shape ${formatShape(x.shape)}`);
  if (w.rank !== 3) throw new Error(`conv1d: expected a kernel of rank 3 [k, in, out], got shape ${formatShape(w.shape)}`);
  if (padding !== 'valid' && padding !== 'same' && padding !== 'causal') {
    throw new Error(`conv1d: padding must be 'valid', 'same' or 'causal', got '${String(padding)}'`);
  }
  const [n, length, c] = x.shape, [k, kc, f] = w.shape;
  const pad2d = padding === 'causal' ? [[0, 0], [dilatedSize(k, dilation) - 1, 0]] as const : padding;
  const y = conv2d(reshape(x, [n, 1, length, c]), reshape(w, [1, k, kc, f]),
    { strides: [1, stride] as Pair, padding: pad2d, dilations: [1, dilation], groups, bias, what: 'conv1d' } as ConvGeometry);
  return reshape(y, [n, y.shape[2], f]);
}

export const convVariantGrads: GradTable<'conv2dTranspose'> = {
  // y = A(w)^T x, with A(w) the convolution: dx = A(w) dy, and dw is the convolution's filter
  // gradient with dy as its input and x as its output's gradient.
  conv2dTranspose: (dy, { inputs: [x, w], attrs: { info } }, [needsDx, needsDw]) => [
    needsDx ? make(dy.dtype, x.shape, (dx) => sumOrZeros(dx, [dy.data, w.data], () => backend().conv2d(dy.data, w.data, null, dx, info))) : null,
    needsDw ? make(dy.dtype, w.shape, (dw) => sumOrZeros(dw, [dy.data, x.data], () => backend().conv2dBackpropFilter(dy.data, x.data, dw, info))) : null,
  ],
};

/** TF.js's separableConv2d(x, depthwiseFilter, pointwiseFilter, strides, pad, dilation): depthwise, then a 1x1 convolution. */
export function separableConv2d(x: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides: Pair = 1, pad: TfjsPad = 'valid', dilation: Pair = 1, dataFormat?: 'NHWC'): Tensor {
  if (pointwiseFilter.rank !== 4 || pointwiseFilter.shape[0] !== 1 || pointwiseFilter.shape[1] !== 1) {
    throw new Error(`separableConv2d: pointwiseFilter must be [1, 1, inChannels * multiplier, outChannels], got shape ${formatShape(pointwiseFilter.shape)}`);
  }
  return conv2d(depthwiseConv2d(x, depthwiseFilter, strides, pad, dataFormat, dilation), pointwiseFilter, 1, 'valid');
}
