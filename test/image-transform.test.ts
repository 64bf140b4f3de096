// imageTransform against TF.js's tf.image.transform (every fill mode, both interpolations,
// rotations, zooms, shears and projective maps) on both backends, and its gradient by finite
// differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { tensor, imageTransform } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { tf, assertClose } from './helpers/oracle.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';

const rng = new Random(3);
const images = tensor(Float32Array.from({ length: 2 * 7 * 9 * 2 }, () => rng.uniform(0, 1)), [2, 7, 9, 2]);
const rotation = (a: number, h: number, w: number): number[] => {
  const cx = (w - 1) / 2, cy = (h - 1) / 2, c = Math.cos(a), s = Math.sin(a);
  return [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0];
};
const cases: Record<string, number[][]> = {
  identity: [[1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]],
  translate: [[1, 0, -2.5, 0, 1, 1.25, 0, 0], [1, 0, 11.3, 0, 1, -9.6, 0, 0]],
  rotate: [rotation(0.7, 7, 9), rotation(-2.2, 7, 9)],
  zoomShear: [[1.7, 0.3, -3, 0.2, 0.6, 1, 0, 0], [0.4, 0, 2, 0, 2.5, -6, 0, 0]],
  projective: [[1, 0.1, 0.5, -0.05, 1, 0.2, 0.01, -0.02], [0.9, 0, 1, 0, 1.1, 0, -0.03, 0.04]],
  far: [[1, 0, -40.5, 0, 1, 33.2, 0, 0], [-1, 0, 50, 0, -1, -30, 0, 0]],
};

for (const backend of ['js', 'wasm']) test(`imageTransform matches tf.image.transform for every fill mode and interpolation (${backend} backend)`, () => dt.withBackend(backend, () => {
  for (const [name, t] of Object.entries(cases)) {
    for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
      for (const interpolation of ['nearest', 'bilinear'] as const) {
        const ours = imageTransform(images, tensor(t), { interpolation, fillMode, fillValue: 0.25 });
        // TF.js's CPU kernel returns after the first image of a batch, so it is asked one image at a time.
        for (let b = 0; b < 2; b++) {
          const theirs = tf.image.transform(tf.tensor(Array.from(images.index([b, b + 1]).data), [1, 7, 9, 2]) as tf.Tensor4D, tf.tensor([t[b]]) as tf.Tensor2D, interpolation, fillMode, 0.25);
          assertClose(ours.index([b, b + 1]), theirs, 1e-4, `${name} ${fillMode} ${interpolation} image ${b}`);
        }
      }
    }
  }
  const shared = imageTransform(images, tensor([cases.rotate[0]]), { interpolation: 'bilinear', fillMode: 'reflect' });
  const each = imageTransform(images, tensor([cases.rotate[0], cases.rotate[0]]), { interpolation: 'bilinear', fillMode: 'reflect' });
  assert.deepEqual(Array.from(shared.data), Array.from(each.data), 'one [1, 8] transform applies to every image');
  const out = imageTransform(images.index([0, 1]), tensor([cases.translate[0]]), { outputShape: [4, 5] });
  assertClose(out, tf.image.transform(tf.tensor(Array.from(images.index([0, 1]).data), [1, 7, 9, 2]) as tf.Tensor4D, tf.tensor([cases.translate[0]]) as tf.Tensor2D, 'nearest', 'constant', 0, [4, 5]), 1e-4, 'outputShape');
  assert.throws(() => imageTransform(images, tensor([[1, 0, 0, 0, 1, 0]])), /transforms must be \[2, 8\] or \[1, 8\]/);
  assert.throws(() => imageTransform(images, tensor(cases.identity), { fillMode: 'mirror' as never }), /fillMode must be/);
}));

test('imageTransform gradient in the image (finite differences, float64)', () => {
  dt.withBackend('js', () => {
    const x = randomTensor([2, 4, 5, 1], new Random(9), -1, 1, 'float64');
    for (const fillMode of ['reflect', 'constant'] as const) {
      const t = dt.tensor(Float64Array.from(cases.zoomShear.flat()), [2, 8]);
      checkGradients((xx: dt.Tensor) => imageTransform(xx, t, { interpolation: 'bilinear', fillMode, fillValue: 0.5 }).square().sum(), [x]);
    }
  });
});
