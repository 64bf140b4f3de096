// The PNG codec figures use (src/plot/png.ts), against pngjs as the reference: what we write
// pngjs reads back, and what pngjs writes (every filter type, RGB and RGBA, greyscale) we read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { decodePng, encodePng, toBase64 } from '../src/plot/png.ts';

const W = 37, H = 23;
const rgba = Uint8Array.from({ length: W * H * 4 }, (_, i) => (i * 7919 + (i >> 6) * 31) & 0xff);

describe('PNG codec', () => {
  it('writes PNGs that pngjs reads back exactly', () => {
    const back = PNG.sync.read(Buffer.from(encodePng(W, H, rgba)));
    assert.equal(back.width, W);
    assert.equal(back.height, H);
    assert.deepEqual(new Uint8Array(back.data), rgba);
  });

  for (const [colorType, filterType] of [[6, -1], [6, 4], [2, 1], [2, 3], [0, 2]] as const) {
    it(`reads pngjs output: colour type ${colorType}, filter ${filterType === -1 ? 'adaptive' : filterType}`, () => {
      const png = new PNG({ width: W, height: H, colorType, filterType, inputHasAlpha: true });
      png.data.set(rgba);
      const bytes = PNG.sync.write(png, { colorType, filterType, inputHasAlpha: true });
      const expected = PNG.sync.read(bytes); // pngjs's own reading, as RGBA
      const ours = decodePng(new Uint8Array(bytes));
      assert.equal(ours.width, W);
      assert.deepEqual(ours.data, new Uint8Array(expected.data));
    });
  }

  it('refuses what is not a PNG, and checks the RGBA size', () => {
    assert.throws(() => decodePng(new Uint8Array([1, 2, 3])), /decodePng: not a PNG file/);
    assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /encodePng: 2x2 RGBA needs 16 bytes, got 15/);
  });

  it('base64 as Buffer writes it', () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 13) & 0xff);
    assert.equal(toBase64(big), Buffer.from(big).toString('base64'));
  });
});
