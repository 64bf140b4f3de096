// Worker threads over one shared wasm memory. The main thread posts a job (a kernel, its
// arguments, and a range of work cut into chunks) in a small shared control block; every
// thread, the main one included, claims chunks until none are left. Each thread has a home
// range of the chunks, which it takes from the front; a thread done with its own helps the
// others from the back of theirs. So when the threads keep pace, each runs the same chunks
// job after job (the same images, whose data its own cache holds from the previous kernel),
// and when one is slowed down (on a shared machine a core can be taken away for a while) the
// others take over its work. Workers spin briefly before they block, since a round trip
// through Atomics.wait costs tens of microseconds and a training step runs dozens of jobs.

//
// A worker that dies (terminated, out of memory, an uncaught error) is seen by its 'exit' or
// 'error' event, but the calling thread cannot receive events while it waits for a job. So the
// workers are spawned by a supervisor thread that runs no kernels and whose event loop stays
// free: on a worker's exit it marks the worker dead in the control block and wakes the caller,
// which fails the job at once (once the live threads are out of it). Nothing is timed, so a
// slow or loaded machine raises no false alarm; the stall timeout remains for a hung worker.
// Where threads cannot nest (some browsers), the workers are spawned directly, as before.

// Control block layout (Int32Array). Each home range is one word: the job's generation (high
// 16 bits), the range's next chunk from the front and its end (8 bits each), so a late worker
// can never claim chunks of a newer job, and owner and helpers agree on what is left. After
// the ranges, per thread: the last job it finished with (FINISHED) and whether it is dead
// (1 exited, 2 failed); LOST holds the first dead thread, EXIT_CODE its exit code.
// The words written during a job (DONE, each thread's range) have a cache line each, so that
// a claim by one thread does not take the line the other is claiming from; a thread adds its
// finished chunks to DONE once, as it leaves. (A 2-thread job of 8 tiny chunks costs 1-4 us
// more than on the caller alone, of 2 chunks 0.4-0.8 us, before and after this change alike
// at load 4-8: `bench/scaling.ts --dispatch`; not measured on a quiet machine.)
const GEN = 0, FN = 2, TOTAL = 3, GRAIN = 4, NARGS = 5, READY = 6, FAILED = 7, THREADS = 8, SPIN = 9, WAITING = 10;
const LOST = 11, EXIT_CODE = 12, ARGS = 13, MAX_ARGS = 24;
/** Int32 words per 64-byte cache line. */
const LINE = 16;
const DONE = 3 * LINE, RANGES = 4 * LINE, MAX_CHUNKS = 255;
/** Bytes after the ranges for a worker's error message (a length word, then UTF-8). */
const MESSAGE_BYTES = 256;
/** How long a job may make no progress before its missing threads count as lost. */
const STALL_MS = 60_000;
const CHUNKS_PER_THREAD = 4;

// The claiming loop, shared (as source) by the worker program and the main thread.
const CLAIM = `function claim(c, gen, self, run) {
  const n = c[${THREADS}];
  let done = 0;
  for (let k = 0; k < n; k++) {
    const at = ${RANGES} + ((self + k) % n) * ${LINE}, own = k === 0;
    for (;;) {
      const v = Atomics.load(c, at);
      const front = (v >>> 8) & 0xff, end = v & 0xff;
      if ((v >>> 16) !== gen || front >= end) break;
      if (Atomics.compareExchange(c, at, v, own ? v + 0x100 : v - 1) !== v) continue;
      const i = own ? front : end - 1;
      run(i * c[${GRAIN}], Math.min(c[${TOTAL}], (i + 1) * c[${GRAIN}]));
      done++;
    }
  }
  if (done === 0) return;
  Atomics.add(c, ${DONE}, done);
  if (Atomics.load(c, ${WAITING})) Atomics.notify(c, ${DONE}); // the caller stopped spinning
}`;
// eslint-disable-next-line no-new-func -- the same source runs in the workers
const claim = new Function(`${CLAIM}; return claim;`)() as (c: Int32Array, gen: number, self: number, run: (s: number, e: number) => void) => void;

// The worker's program, as source so that it needs no separate file (Node: eval, browser: Blob).
const WORKER_BODY = `
${CLAIM}
function start({ module, memory, control, names, self, messageAt, finishedAt }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const fns = names.map((n) => instance.exports[n]);
  const c = new Int32Array(control);
  let seen = Atomics.load(c, ${GEN});
  Atomics.store(c, finishedAt + self, seen); // a job running as it starts is not its to join
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
    Atomics.store(c, finishedAt + self, seen); // out of this job: it writes nothing more for it
  }
}`;

