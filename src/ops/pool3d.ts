// 3-D max and average pooling of NDHWC volumes, composed of the 2-D pooling ops: a window is a
// box, so pooling it is pooling each depth plane over [height, width] (the volume seen as
// [batch * depth, height, width, channels]), then pooling those results over depth (seen as
// [batch, depth, outH * outW, channels] with a [poolD, 1] window). Both steps are exact:
// - max: the maximum of maxima; the gradient goes to the first maximum in window order
//   (depth, row, column), since each step keeps its first maximum and the planes come first
//   (maxPool2d's and TF.js's 2-D rule; the 3-D kernels disagree: TF.js 4.22's cpu gradient takes
//   the last maximum, TF's cpu MaxPool3DGrad every element within 1e-5 of it);
// - average: TF's 'same' rule counts the elements inside the input, and a box's count is the
//   product of the counts per axis, so the mean of the planes' means is the box's mean.
// No kernels of their own: on wasm both steps run the SIMD pooling kernels and their gradients.
import { formatShape, type Shape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { avgPool2d } from './spatial.ts';
import { maxPool2d, outputSize, type Padding, type PoolOptions } from './conv.ts';
import { reshape } from './layout.ts';
import { isPositional } from './positional.ts';

export type Triple = number | readonly [number, number, number];

export interface Pool3dOptions { strides?: Triple; padding?: Padding }

/** A pooling's geometry on an [n, d, h, w, c] volume, checked, naming the op in its errors. */
export interface Pool3dGeometry {
  pool: [number, number, number];
  strides: [number, number, number];
  padding: Padding;
  /** [outD, outH, outW]. */
  out: [number, number, number];
}

function triple(what: string, name: string, v: unknown): [number, number, number] {
  const list = typeof v === 'number' ? [v, v, v] : Array.isArray(v) ? v : null;
  if (!list || list.length !== 3 || !list.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${what}: ${name} must be a positive integer or three of them [depth, height, width], got ${JSON.stringify(v)}`);
  }
  return [list[0], list[1], list[2]];
}

export function pool3dGeometry(xShape: Shape, poolSize: unknown, strides: unknown, padding: unknown, what: string): Pool3dGeometry {
  if (xShape.length !== 5) throw new Error(`${what}: expected input of rank 5 [batch, depth, height, width, channels], got shape ${formatShape(xShape)}`);
  const pool = triple(what, 'pool size', poolSize);
  const step = triple(what, 'strides', strides);
  if (padding !== 'valid' && padding !== 'same') throw new Error(`${what}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
  const out = [0, 1, 2].map((a) => outputSize(xShape[a + 1], pool[a], step[a], padding).out) as [number, number, number];
  if (xShape.slice(1, 4).includes(0)) throw new Error(`${what}: input shape ${formatShape(xShape)} has an empty depth, height or width: there is nothing to pool`);
  if (out.some((d) => d < 1)) {
    throw new Error(`${what}: a ${pool.join('x')} window does not fit in a ${xShape.slice(1, 4).join('x')} input with padding 'valid'; use a smaller window or padding 'same'`);
  }
  return { pool, strides: step, padding, out };
}

type Pool2d = (x: Tensor, size: [number, number], o: PoolOptions) => Tensor;

function separablePool(x: Tensor, g: Pool3dGeometry, pool2d: Pool2d): Tensor {
  const [n, d, h, w, c] = x.shape;
  const [pD, pH, pW] = g.pool, [sD, sH, sW] = g.strides, [oD, oH, oW] = g.out;
  let planes = reshape(x, [n * d, h, w, c]);
  // A 1x1 window at stride 1 is the identity for either padding: skip that step.
  if (pH * pW * sH * sW !== 1) planes = pool2d(planes, [pH, pW], { strides: [sH, sW], padding: g.padding });
  let volume = reshape(planes, [n, d, oH * oW, c]);
  if (pD * sD !== 1) volume = pool2d(volume, [pD, 1], { strides: [sD, 1], padding: g.padding });
  return reshape(volume, [n, oD, oH, oW, c]);
}

const floatInput = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));

