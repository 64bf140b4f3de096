// Image files <-> tensors (keras.utils.load_img / img_to_array / array_to_img / save_img).
// Decoding and encoding use sharp (libvips: PNG, JPEG, GIF, WebP, TIFF, AVIF; prebuilt, nothing
// downloaded at install). It decodes a 320x240 JPEG 3-5x faster than jpeg-js and runs on the
// libuv pool, so concurrent decodes use every core without worker threads (see bench/data.ts).
// Resizing is deeptype's own kernel (ops/image.ts), so pixels match tf.image.resize.
import type SharpType from 'sharp';
import { nodeBuiltin, requireOptional } from '../core/node-only.ts';
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

let sharpModule: typeof SharpType | undefined;
async function sharp(): Promise<typeof SharpType> {
  sharpModule ??= requireOptional<typeof SharpType>('sharp', 'decoding and encoding images');
  return sharpModule;
}
const readFile = (p: string): Promise<Uint8Array> => nodeBuiltin('node:fs/promises', 'reading image files').readFile(p);
const extname = (p: string): string => nodeBuiltin('node:path', 'saving images').extname(p);

export function channelsOf(colorMode: ColorMode, what: string): number {
  const c = CHANNELS[colorMode];
  if (!c) throw new Error(`${what}: colorMode must be 'grayscale', 'rgb' or 'rgba', got '${colorMode}'`);
  return c;
}

/**
 * Decodes image bytes to a uint8 tensor [height, width, channels] (channels from colorMode, as
 * tf.io.decode_image(channels=...) does: alpha dropped for rgb, added opaque for rgba, luminance
 * for grayscale). `name` (the file) is in every error; a truncated or unreadable file is an error.
 */
export async function decodeImage(bytes: Uint8Array, colorMode: ColorMode = 'rgb', name = 'image'): Promise<Tensor> {
  const channels = channelsOf(colorMode, 'decodeImage');
  const s = await sharp();
  try {
    let img = s(bytes, { failOn: 'truncated', animated: false });
    if (colorMode === 'grayscale') img = img.removeAlpha().toColourspace('b-w');
    else if (colorMode === 'rgb') img = img.removeAlpha().toColourspace('srgb');
    else img = img.toColourspace('srgb').ensureAlpha();
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
    return new Tensor(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, channels]);
  } catch (e) {
    const why = (e as Error).message.replace(/\s+$/, '');
    const bmp = bytes[0] === 0x42 && bytes[1] === 0x4d ? ' (BMP files are not supported by the decoder, sharp; convert them to PNG)' : '';
    throw new Error(`cannot decode image ${name}: ${why}${bmp}`);
  }
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

export interface LoadImgOptions {
  colorMode?: ColorMode;
  /** [height, width] to resize to. */
  targetSize?: [number, number] | null;
  /** 'nearest' (Keras's default for loadImg) or 'bilinear'. */
  interpolation?: ResizeMethod;
  /** Crop the center to the target's aspect ratio before resizing. */
  keepAspectRatio?: boolean;
}

/** Reads an image file into a uint8 tensor [height, width, channels], optionally resized (then float32). */
export async function loadImg(path: string, { colorMode = 'rgb', targetSize = null, interpolation = 'nearest', keepAspectRatio = false, ...rest }: LoadImgOptions = {}): Promise<Tensor> {
  for (const k of Object.keys(rest)) throw new Error(`loadImg: unknown option '${k}' (known: colorMode, targetSize, interpolation, keepAspectRatio)`);
  let bytes: Uint8Array;
  try { bytes = await readFile(path); } catch (e) { throw new Error(`loadImg: cannot read ${path} (${(e as Error).message})`); }
  let img = await decodeImage(bytes, colorMode, path);
  if (!targetSize) return img;
  if (keepAspectRatio) img = cropImage(img, cropBox(img.shape[0], img.shape[1], targetSize));
  const resized = resizeImage(img, targetSize, interpolation);
  // Keras keeps a PIL image's uint8 pixels: round the interpolated values back.
  const out = new Uint8Array(resized.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(resized.data[i])));
  return new Tensor(out, resized.shape);
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

/** Writes an image tensor to a file; the format comes from the extension (png, jpg/jpeg, webp, gif, tiff, avif). */
export async function saveImg(path: string, x: Tensor, { scale = true, fileFormat }: { scale?: boolean; fileFormat?: string } = {}): Promise<void> {
  const img = x.dtype === 'uint8' && !scale ? x : arrayToImg(x, { scale });
  const [height, width, channels] = img.rank === 2 ? [...img.shape, 1] : img.shape;
  const format = (fileFormat ?? extname(path).slice(1)).toLowerCase().replace('jpg', 'jpeg');
  const known = ['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif'];
  if (!known.includes(format)) throw new Error(`saveImg: cannot tell the format of ${path} (give fileFormat: one of ${known.join(', ')})`);
  const s = await sharp();
  let pipeline = s(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width, height, channels: channels as 1 | 3 | 4 } });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  await pipeline.toFormat(format as 'png').toFile(path);
}
