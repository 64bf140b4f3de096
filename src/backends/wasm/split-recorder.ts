// How each parallel job of a backend call is cut between threads (issue #15's two-thread
// scaling): for every backend method called while `run` runs, the jobs it started, each with
// its kernel, items, chunk size and the items each thread's home range holds. The split is
// what the pool plans (threads.ts: thread r's home range is chunks [r*c/n, (r+1)*c/n)); a
// thread done early may still help another, so the split is deterministic, the timing is not.
import type { WasmBackend } from './index.ts';

export interface JobSplit {
  kernel: string;
  /** Items the job runs over ([0, total)). */
  total: number;
  /** Items per chunk (total: the whole job on the calling thread). */
  chunk: number;
  chunks: number;
  /** Items in each thread's home range (thread 0 is the caller). */
  perThread: number[];
}

export interface CallSplits {
  /** The backend method, with the convolution's shape where it has one (e.g. `conv2d 3x3/s1 16->16 32x32 b1`). */
  call: string;
  jobs: JobSplit[];
}

/** The planned split of a job over [0, total) in chunks of `chunk` on `threads` threads. */
export function splitOf(kernel: string, total: number, chunk: number, threads: number): JobSplit {
  const perThread = new Array<number>(threads).fill(0);
  if (chunk >= total || threads === 1) {
    perThread[0] = total; // threads.ts runs it on the calling thread alone
    return { kernel, total, chunk: total, chunks: 1, perThread };
  }
  const chunks = Math.ceil(total / chunk);
  for (let r = 0; r < threads; r++) {
    const first = Math.floor((r * chunks) / threads), end = Math.floor(((r + 1) * chunks) / threads);
    for (let i = first; i < end; i++) perThread[r] += Math.min(total, (i + 1) * chunk) - i * chunk;
  }
  return { kernel, total, chunk, chunks, perThread };
}

/** How many threads a job's planned split gives work to. */
export const threadsUsed = (j: JobSplit): number => j.perThread.filter((n) => n > 0).length;

interface ConvLike { kH: number; kW: number; strideH: number; groups: number; inC: number; outC: number; outH: number; outW: number; batch: number }
const isConv = (a: unknown): a is ConvLike => typeof a === 'object' && a !== null && 'kH' in a && 'outC' in a;

function label(method: string, args: unknown[]): string {
  const c = args.find(isConv);
  const op = typeof args[0] === 'string' ? ` ${args[0]}` : '';
  if (!c) return `${method}${op}`;
  return `${method}${op} ${c.kH}x${c.kW}/s${c.strideH}${c.groups > 1 ? ' dw' : ''} ${c.inC}->${c.outC} ${c.outH}x${c.outW} b${c.batch}`;
}

/**
 * Runs `run` with every backend method of `backend` wrapped (calls from inside a method are
 * its own) and every parallel job recorded; returns the calls in order with their jobs.
 */
export function recordSplits(backend: WasmBackend, run: () => void): CallSplits[] {
  const calls: CallSplits[] = [];
  const b = backend as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  let current: CallSplits | null = null;
  for (const k of Object.getOwnPropertyNames(backend)) {
    const f = b[k];
    if (typeof f !== 'function' || k === 'onSplit') continue;
    originals.set(k, f);
    b[k] = (...args: unknown[]) => {
      if (current !== null) return f.apply(backend, args);
      current = { call: label(k, args), jobs: [] };
      try { return f.apply(backend, args); } finally { calls.push(current); current = null; }
    };
  }
  const before = backend.onSplit;
  backend.onSplit = (kernel, total, chunk, threads) => {
    const job = splitOf(kernel, total, chunk, threads);
    (current ?? (calls.push({ call: '(outside a backend method)', jobs: [] }), calls[calls.length - 1])).jobs.push(job);
  };
  try { run(); } finally {
    backend.onSplit = before;
    for (const [k, f] of originals) b[k] = f; // the overrides are instance fields: put them back
  }
  return calls;
}
