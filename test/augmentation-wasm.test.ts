// The wasm imageTransform kernel (assembly/transform.ts) against the reference kernel: odd
// shapes (channel counts around the 4-lane vectors), every fill mode and interpolation,
// shared and per-image transforms, other output sizes, and the gradient; within 1e-5 relative.
// Then the augmentation layers themselves on both backends, eager and in a compiled fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { Random } from '../src/core/random.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { FillMode, TransformInfo } from '../src/backends/backend.ts';

const rng = new Random(11);
const uniform = (n: number, lo = -1, hi = 1): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));

function assertSame(js: ArrayLike<number>, wasm: ArrayLike<number>, what: string): void {
  assert.equal(js.length, wasm.length, what);
  for (let i = 0; i < js.length; i++) {
    const err = Math.abs(js[i] - wasm[i]) / Math.max(1, Math.abs(js[i]));
    assert.ok(err < 1e-5, `${what}: element ${i}: js ${js[i]} vs wasm ${wasm[i]}`);
  }
}

/** Random projective maps around the image: rotations, zooms, shears, shifts far outside, perspective. */
function transformsFor(n: number, h: number, w: number): Float32Array {
  const t = new Float32Array(n * 8);
  for (let b = 0; b < n; b++) {
    const a = rng.uniform(-3.2, 3.2), z = rng.uniform(0.4, 2.2), c = Math.cos(a) * z, s = Math.sin(a) * z;
    const far = b % 3 === 2 ? 3 : 0.4; // every third image shifted by up to three image sizes
    const row = [c, -s + rng.uniform(-0.2, 0.2), rng.uniform(-far, far) * w, s, c, rng.uniform(-far, far) * h,
      b % 2 ? rng.uniform(-0.03, 0.03) : 0, b % 2 ? rng.uniform(-0.03, 0.03) : 0];
    t.set(row, b * 8);
  }
  return t;
}

const shapes: [number, number, number, number, [number, number] | null][] = [
  // [batch, height, width, channels, output size or null for the input's]
  [3, 7, 11, 5, null], [2, 5, 6, 1, null], [1, 9, 4, 3, [6, 13]], [4, 13, 10, 8, null], [2, 1, 7, 2, null], [5, 6, 1, 4, [3, 3]],
  // Big enough (> 16k output floats) to run on the thread pool.
  [6, 31, 29, 7, null],
];

