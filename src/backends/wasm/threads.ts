// Worker threads over one shared wasm memory. The main thread posts a job (a kernel and its
// arguments) in a small shared control block, takes the first share itself, and waits for
// the others. Workers spin briefly before they block, since a job round trip through
// Atomics.wait costs tens of microseconds and a training step runs hundreds of kernels.

// Control block layout (Int32Array).
const GEN = 0, PENDING = 1, FN = 2, TOTAL = 3, ALIGN = 4, NARGS = 5, READY = 6, ARGS = 8, MAX_ARGS = 24;

/** [start, end) of share `index` of `total` items split `count` ways in multiples of `align`. */
export function share(total: number, align: number, count: number, index: number): [number, number] {
  const chunk = Math.ceil(total / count / align) * align;
  const start = Math.min(total, index * chunk);
  return [start, Math.min(total, start + chunk)];
}

// The worker's program, as source so that it needs no separate file (Node: eval, browser: Blob).
const WORKER_BODY = `
function share(total, align, count, index) {
  const chunk = Math.ceil(total / count / align) * align;
  const start = Math.min(total, index * chunk);
  return [start, Math.min(total, start + chunk)];
}
function start({ module, memory, control, index, count, names }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const fns = names.map((n) => instance.exports[n]);
  const c = new Int32Array(control);
  let seen = Atomics.load(c, ${GEN});
  Atomics.add(c, ${READY}, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, ${GEN}) === seen) {
      if (++spins > 2000000) { Atomics.wait(c, ${GEN}, seen); spins = 0; }
    }
    seen = Atomics.load(c, ${GEN});
    const fn = c[${FN}];
    if (fn < 0) return;
    const [s, e] = share(c[${TOTAL}], c[${ALIGN}], count, index);
    if (s < e) {
      const args = [];
      for (let i = 0; i < c[${NARGS}]; i++) args.push(c[${ARGS} + i]);
      fns[fn](...args, s, e);
    }
    if (Atomics.sub(c, ${PENDING}, 1) === 1) Atomics.notify(c, ${PENDING});
  }
}`;

interface WorkerLike { terminate(): unknown; unref?(): void }

async function spawn(data: object): Promise<WorkerLike> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { Worker } = await import('node:worker_threads');
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
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * (ARGS + MAX_ARGS)));
  private readonly workers: Promise<WorkerLike>[] = [];
  private readonly fnIndex: Map<string, number>;

  /** `count` threads in all, the calling thread included. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly count: number, names: string[]) {
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
    for (let index = 1; index < count; index++) {
      this.workers.push(spawn({ module, memory, control: this.control.buffer, index, count, names }));
    }
  }

  /** True once every worker has started (until then jobs run on the calling thread alone). */
  get ready(): boolean { return Atomics.load(this.control, READY) === this.count - 1; }

  /** The share size run() will use for this job: total itself when it runs on one thread. */
  chunk(total: number, align: number): number {
    return this.count === 1 || !this.ready || total <= align ? total : Math.ceil(total / this.count / align) * align;
  }

  /**
   * Runs fn(...args, start, end) over [0, total) split across the threads, in multiples of align.
   * `local` runs the calling thread's share (it may be a JS function over the same memory).
   */
  run(name: string, args: number[], total: number, align: number, local: (start: number, end: number) => void): void {
    const c = this.control;
    if (this.chunk(total, align) === total) { local(0, total); return; }
    const fn = this.fnIndex.get(name);
    if (fn === undefined || args.length > MAX_ARGS) throw new Error(`internal: ${name} cannot run on the thread pool`);
    c[FN] = fn; c[TOTAL] = total; c[ALIGN] = align; c[NARGS] = args.length;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
    Atomics.store(c, PENDING, this.count - 1);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    const [s, e] = share(total, align, this.count, 0);
    if (s < e) local(s, e);
    let spins = 0;
    for (let p = Atomics.load(c, PENDING); p !== 0; p = Atomics.load(c, PENDING)) {
      // Node's main thread may block; a browser's may not, so it keeps spinning there.
      if (++spins > 1_000_000 && typeof process !== 'undefined') { Atomics.wait(c, PENDING, p, 1); spins = 0; }
    }
  }

  async terminate(): Promise<void> {
    this.control[FN] = -1;
    Atomics.add(this.control, GEN, 1);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) (await w).terminate();
  }
}