// The supervisor's program: spawns the workers, watches them, and on a test's request
// terminates one (as a crash would). Its event loop is free, so their events reach it at once.
const SUPERVISOR_BODY = `
function supervise({ workerSource, count, data, deadAt }, reply) {
  const c = new Int32Array(data.control);
  const node = typeof process !== 'undefined' && process.versions && process.versions.node;
  if (!node && typeof Worker === 'undefined') { reply({ nested: false }); return () => {}; }
  const lost = (index, how, code) => {
    if (Atomics.compareExchange(c, deadAt + index, 0, how) !== 0) return;
    if (how === 1) Atomics.store(c, ${EXIT_CODE}, code | 0);
    Atomics.compareExchange(c, ${LOST}, 0, index);
    Atomics.notify(c, ${DONE});
  };
  const workers = [];
  for (let index = 1; index < count; index++) {
    let w;
    if (node) {
      const { Worker } = require('node:worker_threads');
      w = new Worker(workerSource + "\\nrequire('node:worker_threads').parentPort.once('message', start);", { eval: true });
      w.on('exit', (code) => lost(index, 1, code));
      w.on('error', () => lost(index, 2, 0));
    } else {
      w = new Worker(URL.createObjectURL(new Blob([workerSource + '\\nself.onmessage = (e) => start(e.data);'], { type: 'text/javascript' })));
      w.addEventListener('error', () => lost(index, 2, 0));
    }
    w.postMessage(Object.assign({}, data, { self: index }));
    workers.push(w);
  }
  return (m) => { if (m.kill) setTimeout(() => workers[m.kill - 1].terminate(), m.after || 0); };
}`;
const SUPERVISOR_NODE = `${SUPERVISOR_BODY}
const { parentPort } = require('node:worker_threads');
let handle;
parentPort.on('message', (m) => { if (handle) handle(m); else handle = supervise(m, (r) => parentPort.postMessage(r)); });`;
const SUPERVISOR_BROWSER = `${SUPERVISOR_BODY}
let handle;
self.onmessage = (e) => { if (handle) handle(e.data); else handle = supervise(e.data, (r) => self.postMessage(r)); };`;

interface WorkerLike {
  terminate(): unknown; unref?(): void; postMessage(m: unknown): void;
  on?(event: string, listener: (arg: unknown) => void): unknown; addEventListener?(event: string, listener: (arg: unknown) => void): void;
}

const isNode = (): boolean => typeof process !== 'undefined' && Boolean(process.versions?.node);

/** A thread running `nodeSource` (Node: eval) or `browserSource` (browser: a Blob URL). */
function spawnThread(nodeSource: string, browserSource: string): WorkerLike {
  if (isNode()) {
    // Not import(): a bundler for browsers would try to resolve node:worker_threads.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(nodeSource, { eval: true });
    w.unref(); // idle threads must not keep the process alive
    return w;
  }
  return new Worker(URL.createObjectURL(new Blob([browserSource], { type: 'text/javascript' })));
}

