// Average pooling, zero padding and resizing of NHWC images, with their gradients.
import { backend, record } from '../core/engine.ts';
import { formatShape } from '../core/shape.ts';
import { onesLike, tensor, type Tensor } from '../core/tensor.ts';
import type { ResizeInfo } from '../backends/backend.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { poolInfo, tfjsPool, type Pair, type PoolOptions } from './conv.ts';
import type { RoundingMode, TfjsPad } from './positional.ts';
import { slice } from './layout.ts';
import { where } from './indexing.ts';

const floatInput = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));

/** The mean of each window; with 'same' padding only the pixels inside the input count (as TensorFlow). */
export function avgPool2d(x: Tensor, poolSize: Pair = 2, { strides = poolSize, padding = 'valid' }: PoolOptions = {}): Tensor {
  const info = poolInfo(x.shape, poolSize, strides, padding, 'avgPool2d');
  const xf = floatInput(x);
  const y = make(xf.dtype, [info.batch, info.outH, info.outW, info.channels], (out) => backend().avgPool2d(xf.data, out, info));
  record('avgPool2d', [xf], y, { info });
  return y;
}

/** Zeros (or TF.js's constantValue) around x: paddings[d] = [before, after] for every axis d. */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  if (typeof constantValue !== 'number') throw new Error(`pad: constantValue must be a number, got ${JSON.stringify(constantValue)}`);
  if (constantValue !== 0) {
    // The border takes constantValue; values inside stay bit for bit (-0 included).
    const padded = pad(x, paddings);
    return where(pad(onesLike(x), paddings), padded, tensor([constantValue], [], padded.dtype));
  }
  if (paddings.length !== x.rank) throw new Error(`pad: paddings need ${x.rank} [before, after] pairs for shape ${formatShape(x.shape)}, got ${paddings.length}`);
  for (const p of paddings) {
    if (p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new Error(`pad: each padding must be [before, after] with non-negative integers, got ${JSON.stringify(paddings)}`);
    }
  }
  const before = paddings.map((p) => p[0]);
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  // Zero-padding is the adjoint of slicing: the same kernel that scatters a slice's gradient.
  const y = make(x.dtype, shape, (out) => backend().sliceGrad(x.data, x.shape, before, before.map(() => 1), out, shape));
  record('pad', [x], y, { before });
  return y;
}

export type Interpolation = 'nearest' | 'bilinear';

/** Resizes images [n, h, w, c] to [n, height, width, c] with half-pixel centers (TF2's tf.image.resize, antialias off). */
export function resize(x: Tensor, [height, width]: readonly [number, number], interpolation: Interpolation = 'bilinear'): Tensor {
  if (x.rank !== 4) throw new Error(`resize: expected images [batch, height, width, channels], got shape ${formatShape(x.shape)}`);
  if (![height, width].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`resize: size must be two positive integers, got [${height}, ${width}]`);
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new Error(`resize: interpolation must be 'nearest' or 'bilinear', got '${String(interpolation)}'`);
  const [batch, inH, inW, channels] = x.shape;
  const info: ResizeInfo = { batch, inH, inW, channels, outH: height, outW: width, bilinear: interpolation === 'bilinear' };
  const xf = floatInput(x);
  const y = make(xf.dtype, [batch, height, width, channels], (out) => backend().resize(xf.data, out, info));
  record('resize', [xf], y, { info });
  return y;
}

export const spatialGrads: GradTable<'avgPool2d' | 'pad' | 'resize'> = {
  avgPool2d: (dy, { inputs: [x], attrs: { info } }) => [make(dy.dtype, x.shape, (dx) => backend().avgPool2dBackward(dy.data, dx, info))],
  pad: (dy, { inputs: [x], attrs: { before } }) => [slice(dy, before, x.shape)],
  resize: (dy, { inputs: [x], attrs: { info } }) => [make(dy.dtype, x.shape, (dx) => backend().resizeBackward(dy.data, dx, info))],
};

/** TF.js's tf.avgPool(x, filterSize, strides, pad). */
export const avgPool = (x: Tensor, filterSize: Pair, strides: Pair, pad: TfjsPad, dimRoundingMode?: RoundingMode): Tensor => tfjsPool('avgPool', avgPool2d, x, filterSize, strides, pad, dimRoundingMode);
