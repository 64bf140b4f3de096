// tf.image.transform: projective transforms of NHWC images, one 8-vector per image, with
// TensorFlow's fill modes and interpolations. Differentiable in the image (the transforms are
// taken as given: augmentation draws them, no gradient flows into them).
import { backend, record } from '../core/engine.ts';
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { AugmentInfo, FillMode, TransformInfo } from '../backends/backend.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';

export interface TransformOptions {
  interpolation?: 'nearest' | 'bilinear';
  fillMode?: FillMode;
  /** The value outside the image in 'constant' mode. */
  fillValue?: number;
  /** [height, width] of the output (default: the input's). */
  outputShape?: [number, number];
}

/**
 * Each image b of images [n, h, w, c] is sampled at the points transforms[b] = [a0, a1, a2, b0,
 * b1, b2, c0, c1] maps each output pixel to (transforms [n, 8], or [1, 8] for all images).
 */
export function imageTransform(images: Tensor, transforms: Tensor, { interpolation = 'nearest', fillMode = 'constant', fillValue = 0, outputShape }: TransformOptions = {}): Tensor {
  if (images.rank !== 4) throw new Error(`imageTransform: images must be [batch, height, width, channels], got shape ${formatShape(images.shape)}`);
  const [batch, inH, inW, channels] = images.shape;
  if (transforms.rank !== 2 || transforms.shape[1] !== 8 || (transforms.shape[0] !== batch && transforms.shape[0] !== 1)) {
    throw new Error(`imageTransform: transforms must be [${batch}, 8] or [1, 8] (one projective transform per image), got shape ${formatShape(transforms.shape)}`);
  }
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new Error(`imageTransform: interpolation must be 'nearest' or 'bilinear', got '${interpolation}'`);
  if (!['reflect', 'wrap', 'constant', 'nearest'].includes(fillMode)) throw new Error(`imageTransform: fillMode must be 'reflect', 'wrap', 'constant' or 'nearest', got '${fillMode}'`);
  if (typeof fillValue !== 'number') throw new Error(`imageTransform: fillValue must be a number, got ${JSON.stringify(fillValue)}`);
  const [outH, outW] = outputShape ?? [inH, inW];
  if (![outH, outW].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`imageTransform: outputShape must be two positive integers, got ${JSON.stringify(outputShape)}`);
  const x = images.dtype === 'float32' || images.dtype === 'float64' ? images : images.cast('float32');
  const info: TransformInfo = { batch, inH, inW, channels, outH, outW, bilinear: interpolation === 'bilinear', fillMode, fillValue, shared: transforms.shape[0] !== batch || batch === 1 };
  const y = make(x.dtype, [batch, outH, outW, channels], (out) => backend().imageTransform(x.data, transforms.data, out, info));
  record('imageTransform', [x, transforms], y, { info });
  return y;
}

export const imageTransformGrads: GradTable<'imageTransform'> = {
  imageTransform: (dy, { inputs: [x, transforms], attrs: { info } }) =>
    [make(dy.dtype, x.shape, (dx) => backend().imageTransformBackward(dy.data, transforms.data, dx, info)), null],
};

/** Transforms [batch, 8] from uniform draws u, by a kernel (so compiled steps rebuild them every step); not differentiable. */
export function augmentTransforms(u: Tensor, info: AugmentInfo): Tensor {
  return make(u.dtype === 'float64' ? 'float64' : 'float32', [info.batch, 8], (out) => backend().augmentTransforms(u.data, out, info));
}
