// Compiled steps. A step (forward, loss, backward) is run once while every kernel call is
// recorded; the buffers those calls touch get fixed places in memory, buffers whose lifetimes
// do not overlap sharing space; then the step is replayed from the list for every batch: no
// allocation, no copies but the batch in. The same idea as XLA's or TFLite's static memory
// planning, at the size of a model.
//
// Memory: the working buffers of every plan live in one workspace per backend (plans never
// run at the same time), so a model's train, evaluate and predict plans share it. A plan's
// constants live there too, after its working buffers, copied in whenever another plan ran
// since: so a plan owns no memory of its own, an evicted plan leaves nothing behind, and the
// workspace stays the top of the wasm stack, where it grows in place. On the wasm backend the
// trace run itself allocates in scratch space from the workspace's base (its plans copy their
// constants back in after it), or above it, freed when it ends.
import { backend, currentScope, isState, weightGeneration, withAllocator, withBackendInstance, withTracing } from '../core/engine.ts';
import { allocArray, bytesPerElement, dtypeOfArray, viewArray, type DType, type TypedArray } from '../core/dtype.ts';
import { Tensor } from '../core/tensor.ts';
import { KERNEL_OUTPUTS, type Backend, type KernelName, type PlanMemory, type Region } from '../backends/backend.ts';
import { fuse, fusionBuffers, isArray, type Call } from './fusions.ts';
import { splitPrologue, weightCacheTuning } from './prologue.ts';

/** Plain-JS plan memory for backends without their own (the reference backend). */
class HeapPlanMemory implements PlanMemory {
  private ws: Region & { version: number; size: number } = { buffer: new ArrayBuffer(0), base: 0, version: 0, size: 0 };
  persistent(bytes: number): Region { return { buffer: new ArrayBuffer(bytes), base: 0 }; }
  workspace(bytes: number): Region & { version: number } {
    if (this.ws.size < bytes) this.ws = { buffer: new ArrayBuffer(bytes), base: 0, version: this.ws.version + 1, size: bytes };
    return this.ws;
  }
  owns(): boolean { return false; }
}
const heapMemory = new HeapPlanMemory();
export const memoryOf = (b: Backend): PlanMemory => (b as Backend & { planMemory?: PlanMemory }).planMemory ?? heapMemory;

const align16 = (n: number): number => Math.ceil(n / 16) * 16; // bitwise ops would wrap at 2 GiB
const view = (r: Region, dtype: DType, offset: number, length: number): TypedArray => viewArray(dtype, r.buffer, r.base + offset, length);

export { persistentCopy } from '../core/engine.ts';

/** A buffer of the plan, at `offset` in the workspace; a constant's values are copied there before a run. */
interface Slot { dtype: DType; length: number; offset: number; constant: boolean }

/**
 * The plan that ran last, and in which version of its workspace: its constants are still in
 * place. Any other plan's run may have overwritten them (one record for all backends: a
 * backend's planMemory may be a new object at every access, so it cannot be the key).
 */
let lastRun: { plan: Plan; version: number } | null = null;

/** How often plans replayed their prologue (weight work) and how often they skipped it (tests). */
export const prologueStats = { runs: 0, skips: 0 };

export class Plan {
  private bound?: { version: number; calls: Call[]; inputs: TypedArray[]; outputs: Tensor[]; constants: [TypedArray, TypedArray][] };
  /** What the trace computed outside the kernels, for checking a second trace against (see verify). */
  fingerprint!: Fingerprint;
  /** The weight generation the prologue's outputs were computed at (-1: not computed). */
  private prologueStamp = -1;
  private constructor(
    private readonly backend: Backend,
    private readonly memory: PlanMemory,
    private readonly calls: Call[],
    private readonly inputs: Slot[],
    private readonly outputs: { slot: Slot | TypedArray; shape: number[] }[],
    private readonly workspaceBytes: number,
    private readonly constantValues: [Slot, TypedArray][],
    /** The first `prologue` calls depend on weights and constants only (compile/prologue.ts). */
    private readonly prologue: number,
  ) {}

