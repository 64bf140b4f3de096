// Worker threads over one shared wasm memory. The main thread posts a job (a kernel, its
// arguments, and a range of work cut into chunks) in a small shared control block; every
// thread, the main one included, claims chunks until none are left. Each thread has a home
// range of the chunks, which it takes from the front; a thread done with its own helps the
// others from the back of theirs. So when the threads keep pace, each runs the same chunks
// job after job (the same images, whose data its own cache holds from the previous kernel),
// and when one is slowed down (on a shared machine a core can be taken away for a while) the
// others take over its work. Workers spin briefly before they block, since a round trip
// through Atomics.wait costs tens of microseconds and a training step runs dozens of jobs.

// Control block layout (Int32Array). Each home range is one word: the job's generation (high
// 16 bits), the range's next chunk from the front and its end (8 bits each), so a late worker
// can never claim chunks of a newer job, and owner and helpers agree on what is left.
const GEN = 0, DONE = 1, FN = 2, TOTAL = 3, GRAIN = 4, NARGS = 5, READY = 6, FAILED = 7, THREADS = 8, SPIN = 9, WAITING = 10, ARGS = 11, MAX_ARGS = 24;
const RANGES = ARGS + MAX_ARGS, MAX_CHUNKS = 255;
/** Bytes after the ranges for a worker's error message (a length word, then UTF-8). */
const MESSAGE_BYTES = 256;
/** How long a job may make no progress before its missing threads count as lost. */
const STALL_MS = 60_000;
const CHUNKS_PER_THREAD = 4;

// The claiming loop, shared (as source) by the worker program and the main thread.
const CLAIM = `function claim(c, gen, self, run) {
  const n = c[${THREADS}];
  for (let k = 0; k < n; k++) {
    const at = ${RANGES} + (self + k) % n, own = k === 0;
    for (;;) {
      const v = Atomics.load(c, at);
      const front = (v >>> 8) & 0xff, end = v & 0xff;
      if ((v >>> 16) !== gen || front >= end) break;
      if (Atomics.compareExchange(c, at, v, own ? v + 0x100 : v - 1) !== v) continue;
      const i = own ? front : end - 1;
      run(i * c[${GRAIN}], Math.min(c[${TOTAL}], (i + 1) * c[${GRAIN}]));
      Atomics.add(c, ${DONE}, 1);
      if (Atomics.load(c, ${WAITING})) Atomics.notify(c, ${DONE}); // the caller stopped spinning
    }
  }
}`;
// eslint-disable-next-line no-new-func -- the same source runs in the workers
const claim = new Function(`${CLAIM}; return claim;`)() as (c: Int32Array, gen: number, self: number, run: (s: number, e: number) => void) => void;

// The worker's program, as source so that it needs no separate file (Node: eval, browser: Blob).
const WORKER_BODY = `
${CLAIM}
function start({ module, memory, control, names, self, messageAt }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const fns = names.map((n) => instance.exports[n]);
  const c = new Int32Array(control);
  let seen = Atomics.load(c, ${GEN});
  Atomics.add(c, ${READY}, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, ${GEN}) === seen) {
      if (++spins > c[${SPIN}]) { Atomics.wait(c, ${GEN}, seen); spins = 0; }
    }
    seen = Atomics.load(c, ${GEN});
    const fn = fns[c[${FN}]];
    if (c[${FN}] < 0) return;
    const args = [];
    for (let i = 0; i < c[${NARGS}]; i++) args.push(c[${ARGS} + i]);
    // A kernel that traps still counts its chunk as done, so the caller never waits forever;
    // the first failure of a job leaves its thread and message for the caller.
    claim(c, seen, self, (s, e) => {
      try { fn(...args, s, e); } catch (err) {
        if (Atomics.compareExchange(c, ${FAILED}, 0, self + 1) === 0) {
          const text = new TextEncoder().encode(String(err && err.message || err)).subarray(0, ${MESSAGE_BYTES - 4});
          new Uint8Array(control, messageAt + 4, text.length).set(text);
          new Int32Array(control, messageAt, 1)[0] = text.length;
        }
      }
    });
  }
}`;

