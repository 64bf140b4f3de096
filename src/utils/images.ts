// Image files <-> tensors (keras.utils.load_img / img_to_array / array_to_img / save_img).
// Decoding and encoding use sharp (libvips: PNG, JPEG, GIF, WebP, TIFF, AVIF; prebuilt, nothing
// downloaded at install); BMP, which libvips lacks, is read by bmp.ts. It decodes a 320x240 JPEG 3-5x faster than jpeg-js and runs on the
// libuv pool, so concurrent decodes use every core without worker threads (see bench/data.ts).
// Resizing is deeptype's own kernel (ops/image.ts), so pixels match tf.image.resize.
import type SharpType from 'sharp';
import { nodeBuiltin, requireOptional } from '../core/node-only.ts';
import { Tensor } from '../core/tensor.ts';
import { decodeBmp, isBmp } from './bmp.ts';
import { arrayToImg, channelsOf, cropBox, cropImage, resizeImage, roundToUint8, type ColorMode, type ResizeMethod } from './image-arrays.ts';

export { arrayToImg, channelsOf, cropBox, cropImage, imgToArray, resizeImage, type ColorMode, type ResizeMethod } from './image-arrays.ts';

/** What decodeImage reads: sharp's formats, and BMP by our own reader. */
export const FORMATS_READ = 'PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF (sharp) and uncompressed 8-, 24- and 32-bit BMP';

let sharpModule: typeof SharpType | undefined;
async function sharp(): Promise<typeof SharpType> {
  sharpModule ??= requireOptional<typeof SharpType>('sharp', 'decoding and encoding images');
  return sharpModule;
}
const readFile = (p: string): Promise<Uint8Array> => nodeBuiltin('node:fs/promises', 'reading image files').readFile(p);
const extname = (p: string): string => nodeBuiltin('node:path', 'saving images').extname(p);

/**
 * Decodes image bytes to a uint8 tensor [height, width, channels] (channels from colorMode, as
 * tf.io.decode_image(channels=...) does: alpha dropped for rgb, added opaque for rgba, luminance
 * for grayscale). `name` (the file) is in every error; a truncated or unreadable file is an error.
 */
export async function decodeImage(bytes: Uint8Array, colorMode: ColorMode = 'rgb', name = 'image'): Promise<Tensor> {
  const channels = channelsOf(colorMode, 'decodeImage');
  const s = await sharp();
  try {
    // BMP, which libvips cannot read, through our own reader, then the same color conversion.
    const bmp = isBmp(bytes) ? decodeBmp(bytes) : null;
    let img = bmp ? s(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } }) : s(bytes, { failOn: 'truncated', animated: false });
    if (colorMode === 'grayscale') img = img.removeAlpha().toColourspace('b-w');
    else if (colorMode === 'rgb') img = img.removeAlpha().toColourspace('srgb');
    else img = img.toColourspace('srgb').ensureAlpha();
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
    return new Tensor(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, channels]);
  } catch (e) {
    const why = (e as Error).message.replace(/\s+$/, '');
    throw new Error(`cannot decode image ${name}: ${why} (formats read: ${FORMATS_READ})`);
  }
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
  return roundToUint8(resizeImage(img, targetSize, interpolation));
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
