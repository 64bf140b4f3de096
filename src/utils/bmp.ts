// A small BMP reader, since sharp (libvips without ImageMagick) cannot read BMP and Keras's
// image_dataset_from_directory lists .bmp files. It reads what almost every BMP is:
// uncompressed 24-bit, 32-bit (BI_RGB, or BI_BITFIELDS with 8-bit masks) and 8-bit paletted,
// bottom-up or top-down. RLE and the other compressions are refused by name.

export interface BmpPixels { width: number; height: number; channels: 3 | 4; data: Uint8Array }

const COMPRESSION = ['none', 'RLE8', 'RLE4', 'BI_BITFIELDS', 'JPEG', 'PNG', 'BI_ALPHABITFIELDS'];
/** Bigger than this many pixels is a broken header, not a picture. */
const MAX_PIXELS = 1 << 28;

export const isBmp = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;

/** Position and width of an 8-bit channel mask (null when the mask is not 8 contiguous bits). */
function maskShift(mask: number): number | null {
  if (mask === 0) return null;
  const shift = 31 - Math.clz32(mask & -mask);
  return mask >>> shift === 0xff ? shift : null;
}

/** Decodes a BMP file to RGB (or RGBA when the file has an alpha mask), top row first. */
export function decodeBmp(bytes: Uint8Array): BmpPixels {
  const fail = (why: string): never => { throw new Error(`BMP ${why}`); };
  if (!isBmp(bytes) || bytes.length < 26) fail('file too short or without the BM signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataAt = view.getUint32(10, true), headerSize = view.getUint32(14, true);
  const core = headerSize === 12;
  if (!core && headerSize < 40) fail(`header of ${headerSize} bytes is not a known BMP header (12, 40, 52, 56, 108 or 124)`);
  if (14 + headerSize > bytes.length) fail('file truncated in its header');
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getInt16(20, true) : view.getInt32(22, true);
  const bpp = core ? view.getUint16(24, true) : view.getUint16(28, true);
  const compression = core ? 0 : view.getUint32(30, true);
  const height = Math.abs(rawHeight), topDown = rawHeight < 0;
  if (compression !== 0 && compression !== 3 && compression !== 6) {
    fail(`compressed with ${COMPRESSION[compression] ?? `code ${compression}`} is not supported (only uncompressed 8-bit paletted, 24-bit and 32-bit BMPs are); convert it to PNG`);
  }
  if (!(width > 0 && height > 0 && width * height <= MAX_PIXELS)) fail(`size ${width}x${rawHeight} is not a valid image size`);
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) fail(`with ${bpp} bits per pixel is not supported (only 8-bit paletted, 24-bit and 32-bit)`);
  if (compression !== 0 && bpp !== 32) fail(`with ${COMPRESSION[compression]} at ${bpp} bits per pixel is not supported (only 32-bit)`);

  // 32-bit channel masks: BI_RGB means B, G, R, unused; bitfields give them (after a 40-byte header, or inside a longer one).
  let shifts: (number | null)[] = [16, 8, 0, null];
  if (compression !== 0) {
    const at = 14 + 40, count = compression === 6 || headerSize >= 56 ? 4 : 3;
    if (at + 4 * count > bytes.length) fail('file truncated in its channel masks');
    shifts = Array.from({ length: 4 }, (_, k) => (k < count ? maskShift(view.getUint32(at + 4 * k, true)) : null));
    if (shifts.slice(0, 3).some((s) => s === null)) fail('channel masks that are not 8 bits each are not supported');
  }
  const channels = shifts[3] === null ? 3 : 4;

  let palette: Uint8Array | null = null;
  if (bpp === 8) {
    const entry = core ? 3 : 4, colorsUsed = core ? 0 : view.getUint32(46, true);
    const count = colorsUsed || 256, at = 14 + headerSize;
    if (count > 256 || at + count * entry > bytes.length) fail(`palette of ${count} colors does not fit in the file`);
    palette = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) { palette[3 * i] = bytes[at + i * entry + 2]; palette[3 * i + 1] = bytes[at + i * entry + 1]; palette[3 * i + 2] = bytes[at + i * entry]; }
  }

  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataAt + stride * (height - 1) + Math.ceil((width * bpp) / 8) > bytes.length) fail(`file truncated: ${height} rows of ${stride} bytes from byte ${dataAt} need more than its ${bytes.length} bytes`);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = dataAt + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const index = bytes[row + x];
        if (3 * index >= palette.length) fail(`pixel (${x}, ${y}) uses color ${index} of a ${palette.length / 3}-color palette`);
        out[o] = palette[3 * index]; out[o + 1] = palette[3 * index + 1]; out[o + 2] = palette[3 * index + 2];
      } else if (bpp === 24) {
        const p = row + 3 * x;
        out[o] = bytes[p + 2]; out[o + 1] = bytes[p + 1]; out[o + 2] = bytes[p];
      } else {
        const v = view.getUint32(row + 4 * x, true);
        for (let k = 0; k < channels; k++) out[o + k] = (v >>> shifts[k]!) & 0xff;
      }
    }
  }
  return { width, height, channels, data: out };
}
