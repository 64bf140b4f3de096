// TF.js's tf.browser.fromPixels / toPixels on ImageData-like objects (Node): the same tensors
// and bytes as TF.js's, and clear errors. (Elements need a browser's canvas.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';

const width = 5, height = 3;
const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37 + 11) % 256);

describe('browser.fromPixels / toPixels against TF.js', () => {
  for (const channels of [1, 3, 4]) {
    it(`fromPixels with ${channels} channel(s)`, () => {
      const theirs = tf.browser.fromPixels({ data: rgba, width, height }, channels);
      const ours = dt.browser.fromPixels({ data: rgba, width, height }, channels);
      assert.deepEqual(ours.shape, theirs.shape);
      assert.equal(ours.dtype, 'int32');
      assert.deepEqual(Array.from(ours.data), Array.from(theirs.dataSync()));
    });
  }
  for (const [name, make] of [
    ['float [h, w, 3]', () => Array.from({ length: width * height * 3 }, (_, i) => (i % 11) / 10)],
    ['int [h, w, 4]', () => Array.from({ length: width * height * 4 }, (_, i) => (i * 7) % 256)],
    ['float [h, w]', () => Array.from({ length: width * height }, (_, i) => (i % 5) / 4)],
  ] as const) {
    it(`toPixels of ${name}`, async () => {
      const v = make();
      const shape = name.includes('3]') ? [height, width, 3] : name.includes('4]') ? [height, width, 4] : [height, width];
      const dtype = name.startsWith('int') ? 'int32' : 'float32';
      const theirs = await tf.browser.toPixels(tf.tensor(v, shape, dtype) as unknown as tf.Tensor3D);
      const ours = await dt.browser.toPixels(dt.tensor(v, shape, dtype));
      assert.deepEqual(Array.from(ours), Array.from(theirs));
    });
  }
  it('draw paints what toPixels gives into a canvas; fromPixelsAsync', async () => {
    let painted: Uint8ClampedArray | undefined;
    (globalThis as { ImageData?: unknown }).ImageData ??= class { constructor(public data: Uint8ClampedArray, public width: number, public height: number) {} };
    const canvas = { width: 0, height: 0, getContext: () => ({ putImageData: (d: { data: Uint8ClampedArray }) => { painted = d.data; } }) as unknown as CanvasRenderingContext2D };
    const img = dt.tensor([0, 0.5, 1, 0.25, 0.75, 1], [1, 2, 3]);
    dt.browser.draw(img, canvas);
    assert.deepEqual(Array.from(painted!), Array.from(await dt.browser.toPixels(img)));
    assert.deepEqual([canvas.width, canvas.height], [2, 1]);
    assert.throws(() => dt.browser.draw(img, {} as never), /browser\.draw: expected a canvas/);
    const t = await dt.browser.fromPixelsAsync({ data: rgba, width, height }, 4);
    assert.deepEqual(Array.from(t.data), Array.from(dt.browser.fromPixels({ data: rgba, width, height }, 4).data));
  });
  it('bad input is named', async () => {
    assert.throws(() => dt.browser.fromPixels({ data: rgba, width, height }, 5), /numChannels must be 1, 2, 3 or 4, got 5/);
    assert.throws(() => dt.browser.fromPixels({ data: rgba.subarray(4), width, height }), /5x3 RGBA needs 60 bytes, got 56/);
    assert.throws(() => dt.browser.fromPixels({ width: 2, height: 2 }), /need a browser \(a 2D canvas\); in Node pass \{data, width, height\}/);
    await assert.rejects(dt.browser.toPixels(dt.tensor([0.5, 1.5], [1, 2])), /value 1.5 at pixel 1 is outside \[0, 1\]/);
    await assert.rejects(dt.browser.toPixels(dt.ones([2, 2, 2])), /must have 1, 3 or 4 channels/);
  });
});

describe('nextFrame', () => {
  it('resolves after the current turn of the event loop (Node has no animation frames)', async () => {
    let later = false;
    setTimeout(() => { later = true; }, 0);
    const p = dt.nextFrame();
    assert.equal(later, false);
    await p;
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(later, true);
  });
});
