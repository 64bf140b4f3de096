// Global engine state: which backend runs kernels, how output arrays are allocated, and the
// gradient tape that records ops while gradients are wanted.
import type { Backend } from '../backends/backend.ts';
import { JsBackend } from '../backends/js/index.ts';
import { allocArray, type DType, type TypedArray } from './dtype.ts';
import type { OpAttrs, OpName, TapeEntry } from '../ops/registry.ts';
import type { Tensor } from './tensor.ts';

type BackendFactory = () => Backend;
const factories = new Map<string, BackendFactory>([['js', () => new JsBackend()]]);
const instances = new Map<string, Backend>();
let current: Backend = instances.get('js') ?? new JsBackend();
instances.set('js', current);

export const backend = (): Backend => current;
export const getBackend = (): string => current.name;

/** Makes a backend available to setBackend (the wasm backend registers itself this way). */
export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function setBackend(name: string): void {
  pendingDefault = null; // an explicit choice wins over a default still being prepared
  const factory = factories.get(name);
  if (!factory) throw new Error(`setBackend: unknown backend '${name}', available: ${[...factories.keys()].join(', ')}`);
  let b = instances.get(name);
  if (!b) instances.set(name, (b = factory()));
  current = b;
}

/** Runs fn with another backend active, restoring the previous one afterwards. */
export function withBackend<T>(name: string, fn: () => T): T {
  const saved = current;
  setBackend(name);
  try { return fn(); } finally { current = saved; }
}

/** Sets how many threads the active backend's kernels use (the reference backend has one). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
  current.setThreads?.(n);
}
export const getThreads = (): number => current.threads ?? 1;
/** Resolves when the active backend is fully started (worker threads up). */
export const ready = async (): Promise<void> => {
  await pendingDefault;
  await current.whenReady?.();
};

/** Runs fn with a given backend object active (the planner's recording proxy). */
export function withBackendInstance<T>(b: Backend, fn: () => T): T {
  const saved = current;
  current = b;
  try { return fn(); } finally { current = saved; }
}

// --- Allocation: ops get their output arrays here, so a planner can hand out fixed buffers.
export type Allocator = (dtype: DType, size: number) => TypedArray;
let allocator: Allocator = allocArray;
export const alloc: Allocator = (dtype, size) => allocator(dtype, size);
export function withAllocator<T>(a: Allocator, fn: () => T): T {
  const saved = allocator;
  allocator = a;
  try { return fn(); } finally { allocator = saved; }
}

// --- The tape. Only ops whose inputs depend on a watched tensor are recorded.
export class Tape {
  readonly entries: TapeEntry[] = [];
  readonly tracked = new Set<Tensor>();
  watch(t: Tensor): void { this.tracked.add(t); }
}

let activeTape: Tape | null = null;
export const currentTape = (): Tape | null => activeTape;

export function withTape<T>(tape: Tape | null, fn: () => T): T {
  const saved = activeTape;
  activeTape = tape;
  try { return fn(); } finally { activeTape = saved; }
}

/** Runs fn without recording anything (inference, metrics, optimizer updates). */
export const noGrad = <T>(fn: () => T): T => withTape(null, fn);

export function record<K extends OpName>(op: K, inputs: Tensor[], output: Tensor, attrs: OpAttrs[K], saved: Tensor[] = []): void {
  const tape = activeTape;
  if (!tape || !inputs.some((t) => tape.tracked.has(t))) return;
  tape.tracked.add(output);
  tape.entries.push({ op, inputs, output, attrs, saved } as unknown as TapeEntry);
}

// The wasm backend is the default. Where it cannot be compiled synchronously (a browser's
// main thread), the reference backend serves until `await ready()` has compiled it.
import { WasmBackend } from '../backends/wasm/index.ts';
registerBackend('wasm', () => new WasmBackend());
let pendingDefault: Promise<void> | null = null;
const envBackend = typeof process !== 'undefined' ? process.env.DEEPTYPE_BACKEND : undefined;
if (envBackend) setBackend(envBackend);
else {
  try {
    setBackend('wasm');
  } catch {
    const pending: Promise<void> = WasmBackend.create().then((b) => {
      instances.set('wasm', b);
      if (pendingDefault === pending) current = b;
    });
    pendingDefault = pending;
  }
}