  /** Kernel calls with every slot turned into a view of the current workspace. */
  private bind(): NonNullable<Plan['bound']> {
    const ws = this.memory.workspace(this.workspaceBytes);
    if (this.bound?.version === ws.version) return this.bound;
    const views = new Map<Slot, TypedArray>();
    const resolve = (s: Slot): TypedArray => {
      let v = views.get(s);
      if (!v) views.set(s, (v = view(ws, s.dtype, s.offset, s.length)));
      return v;
    };
    return (this.bound = {
      version: ws.version,
      calls: this.calls.map(({ kernel, args }) => ({ kernel, args: args.map((a) => (a instanceof SlotRef ? resolve(a.slot) : a)) })),
      inputs: this.inputs.map(resolve),
      outputs: this.outputs.map(({ slot, shape }) => new Tensor(isArray(slot) ? slot : resolve(slot), shape)),
      constants: this.constantValues.map(([s, values]) => [resolve(s), values]),
    });
  }

  /** Copies the inputs in and replays the step. The results stay valid until any plan runs or is traced again. */
  run(inputs: readonly TypedArray[]): Tensor[] {
    const bound = this.bind();
    // Another plan or a trace may have overwritten the workspace: constants and prologue outputs.
    const moved = lastRun?.plan !== this || lastRun.version !== bound.version;
    if (moved) {
      for (const [v, values] of bound.constants) v.set(values as never);
      lastRun = { plan: this, version: bound.version };
    }
    inputs.forEach((a, i) => bound.inputs[i].set(a));
    const b = this.backend as unknown as Record<KernelName, (...args: unknown[]) => void>;
    const calls = bound.calls;
    let k = 0;
    if (this.prologue > 0) {
      const generation = weightGeneration();
      if (!moved && this.prologueStamp === generation) {
        k = this.prologue;
        prologueStats.skips++;
      } else {
        this.prologueStamp = -1; // until it has run through
        for (; k < this.prologue; k++) b[calls[k].kernel](...calls[k].args);
        this.prologueStamp = generation;
        prologueStats.runs++;
      }
    }
    // A step that updates weights in place (moving statistics) needs no mark here: any other
    // plan's next run sees that this one ran in between (lastRun) and replays its prologue.
    for (; k < calls.length; k++) b[calls[k].kernel](...calls[k].args);
    return bound.outputs;
  }

  /**
   * Runs fn(inputs) once, recording its kernel calls, and plans their buffers. `persistent`
   * arrays (weights) and state arrays are used in place, never copied; whatever the trace run
   * wrote into them (a random generator's counter, moving statistics) is put back afterwards,
   * so that tracing a step has no effect of its own: only running the plan does.
   */
  static trace(fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[], persistent: Set<TypedArray>, { overWorkspace = false, weightWork = false } = {}): Plan {
    const target = backend();
    const memory = memoryOf(target);
    const calls: Call[] = [];
    const scopes: string[] = [];
    const saved = new Map<TypedArray, TypedArray>();
    const isKept = (a: TypedArray): boolean => persistent.has(a) || isState(a);
    const recorder = new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver);
        if (typeof prop !== 'string' || !(prop in KERNEL_OUTPUTS) || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          for (const j of KERNEL_OUTPUTS[prop as KernelName]) {
            const a = args[j];
            if (isArray(a) && isKept(a) && !saved.has(a)) saved.set(a, a.slice());
          }
          calls.push({ kernel: prop as KernelName, args });
          scopes.push(currentScope());
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
    const allocated = new Set<TypedArray>();
    const take = memory.trace ? memory.trace.alloc : allocArray;
    // Over the workspace (a model's plan cache: its traces run between steps), the trace's
    // inputs and the weights must stay outside it; a budget probe keeps the space above.
    const mark = memory.trace?.begin(overWorkspace ? [...inputs.map((t) => t.data), ...persistent] : undefined) ?? 0;
    try {
      const raw = withTracing(() => withBackendInstance(recorder, () =>
        withAllocator((dtype, size) => { const a = take(dtype, size); allocated.add(a); return a; }, () => fn(inputs))));
      // Everything the plan keeps from the trace (constants) is copied before its scratch is freed.
      const hoist = weightWork && weightCacheTuning.enabled ? persistent : null;
      const plan = Plan.build(target, memory, calls, inputs, raw, allocated, isKept, hoist);
      plan.fingerprint = fingerprintOf(calls, scopes, inputs, allocated, isKept);
      return plan;
    } finally {
      for (const [a, before] of saved) a.set(before as never);
      memory.trace?.end(mark);
    }
  }