type TfjsPad = 'valid' | 'same' | number;
type RoundingMode = 'floor' | 'round' | 'ceil';

/**
 * Both forms of a 3-D pooling: (x, poolSize, { strides, padding }) as Keras's layers take it, or
 * TF.js's positional (x, filterSize, strides, pad, dimRoundingMode?, dataFormat?), where x may
 * be one [d, h, w, c] volume; NDHWC only, and no numeric pad.
 */
function pool3d(what: string, pool2d: Pool2d, x: Tensor, poolSize: Triple, a: Triple | Pool3dOptions, pad?: TfjsPad, dimRoundingMode?: unknown, dataFormat?: unknown): Tensor {
  if (!isPositional(a)) {
    const { strides = poolSize, padding = 'valid', ...rest } = a as Pool3dOptions;
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`${what}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; the options are strides and padding`);
    return separablePool(x, pool3dGeometry(x.shape, poolSize, strides, padding, what), pool2d);
  }
  if (dataFormat !== undefined && dataFormat !== 'NDHWC') {
    throw new Error(`${what}: only dataFormat 'NDHWC' is supported, got ${JSON.stringify(dataFormat)}; transpose the input to [batch, depth, height, width, channels]`);
  }
  if (pad !== 'valid' && pad !== 'same') {
    throw new Error(`${what}: pad must be 'valid' or 'same', got ${JSON.stringify(pad)}${typeof pad === 'number' ? ' (a numeric pad is not supported: pad the input with pad() and use \'valid\')' : ''}`);
  }
  if (dimRoundingMode !== undefined) throw new Error(`${what}: dimRoundingMode applies only to a numeric pad, which deeptype does not take; leave it out with pad '${pad}'`);
  const one = x.rank === 4; // one volume: a batch of one, and the batch axis goes again
  const xs = one ? reshape(x, [1, ...x.shape]) : x;
  const y = separablePool(xs, pool3dGeometry(xs.shape, poolSize, a, pad, what), pool2d);
  return one ? reshape(y, y.shape.slice(1)) : y;
}

/** Max pooling of [n, d, h, w, c] volumes (Keras's MaxPooling3D); also TF.js's tf.maxPool3d(x, filterSize, strides, pad). */
export function maxPool3d(x: Tensor, poolSize?: Triple, options?: Pool3dOptions): Tensor;
export function maxPool3d(x: Tensor, filterSize: Triple, strides: Triple, pad: TfjsPad, dimRoundingMode?: RoundingMode, dataFormat?: 'NDHWC'): Tensor;
export function maxPool3d(x: Tensor, poolSize: Triple = 2, a: Triple | Pool3dOptions = {}, pad?: TfjsPad, dimRoundingMode?: RoundingMode, dataFormat?: 'NDHWC'): Tensor {
  return pool3d('maxPool3d', maxPool2d, x, poolSize, a, pad, dimRoundingMode, dataFormat);
}

/** Average pooling of volumes (Keras's AveragePooling3D; 'same' counts only the elements inside); also TF.js's tf.avgPool3d. */
export function avgPool3d(x: Tensor, poolSize?: Triple, options?: Pool3dOptions): Tensor;
export function avgPool3d(x: Tensor, filterSize: Triple, strides: Triple, pad: TfjsPad, dimRoundingMode?: RoundingMode, dataFormat?: 'NDHWC'): Tensor;
export function avgPool3d(x: Tensor, poolSize: Triple = 2, a: Triple | Pool3dOptions = {}, pad?: TfjsPad, dimRoundingMode?: RoundingMode, dataFormat?: 'NDHWC'): Tensor {
  return pool3d('avgPool3d', avgPool2d, floatInput(x), poolSize, a, pad, dimRoundingMode, dataFormat);
}
