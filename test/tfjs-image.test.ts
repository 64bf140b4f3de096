// TF.js's tf.image functions: values against TF.js in each sampling mode (legacy,
// alignCorners, halfPixelCenters), up and down, on the js and wasm backends; gradients by finite differences.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(11);
const uniform = (n: number): number[] => Array.from({ length: n }, () => rng.uniform(-1, 1));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${what}[${i}]: ${a[i]} vs TF.js ${b[i]}`);
};

before(async () => { await tf.setBackend('cpu'); dt.setBackend('wasm'); await dt.ready(); dt.setBackend('js'); });

describe('tf.image against TF.js', () => {
  const shape = [2, 5, 7, 3], x = uniform(2 * 5 * 7 * 3);
  const modes: [string, boolean, boolean][] = [['legacy', false, false], ['alignCorners', true, false], ['halfPixelCenters', false, true]];
  for (const method of ['resizeBilinear', 'resizeNearestNeighbor'] as const) {
    for (const [mode, ac, hp] of modes) {
      for (const size of [[9, 4], [3, 11], [1, 1]] as [number, number][]) {
        it(`${method} ${mode} to ${size}: values as TF.js on js and wasm; gradient by finite differences`, () => {
          const theirs = tf.image[method](tf.tensor4d(x, shape as [number, number, number, number]), size, ac, hp);
          for (const b of ['js', 'wasm'] as const) dt.withBackend(b, () => {
            const ours = dt.image[method](dt.tensor(x, shape, 'float32'), size, ac, hp);
            assert.deepEqual(ours.shape, theirs.shape);
            close(ours.data, theirs.dataSync(), `${b} ${method} ${mode}`);
          });
          // TF.js's own gradients of these kernels are wrong here (height and width swapped for
          // non-square images, halfPixelCenters ignored by the bilinear one, NaN for a 1x1
          // output), so the gradient oracle is finite differences in float64.
          dt.withBackend('js', () => checkGradients((t) => dt.image[method](t, size, ac, hp), [randomTensor([1, 5, 7, 2], rng)]));
        });
      }
    }
  }
  it('one [h, w, c] image, flipLeftRight, rgbToGrayscale, grayscaleToRGB', () => {
    const one = x.slice(0, 5 * 7 * 3);
    close(dt.image.resizeBilinear(dt.tensor(one, [5, 7, 3]), [4, 4]).data, tf.image.resizeBilinear(tf.tensor3d(one, [5, 7, 3]), [4, 4]).dataSync(), '3-D resize');
    close(dt.image.flipLeftRight(dt.tensor(x, shape)).data, tf.image.flipLeftRight(tf.tensor4d(x, shape as [number, number, number, number])).dataSync(), 'flipLeftRight');
    close(dt.image.rgbToGrayscale(dt.tensor(x, shape)).data, tf.image.rgbToGrayscale(tf.tensor4d(x, shape as [number, number, number, number])).dataSync(), 'rgbToGrayscale');
    const pixels = [0, 128, 255, 10, 20, 30];
    assert.deepEqual(Array.from(dt.image.rgbToGrayscale(dt.tensor(pixels, [2, 3], 'int32')).data), Array.from(tf.image.rgbToGrayscale(tf.tensor2d(pixels, [2, 3], 'int32')).dataSync()));
    const g = uniform(10);
    close(dt.image.grayscaleToRGB(dt.tensor(g, [2, 5, 1])).data, tf.image.grayscaleToRGB(tf.tensor3d(g, [2, 5, 1])).dataSync(), 'grayscaleToRGB');
  });
  it('bad arguments are named', () => {
    assert.throws(() => dt.image.resizeBilinear(dt.ones([2, 4, 4, 1]), [3, 3], true, true), /image.resizeBilinear: alignCorners and halfPixelCenters cannot both be true/);
    assert.throws(() => dt.image.resizeBilinear(dt.ones([4, 4]), [3, 3]), /image.resizeBilinear: images must be \[batch, height, width, channels\] or \[height, width, channels\], got shape \[4, 4\]/);
    assert.throws(() => dt.image.resizeNearestNeighbor(dt.ones([1, 4, 4, 1]), [3, 0]), /size must be \[newHeight, newWidth\], two positive integers, got \[3,0\]/);
    assert.throws(() => dt.image.rgbToGrayscale(dt.ones([2, 2, 4])), /the last axis must hold 3 channels/);
    // Truthy non-booleans were taken as true, silently; a string fillValue filled NaN.
    assert.throws(() => dt.image.resizeBilinear(dt.ones([1, 4, 4, 1]), [3, 3], 'false' as never), /image.resizeBilinear: alignCorners must be a boolean, got "false"/);
    assert.throws(() => dt.image.resizeNearestNeighbor(dt.ones([1, 4, 4, 1]), [3, 3], false, 1 as never), /image.resizeNearestNeighbor: halfPixelCenters must be a boolean, got 1/);
    assert.throws(() => dt.image.transform(dt.ones([1, 4, 4, 1]), dt.tensor([[1, 0, 0, 0, 1, 0, 0, 0]]), 'nearest', 'constant', '0' as never), /imageTransform: fillValue must be a number, got "0"/);
  });
});
