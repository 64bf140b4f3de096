// Convolutions over zero-size tensors (a batch of 0 images, 0 filters) give TF.js's empty
// outputs and zero gradients on both backends; the wasm kernels split their work by these sizes
// and used to answer with "out of memory: NaN MB" / "NaN items".
import { describe, it } from 'node:test';
import * as dt from '../src/index.ts';
import { withBackend } from '../src/core/engine.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

type Case = { what: string; x: number[]; w: number[]; transpose?: number[] };
const cases: Case[] = [
  { what: 'conv2d, batch 0', x: [0, 5, 5, 2], w: [3, 3, 2, 4] },
  { what: 'conv2d, 0 filters', x: [2, 5, 5, 2], w: [3, 3, 2, 0] },
  { what: 'conv2dTranspose, batch 0', x: [0, 5, 5, 2], w: [3, 3, 4, 2], transpose: [0, 5, 5, 4] },
  { what: 'conv2dTranspose, 0 filters', x: [1, 5, 5, 2], w: [3, 3, 0, 2], transpose: [1, 5, 5, 0] },
];

const ones = (shape: number[], lib: typeof dt | typeof tf) => (lib as typeof tf).ones(shape).mul(0.5);

for (const backend of ['js', 'wasm']) {
  describe(`convolutions of zero-size tensors (${backend})`, () => {
    for (const c of cases) {
      it(`${c.what}: the output and both gradients are TF.js's`, () => withBackend(backend, () => {
        const ours = (x: dt.Tensor, w: dt.Tensor) => c.transpose ? dt.conv2dTranspose(x, w, c.transpose as [number, number, number, number], 1, 'same') : dt.conv2d(x, w, 1, 'same');
        const theirs = (x: tf.Tensor, w: tf.Tensor) => c.transpose ? tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, c.transpose as [number, number, number, number], 1, 'same') : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        const x = ones(c.x, dt) as unknown as dt.Tensor, w = ones(c.w, dt) as unknown as dt.Tensor;
        assertClose(ours(x, w), theirs(toTf(x), toTf(w)), 1e-6, `${c.what} forward`);
        const { grads } = dt.valueAndGrads(() => ours(x, w).sum(), [x, w]);
        const tfGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) => theirs(a, b).sum())([toTf(x), toTf(w)]);
        grads.forEach((g, i) => assertClose(g, tfGrads[i], 1e-6, `${c.what} gradient ${i}`));
      }));
    }
  });
}