  /** `weights`: given, the calls that depend on them only move to a prologue (compile/prologue.ts). */
  private static build(target: Backend, memory: PlanMemory, traced: Call[], inputs: Tensor[], results: Tensor[], allocated: Set<TypedArray>, isKept: (a: TypedArray) => boolean, weights: Set<TypedArray> | null): Plan {
    const resultSet = new Set(results.map((r) => r.data));
    const fused = fuse(traced, resultSet);
    const split = weights ? splitPrologue(target, fused, weights, isKept, inputs.map((t) => t.data), resultSet) : { calls: fused, prologue: 0, hoisted: new Set<TypedArray>() };
    const calls = split.calls;
    // Lifetimes: the first and last call each buffer appears in.
    const first = new Map<TypedArray, number>(), last = new Map<TypedArray, number>(), computed = new Set<TypedArray>();
    calls.forEach(({ kernel, args }, i) => {
      args.forEach((a, j) => {
        if (!isArray(a) || isKept(a)) return;
        if (!first.has(a)) {
          first.set(a, i);
          if (KERNEL_OUTPUTS[kernel].includes(j) && (allocated.has(a) || fusionBuffers.has(a))) computed.add(a);
        }
        last.set(a, i);
      });
    });
    const inputArrays = inputs.map((t) => t.data);
    for (const a of inputArrays) { first.set(a, -1); last.set(a, Infinity); computed.add(a); }
    for (const r of results) if (first.has(r.data)) last.set(r.data, Infinity);
    // Prologue outputs outlive a run: they are kept for the next one.
    for (const a of split.hoisted) if (first.has(a)) { first.set(a, -1); last.set(a, Infinity); }

    // Buffers no call computes (scalars, the seed of the backward pass, anything made outside
    // the step) are constants: they keep their traced values in the plan's own region.
    const constants = [...first.keys()].filter((a) => !computed.has(a));
    const slots = new Map<TypedArray, Slot>();

    // Greedy by size (as TFLite's arena planner): each buffer takes the lowest offset that does
    // not overlap a placed buffer whose lifetime overlaps its own.
    const working = [...computed].filter((a) => first.has(a)).sort((a, b) => b.byteLength - a.byteLength);
    const placed: { a: TypedArray; offset: number; end: number }[] = [];
    let total = 16;
    for (const a of working) {
      const [s, e] = [first.get(a)!, last.get(a)!];
      const clashes = placed.filter((p) => first.get(p.a)! <= e && s <= last.get(p.a)!).sort((x, y) => x.offset - y.offset);
      let offset = 0;
      for (const p of clashes) {
        if (offset + a.byteLength <= p.offset) break;
        offset = Math.max(offset, align16(p.end));
      }
      placed.push({ a, offset, end: offset + a.byteLength });
      slots.set(a, { dtype: dtypeOfArray(a), length: a.length, offset, constant: false });
      total = Math.max(total, offset + a.byteLength);
    }
    // Constants after the working buffers (they live through the whole step).
    for (const a of constants) {
      total = align16(total);
      slots.set(a, { dtype: dtypeOfArray(a), length: a.length, offset: total, constant: true });
      total += a.byteLength;
    }
    const constantValues = constants.map((a): [Slot, TypedArray] => [slots.get(a)!, a.slice()]);
    const moved = calls.map(({ kernel, args }) => ({
      kernel, args: args.map((a) => (isArray(a) && slots.has(a) ? new SlotRef(slots.get(a)!) : a)),
    }));
    const outputs = results.map((r) => {
      const slot = slots.get(r.data);
      if (!slot && allocated.has(r.data)) throw new Error('internal: a planned step returned a buffer no kernel wrote');
      return { slot: slot ?? r.data, shape: r.shape };
    });
    return new Plan(target, memory, moved, inputArrays.map((a) => slots.get(a)!), outputs, total, constantValues, split.prologue);
  }
}