interface WorkerLike { terminate(): unknown; unref?(): void; on?(event: string, listener: (arg: unknown) => void): unknown; addEventListener?(event: string, listener: (arg: unknown) => void): void }

async function spawn(data: object): Promise<WorkerLike> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    // Not import(): a bundler for browsers would try to resolve node:worker_threads.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(`${WORKER_BODY}\nrequire('node:worker_threads').parentPort.once('message', start);`, { eval: true });
    w.unref(); // idle workers must not keep the process alive
    w.postMessage(data);
    return w;
  }
  const url = URL.createObjectURL(new Blob([`${WORKER_BODY}\nself.onmessage = (e) => start(e.data);`], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.postMessage(data);
  return w;
}

export class ThreadPool {
  private control!: Int32Array;
  private workers: Promise<WorkerLike>[] = [];
  private readonly fnIndex: Map<string, number>;
  private generation = 0;
  /** A worker that exited or failed to start, noticed by its exit event (between jobs). */
  private lost: string | null = null;
  /** How long a job may make no progress before the pool is declared broken (ms). */
  stallMs = STALL_MS;
  /** How many times the workers were replaced after one was lost. */
  restarts = 0;

  /** How long the caller spins for a job's last chunks before it blocks (where it may block). */
  private readonly spin: number;

  /**
   * `count` threads in all, the calling thread included, on a machine with `cores` hardware
   * threads. Threads wait for work spinning, which costs nothing while each has a core of its
   * own; with more threads than cores a spinning thread takes the core from a working one, so
   * then they block almost at once instead.
   */
  constructor(private readonly module: WebAssembly.Module, private readonly memory: WebAssembly.Memory, readonly count: number,
    private readonly names: string[], cores = count) {
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
    const oversubscribed = count > cores;
    this.spin = oversubscribed ? 2_000 : 1_000_000;
    this.start(oversubscribed ? 2_000 : 2_000_000);
  }

  /** A fresh control block and workers (also after a worker was lost: the old block may still be written to). */
  private start(spin: number): void {
    const count = this.count;
    // One thread needs no shared block (and pages that are not cross-origin isolated have none).
    const messageAt = 4 * (RANGES + count), bytes = messageAt + MESSAGE_BYTES;
    this.control = new Int32Array(count > 1 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.control[SPIN] = spin;
    this.lost = null;
    this.workers = [];
    for (let index = 1; index < count; index++) {
      const worker = spawn({ module: this.module, memory: this.memory, control: this.control.buffer, names: this.names, self: index, messageAt });
      const control = this.control;
      const onLost = (why: string): void => { if (this.control === control) this.lost ??= `worker thread ${index} ${why}`; };
      void worker.then((w) => {
        w.on?.('exit', (code) => onLost(`exited (code ${String(code)})`));
        w.on?.('error', (e) => onLost(`failed: ${(e as Error)?.message ?? String(e)}`));
        w.addEventListener?.('error', (e) => onLost(`failed: ${(e as ErrorEvent)?.message ?? 'error'}`));
      }, (e: unknown) => onLost(`could not start: ${(e as Error)?.message ?? String(e)}`));
      this.workers.push(worker);
    }
  }

  /** Replaces every worker (the lost one and the others, which may be stuck on the old block). */
  private restart(why: string): void {
    const old = this.workers;
    const spin = this.control[SPIN];
    this.control[FN] = -1;
    Atomics.store(this.control, GEN, (this.generation + 1) & 0x7fff);
    Atomics.notify(this.control, GEN);
    for (const w of old) void w.then((x) => x.terminate(), () => undefined);
    this.restarts++;
    this.start(spin);
    console.warn(`wasm backend: ${why}; started ${this.count - 1} new worker thread(s) (until they are up, kernels run on the calling thread)`);
  }

  /** True once every worker has started (until then jobs run on the calling thread alone). */
  get ready(): boolean { return Atomics.load(this.control, READY) === this.count - 1; }

  /**
   * A chunk size for run(): a multiple of align, or total itself on one thread. It depends on
   * the thread count only, not on whether the workers are up yet (the caller then runs every
   * chunk itself): kernels that sum per-chunk partials must add in the same order every run.
   */
  chunk(total: number, align: number): number {
    if (this.count === 1 || total <= align) return total;
    const chunks = Math.min(MAX_CHUNKS, this.count * CHUNKS_PER_THREAD);
    return Math.max(align, Math.ceil(total / chunks / align) * align);
  }

  /**
   * Runs fn(...args, start, end) over [0, total) in chunks of `grain` (from chunk()), on all
   * threads. `local` runs a chunk on the calling thread (a JS wrapper of the same kernel).
   * A kernel that traps on a worker is raised here with the worker's message; a worker that
   * is lost (exited, or no progress for stallMs) makes the pool start new workers, and a job
   * it was part of raises an error instead of waiting forever.
   */
  run(name: string, args: number[], total: number, grain: number, local: (start: number, end: number) => void): void {
    if (this.lost) this.restart(this.lost); // between jobs: the job below runs without it
    if (total === 0) return;
    if (!Number.isInteger(total) || total < 0 || !(grain >= 1)) throw new Error(`internal: ${name} asked to run over ${total} items in chunks of ${grain}`);
    if (grain >= total) { local(0, total); return; }
    const fn = this.fnIndex.get(name);
    if (fn === undefined || args.length > MAX_ARGS) throw new Error(`internal: ${name} cannot run on the thread pool`);
    const c = this.control, n = this.count, chunks = Math.ceil(total / grain);
    if (chunks > MAX_CHUNKS) throw new Error(`internal: ${name} cut into ${chunks} chunks (at most ${MAX_CHUNKS})`);
    const gen = (this.generation = (this.generation + 1) & 0x7fff);
    c[FN] = fn; c[TOTAL] = total; c[GRAIN] = grain; c[NARGS] = args.length; c[THREADS] = n;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
    for (let r = 0; r < n; r++) Atomics.store(c, RANGES + r, (gen << 16) | (Math.floor((r * chunks) / n) << 8) | Math.floor(((r + 1) * chunks) / n));
    Atomics.store(c, DONE, 0);
    Atomics.store(c, GEN, gen);
    Atomics.notify(c, GEN);
    // An error here is raised only once every chunk is finished: a job must never outlive its run().
    let error: unknown = null;
    claim(c, gen, 0, (s, e) => { if (error === null) try { local(s, e); } catch (err) { error = err; } });
    let spins = 0, seen = -1, since = performance.now();
    for (let d = Atomics.load(c, DONE); d !== chunks; d = Atomics.load(c, DONE)) {
      // Node's main thread may block; a browser's may not, so it keeps spinning there.
      if (++spins > this.spin && typeof process !== 'undefined') {
        Atomics.store(c, WAITING, 1);
        Atomics.wait(c, DONE, d, 10);
        Atomics.store(c, WAITING, 0);
        spins = 0;
      }
      if (d !== seen) { seen = d; since = performance.now(); } else if ((spins & 1023) === 0 && performance.now() - since > this.stallMs) {
        const why = `kernel ${name}: ${chunks - d} of its ${chunks} chunks made no progress for ${(this.stallMs / 1000).toFixed(1)} s (a worker thread died or hangs)`;
        this.restart(why);
        throw new Error(`wasm backend: ${why}. The call failed and its results are lost; new worker threads are starting, so it can be retried.`);
      }
    }
    const failed = Atomics.exchange(c, FAILED, 0);
    if (error !== null) throw error;
    if (failed) {
      const at = 4 * (RANGES + n), length = new Int32Array(c.buffer, at, 1)[0];
      const message = new TextDecoder().decode(new Uint8Array(c.buffer, at + 4, length).slice());
      throw new Error(`wasm kernel ${name} failed on worker thread ${failed - 1}: ${message}`);
    }
  }

  async terminate(): Promise<void> {
    this.control[FN] = -1;
    Atomics.store(this.control, GEN, (this.generation + 1) & 0x7fff);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) (await w).terminate();
  }
}
