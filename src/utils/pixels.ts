// TF.js's tf.browser.fromPixels / toPixels: images as tensors and back. ImageData-like objects
// ({data, width, height}, RGBA bytes) work everywhere; image, canvas, video and bitmap elements
// are drawn through a 2D canvas, so they need a browser (or an OffscreenCanvas).
import { Tensor, tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';

/** RGBA bytes of a width x height image, as ImageData holds them. */
export interface PixelData { data: Uint8Array | Uint8ClampedArray; width: number; height: number }
type Drawable = { width: number; height: number } & object;

function isPixelData(p: unknown): p is PixelData {
  const o = p as PixelData;
  return typeof o === 'object' && o !== null && (o.data instanceof Uint8Array || o.data instanceof Uint8ClampedArray) && Number.isInteger(o.width) && Number.isInteger(o.height);
}

/** The element's pixels through a 2D canvas (an <img>, <canvas>, <video>, ImageBitmap or OffscreenCanvas). */
function drawn(source: Drawable): PixelData {
  const video = source as { videoWidth?: number; videoHeight?: number };
  const width = video.videoWidth || source.width, height = video.videoHeight || source.height;
  const Offscreen = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => { getContext(k: '2d'): CanvasRenderingContext2D | null } }).OffscreenCanvas;
  const canvas = Offscreen ? new Offscreen(width, height) : (globalThis as { document?: Document }).document?.createElement('canvas');
  if (!canvas) throw new Error('browser.fromPixels: images, canvases and videos need a browser (a 2D canvas); in Node pass {data, width, height} with RGBA bytes (e.g. from utils.loadImg or sharp)');
  if (!Offscreen) Object.assign(canvas, { width, height });
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('browser.fromPixels: this browser gave no 2D canvas context');
  ctx.drawImage(source as CanvasImageSource, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

/** An int32 tensor [height, width, numChannels] of the image's first numChannels of RGBA. */
export function fromPixels(pixels: PixelData | Drawable, numChannels = 3): Tensor {
  if (![1, 2, 3, 4].includes(numChannels)) throw new Error(`browser.fromPixels: numChannels must be 1, 2, 3 or 4, got ${numChannels}`);
  if (pixels === null || typeof pixels !== 'object') throw new Error(`browser.fromPixels: expected ImageData, {data, width, height}, or an image, canvas or video element, got ${String(pixels)}`);
  const { data, width, height } = isPixelData(pixels) ? pixels : drawn(pixels);
  if (data.length !== width * height * 4) throw new Error(`browser.fromPixels: ${width}x${height} RGBA needs ${width * height * 4} bytes, got ${data.length}`);
  const out = new Int32Array(width * height * numChannels);
  for (let i = 0, o = 0; i < width * height; i++) for (let c = 0; c < numChannels; c++) out[o++] = data[i * 4 + c];
  return tensor(out, [height, width, numChannels]);
}

/**
 * RGBA bytes of a [height, width] or [height, width, 1|3|4] image: floats in [0, 1], integers in
 * [0, 255] (one channel is gray; no alpha is opaque). Drawn into `canvas` when one is given.
 */
type Canvas2D = { width: number; height: number; getContext(k: '2d'): CanvasRenderingContext2D | null };

/** RGBA bytes of an image tensor, drawn into the canvas when one is given (TF.js's tf.browser.toPixels). */
export async function toPixels(img: Tensor, canvas?: Canvas2D): Promise<Uint8ClampedArray> { return paint(img, canvas, 'toPixels'); }

/** TF.js's tf.browser.draw(image, canvas): toPixels into the canvas, at once. */
export function draw(img: Tensor, canvas: Canvas2D): void {
  if (!canvas || typeof canvas.getContext !== 'function') throw new Error('browser.draw: expected a canvas (an HTMLCanvasElement or OffscreenCanvas)');
  paint(img, canvas, 'draw');
}

/** TF.js's tf.browser.fromPixelsAsync: fromPixels, as a promise. */
export const fromPixelsAsync = async (pixels: PixelData | Drawable, numChannels = 3): Promise<Tensor> => fromPixels(pixels, numChannels);

function paint(img: Tensor, canvas: Canvas2D | undefined, what: string): Uint8ClampedArray {
  if (!(img instanceof Tensor) || (img.rank !== 2 && img.rank !== 3)) throw new Error(`browser.${what}: expected a tensor of rank 2 or 3, got ${img instanceof Tensor ? `shape ${formatShape(img.shape)}` : String(img)}`);
  const [height, width] = img.shape, depth = img.rank === 2 ? 1 : img.shape[2];
  if (![1, 3, 4].includes(depth)) throw new Error(`browser.${what}: the image must have 1, 3 or 4 channels, got shape ${formatShape(img.shape)}`);
  const float = img.dtype === 'float32' || img.dtype === 'float64';
  const [scale, hi] = float ? [255, 1] : [1, 255];
  const bytes = new Uint8ClampedArray(width * height * 4);
  const v = img.data;
  for (let i = 0; i < width * height; i++) {
    const px = [0, 0, 0, 255];
    for (let c = 0; c < depth; c++) {
      const x = v[i * depth + c];
      if (!(x >= 0 && x <= hi)) throw new Error(`browser.${what}: value ${x} at pixel ${i} is outside [0, ${hi}] (${float ? 'float images must lie in [0, 1]' : 'integer images in [0, 255]'})`);
      px[c] = Math.round(x * scale);
    }
    if (depth === 1) px[1] = px[2] = px[0];
    bytes.set(px, i * 4);
  }
  if (canvas) {
    canvas.width = width; canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error(`browser.${what}: the canvas gave no 2D context`);
    ctx.putImageData(new ImageData(bytes, width, height), 0, 0);
  }
  return bytes;
}