/** Marks a slot inside a recorded call's arguments. */
class SlotRef { constructor(readonly slot: Slot) {} }


/**
 * What a trace did that its kernels cannot redo: the kernels it called with their non-array
 * arguments, and the values of the arrays it read that no kernel wrote (constants). Two traces
 * of the same step must agree on all of it; where they do not, the step computed something in
 * JavaScript (Math.random, a value read from a tensor's data, a tensor made from such numbers)
 * that a plan would freeze at its first value.
 */
export interface Fingerprint { kernels: string[]; args: string[]; constants: { values: TypedArray; scope: string }[]; scopes: string[] }

function fingerprintOf(calls: Call[], scopes: string[], inputs: Tensor[], allocated: Set<TypedArray>, isKept: (a: TypedArray) => boolean): Fingerprint {
  const ids = new Map<TypedArray, string>(inputs.map((t, i) => [t.data, `input${i}`]));
  const constants: Fingerprint['constants'] = [];
  const args = calls.map(({ kernel, args: list }, i) => list.map((a, j) => {
    if (!isArray(a)) return JSON.stringify(a) ?? 'undefined';
    let id = ids.get(a);
    if (id === undefined) {
      const writes = KERNEL_OUTPUTS[kernel].includes(j);
      if (isKept(a)) id = `state${ids.size}`;
      else if (writes && allocated.has(a)) id = `buffer${ids.size}`;
      else { id = `constant${constants.length}`; constants.push({ values: a.slice(), scope: scopes[i] }); }
      ids.set(a, id);
    }
    return id;
  }).join(','));
  return { kernels: calls.map((c) => c.kernel), args, constants, scopes };
}

const sameValues = (a: TypedArray, b: TypedArray): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i])));

/**
 * Compares two traces of one step; returns null when they agree, else which layer differed and
 * how (for the error that tells the user what would have been frozen).
 */
export function traceDifference(a: Fingerprint, b: Fingerprint): { scope: string; what: string } | null {
  const n = Math.min(a.kernels.length, b.kernels.length);
  for (let i = 0; i < n; i++) {
    if (a.kernels[i] !== b.kernels[i] || a.args[i] !== b.args[i]) {
      return { scope: b.scopes[i] || a.scopes[i], what: `it ran different kernel calls on two traces (call ${i}: ${a.kernels[i]} vs ${b.kernels[i]}): control flow or kernel arguments that depend on tensor values` };
    }
  }
  if (a.kernels.length !== b.kernels.length) {
    return { scope: b.scopes[n] ?? a.scopes[n] ?? '', what: `it ran ${a.kernels.length} kernel calls on one trace and ${b.kernels.length} on another: control flow that depends on tensor values` };
  }
  for (let i = 0; i < a.constants.length; i++) {
    if (!sameValues(a.constants[i].values, b.constants[i].values)) {
      return { scope: a.constants[i].scope, what: 'it made a tensor from values computed outside the kernels (Math.random, or numbers read from a tensor with .data, .item() or toArray()), which a compiled step would freeze at its first value' };
    }
  }
  return null;
}
