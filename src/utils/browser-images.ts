// Image files in the browser: Files, Blobs, bytes or URLs decoded by the platform
// (createImageBitmap, drawn on an OffscreenCanvas, or a <canvas> where there is none, and read
// back with getImageData), then cropped and resized with deeptype's own kernel as in Node.
// The bitmap is asked for no color-space conversion and no premultiplied alpha, so an opaque
// PNG gives the file's exact bytes (what sharp gives in Node). A 2D canvas stores premultiplied
// pixels, though: semi-transparent pixels come back rounded (see README, browser data).
import { Tensor } from '../core/tensor.ts';
import { channelsOf, cropBox, cropImage, resizeImage, roundToUint8, type ColorMode } from './image-arrays.ts';
import type { LoadImgOptions } from './images.ts';

/** What the browser helpers decode: a File or Blob, raw file bytes, or a URL to fetch. */
export type ImageSource = Blob | ArrayBuffer | Uint8Array | string | URL;

type Canvas2D = { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }; drawImage(img: ImageBitmap, x: number, y: number): void };

function context(width: number, height: number): Canvas2D {
  const settings = { willReadFrequently: true, colorSpace: 'srgb' } as const;
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height).getContext('2d', settings) as unknown as Canvas2D;
  if (typeof document === 'undefined') throw new Error('decoding images needs a browser (OffscreenCanvas or a document with <canvas>); in Node, use the Node build');
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  return canvas.getContext('2d', settings) as unknown as Canvas2D;
}

/** A source's bytes as a Blob (URLs fetched), with the name errors give. */
async function toBlob(source: ImageSource, name: string): Promise<Blob> {
  if (source instanceof Blob) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return new Blob([source as BlobPart]);
  if (typeof source === 'string' || source instanceof URL) {
    let response: Response;
    try { response = await fetch(source); } catch (e) { throw new Error(`cannot read image ${name}: fetch failed (${(e as Error).message})`); }
    if (!response.ok) throw new Error(`cannot read image ${name}: HTTP ${response.status} ${response.statusText}`);
    return response.blob();
  }
  throw new Error(`cannot read image ${name}: expected a File, Blob, ArrayBuffer, Uint8Array or URL, got ${Object.prototype.toString.call(source)}`);
}

/** sRGB <-> linear light, for grayscale as libvips (sharp, Node) computes it. */
const toLinear = Float64Array.from({ length: 256 }, (_, v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
const fromLinear = (y: number): number => 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);

/** RGBA pixels -> [height, width, channels]: alpha dropped or kept; grayscale as the Rec. 709 luminance in linear light. */
export function fromRgba(rgba: Uint8ClampedArray | Uint8Array, height: number, width: number, colorMode: ColorMode): Tensor {
  const channels = channelsOf(colorMode, 'decodeImage'), n = height * width, out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
    if (channels === 1) {
      out[i] = r === g && g === b ? r : Math.min(255, Math.max(0, Math.round(fromLinear(0.2126 * toLinear[r] + 0.7152 * toLinear[g] + 0.0722 * toLinear[b]))));
    } else {
      out[channels * i] = r; out[channels * i + 1] = g; out[channels * i + 2] = b;
      if (channels === 4) out[4 * i + 3] = rgba[4 * i + 3];
    }
  }
  return new Tensor(out, [height, width, channels]);
}

/**
 * Decodes an image (PNG, JPEG, GIF, WebP, BMP: what the browser decodes) to a uint8 tensor
 * [height, width, channels], channels from colorMode as in Node. `name` is in every error.
 */
export async function decodeImage(source: ImageSource, colorMode: ColorMode = 'rgb', name = sourceName(source)): Promise<Tensor> {
  channelsOf(colorMode, 'decodeImage');
  const blob = await toBlob(source, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new Error(`cannot decode image ${name}: ${(e as Error).message} (the browser decodes PNG, JPEG, GIF, WebP and BMP)`);
  }
  try {
    const { width, height } = bitmap;
    const ctx = context(width, height);
    ctx.drawImage(bitmap, 0, 0);
    return fromRgba(ctx.getImageData(0, 0, width, height).data, height, width, colorMode);
  } finally { bitmap.close(); }
}

/** A name for errors: a File's path or name, a URL, or what the source is. */
export function sourceName(source: ImageSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  const file = source as Partial<File>;
  return file.webkitRelativePath || file.name || (source instanceof Blob ? 'a Blob' : 'image bytes');
}

/** keras.utils.load_img for the browser: a File, Blob, bytes or URL into a uint8 tensor, optionally resized. */
export async function loadImg(source: ImageSource, { colorMode = 'rgb', targetSize = null, interpolation = 'nearest', keepAspectRatio = false, ...rest }: LoadImgOptions = {}): Promise<Tensor> {
  for (const k of Object.keys(rest)) throw new Error(`loadImg: unknown option '${k}' (known: colorMode, targetSize, interpolation, keepAspectRatio)`);
  let img = await decodeImage(source, colorMode);
  if (!targetSize) return img;
  if (keepAspectRatio) img = cropImage(img, cropBox(img.shape[0], img.shape[1], targetSize));
  return roundToUint8(resizeImage(img, targetSize, interpolation));
}
