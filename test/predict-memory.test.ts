// Many predict calls on varying batch sizes must not grow memory (issue #14, bench/soak.ts):
// predict runs compiled steps of power-of-two sizes only, and a compiled step owns no memory of
// its own (its constants live in the shared workspace), so an evicted step leaves nothing behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { forEachBatch, powerOfTwoBatches } from '../src/training/batching.ts';

const mem = () => (backend() as WasmBackend).mem;
const rng = new Random(18);

function smallConvNet(): models.Sequential {
  dt.setRandomSeed(5);
  return new models.Sequential([
    new layers.Input({ shape: [12, 12, 1] }),
    new layers.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }),
    new layers.Flatten(),
    new layers.Dense({ units: 3, activation: 'softmax' }),
  ]);
}

describe('predict memory over many calls', () => {
  it('predict batches are powers of two: batchSize rounded down, the rest in falling powers of two', () => {
    const seen: number[][] = [];
    forEachBatch(29, 12, (s, e) => seen.push([s, e]), true);
    assert.deepEqual(seen, [[0, 8], [8, 16], [16, 24], [24, 28], [28, 29]]);
    assert.equal(powerOfTwoBatches(29, 12), seen.length);
    for (let n = 1; n <= 70; n++) {
      for (const b of [1, 3, 8, 13, 64, 100]) {
        const sizes: number[] = [];
        let next = 0;
        forEachBatch(n, b, (s, e) => { assert.equal(s, next); next = e; sizes.push(e - s); }, true);
        assert.equal(next, n, `n ${n} b ${b} covers every row`);
        assert.ok(sizes.every((k) => k <= b && (k & (k - 1)) === 0), `n ${n} b ${b}: ${sizes}`);
        assert.equal(powerOfTwoBatches(n, b), sizes.length);
      }
    }
  });

  it('every batch size 1-100 compiles at most 7 predict steps, gives the one-batch answer, and memory stops growing', () => {
    if (dt.getBackend() !== 'wasm') return;
    const model = smallConvNet();
    const x = randomTensor([100, 12, 12, 1], rng, 0, 1, 'float32');
    const whole = model.predictOnBatch(x) as dt.Tensor;
    model.resetPlans();
    const order = rng.shuffle(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const b of order.slice(0, 50)) {
      const y = model.predict(x, { batchSize: b });
      const a = y.data, w = whole.data;
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - w[i]) <= 1e-6, `batchSize ${b}: element ${i} ${a[i]} vs ${w[i]}`);
    }
    // Sizes 1, 2, 4, ..., 64: at most seven steps, whatever batch sizes were asked.
    assert.ok(model.planCount <= 7, `${model.planCount} compiled steps`);
    const bytes = mem().memory.buffer.byteLength, top = mem().mark();
    for (const b of order.slice(50)) model.predict(x, { batchSize: b });
    assert.ok(model.planCount <= 7, `${model.planCount} compiled steps`);
    assert.equal(mem().memory.buffer.byteLength, bytes, 'WebAssembly memory did not grow');
    assert.equal(mem().mark(), top, 'nothing new was reserved');
  });

  it('compiled steps evicted from the cache leave nothing reserved behind', () => {
    if (dt.getBackend() !== 'wasm') return;
    const model = smallConvNet();
    const x = randomTensor([40, 12, 12, 1], rng, 0, 1, 'float32');
    // predictOnBatch compiles a step per exact batch shape: 40 shapes cycle through the cache of 16.
    const pass = () => { for (let b = 1; b <= 40; b++) model.predictOnBatch(x.index([0, b])); };
    pass();
    const top = mem().mark(), bytes = mem().memory.buffer.byteLength;
    pass(); // every one of these is traced again (evicted meanwhile), with its constants
    pass();
    assert.equal(model.planCount, 16);
    assert.equal(mem().mark(), top, 'no memory reserved per compiled step');
    assert.equal(mem().memory.buffer.byteLength, bytes);
  });
});
