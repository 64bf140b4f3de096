// BMP files (our reader, src/utils/bmp.ts, since sharp has none): files written here by a
// writer of the format's layout (bottom-up and top-down rows with padding, 8-bit palettes,
// 24-bit, 32-bit BI_RGB and BI_BITFIELDS with alpha) decode to their pixels; files written by
// Pillow (when python3 has it) decode to the pixels Pillow reads back; the color modes match
// the same pixels decoded from a PNG; RLE, other depths and truncated files are clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as dt from '../src/index.ts';

/** w x h RGBA pixels, top row first: a gradient with texture and a varying alpha. */
function rgba(h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w * 4);
  for (let i = 0; i < h * w; i++) out.set([(i * 37) & 255, (i * 11 + 90) & 255, (255 - i * 5) & 255, (i * 53 + 7) & 255], 4 * i);
  return out;
}

interface BmpSpec { bpp: 8 | 24 | 32; topDown?: boolean; bitfields?: boolean; header?: 40 | 124; palette?: Uint8Array; colorsUsed?: number; compression?: number }

/** A BMP file of pixels (RGBA, top row first; for 8 bpp, palette indices in the red byte). */
function writeBmp(px: Uint8Array, h: number, w: number, spec: BmpSpec): Uint8Array {
  const header = spec.header ?? (spec.bitfields ? 124 : 40);
  const paletteBytes = spec.bpp === 8 ? 4 * (spec.colorsUsed || 256) : 0;
  // After a 40-byte header the masks follow it (16 bytes with alpha: BI_ALPHABITFIELDS); longer headers hold them.
  const masks = spec.bitfields && header === 40 ? 16 : 0;
  const stride = Math.ceil((w * spec.bpp) / 32) * 4, dataAt = 14 + header + masks + paletteBytes;
  const out = new Uint8Array(dataAt + stride * h), v = new DataView(out.buffer);
  out[0] = 0x42; out[1] = 0x4d;
  v.setUint32(2, out.length, true); v.setUint32(10, dataAt, true);
  v.setUint32(14, header, true); v.setInt32(18, w, true); v.setInt32(22, spec.topDown ? -h : h, true);
  v.setUint16(26, 1, true); v.setUint16(28, spec.bpp, true);
  v.setUint32(30, spec.compression ?? (spec.bitfields ? (header === 40 ? 6 : 3) : 0), true); v.setUint32(34, stride * h, true);
  v.setUint32(46, spec.colorsUsed ?? 0, true);
  // Masks: R in bits 8-15, G 16-23, B 24-31, A 0-7 (not the usual order, so the shifts are exercised).
  if (spec.bitfields) [0xff00, 0xff0000, 0xff000000, 0xff].forEach((m, k) => v.setUint32(54 + 4 * k, m, true));
  if (spec.palette) for (let i = 0; i < spec.palette.length / 3; i++) out.set([spec.palette[3 * i + 2], spec.palette[3 * i + 1], spec.palette[3 * i], 0], 14 + header + masks + 4 * i);
  for (let y = 0; y < h; y++) {
    const row = dataAt + (spec.topDown ? y : h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = px.subarray(4 * (y * w + x), 4 * (y * w + x) + 4);
      if (spec.bpp === 8) out[row + x] = r;
      else if (spec.bpp === 24) out.set([b, g, r], row + 3 * x);
      else if (spec.bitfields) v.setUint32(row + 4 * x, ((r << 8) | (g << 16) | (b << 24) | a) >>> 0, true);
      else out.set([b, g, r, 0x5a], row + 4 * x); // BI_RGB: the fourth byte is unused
    }
  }
  return out;
}

const channels = (px: Uint8Array, keep: number[]): number[] => Array.from(px).filter((_, i) => keep.includes(i % 4));

test('BMP: 24-bit, 32-bit (BI_RGB and bitfields with alpha) and 8-bit paletted, bottom-up and top-down, decode to their pixels', async () => {
  const [h, w] = [5, 7]; // 7 pixels: 21 bytes a row at 24 bits, padded to 24
  const px = rgba(h, w);
  for (const topDown of [false, true]) {
    assert.deepEqual(Array.from((await dt.utils.decodeImage(writeBmp(px, h, w, { bpp: 24, topDown }), 'rgb')).data), channels(px, [0, 1, 2]), `24-bit topDown ${topDown}`);
    assert.deepEqual(Array.from((await dt.utils.decodeImage(writeBmp(px, h, w, { bpp: 32, topDown }), 'rgba')).data), channels(px, [0, 1, 2]).flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v])), `32-bit BI_RGB topDown ${topDown}: no alpha`);
    for (const header of [40, 124] as const) {
      const t = await dt.utils.decodeImage(writeBmp(px, h, w, { bpp: 32, topDown, bitfields: true, header }), 'rgba');
      assert.deepEqual(Array.from(t.data), Array.from(px), `32-bit bitfields, ${header}-byte header, topDown ${topDown}`);
    }
    // BI_BITFIELDS after a 40-byte header has three masks: no alpha.
    const noAlpha = await dt.utils.decodeImage(writeBmp(px, h, w, { bpp: 32, topDown, bitfields: true, header: 40, compression: 3 }), 'rgba');
    assert.deepEqual(Array.from(noAlpha.data), Array.from(px).map((v, i) => (i % 4 === 3 ? 255 : v)), `32-bit BI_BITFIELDS, 40-byte header, topDown ${topDown}`);
  }
  // 8-bit: a 13-color palette (colorsUsed 13) and indices into it; rows of 7 bytes padded to 8.
  const palette = Uint8Array.from({ length: 13 * 3 }, (_, i) => (i * 71 + 3) & 255);
  const idx = Uint8Array.from({ length: h * w * 4 }, (_, i) => (i % 4 === 0 ? (i / 4) % 13 : 0));
  const expected = Array.from({ length: h * w }, (_, i) => Array.from(palette.subarray(3 * (i % 13), 3 * (i % 13) + 3))).flat();
  assert.deepEqual(Array.from((await dt.utils.decodeImage(writeBmp(idx, h, w, { bpp: 8, palette, colorsUsed: 13 }), 'rgb')).data), expected, '8-bit paletted');
  // Color modes as for any other file: the same pixels from a PNG give the same grayscale and rgba.
  const png = await sharp(Buffer.from(channels(px, [0, 1, 2])), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  for (const mode of ['grayscale', 'rgba', 'rgb'] as const) {
    const a = await dt.utils.decodeImage(writeBmp(px, h, w, { bpp: 24 }), mode), b = await dt.utils.decodeImage(png, mode);
    assert.deepEqual(a.shape, [h, w, mode === 'grayscale' ? 1 : mode === 'rgb' ? 3 : 4]);
    assert.deepEqual(Array.from(a.data), Array.from(b.data), `${mode}: BMP and PNG of the same pixels`);
  }
});