export class ThreadPool {
  private control!: Int32Array;
  /** The supervisor thread, or (where threads cannot nest) the workers themselves. */
  private supervisor: WorkerLike | null = null;
  private workers: WorkerLike[] = [];
  private messageAt = 0;
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
    const finishedAt = RANGES + count * LINE, deadAt = finishedAt + count;
    const messageAt = (this.messageAt = 4 * (deadAt + count)), bytes = messageAt + MESSAGE_BYTES;
    this.control = new Int32Array(count > 1 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.control[SPIN] = spin;
    this.lost = null;
    this.workers = [];
    this.supervisor = null;
    if (count === 1) return;
    const control = this.control;
    const data = { module: this.module, memory: this.memory, control: control.buffer, names: this.names, messageAt, finishedAt };
    const onLost = (why: string): void => { if (this.control === control) this.lost ??= why; };
    try {
      const sup = (this.supervisor = spawnThread(SUPERVISOR_NODE, SUPERVISOR_BROWSER));
      const onReply = (m: unknown): void => {
        const r = (m as { data?: unknown }).data ?? m;
        if ((r as { nested?: boolean }).nested === false && this.control === control) { this.supervisor = null; sup.terminate(); this.spawnDirect(data); }
      };
      sup.on?.('message', onReply);
      sup.addEventListener?.('message', onReply);
      sup.on?.('error', (e) => onLost(`the worker supervisor failed: ${(e as Error)?.message ?? String(e)}`));
      sup.addEventListener?.('error', (e) => onLost(`the worker supervisor failed: ${(e as ErrorEvent)?.message ?? 'error'}`));
      sup.unref?.(); // again: a 'message' listener refs the thread, which must not keep the process alive
      sup.postMessage({ workerSource: WORKER_BODY, count, data, deadAt });
    } catch (e) {
      onLost(`could not start: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** Workers spawned by this thread (no supervisor): a death is seen between jobs, or by the stall timeout. */
  private spawnDirect(data: object): void {
    const control = this.control;
    for (let index = 1; index < this.count; index++) {
      const onLost = (why: string): void => { if (this.control === control) this.lost ??= `worker thread ${index} ${why}`; };
      try {
        const w = spawnThread(`${WORKER_BODY}\nrequire('node:worker_threads').parentPort.once('message', start);`, `${WORKER_BODY}\nself.onmessage = (e) => start(e.data);`);
        w.on?.('exit', (code) => onLost(`exited (code ${String(code)})`));
        w.on?.('error', (e) => onLost(`failed: ${(e as Error)?.message ?? String(e)}`));
        w.addEventListener?.('error', (e) => onLost(`failed: ${(e as ErrorEvent)?.message ?? 'error'}`));
        w.postMessage({ ...data, self: index });
        this.workers.push(w);
      } catch (e) {
        onLost(`could not start: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }

  /** A worker seen dead and not yet replaced (replaced at the next job), or null. */
  get lostThread(): string | null { return this.lost ?? this.lostWorker(); }

  /** The first dead worker, as the supervisor marked it, or null. */
  private lostWorker(c = this.control): string | null {
    const index = this.count > 1 ? Atomics.load(c, LOST) : 0;
    if (index === 0) return null;
    const how = Atomics.load(c, RANGES + this.count * LINE + this.count + index);
    return `worker thread ${index} ${how === 1 ? `exited (code ${Atomics.load(c, EXIT_CODE)})` : 'failed (an uncaught error)'}`;
  }

  /** Whether every live worker is out of job `gen` (so none writes for it any more). */
  private settled(c: Int32Array, gen: number): boolean {
    const n = this.count, finishedAt = RANGES + n * LINE, deadAt = finishedAt + n;
    for (let j = 1; j < n; j++) if (Atomics.load(c, deadAt + j) === 0 && Atomics.load(c, finishedAt + j) !== gen) return false;
    return true;
  }

  /**
   * For tests: terminates worker `index` (1 to count - 1) after `afterMs`, from the supervisor's
   * thread, as a crash would, even while the calling thread is inside a job.
   */
  loseWorker(index: number, afterMs = 0): void {
    if (!(index >= 1 && index < this.count)) throw new Error(`loseWorker: index must be 1 to ${this.count - 1}, got ${index}`);
    if (this.supervisor) this.supervisor.postMessage({ kill: index, after: afterMs });
    else setTimeout(() => this.workers[index - 1]?.terminate(), afterMs);
  }

  /** Replaces every worker (the lost one and the others, which may be stuck on the old block). */
  private restart(why: string): void {
    const old = this.workers;
    const spin = this.control[SPIN];
    this.control[FN] = -1;
    Atomics.store(this.control, GEN, (this.generation + 1) & 0x7fff);
    Atomics.notify(this.control, GEN);
    for (const w of old) w.terminate();
    this.supervisor?.terminate(); // and with it the workers it spawned
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
    const lost = this.lost ?? this.lostWorker();
    if (lost) this.restart(lost); // between jobs: the job below runs without it
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
    for (let r = 0; r < n; r++) Atomics.store(c, RANGES + r * LINE, (gen << 16) | (Math.floor((r * chunks) / n) << 8) | Math.floor(((r + 1) * chunks) / n));
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
      // A dead worker (the supervisor woke us): fail the job once the live threads are out of it.
      if (Atomics.load(c, LOST) !== 0 && this.settled(c, gen) && Atomics.load(c, DONE) !== chunks) {
        const why = `${this.lostWorker(c)} while kernel ${name} ran (${chunks - Atomics.load(c, DONE)} of its ${chunks} chunks unfinished)`;
        this.restart(why);
        throw new Error(`wasm backend: ${why}. The call failed and its results are lost; new worker threads are starting, so it can be retried.`);
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
      const at = this.messageAt, length = new Int32Array(c.buffer, at, 1)[0];
      const message = new TextDecoder().decode(new Uint8Array(c.buffer, at + 4, length).slice());
      throw new Error(`wasm kernel ${name} failed on worker thread ${failed - 1}: ${message}`);
    }
  }

  async terminate(): Promise<void> {
    this.control[FN] = -1;
    Atomics.store(this.control, GEN, (this.generation + 1) & 0x7fff);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) await w.terminate();
    await this.supervisor?.terminate();
  }
}
