// Image tensors without files: channel counts, Keras's crop to an aspect ratio, resizing with
// deeptype's own kernel (so pixels match tf.image.resize), and Keras's img_to_array /
// array_to_img. Shared by the Node decoders (images.ts) and the browser's (browser-images.ts).
import { Tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { noGrad } from '../core/engine.ts';
import { resize, type Interpolation } from '../ops/spatial.ts';

export type ResizeMethod = Interpolation;

/** Resizes an image [h, w, c] (or a batch [n, h, w, c]) with the resize op: tf.image.resize's half-pixel rule, antialias off; float32 out. */
export function resizeImage(img: Tensor, size: [number, number], method: ResizeMethod = 'bilinear'): Tensor {
  return noGrad(() => {
    const batch = img.rank === 3 ? img.reshape([1, ...img.shape]) : img;
    const out = resize(batch, size, method);
    return img.rank === 3 ? out.reshape(out.shape.slice(1)) : out;
  });
}

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
const CHANNELS: Record<ColorMode, number> = { grayscale: 1, rgb: 3, rgba: 4 };

export function channelsOf(colorMode: ColorMode, what: string): number {
  const c = CHANNELS[colorMode];
  if (!c) throw new Error(`${what}: colorMode must be 'grayscale', 'rgb' or 'rgba', got '${colorMode}'`);
  return c;
}

/** Keras's smart_resize crop: the largest centered window with the target's aspect ratio. */
export function cropBox(height: number, width: number, [targetH, targetW]: [number, number]): { top: number; left: number; height: number; width: number } {
  const cropH = Math.min(height, Math.trunc((width * targetH) / targetW));
  const cropW = Math.min(width, Math.trunc((height * targetW) / targetH));
  return { top: Math.trunc((height - cropH) / 2), left: Math.trunc((width - cropW) / 2), height: cropH, width: cropW };
}

/** Rows [top, top+height) and columns [left, left+width) of an image [h, w, c]. */
export function cropImage(img: Tensor, { top, left, height, width }: { top: number; left: number; height: number; width: number }): Tensor {
  const [, w, c] = img.shape;
  const out = new (img.data.constructor as Uint8ArrayConstructor)(height * width * c);
  for (let i = 0; i < height; i++) out.set(img.data.subarray(((top + i) * w + left) * c, ((top + i) * w + left + width) * c), i * width * c);
  return new Tensor(out, [height, width, c]);
}

/** A float32 copy of an image tensor [h, w, c] (Keras's img_to_array). */
export function imgToArray(img: Tensor): Tensor {
  if (!(img instanceof Tensor) || img.rank !== 3) throw new Error(`imgToArray: expected an image tensor [height, width, channels], got ${img instanceof Tensor ? `shape ${formatShape(img.shape)}` : typeof img}`);
  return new Tensor(Float32Array.from(img.data), img.shape);
}

/**
 * A uint8 image [h, w, c] from an array (Keras's array_to_img): with scale, values are shifted
 * and stretched to [0, 255] (x - min, then / max * 255); without, they are clipped.
 */
export function arrayToImg(x: Tensor, { scale = true }: { scale?: boolean } = {}): Tensor {
  if (!(x instanceof Tensor) || (x.rank !== 3 && x.rank !== 2)) throw new Error(`arrayToImg: expected [height, width, channels] or [height, width], got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
  const shape = x.rank === 2 ? [...x.shape, 1] : x.shape;
  if (![1, 3, 4].includes(shape[2])) throw new Error(`arrayToImg: an image has 1, 3 or 4 channels, got ${shape[2]}`);
  let lo = 0, hi = 1;
  if (scale) {
    lo = Infinity; let max = -Infinity;
    for (const v of x.data) { if (v < lo) lo = v; if (v > max) max = v; }
    hi = max - lo;
  }
  const out = new Uint8Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const v = scale ? (hi !== 0 ? ((x.data[i] - lo) / hi) * 255 : x.data[i] - lo) : x.data[i];
    out[i] = Math.min(255, Math.max(0, Math.round(v)));
  }
  return new Tensor(out, shape);
}

/** Keras keeps a PIL image's uint8 pixels after resizing: interpolated values rounded back. */
export function roundToUint8(img: Tensor): Tensor {
  const out = new Uint8Array(img.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(img.data[i])));
  return new Tensor(out, img.shape);
}