test('BMP files written by Pillow decode to the pixels Pillow reads back', { skip: spawnSync('/usr/bin/python3', ['-c', 'import PIL']).status !== 0 && 'python3 with Pillow is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeptype-bmp-'));
  // Pillow writes RGB as 24-bit, L and P as 8-bit paletted, RGBA as 32-bit; it prints the pixels it reads back.
  const script = `
import sys, json
from PIL import Image
d = sys.argv[1]; out = {}
w, h = 11, 6
rgb = Image.frombytes('RGB', (w, h), bytes((i * 29 + 17) % 256 for i in range(w * h * 3)))
rgb.save(d + '/rgb.bmp'); rgb.convert('L').save(d + '/l.bmp'); rgb.quantize(20).save(d + '/p.bmp')
Image.frombytes('RGBA', (w, h), bytes((i * 13 + 5) % 256 for i in range(w * h * 4))).save(d + '/rgba.bmp')
for f in ['rgb', 'l', 'p', 'rgba']:
    im = Image.open(d + '/' + f + '.bmp')
    out[f] = {'mode': im.mode, 'pixels': list(im.convert('RGBA' if im.mode == 'RGBA' else 'RGB').tobytes())}
print(json.dumps(out))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const pillow = JSON.parse(r.stdout) as Record<string, { mode: string; pixels: number[] }>;
  for (const [f, { mode, pixels }] of Object.entries(pillow)) {
    const t = await dt.utils.decodeImage(readFileSync(join(dir, `${f}.bmp`)), mode === 'RGBA' ? 'rgba' : 'rgb', `${f}.bmp`);
    assert.deepEqual(Array.from(t.data), pixels, `${f}.bmp (Pillow mode ${mode})`);
  }
});

test('BMP errors name the file and say what is supported; imageDatasetFromDirectory reads .bmp files', async () => {
  const px = rgba(3, 4);
  const cases: [Uint8Array, RegExp][] = [
    [writeBmp(px, 3, 4, { bpp: 8, palette: new Uint8Array(768), compression: 1 }), /compressed with RLE8 is not supported \(only uncompressed 8-bit paletted, 24-bit and 32-bit BMPs are\)/],
    [Object.assign(writeBmp(px, 3, 4, { bpp: 24 }), { 28: 16 }), /16 bits per pixel is not supported/],
    [writeBmp(px, 3, 4, { bpp: 24 }).subarray(0, 80), /file truncated: 3 rows of 12 bytes from byte 54/],
    [writeBmp(px.map((v, i) => (i / 4) % 3), 3, 4, { bpp: 8, palette: new Uint8Array(6), colorsUsed: 2 }), /pixel \(2, 0\) uses color 2 of a 2-color palette/],
    [Uint8Array.of(0x42, 0x4d, 1, 2, 3), /BMP file too short/],
  ];
  for (const [bytes, pattern] of cases) {
    await assert.rejects(dt.utils.decodeImage(bytes, 'rgb', 'photos/x.bmp'), (e: Error) => {
      assert.match(e.message, /^cannot decode image photos\/x\.bmp: BMP /);
      assert.match(e.message, pattern);
      assert.match(e.message, /formats read: PNG, JPEG, GIF, WebP, TIFF, AVIF\/HEIF \(sharp\) and uncompressed 8-, 24- and 32-bit BMP/);
      return true;
    });
  }
  const root = mkdtempSync(join(tmpdir(), 'deeptype-bmp-dir-'));
  for (const c of ['a', 'b']) mkdirSync(join(root, c));
  writeFileSync(join(root, 'a', '1.bmp'), writeBmp(px, 3, 4, { bpp: 24 }));
  writeFileSync(join(root, 'b', '2.BMP'), writeBmp(px, 3, 4, { bpp: 32, bitfields: true }));
  const ds = await dt.utils.imageDatasetFromDirectory(root, { imageSize: [3, 4], shuffle: false, verbose: false, batchSize: 2 });
  const [[x, y]] = (await ds.toArray()) as [dt.Tensor, dt.Tensor][];
  assert.deepEqual(Array.from(y.data), [0, 1]);
  assert.deepEqual(Array.from(x.data), [...channels(px, [0, 1, 2]), ...channels(px, [0, 1, 2])]);
});
