// Worker threads for Dataset.map(workerFunction(...)): each worker imports the user's module
// once and calls the named export on the elements it is sent. Tensors cross as (data, shape);
// results come back with their buffers transferred, not copied.
import type { Worker as NodeWorker } from 'node:worker_threads';
import { Tensor } from '../core/tensor.ts';
import type { TypedArray } from '../core/dtype.ts';
import type { WorkerFunction } from './dataset.ts';

const TENSOR = '__deeptypeTensor';

/** Tensors become plain records; views of a larger buffer are copied so only their bytes travel. */
export function encode(v: unknown, transfer?: ArrayBuffer[]): unknown {
  if (v instanceof Tensor) {
    const data = v.data.byteLength === v.data.buffer.byteLength && v.data.buffer instanceof ArrayBuffer ? v.data : v.data.slice();
    if (transfer && data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
    return { [TENSOR]: true, data, shape: v.shape };
  }
  if (Array.isArray(v)) return v.map((e) => encode(e, transfer));
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, encode(e, transfer)]));
  }
  return v;
}

export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const r = v as Record<string, unknown>;
    if (r[TENSOR]) return new Tensor(r.data as TypedArray, r.shape as number[]);
    return Object.fromEntries(Object.entries(r).map(([k, e]) => [k, decode(e)]));
  }
  return v;
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

export class WorkerPool {
  private readonly workers: Promise<NodeWorker>[] = [];
  private readonly idle: NodeWorker[] = [];
  private readonly waiting: { resolve(w: NodeWorker): void; reject(e: Error): void }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure?: Error;

  constructor(private readonly fn: WorkerFunction, size: number) {
    const module = fn.module instanceof URL ? fn.module.href : fn.module.startsWith('file:') ? fn.module : `file://${resolvePath(fn.module)}`;
    for (let i = 0; i < size; i++) this.workers.push(this.start(module));
  }

  private async start(module: string): Promise<NodeWorker> {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(BOOTSTRAP, { eval: true, workerData: { module, exportName: this.fn.exportName, body: new URL('./map-worker.ts', import.meta.url).href, tsx: tsxLoader() } });
    w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(decode(m.value)); else p.reject(new Error(`Dataset.map on a worker (${this.fn.exportName} from ${module}): ${m.error}`));
      this.release(w);
    });
    w.on('error', (e) => {
      this.failure = new Error(`Dataset.map: worker for ${this.fn.exportName} from ${module} failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
      for (const p of this.waiting.splice(0)) p.reject(this.failure);
    });
    this.release(w);
    return w;
  }

  private release(w: NodeWorker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(w); else this.idle.push(w);
  }

  private acquire(): Promise<NodeWorker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async call(element: unknown): Promise<unknown> {
    if (this.failure) throw this.failure;
    const w = await this.acquire();
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, value: encode(element) });
    });
  }

  async close(): Promise<void> {
    const ws = await Promise.allSettled(this.workers);
    await Promise.all(ws.map((r) => (r.status === 'fulfilled' ? r.value.terminate() : undefined)));
  }
}

// deeptype ships TypeScript sources, run through a loader (tsx): loader hooks do not reach
// worker threads by themselves, so the worker registers tsx before importing anything.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.body);
})().catch((e) => { setImmediate(() => { throw e; }); });`;

function tsxLoader(): string | null {
  try { return import.meta.resolve('tsx/esm/api'); } catch { return null; }
}

function resolvePath(p: string): string {
  const { resolve } = process.getBuiltinModule('node:path');
  return resolve(p);
}
