// Worker threads of the wasm backend: a kernel that traps on a worker is raised by the call
// that ran it, with the worker's message; a worker that hangs or dies is noticed (no hang) and
// replaced by new ones; two fits interleaved on one backend give the weights they give alone.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ThreadPool } from '../src/backends/wasm/threads.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const pool = (): ThreadPool => (backend() as unknown as { pool: ThreadPool }).pool;
const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end); };
const rng = new Random(31);

/** A parallel kernel through the backend, checked against the reference backend. */
function checkMatMul(): void {
  const a = randomTensor([256, 64], rng, -1, 1, 'float32'), b = randomTensor([64, 96], rng, -1, 1, 'float32');
  const ours = dt.matMul(a, b), theirs = dt.withBackend('js', () => dt.matMul(a, b));
  for (let i = 0; i < ours.size; i++) assert.ok(Math.abs(ours.data[i] - theirs.data[i]) < 1e-4, `element ${i}`);
}

async function untilReady(): Promise<void> {
  for (let i = 0; i < 500 && !pool().ready; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(pool().ready, 'the new workers came up');
}

/** Collects console.warn while fn runs. */
function warnings(fn: () => void): string[] {
  const seen: string[] = [], saved = console.warn;
  console.warn = (m: string) => { seen.push(m); };
  try { fn(); } finally { console.warn = saved; }
  return seen;
}

describe('worker threads', { skip: typeof SharedArrayBuffer === 'undefined' }, () => {
  before(async () => {
    dt.setBackend('wasm');
    if (dt.getThreads() < 2) dt.setThreads(2);
    await dt.ready();
  });

  it('a kernel that traps on a worker is raised by the call, with the worker\'s message; the pool keeps working', () => {
    // Pointers past the end of memory: the worker's chunk traps; the caller's chunk does nothing.
    assert.throws(() => pool().run('unaryF32', [0, 0x7fff_fff0, 0x7fff_fff0], 128, 64, () => busy(30)),
      /wasm kernel unaryF32 failed on worker thread 1: memory access out of bounds/);
    checkMatMul();
  });

  it('a worker that makes no progress fails the call instead of hanging, and new workers replace it', async () => {
    const restarts = pool().restarts, saved = pool().stallMs;
    pool().stallMs = 300;
    const t = performance.now();
    const seen = warnings(() => assert.throws(() => pool().run('fmaPeak', [2 ** 30], 2, 1, () => busy(30)),
      /wasm backend: kernel fmaPeak: 1 of its 2 chunks made no progress for 0.3 s \(a worker thread died or hangs\). The call failed/));
    pool().stallMs = saved;
    assert.ok(performance.now() - t < 5000, 'noticed within seconds');
    assert.equal(pool().restarts, restarts + 1);
    assert.match(seen.join('\n'), /started 1 new worker thread/);
    await untilReady();
    checkMatMul();
  });

  it('a worker that exits between calls is replaced at the next call, which still gives the right answer', async () => {
    const restarts = pool().restarts;
    pool().loseWorker(1);
    await new Promise((r) => setTimeout(r, 100)); // the exit event
    const seen = warnings(() => checkMatMul());
    assert.equal(pool().restarts, restarts + 1);
    assert.match(seen.join('\n'), /wasm backend: worker thread 1 exited \(code 1\); started 1 new worker thread/);
    await untilReady();
    checkMatMul();
  });

  it('two fits at once on one backend (their plans share the workspace) give the weights each gives alone', async () => {
    const make = (): [models.Sequential, models.Sequential] => {
      dt.setRandomSeed(8);
      const conv = new models.Sequential([new layers.Input({ shape: [10, 10, 1] }), new layers.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }),
        new layers.MaxPooling2D({ poolSize: 2 }), new layers.Flatten(), new layers.Dense({ units: 3, activation: 'softmax' })]);
      const dense = new models.Sequential([new layers.Input({ shape: [40] }), new layers.Dense({ units: 64, activation: 'relu' }), new layers.Dense({ units: 3, activation: 'softmax' })]);
      for (const m of [conv, dense]) m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
      return [conv, dense];
    };
    const data = new Random(2);
    const xa = randomTensor([96, 10, 10, 1], data, 0, 1, 'float32'), xb = randomTensor([80, 40], data, -1, 1, 'float32');
    const ya = dt.tensor(Array.from({ length: 96 }, (_, i) => i % 3), null, 'int32'), yb = dt.tensor(Array.from({ length: 80 }, (_, i) => (i * 7) % 3), null, 'int32');
    const args = { epochs: 3, batchSize: 8, verbose: 0 as const, validationSplit: 0.25 };
    const [a1, b1] = make();
    await a1.fit(xa, ya, args);
    await b1.fit(xb, yb, args);
    const [a2, b2] = make();
    // Interleaved batch by batch (each awaits its callbacks), with predicts of the other model in between.
    const poke = (other: models.Sequential, x: dt.Tensor) => ({ onBatchEnd: async () => { other.predict(x.index([0, 5])); await new Promise((r) => setImmediate(r)); } });
    await Promise.all([a2.fit(xa, ya, { ...args, callbacks: [poke(b2, xb)] }), b2.fit(xb, yb, { ...args, callbacks: [poke(a2, xa)] })]);
    for (const [alone, together] of [[a1, a2], [b1, b2]]) {
      alone.weights.forEach((w, i) => assert.deepEqual(Array.from(together.weights[i].data), Array.from(w.data), `${w.name} differs`));
    }
  });
});
