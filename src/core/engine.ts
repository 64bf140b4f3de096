// Global engine state: which backend runs kernels, how output arrays are allocated, and the
// gradient tape that records ops while gradients are wanted. The backends register themselves
// (backends/register.ts, loaded by the entry points): core knows them only by the interface.
import type { Backend, PlanMemory } from '../backends/backend.ts';
import { allocArray, bytesPerElement, dtypeOfArray, viewArray, type DType, type TypedArray } from './dtype.ts';
import type { OpAttrs, OpName, TapeEntry } from '../ops/registry.ts';
import type { Tensor } from './tensor.ts';

type BackendFactory = () => Backend;
const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>();
let active: Backend | null = null;
const noBackend = (): never => {
  throw new Error("deeptype: no backend is registered; import the package's entry point ('deeptype', or src/index.ts), which registers them");
};

export const backend = (): Backend => active ?? noBackend();
export const getBackend = (): string => backend().name;

/** Makes a backend available to setBackend (backends/register.ts registers js and wasm). */
export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function setBackend(name: string): void {
  pendingDefault = null; // an explicit choice wins over a default still being prepared
  const factory = factories.get(name);
  if (!factory) throw new Error(`setBackend: unknown backend '${name}', available: ${[...factories.keys()].join(', ')}`);
  let b = instances.get(name);
  if (!b) instances.set(name, (b = factory()));
  active = b;
}

/**
 * A backend being started asynchronously (wasm on a browser's main thread): it becomes the
 * active one when it is ready, unless setBackend chose another meanwhile; ready() awaits it.
 */
export function preparing(name: string, started: Promise<Backend>): void {
  const pending: Promise<void> = started.then((b) => {
    instances.set(name, b);
    if (pendingDefault === pending) active = b;
  });
  pendingDefault = pending;
}
let pendingDefault: Promise<void> | null = null;

/** Runs fn with another backend active, restoring the previous one afterwards. */
export function withBackend<T>(name: string, fn: () => T): T {
  const saved = active;
  setBackend(name);
  try { return fn(); } finally { active = saved; }
}

/** Sets how many threads the active backend's kernels use (the reference backend has one). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
  backend().setThreads?.(n);
}
export const getThreads = (): number => backend().threads ?? 1;
/** Resolves when the active backend is fully started (worker threads up). */
export const ready = async (): Promise<void> => {
  await pendingDefault;
  await backend().whenReady?.();
};

/** Runs fn with a given backend object active (the planner's recording proxy). */
export function withBackendInstance<T>(b: Backend, fn: () => T): T {
  const saved = active;
  active = b;
  try { return fn(); } finally { active = saved; }
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

// --- State: arrays that kernels update in place and that outlive a step (weights, optimizer
// slots, moving statistics, random generator states). A compiled plan uses them in place and
// never freezes them as constants; a trace run restores them afterwards (see compile/plan.ts).
const stateArrays = new WeakSet<TypedArray>();
export function markState<T extends TypedArray>(a: T): T { stateArrays.add(a); return a; }
export const isState = (a: TypedArray): boolean => stateArrays.has(a);

// --- Weight writes: a counter moved by every write into a Variable's values (reading or
// replacing `variable.data`, which assign, setWeights, the file loaders, the initializers and the
// optimizers all go through, and compiled steps that update state in place). A plan keeps work
// derived only from weights (BatchNormalization's fold, transformed kernels) while it is unchanged.
let weightWrites = 0;
/** The number of (possible) writes into Variables' values so far: a plan compares it between runs. */
export const weightGeneration = (): number => weightWrites;
/** Marks Variables' values as (possibly) changed: work derived from them must be redone. */
export function weightsTouched(): void { weightWrites++; }

/** The backend's memory for plans, when it has its own (wasm memory); else plans use the JS heap. */
export const planMemoryOf = (b: Backend): PlanMemory | undefined => (b as Backend & { planMemory?: PlanMemory }).planMemory;

/**
 * Moves a state array into the active backend's own memory (once), so kernels use it in place.
 * Never while a step is traced: a plan must keep referring to the array it recorded, and the
 * trace's scratch memory (where a new region would land) is freed when the trace ends.
 */
export function persistentCopy<T extends TypedArray>(a: T): T {
  const memory = planMemoryOf(backend());
  if (!memory || memory.owns(a) || tracing) return markState(a);
  const dtype = dtypeOfArray(a);
  const r = memory.persistent(a.length * bytesPerElement(dtype));
  const v = viewArray(dtype, r.buffer, r.base, a.length) as T;
  v.set(a as never);
  return markState(v);
}

// --- Tracing: whether a compiled step is being recorded, and which layer is running (so that
// a plan can say which layer made a value it would freeze).
let tracing = false;
export const isTracing = (): boolean => tracing;
export function withTracing<T>(fn: () => T): T {
  const saved = tracing;
  tracing = true;
  try { return fn(); } finally { tracing = saved; }
}
const scopes: string[] = [];
/** Runs fn with `name` (a layer) as the current scope. */
export function withScope<T>(name: string, fn: () => T): T {
  scopes.push(name);
  try { return fn(); } finally { scopes.pop(); }
}
/** The innermost running layer, or '' outside any. */
export const currentScope = (): string => scopes[scopes.length - 1] ?? '';

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
