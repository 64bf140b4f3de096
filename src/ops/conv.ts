// 2-D convolution and max pooling, channels-last (NHWC) with HWIO kernels, as Keras stores them.
import { backend, record } from '../core/engine.ts';
import { formatShape, type Shape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { ConvInfo, PoolInfo } from '../backends/backend.ts';
import { isPositional, onImages, tfjsGeometry, withRounding, type RoundingMode, type TfjsPad } from './positional.ts';
import type { GradTable } from './registry.ts';
import { make, sumOrZeros } from './util.ts';
import { sum } from './reduce.ts';

export type Padding = 'valid' | 'same';
/** Zeros added before and after each spatial axis: [[top, bottom], [left, right]]. */
export type ExplicitPadding = readonly [readonly [number, number], readonly [number, number]];
export type Pair = number | readonly [number, number];

export const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The span of a kernel of k taps, dilation pixels apart. */
export const dilatedSize = (k: number, dilation: number): number => (k - 1) * dilation + 1;

/**
 * Output size and leading padding along one axis, by TensorFlow's rule: 'same' gives
 * ceil(in / stride) outputs and puts the odd padding pixel at the end. k is the kernel's
 * span (dilation included).
 */
export function outputSize(inSize: number, k: number, stride: number, padding: Padding | readonly [number, number]): { out: number; padBefore: number } {
  if (typeof padding !== 'string') return { out: Math.floor((inSize + padding[0] + padding[1] - k) / stride) + 1, padBefore: padding[0] };
  if (padding === 'valid') return { out: Math.floor((inSize - k) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

const isPositiveInt = (d: number): boolean => Number.isInteger(d) && d >= 1;

function checkGeometry(what: string, kernel: [number, number], strides: [number, number], padding: unknown): void {
  const explicit = Array.isArray(padding) && padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (padding !== 'valid' && padding !== 'same' && !explicit) {
    throw new Error(`${what}: padding must be 'valid', 'same' or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(padding)}`);
  }
  for (const [name, v] of [['kernel size', kernel], ['strides', strides]] as const) {
    if (!v.every(isPositiveInt)) throw new Error(`${what}: ${name} must be positive integers, got [${v}]`);
  }
}

export interface ConvGeometry {
  strides?: Pair;
  padding?: Padding | ExplicitPadding;
  /** Taps this many pixels apart (atrous convolution). */
  dilations?: Pair;
  /** Input and output channels split into this many independent groups. */
  groups?: number;
  /** The op's name in error messages. */
  what?: string;
}

/** The geometry of a convolution, checked; also convInfo(x, w, strides, padding). */
export function convInfo(xShape: Shape, wShape: Shape, geometry?: ConvGeometry, what?: string): ConvInfo;
export function convInfo(xShape: Shape, wShape: Shape, strides: Pair, padding: Padding, what?: string): ConvInfo;
export function convInfo(xShape: Shape, wShape: Shape, g: ConvGeometry | Pair = {}, p?: string, q?: string): ConvInfo {
  const geometry: ConvGeometry = typeof g === 'number' || Array.isArray(g) ? { strides: g as Pair, padding: p as Padding } : g as ConvGeometry;
  const what = (typeof g === 'number' || Array.isArray(g) ? q : p) ?? (g as ConvGeometry).what ?? 'conv2d';
  const { strides = 1, padding = 'valid', dilations = 1, groups = 1 } = geometry;
  if (xShape.length !== 4) throw new Error(`${what}: expected input of rank 4 [batch, height, width, channels], got shape ${formatShape(xShape)}`);
  if (wShape.length !== 4) throw new Error(`${what}: expected a kernel of rank 4 [kh, kw, in, out], got shape ${formatShape(wShape)}`);
  const [batch, inH, inW, inC] = xShape;
  const [kH, kW, kC, outC] = wShape;
  if (!isPositiveInt(groups)) throw new Error(`${what}: groups must be a positive integer, got ${groups}`);
  if (inC % groups !== 0) throw new Error(`${what}: groups=${groups} must divide the ${inC} input channels`);
  if (outC % groups !== 0) throw new Error(`${what}: groups=${groups} must divide the ${outC} output channels (filters)`);
  if (kC * groups !== inC) {
    throw new Error(`${what}: input has ${inC} channels, so with groups=${groups} the kernel must have ${inC / groups} input channels; got kernel shape ${formatShape(wShape)}`);
  }
  const [strideH, strideW] = pair(strides);
  const [dilationH, dilationW] = pair(dilations);
  if (![dilationH, dilationW].every(isPositiveInt)) throw new Error(`${what}: dilations must be positive integers, got ${JSON.stringify(dilations)}`);
  checkGeometry(what, [kH, kW], [strideH, strideW], padding);
  const [padH, padW] = typeof padding === 'string' ? [padding, padding] : padding;
  const spanH = dilatedSize(kH, dilationH), spanW = dilatedSize(kW, dilationW);
  const h = outputSize(inH, spanH, strideH, padH), w = outputSize(inW, spanW, strideW, padW);
  if (h.out < 1 || w.out < 1) {
    const dil = dilationH > 1 || dilationW > 1 ? ` (spanning ${spanH}x${spanW} with dilations [${dilationH}, ${dilationW}])` : '';
    throw new Error(`${what}: a ${kH}x${kW} kernel${dil} is larger than the ${inH}x${inW} input padded with ${JSON.stringify(padding)}; use a smaller kernel or dilation, or padding 'same'`);
  }
  return { batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW, strideH, strideW, padTop: h.padBefore, padLeft: w.padBefore,
    dilationH, dilationW, groups };
}

export function poolInfo(xShape: Shape, poolSize: Pair, strides: Pair, padding: Padding | ExplicitPadding, what = 'maxPool2d'): PoolInfo {
  if (xShape.length !== 4) throw new Error(`${what}: expected input of rank 4 [batch, height, width, channels], got shape ${formatShape(xShape)}`);
  const [batch, inH, inW, channels] = xShape;
  const [poolH, poolW] = pair(poolSize);
  const [strideH, strideW] = pair(strides);
  checkGeometry(what, [poolH, poolW], [strideH, strideW], padding);
  const [padH, padW] = typeof padding === 'string' ? [padding, padding] : padding;
  const h = outputSize(inH, poolH, strideH, padH), w = outputSize(inW, poolW, strideW, padW);
  if (h.out < 1 || w.out < 1) throw new Error(`${what}: a ${poolH}x${poolW} window does not fit in a ${inH}x${inW} input`);
  return { batch, inH, inW, channels, outH: h.out, outW: w.out, poolH, poolW, strideH, strideW, padTop: h.padBefore, padLeft: w.padBefore };
}

export interface Conv2dOptions extends ConvGeometry {
  /** Added per output channel inside the kernel (one pass over the output instead of two). */
  bias?: Tensor;
}

/**
 * x [n, h, w, c] convolved (cross-correlated, as in every DL library) with w [kh, kw, c, f]; also
 * in TF.js's form conv2d(x, filter, strides, pad, dataFormat, dilations), where x may be one [h, w, c] image.
 */
export function conv2d(x: Tensor, w: Tensor, options?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, w: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair, dimRoundingMode?: RoundingMode): Tensor;
export function conv2d(x: Tensor, w: Tensor, a: Conv2dOptions | Pair = {}, pad?: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair, dimRoundingMode?: RoundingMode): Tensor {
  if (isPositional(a)) return onImages(x, (xs) => conv2d(xs, w, withRounding('conv2d', tfjsGeometry('conv2d', a, pad, dataFormat, dilations), pad, dimRoundingMode, xs.shape.slice(1, 3), w.shape.slice(0, 2))));
  const { bias, ...geometry } = a;
  const info = convInfo(x.shape, w.shape, geometry);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== info.outC)) {
    throw new Error(`${geometry.what ?? 'conv2d'}: bias must have shape [${info.outC}] (one per filter), got ${formatShape(bias.shape)}`);
  }
  const dtype = x.dtype === 'float64' || w.dtype === 'float64' ? 'float64' : 'float32';
  const y = make(dtype, [info.batch, info.outH, info.outW, info.outC], (out) => { if (out.length > 0) backend().conv2d(x.data, w.data, bias?.data ?? null, out, info); });
  record('conv2d', bias ? [x, w, bias] : [x, w], y, { info });
  return y;
}

/** Explicit padding: a window's zeros are not counted (average pooling divides by the pixels inside, as for 'same'). */
export interface PoolOptions { strides?: Pair; padding?: Padding | ExplicitPadding }

/**
 * TF.js's tf.maxPool(x, filterSize, strides, pad, dimRoundingMode) / tf.avgPool: maxPool2d /
 * avgPool2d, pad as the convolutions take it (positional.ts); x may be one [h, w, c] image.
 */
export function tfjsPool(what: 'maxPool' | 'avgPool', f: (x: Tensor, size: Pair, o: PoolOptions) => Tensor, x: Tensor, filterSize: Pair, strides: Pair, pad: TfjsPad, dimRoundingMode?: RoundingMode): Tensor {
  return onImages(x, (xs) => {
    const g = withRounding(what, tfjsGeometry(what, strides, pad, undefined, 1), pad, dimRoundingMode, xs.shape.slice(1, 3), pair(filterSize));
    return f(xs, filterSize, { strides, padding: g.padding });
  });
}
export const maxPool = (x: Tensor, filterSize: Pair, strides: Pair, pad: TfjsPad, dimRoundingMode?: RoundingMode): Tensor => tfjsPool('maxPool', maxPool2d, x, filterSize, strides, pad, dimRoundingMode);

export function maxPool2d(x: Tensor, poolSize: Pair = 2, { strides = poolSize, padding = 'valid' }: PoolOptions = {}): Tensor {
  const info = poolInfo(x.shape, poolSize, strides, padding);
  const shape = [info.batch, info.outH, info.outW, info.channels];
  const argmax = make('int32', shape, () => {});
  const y = make(x.dtype, shape, (out) => backend().maxPool2d(x.data, out, argmax.data as Int32Array, info));
  record('maxPool2d', [x], y, { info }, [argmax]);
  return y;
}

export const convGrads: GradTable<'conv2d' | 'maxPool2d'> = {
  conv2d: (dy, { inputs: [x, w, bias], attrs: { info } }, [needsDx, needsDw, needsBias]) => [
    // The first layer's input is data: skipping its gradient saves a third of that layer's work.
    needsDx ? make(dy.dtype, x.shape, (dx) => sumOrZeros(dx, [dy.data, w.data], () => backend().conv2dBackpropInput(dy.data, w.data, dx, info))) : null,
    needsDw ? make(dy.dtype, w.shape, (dw) => sumOrZeros(dw, [x.data, dy.data], () => backend().conv2dBackpropFilter(x.data, dy.data, dw, info))) : null,
    ...(bias && needsBias ? [sum(dy, [0, 1, 2])] : []),
  ],
  maxPool2d: (dy, { inputs: [x], attrs: { info }, saved: [argmax] }) => [
    make(dy.dtype, x.shape, (dx) => backend().maxPool2dBackward(dy.data, argmax.data as Int32Array, dx, info)),
  ],
};
