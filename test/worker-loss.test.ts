// A worker thread killed in the middle of a kernel (issue #14): the call that needed it fails
// at once with a clear message (the supervisor thread sees the worker's exit while the caller
// waits), the next call works on new workers, and a worker that is merely slow is no alarm.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { backend } from '../src/core/engine.ts';
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ThreadPool } from '../src/backends/wasm/threads.ts';
import { Random } from '../src/core/random.ts';
import { randomTensor } from './helpers/gradcheck.ts';

const pool = (): ThreadPool => (backend() as unknown as { pool: ThreadPool }).pool;
const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end); };
const rng = new Random(41);

function checkMatMul(): void {
  const a = randomTensor([256, 64], rng, -1, 1, 'float32'), b = randomTensor([64, 96], rng, -1, 1, 'float32');
  const ours = dt.matMul(a, b), theirs = dt.withBackend('js', () => dt.matMul(a, b));
  for (let i = 0; i < ours.size; i++) assert.ok(Math.abs(ours.data[i] - theirs.data[i]) < 1e-4, `element ${i}`);
}

async function untilReady(): Promise<void> {
  for (let i = 0; i < 500 && !pool().ready; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(pool().ready, 'the workers came up');
}

/** fmaPeak rounds for about `ms` on one thread (timed here, on the calling thread), at most 2^31 - 1 (about 10 s). */
function roundsFor(ms: number): number {
  const fma = (backend() as WasmBackend).mem.exports.fmaPeak;
  let rounds = 1 << 12, took = 0;
  while (took < 20 && rounds < 2 ** 30) { const t = performance.now(); fma(rounds, 0, 1); took = performance.now() - t; if (took < 20) rounds *= 2; }
  return Math.min(2 ** 31 - 1, Math.ceil((rounds * ms) / took)); // the kernel counts rounds in 32 bits
}

/** Two chunks: the caller's (busy for callerMs) and the worker's (about workerMs of fmaPeak). */
function job(workerMs: number, callerMs: number): void {
  pool().run('fmaPeak', [roundsFor(workerMs)], 2, 1, () => busy(callerMs));
}

describe('a worker killed mid-kernel', { skip: typeof SharedArrayBuffer === 'undefined' }, () => {
  before(async () => {
    dt.setBackend('wasm');
    if (dt.getThreads() < 2) dt.setThreads(2);
    await dt.ready();
    await untilReady();
  });

  it('fails the call within a second, naming the worker and the kernel; the next call works', async () => {
    const restarts = pool().restarts, stall = pool().stallMs;
    const saved = console.warn;
    let warned = '';
    console.warn = (m: string) => { warned += m; };
    // The worker's chunk runs for seconds unless killed (the stall timeout is 60 s). The caller's
    // takes 600 ms, so that even on a loaded machine the worker has taken its own chunk (else the
    // caller would run it) before it is killed at 300 ms.
    pool().loseWorker(1, 300);
    const t = performance.now();
    try {
      assert.throws(() => job(20_000, 600),
        /wasm backend: worker thread 1 exited \(code 1\) while kernel fmaPeak ran \(1 of its 2 chunks unfinished\)\. The call failed and its results are lost; new worker threads are starting, so it can be retried\./);
    } finally { console.warn = saved; }
    const ms = performance.now() - t;
    console.log(`the call failed after ${ms.toFixed(0)} ms (worker killed at 300 ms, the caller's own chunk done at 600 ms)`);
    assert.ok(ms < 2000, `noticed after ${ms.toFixed(0)} ms`);
    assert.equal(pool().stallMs, stall, 'not by the stall timeout');
    assert.equal(pool().restarts, restarts + 1);
    assert.match(warned, /started 1 new worker thread/);
    checkMatMul(); // at once (the calling thread alone until the new workers are up)
    await untilReady();
    checkMatMul();
  });

  it('a worker that is only slow (a chunk of 1.5 s, the caller done after 200 ms) is no alarm', async () => {
    await untilReady();
    const restarts = pool().restarts;
    const t = performance.now();
    job(1500, 200);
    assert.ok(performance.now() - t > 700, 'the caller waited for the worker');
    assert.equal(pool().restarts, restarts);
    checkMatMul();
  });

  it('a worker killed between calls is replaced at the next call, which gives the right answer', async () => {
    await untilReady();
    const restarts = pool().restarts, saved = console.warn;
    pool().loseWorker(1);
    // Until the supervisor has seen the exit (a fixed 100 ms was too short on a loaded machine).
    for (let i = 0; i < 500 && pool().lostThread === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(pool().lostThread ?? 'not seen within 5 s', /worker thread 1 exited/);
    let warned = '';
    console.warn = (m: string) => { warned += m; };
    try { checkMatMul(); } finally { console.warn = saved; }
    assert.equal(pool().restarts, restarts + 1);
    assert.match(warned, /worker thread 1 exited \(code 1\); started 1 new worker thread/);
  });

  it('one thread (no workers, no shared block) still runs every kernel', async () => {
    dt.setThreads(1);
    await dt.ready();
    assert.equal(dt.getThreads(), 1);
    assert.throws(() => pool().loseWorker(1), /loseWorker: index must be 1 to 0/);
    checkMatMul();
    dt.setThreads(2);
    await dt.ready();
    checkMatMul();
  });
});
