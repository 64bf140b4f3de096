// The wasm backend's memory limit: every path that can exceed it fails before any work with
// what was asked, what fits and what to do; evaluate and predict split an oversized batch.
// The limit is lowered here (this file runs in its own process) so that no test needs GBs.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import { MemoryLimitError } from '../src/core/errors.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import { seedModel } from '../examples/seed-model.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';
import { expectError } from './helpers/errors.ts';

const MB = 2 ** 20;
const mem = () => (backend() as WasmBackend).mem;
const rng = new Random(14);
const images = (n: number) => randomTensor([n, 28, 28], rng, 0, 1, 'float32');
const labels = (n: number) => dt.tensor(Array.from({ length: n }, (_, i) => i % 10), null, 'int32');

function compiledSeed(eager = false): models.Sequential {
  dt.setRandomSeed(3);
  const m = seedModel();
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'], runEagerly: eager });
  return m;
}

/** Runs fn with the limit `bytes` above what is in use now. */
function withHeadroom<T>(bytes: number, fn: () => T): T {
  const saved = mem().limit;
  mem().limit = mem().mark() + bytes;
  let result: T;
  try { result = fn(); } catch (e) { mem().limit = saved; throw e; }
  if (result instanceof Promise) return result.finally(() => { mem().limit = saved; }) as T;
  mem().limit = saved;
  return result;
}

describe('memory limits (wasm backend)', () => {
  before(() => { dt.setBackend('wasm'); mem().limit = 400 * MB; });

  it('reserving past the limit throws before anything moves (offsets no longer wrap at 2 GiB)', () => {
    const top = mem().mark();
    for (const bytes of [2 ** 31, 3e9, 2 ** 32 + 16, 500 * MB]) {
      assert.throws(() => mem().reserve(bytes), (e: unknown) => e instanceof MemoryLimitError && e.requested === bytes && /out of memory/.test(e.message));
      assert.equal(mem().mark(), top, `a failed reserve of ${bytes} must not move the stack`);
    }
  });

  it('fit refuses a batch too big for the memory before any work, and the batch it suggests trains', async () => {
    const model = compiledSeed();
    const before = model.getWeights().map((w) => Array.from(w.data));
    const hooks: string[] = [];
    const callback = { onTrainBegin: () => { hooks.push('begin'); }, onBatchEnd: () => { hooks.push('batch'); } };
    const message = await expectError('memory', 'fit(seed model, batchSize: 2048) with 400 MB of wasm memory', () =>
      model.fit(images(2048), labels(2048), { batchSize: 2048, verbose: 0, callbacks: [callback] }),
    /fit: a batch of 2048 samples needs about [\d.]+ MB of backend memory for its compiled step, but only [\d.]+ MB of the wasm backend's 400.0 MB WebAssembly memory limit are free. The largest batch that fits is about \d+: use batchSize: \d+ or less./);
    assert.deepEqual(hooks, [], 'no callback ran');
    model.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.data), before[i], 'weights unchanged'));
    const fits = Number(/use batchSize: (\d+)/.exec(message)![1]);
    assert.ok(fits > 256 && fits < 2048, `suggested ${fits}`);
    const history = await model.fit(images(fits), labels(fits), { batchSize: fits, verbose: 0 });
    assert.ok(Number.isFinite(history.history.loss[0]));
  });

  it('predict and evaluate split a batch too big for the memory and give the same answer', () => {
    const model = compiledSeed();
    const x = images(2500), y = labels(2500);
    const small = model.predict(x, { batchSize: 500 });
    const whole = model.predict(x, { batchSize: 2500 }); // needs ~780 MB in one step: split
    assert.deepEqual(whole.shape, [2500, 10]);
    let worst = 0;
    for (let i = 0; i < small.size; i++) worst = Math.max(worst, Math.abs(small.data[i] - whole.data[i]));
    assert.ok(worst < 1e-6, `predictions differ by ${worst}`);
    const [lossSmall, accSmall] = model.evaluate(x, y, { batchSize: 500, verbose: 0 });
    const [lossWhole, accWhole] = model.evaluate(x, y, { batchSize: 2500, verbose: 0 });
    assert.ok(Math.abs(lossSmall - lossWhole) < 1e-5 && accSmall === accWhole, `${lossSmall} vs ${lossWhole}`);
  });

  it('eager predict halves a batch whose ops do not fit, and an eager op on a huge tensor says what fits', async () => {
    const model = compiledSeed(true);
    const x = images(600);
    const reference = model.predict(x, { batchSize: 100 });
    // conv1's output alone is 600 * 28 * 28 * 32 floats = 57 MB: with 40 MB free it is split.
    const split = withHeadroom(40 * MB, () => model.predict(x, { batchSize: 600 }));
    assert.deepEqual(Array.from(split.data), Array.from(reference.data));
    const big = dt.zeros([400, 28, 28, 1]), kernel = dt.zeros([3, 3, 1, 32]);
    await expectError('memory', 'eager conv2d of [400, 28, 28, 1] by 32 filters with 20 MB of wasm memory free', () =>
      withHeadroom(20 * MB, () => dt.conv2d(big, kernel, { padding: 'same' })),
    /wasm backend: out of memory: [\d.]+ MB more were asked for, but only [\d.]+ MB of the [\d.]+ MB WebAssembly memory limit are free.*Use a smaller batchSize for fit\/evaluate\/predict, or work on smaller tensors/);
  });

  it('weights that do not fit are refused before any is moved', async () => {
    const model = new models.Sequential([new layers.Input({ shape: [2048] }), new layers.Dense({ units: 2048 }), new layers.Dense({ units: 2 })]);
    model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
    const top = mem().mark();
    await expectError('memory', 'fit a model of 4.2M weights (50 MB with Adam\'s slots) with 32 MB of wasm memory free', () =>
      withHeadroom(32 * MB, () => model.fit(dt.zeros([4, 2048]), dt.tensor([0, 1, 0, 1], null, 'int32'), { verbose: 0 })),
    /Model "sequential.*": its weights and optimizer state \([\d.]+ MB\) do not fit the 32.0 MB of WebAssembly memory that are free \(the wasm backend's limit is [\d.]+ MB\). Use a smaller model, or setBackend\('js'\)./);
    assert.equal(mem().mark(), top);
  });
});