test('wasm imageTransform and its gradient equal the reference kernel (odd shapes, every fill mode and interpolation)', async () => {
  const wasm = new WasmBackend(2), js = new JsBackend();
  await wasm.whenReady();
  let cases = 0;
  for (const [batch, inH, inW, channels, size] of shapes) {
    const [outH, outW] = size ?? [inH, inW];
    const x = uniform(batch * inH * inW * channels), dy = uniform(batch * outH * outW * channels);
    for (const shared of [false, true]) {
      const t = shared ? transformsFor(1, inH, inW) : transformsFor(batch, inH, inW);
      for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as FillMode[]) {
        for (const bilinear of [false, true]) {
          const info: TransformInfo = { batch, inH, inW, channels, outH, outW, bilinear, fillMode, fillValue: 0.375, shared };
          const what = `[${batch}, ${inH}, ${inW}, ${channels}] -> ${outH}x${outW} ${fillMode} ${bilinear ? 'bilinear' : 'nearest'}${shared ? ' shared' : ''}`;
          const outJs = new Float32Array(dy.length), outWasm = new Float32Array(dy.length);
          js.imageTransform(x, t, outJs, info);
          wasm.imageTransform(x, t, outWasm, info);
          assertSame(outJs, outWasm, what);
          const dxJs = new Float32Array(x.length), dxWasm = uniform(x.length); // the kernel must zero dx itself
          js.imageTransformBackward(dy, t, dxJs, info);
          wasm.imageTransformBackward(dy, t, dxWasm, info);
          assertSame(dxJs, dxWasm, `${what} gradient`);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, shapes.length * 2 * 4 * 2);
  // A transform with k = c0 x + c1 y + 1 = 0 somewhere, and NaN coordinates: both give the fill value.
  const info: TransformInfo = { batch: 1, inH: 4, inW: 5, channels: 2, outH: 4, outW: 5, bilinear: true, fillMode: 'reflect', fillValue: 2, shared: false };
  const x = uniform(40);
  for (const t of [Float32Array.of(1, 0, 0, 0, 1, 0, -0.5, 0), Float32Array.of(NaN, 0, 0, 0, 1, 0, 0, 0), Float32Array.of(1e30, 0, 0, 0, 1e30, 0, 0, 0)]) {
    const a = new Float32Array(40), b = new Float32Array(40);
    js.imageTransform(x, t, a, info);
    wasm.imageTransform(x, t, b, info);
    assert.deepEqual(Array.from(b).map(String), Array.from(a).map(String), `degenerate transform ${Array.from(t)}`);
  }
  await (wasm as unknown as { pool: { terminate(): Promise<void> } }).pool.terminate();
});

test('the augmentation layers give the same images on both backends (eager and in a compiled fit)', async () => {
  const images = dt.tensor(uniform(4 * 9 * 13 * 3, 0, 255), [4, 9, 13, 3]);
  const layers = (): dt.layers.Layer[] => [
    new dt.layers.RandomFlip({ seed: 1 }), new dt.layers.RandomRotation({ factor: 0.3, seed: 2 }),
    new dt.layers.RandomTranslation({ heightFactor: 0.2, widthFactor: [-0.3, 0.1], fillMode: 'wrap', seed: 3 }),
    new dt.layers.RandomZoom({ heightFactor: [-0.4, 0.3], fillMode: 'constant', interpolation: 'nearest', fillValue: 7, seed: 4 }),
    new dt.layers.RandomCrop({ height: 6, width: 8, seed: 5 }), new dt.layers.RandomContrast({ factor: 0.4, seed: 6 }),
    new dt.layers.RandomBrightness({ factor: 0.2, seed: 7 }),
  ];
  const run = (backend: string): Float32Array[] => dt.withBackend(backend, () => layers().map((l) => l.apply(images, { training: true }) as dt.Tensor).map((y) => Float32Array.from(y.data)));
  const onJs = run('js'), onWasm = run('wasm');
  onJs.forEach((y, i) => assertSame(y, onWasm[i], `layer ${i}`));

  // In a compiled step (buffers in wasm memory) the augmented batch feeds a Dense layer; its kernels run per step.
  const fitOn = async (backend: string): Promise<number[]> => {
    dt.setBackend(backend);
    try {
      const model = new dt.models.Sequential([
        new dt.layers.Input({ shape: [9, 13, 3] }), new dt.layers.RandomRotation({ factor: 0.2, seed: 8 }), new dt.layers.RandomZoom({ heightFactor: 0.2, seed: 9 }),
        new dt.layers.Flatten(), new dt.layers.Dense({ units: 2, kernelInitializer: 'ones', useBias: false }),
      ]);
      model.compile({ loss: 'meanSquaredError', optimizer: new dt.optimizers.SGD({ learningRate: 1e-9 }) });
      const h = await model.fit(images.div(255), dt.zeros([4, 2]), { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
      return h.history.loss as number[];
    } finally { dt.setBackend('js'); }
  };
  const lossJs = await fitOn('js'), lossWasm = await fitOn('wasm');
  assert.equal(lossJs.length, 3);
  assertSame(lossJs, lossWasm, 'fit losses');
  assert.notEqual(lossJs[0], lossJs[1], 'each epoch draws new transforms');
});

test('augmentation layers work as dataset.map functions: the same images as applying the layer to the same batches', async () => {
  const images = dt.tensor(uniform(6 * 8 * 10 * 3, 0, 255), [6, 8, 10, 3]);
  const make = (): dt.layers.Layer[] => [new dt.layers.RandomRotation({ factor: 0.25, seed: 21 }), new dt.layers.RandomFlip({ seed: 22 }), new dt.layers.RandomBrightness({ factor: 0.3, seed: 23 })];
  const [rotate, flip, bright] = make();
  const mapped = await dt.data.Dataset.fromTensorSlices(images).batch(3)
    .map((x) => bright.apply(flip.apply(rotate.apply(x as dt.Tensor, { training: true }) as dt.Tensor, { training: true }) as dt.Tensor, { training: true }) as dt.Tensor)
    .toArray() as dt.Tensor[];
  const [r2, f2, b2] = make();
  for (const [i, batch] of [images.index([0, 3]), images.index([3, 6])].entries()) {
    const direct = b2.apply(f2.apply(r2.apply(batch, { training: true }) as dt.Tensor, { training: true }) as dt.Tensor, { training: true }) as dt.Tensor;
    assert.deepEqual(Array.from(mapped[i].data), Array.from(direct.data), `batch ${i}`);
    assert.notDeepEqual(Array.from(direct.data), Array.from(batch.data), `batch ${i} was augmented`);
  }
});
