// TF.js's tf.image: resizeBilinear / resizeNearestNeighbor with its alignCorners and
// halfPixelCenters modes (TF.js's default is neither: TF1's legacy sampling, unlike Keras's
// Resizing layer), flips, grayscale conversions and transform. The resizes are gathers of rows
// and columns with fixed weights, so they differentiate and compile like any op.
import type { Tensor } from '../core/tensor.ts';
import { tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { add, mul, sub } from './elementwise.ts';
import { cast, expandDims, squeeze } from './layout.ts';
import { sum } from './reduce.ts';
import { gather, reverse, tile } from './indexing.ts';
import { imageTransform as projective, type TransformOptions } from './image-transform.ts';

/** images as [n, h, w, c] (a single [h, w, c] image gets a batch axis), and how to undo that. */
function batched(images: Tensor, what: string): [Tensor, (y: Tensor) => Tensor] {
  if (images.rank === 4) return [images, (y) => y];
  if (images.rank === 3) return [expandDims(images, 0), (y) => squeeze(y, 0)];
  throw new Error(`image.${what}: images must be [batch, height, width, channels] or [height, width, channels], got shape ${formatShape(images.shape)}`);
}

function checkSize(size: readonly number[], alignCorners: boolean, halfPixelCenters: boolean, what: string): void {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`image.${what}: size must be [newHeight, newWidth], two positive integers, got ${JSON.stringify(size)}`);
  for (const [name, v] of [['alignCorners', alignCorners], ['halfPixelCenters', halfPixelCenters]] as const) {
    if (typeof v !== 'boolean') throw new Error(`image.${what}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  }
  if (alignCorners && halfPixelCenters) throw new Error(`image.${what}: alignCorners and halfPixelCenters cannot both be true`);
}

/** The source position of each output index along one axis, as TF.js's kernels compute it. */
function sourcePositions(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean, nearest: boolean): number[] {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => (halfPixelCenters ? scale * (i + 0.5) - (nearest ? 0 : 0.5) : scale * i));
}

/** Bilinear resize along one axis: a lerp between the floor and ceil rows (both clamped into the image). */
function lerpAxis(x: Tensor, axis: 1 | 2, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Tensor {
  const inSize = x.shape[axis];
  const src = sourcePositions(inSize, outSize, alignCorners, halfPixelCenters, false);
  const lo = src.map((s) => Math.max(0, Math.floor(s))), hi = src.map((s) => Math.min(inSize - 1, Math.ceil(s)));
  const frac = tensor(src.map((s, i) => s - lo[i]), axis === 1 ? [outSize, 1, 1] : [outSize, 1], x.dtype === 'float64' ? 'float64' : 'float32');
  const a = gather(x, lo, axis), b = gather(x, hi, axis);
  return add(a, mul(sub(b, a), frac));
}

const float = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : cast(x, 'float32'));

/** TF.js's tf.image.resizeBilinear(images, [h, w], alignCorners = false, halfPixelCenters = false). */
export function resizeBilinear(images: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  checkSize(size, alignCorners, halfPixelCenters, 'resizeBilinear');
  const [x, unbatch] = batched(float(images), 'resizeBilinear');
  return unbatch(lerpAxis(lerpAxis(x, 1, size[0], alignCorners, halfPixelCenters), 2, size[1], alignCorners, halfPixelCenters));
}

/** TF.js's tf.image.resizeNearestNeighbor(images, [h, w], alignCorners = false, halfPixelCenters = false). */
export function resizeNearestNeighbor(images: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  checkSize(size, alignCorners, halfPixelCenters, 'resizeNearestNeighbor');
  const [x, unbatch] = batched(images, 'resizeNearestNeighbor');
  const pick = (axis: 1 | 2, out: number): number[] => sourcePositions(x.shape[axis], out, alignCorners, halfPixelCenters, true)
    .map((s) => Math.max(0, Math.min(x.shape[axis] - 1, alignCorners ? Math.round(s) : Math.floor(s))));
  return unbatch(gather(gather(x, pick(1, size[0]), 1), pick(2, size[1]), 2));
}

/** Mirrors each image left to right. */
export function flipLeftRight(images: Tensor): Tensor {
  const [x, unbatch] = batched(images, 'flipLeftRight');
  return unbatch(reverse(x, 2));
}

/** 0.2989 R + 0.5870 G + 0.1140 B in a channel axis of 1 (TF.js's weights; integer images stay integer). */
export function rgbToGrayscale(images: Tensor): Tensor {
  if (images.rank < 2 || images.shape[images.rank - 1] !== 3) throw new Error(`image.rgbToGrayscale: the last axis must hold 3 channels (RGB), got shape ${formatShape(images.shape)}`);
  const weights = tensor([0.2989, 0.5870, 0.1140], [3], images.dtype === 'float64' ? 'float64' : 'float32');
  const gray = sum(mul(float(images), weights), -1, true);
  return gray.dtype === images.dtype ? gray : cast(gray, images.dtype);
}

/** One channel repeated into three. */
export function grayscaleToRGB(images: Tensor): Tensor {
  if (images.rank < 2 || images.shape[images.rank - 1] !== 1) throw new Error(`image.grayscaleToRGB: the last axis must hold 1 channel, got shape ${formatShape(images.shape)}`);
  return tile(images, images.shape.map((_, i) => (i === images.rank - 1 ? 3 : 1)));
}

/** TF.js's tf.image.transform(images, transforms, interpolation, fillMode, fillValue, outputShape). */
export function transform(images: Tensor, transforms: Tensor, interpolation: TransformOptions['interpolation'] = 'nearest', fillMode: TransformOptions['fillMode'] = 'constant', fillValue = 0, outputShape?: [number, number]): Tensor {
  return projective(images, transforms, { interpolation, fillMode, fillValue, outputShape });
}

export { cropAndResize, nonMaxSuppression, nonMaxSuppressionAsync, nonMaxSuppressionWithScore, nonMaxSuppressionWithScoreAsync, nonMaxSuppressionPadded, nonMaxSuppressionPaddedAsync } from './detection.ts';
