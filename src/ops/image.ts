// Image ops (NHWC): resizing as tf.image.resize does. Not differentiable: they prepare data
// (the Resizing layer's differentiable op is its own).
import { backend } from '../core/engine.ts';
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { make } from './util.ts';

export type ResizeMethod = 'bilinear' | 'nearest';
export interface ResizeOptions {
  method?: ResizeMethod;
  /** Corner pixels map onto corner pixels (TF1's align_corners); off in tf.image.resize. */
  alignCorners?: boolean;
  /** Pixel centers at +0.5 (tf.image.resize's rule, the default). */
  halfPixelCenters?: boolean;
}

/**
 * Resizes images [h, w, c] or [batch, h, w, c] to size [height, width]: tf.image.resize with
 * antialias off (bilinear by default, or nearest). The result is float32 (float64 stays float64).
 */
export function resizeImages(images: Tensor, size: [number, number], { method = 'bilinear', alignCorners = false, halfPixelCenters = !alignCorners }: ResizeOptions = {}): Tensor {
  if (images.rank !== 3 && images.rank !== 4) throw new Error(`resizeImages: images must be [height, width, channels] or [batch, height, width, channels], got shape ${formatShape(images.shape)}`);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`resizeImages: size must be [height, width] of positive integers, got ${JSON.stringify(size)}`);
  if (method !== 'bilinear' && method !== 'nearest') throw new Error(`resizeImages: method must be 'bilinear' or 'nearest', got '${method}'`);
  if (alignCorners && halfPixelCenters) throw new Error('resizeImages: alignCorners and halfPixelCenters cannot both be true (as in TensorFlow)');
  const [batch, inH, inW, channels] = images.rank === 4 ? images.shape : [1, ...images.shape];
  if (inH < 1 || inW < 1) throw new Error(`resizeImages: cannot resize an empty image of shape ${formatShape(images.shape)}`);
  const [outH, outW] = size;
  const shape = images.rank === 4 ? [batch, outH, outW, channels] : [outH, outW, channels];
  const dtype = images.dtype === 'float64' ? 'float64' : 'float32';
  return make(dtype, shape, (out) => backend().resizeImages(images.data, out, batch, inH, inW, channels, outH, outW, method, alignCorners, halfPixelCenters));
}
