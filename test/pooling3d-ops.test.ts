// maxPool3d / avgPool3d against TF.js (outputs and gradients), a direct float64 pooling over
// 3-D windows (TF's 'same' rule, first maximum in window order), finite differences, wasm vs
// js, ties, and the errors. Where TF.js 4.22 is wrong the float64 loops are the reference:
// - its 3-D 'same' padding has no max(0, ...): with strides above the window it pads -1
//   (tf.maxPool3d on width 6, window 2, stride 3, 'same' reads columns 1 and 4, TF 0 and 3);
// - its cpu maxPool3d gradient encodes a window position with the window's height where the
//   width belongs (wrong whenever poolH != poolW), and gives ties to the last maximum;
// - its avgPool3d gradient divides by the full window at 'same' borders (as its 2-D one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { type Tensor } from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { checkGradients, randomTensor } from './helpers/gradcheck.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';
import { axis, reference, type Padding, type Triple } from './helpers/pool3d-reference.ts';

const rng = new Random(3);
const rand = (shape: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor => randomTensor(shape, rng, -1, 1, dtype);
const ops = { max: dt.maxPool3d, avg: dt.avgPool3d } as const;
const tfOps = { max: tf.maxPool3d, avg: tf.avgPool3d } as const;

// Odd sizes, strides 1 to 3, windows of unequal sides, both paddings.
const CASES: { shape: number[]; pool: Triple; strides: Triple; padding: Padding }[] = [
  { shape: [2, 4, 4, 4, 3], pool: [2, 2, 2], strides: [2, 2, 2], padding: 'valid' },
  { shape: [2, 5, 7, 6, 2], pool: [3, 3, 3], strides: [2, 2, 2], padding: 'same' },
  { shape: [1, 5, 6, 7, 3], pool: [3, 2, 2], strides: [1, 2, 3], padding: 'same' },
  { shape: [2, 7, 5, 6, 2], pool: [2, 3, 2], strides: [3, 1, 2], padding: 'valid' },
  { shape: [1, 6, 5, 5, 4], pool: [1, 3, 3], strides: [1, 1, 1], padding: 'same' },
  { shape: [2, 5, 4, 3, 1], pool: [3, 1, 1], strides: [2, 1, 1], padding: 'same' },
  { shape: [1, 3, 3, 3, 2], pool: [3, 3, 3], strides: [1, 1, 1], padding: 'valid' },
  // Width 6, window 2, stride 3, 'same': TF pads 0 (TF.js -1, so only the float64 loops check it).
  { shape: [1, 5, 4, 6, 2], pool: [3, 2, 2], strides: [1, 2, 3], padding: 'same' },
];
const title = (c: typeof CASES[number]) => `[${c.shape}] pool [${c.pool}] strides [${c.strides}] ${c.padding}`;
const tfjsPadsRight = (c: typeof CASES[number]) => c.shape.slice(1, 4).every((size, a) => !axis(size, c.pool[a], c.strides[a], c.padding).tfjsWrong);

describe('maxPool3d / avgPool3d', () => {
  for (const kind of ['max', 'avg'] as const) {
    for (const c of CASES) {
      it(`${kind}: ${title(c)}: outputs and gradients vs the float64 loops, and TF.js where it is right`, () => {
        const x = rand(c.shape), dy = rand(reference(x, c.pool, c.strides, c.padding, kind).y.shape);
        const ref = reference(x, c.pool, c.strides, c.padding, kind, dy);
        const y = ops[kind](x, c.pool, c.strides, c.padding);
        assertClose(y, ref.y, 1e-6, 'output vs float64');
        const { grads: [dx] } = dt.valueAndGrads(() => ops[kind](x, c.pool, c.strides, c.padding).mul(dy).sum(), [x]);
        assertClose(dx, ref.dx, 1e-6, 'input gradient vs float64');
        if (!tfjsPadsRight(c)) return;
        const tx = toTf(x) as tf.Tensor5D;
        assertClose(y, tfOps[kind](tx, c.pool, c.strides, c.padding), 1e-6, 'output vs TF.js');
        const tfGradRight = kind === 'max' ? c.pool[1] === c.pool[2] : c.padding === 'valid';
        if (tfGradRight) {
          const tdx = tf.grad((v: tf.Tensor) => tfOps[kind](v as tf.Tensor5D, c.pool, c.strides, c.padding).mul(toTf(dy)).sum())(tx);
          assertClose(dx, tdx, 1e-6, 'input gradient vs TF.js');
        }
      });
    }
  }

  it("TF.js 4.22's 'same' padding differs where a stride exceeds the window (the float64 loops, TF's rule, stand in above)", () => {
    const x = rand([1, 2, 2, 6, 1]);
    const ours = dt.maxPool3d(x, [1, 1, 2], [1, 1, 3], 'same'), theirs = tf.maxPool3d(toTf(x) as tf.Tensor5D, [1, 1, 2], [1, 1, 3], 'same');
    assertClose(ours, reference(x, [1, 1, 2], [1, 1, 3], 'same', 'max').y, 1e-7, 'ours vs TF rule');
    assert.notDeepEqual(Array.from(ours.data), Array.from(theirs.dataSync()), 'TF.js reads columns 1 and 4 (pad -1): if this fails, TF.js was fixed and the skip above can go');
  });

  it('a tie gives the gradient to the first maximum in (depth, row, column) order', () => {
    // Every window holds the value 1 twice and smaller ones elsewhere; the first 1 in window order takes dy.
    const x = dt.tensor([0, 1, 0, 0, 1, 0, 0, 0, /* window 2 */ 0.5, 0, 0.5, 0, 0, 0.5, 0, 0], [2, 2, 2, 2, 1]);
    const { grads: [dx] } = dt.valueAndGrads(() => dt.maxPool3d(x, 2).mul(dt.tensor([3, 5], [2, 1, 1, 1, 1])).sum(), [x]);
    assert.deepEqual(Array.from(dx.data), [0, 3, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
    // Across depth: the maximum in the first plane wins over the same value in the second, whatever its row.
    const y = dt.tensor([0, 0, 0, 2, 2, 0, 0, 0], [1, 2, 2, 2, 1]);
    const { grads: [dy] } = dt.valueAndGrads(() => dt.maxPool3d(y, 2).sum(), [y]);
    assert.deepEqual(Array.from(dy.data), [0, 0, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(reference(y, [2, 2, 2], [2, 2, 2], 'valid', 'max', dt.ones([1, 1, 1, 1, 1])).dx.data), [0, 0, 0, 1, 0, 0, 0, 0]);
    // TF.js 4.22's cpu kernel (pixel >= maxValue) gives it to the last one instead, unlike its 2-D
    // maxPool (the first, as here): if this fails, TF.js changed and can check ties directly.
    const tdy = tf.grad((v: tf.Tensor) => tf.maxPool3d(v as tf.Tensor5D, 2, 2, 'valid').sum())(toTf(y));
    assert.deepEqual(Array.from(tdy.dataSync()), [0, 0, 0, 0, 1, 0, 0, 0]);
    const t2 = tf.grad((v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid').sum())(tf.tensor([2, 2, 0, 0], [1, 2, 2, 1]));
    assert.deepEqual(Array.from(t2.dataSync()), [1, 0, 0, 0]);
  });

  it('finite differences in float64', () => {
    checkGradients((x) => dt.maxPool3d(x, [2, 3, 2], { strides: [1, 2, 2], padding: 'same' }), [rand([2, 3, 5, 4, 2], 'float64')]);
    checkGradients((x) => dt.avgPool3d(x, [3, 2, 2], { strides: [2, 1, 3], padding: 'same' }), [rand([1, 5, 3, 4, 2], 'float64')]);
    checkGradients((x) => dt.avgPool3d(x, 2, { strides: 1 }), [rand([1, 3, 3, 3, 2], 'float64')]);
  });

  it('wasm equals js (outputs and gradients)', async () => {
    await dt.withBackend('wasm', () => dt.ready());
    const x = rand([2, 5, 7, 6, 8]), r = rand([2, 3, 4, 3, 8]);
    for (const f of [(v: Tensor) => dt.maxPool3d(v, 3, { strides: 2, padding: 'same' }), (v: Tensor) => dt.avgPool3d(v, 3, { strides: 2, padding: 'same' })]) {
      const run = (name: string) => dt.withBackend(name, () => {
        const { value, grads } = dt.valueAndGrads(() => f(x).mul(r).sum(), [x]);
        return { y: f(x), value, dx: grads[0] };
      });
      const js = run('js'), wasm = run('wasm');
      assertClose(wasm.y, js.y, 1e-6, 'output');
      assertClose(wasm.dx, js.dx, 1e-6, 'input gradient');
    }
  });

  it('a seeded fuzz: random shapes, windows, strides and paddings give the float64 result on js and wasm, or the same error', async () => {
    await dt.withBackend('wasm', () => dt.ready());
    const fuzz = new Random(11), int = (lo: number, hi: number) => lo + fuzz.int(hi - lo + 1);
    let errors = 0;
    for (let i = 0; i < 40; i++) {
      const shape = [int(1, 2), int(1, 7), int(1, 7), int(1, 7), int(1, 5)];
      const pool: Triple = [int(1, 4), int(1, 4), int(1, 4)], strides: Triple = [int(1, 3), int(1, 3), int(1, 3)];
      const padding = fuzz.next() < 0.5 ? 'same' : 'valid', kind = fuzz.next() < 0.5 ? 'max' : 'avg';
      const what = `${kind} [${shape}] pool [${pool}] strides [${strides}] ${padding}`;
      const x = rand(shape), outShape = [shape[0], ...[0, 1, 2].map((a) => axis(shape[a + 1], pool[a], strides[a], padding).out), shape[4]];
      const dy = rand(outShape.every((d) => d > 0) ? outShape : [1]); // the same on both backends
      const run = (name: string) => dt.withBackend(name, () => {
        try {
          const y = ops[kind](x, pool, strides, padding);
          const { grads: [dx] } = dt.valueAndGrads(() => ops[kind](x, pool, strides, padding).mul(dy).sum(), [x]);
          return { y, dx };
        } catch (e) { return { error: (e as Error).message }; }
      });
      const js = run('js'), wasm = run('wasm');
      if ('error' in js || 'error' in wasm) {
        assert.equal('error' in wasm && wasm.error, 'error' in js && js.error, `${what}: the same error on both`);
        assert.ok(shape.slice(1, 4).some((d, a) => axis(d, pool[a], strides[a], padding).out < 1), `${what}: only a window too large fails, got ${'error' in js ? js.error : ''}`);
        errors++;
        continue;
      }
      const ref = reference(x, pool, strides, padding, kind, dy);
      assertClose(js.y, ref.y, 1e-6, `${what}: js output`);
      assertClose(js.dx, ref.dx, 1e-6, `${what}: js input gradient`);
      assertClose(wasm.y, js.y, 1e-6, `${what}: wasm output`);
      assertClose(wasm.dx, js.dx, 1e-6, `${what}: wasm input gradient`);
    }
    assert.ok(errors > 0 && errors < 20, `some cases (windows too large, 'valid') fail, most run: ${errors} of 40 failed`);
  });

  it('one [d, h, w, c] volume, options form, int input to avgPool3d', () => {
    const x = rand([4, 4, 4, 2]);
    assert.deepEqual(dt.maxPool3d(x, 2, 2, 'valid').shape, [2, 2, 2, 2]);
    assertClose(dt.avgPool3d(x, 2, 2, 'valid'), tf.avgPool3d(toTf(x) as tf.Tensor4D, 2, 2, 'valid'), 1e-6, 'one volume');
    const v = rand([1, 4, 4, 4, 2]);
    assert.deepEqual(Array.from(dt.maxPool3d(v, 2, { strides: 2 }).data), Array.from(dt.maxPool3d(v, 2, 2, 'valid').data));
    const ints = dt.tensor(Array.from({ length: 8 }, (_, i) => i), [1, 2, 2, 2, 1], 'int32');
    assert.deepEqual(Array.from(dt.avgPool3d(ints, 2, 2, 'valid').data), [3.5]);
  });

  it('errors name the op, the argument, what was expected and given', () => {
    const x = dt.zeros([1, 4, 4, 4, 1]);
    assert.throws(() => dt.maxPool3d(dt.zeros([4, 4, 4]), 2, 2, 'valid'), /maxPool3d: expected input of rank 5 \[batch, depth, height, width, channels\], got shape \[4, 4, 4\]/);
    assert.throws(() => dt.maxPool3d(dt.zeros([1, 4, 4, 4, 1, 1]), 2), /maxPool3d: expected input of rank 5/);
    assert.throws(() => dt.avgPool3d(x, [2, 2] as unknown as number, 2, 'valid'), /avgPool3d: pool size must be a positive integer or three of them \[depth, height, width\], got \[2,2\]/);
    assert.throws(() => dt.maxPool3d(x, 0, 1, 'valid'), /maxPool3d: pool size must be a positive integer/);
    assert.throws(() => dt.maxPool3d(x, 2, [1, 1.5, 1], 'valid'), /maxPool3d: strides must be a positive integer or three of them/);
    assert.throws(() => dt.maxPool3d(x, 5, 1, 'valid'), /maxPool3d: a 5x5x5 window does not fit in a 4x4x4 input with padding 'valid'; use a smaller window or padding 'same'/);
    assert.throws(() => dt.maxPool3d(dt.zeros([1, 4, 0, 4, 2]), 2, 1, 'same'), /maxPool3d: input shape \[1, 4, 0, 4, 2\] has an empty depth, height or width: there is nothing to pool/);
    assert.deepEqual(dt.avgPool3d(dt.zeros([0, 4, 4, 4, 2]), 2, 2, 'same').shape, [0, 2, 2, 2, 2]);
    assert.throws(() => dt.maxPool3d(x, 2, 1, 'full' as 'same'), /maxPool3d: pad must be 'valid' or 'same', got "full"/);
    assert.throws(() => dt.maxPool3d(x, 2, 1, 1), /maxPool3d: pad must be 'valid' or 'same', got 1 \(a numeric pad is not supported/);
    assert.throws(() => dt.avgPool3d(x, 2, 1, 'same', 'floor'), /avgPool3d: dimRoundingMode applies only to a numeric pad/);
    assert.throws(() => dt.avgPool3d(x, 2, 1, 'same', undefined, 'NCDHW' as 'NDHWC'), /avgPool3d: only dataFormat 'NDHWC' is supported, got "NCDHW"; transpose the input/);
    assert.throws(() => dt.maxPool3d(x, 2, { stride: 2 } as never), /maxPool3d: unknown option\(s\) 'stride'; the options are strides and padding/);
    assert.throws(() => dt.maxPool3d(x, 2, { padding: 'full' as 'same' }), /maxPool3d: padding must be 'valid' or 'same', got "full"/);
  });
});
