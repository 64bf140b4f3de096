// Compiled steps. A step (forward, loss, backward) is run once while every kernel call is
// recorded; the buffers those calls touch get fixed places in one arena (in wasm memory on
// the wasm backend), buffers whose lifetimes do not overlap sharing space; then the step is
// replayed from the list for every batch: no allocation, no copies but the batch in.
// The same idea as XLA's or TFLite's static memory planning, at the size of a model.
import { backend, withAllocator, withBackendInstance } from '../core/engine.ts';
import { allocArray, dtypeOfArray, type DType, type TypedArray } from '../core/dtype.ts';
import { Tensor } from '../core/tensor.ts';
import { KERNEL_OUTPUTS, type Backend, type KernelName } from '../backends/backend.ts';

interface Call { kernel: KernelName; args: unknown[] }

const isArray = (a: unknown): a is TypedArray => ArrayBuffer.isView(a) && !(a instanceof DataView);
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

/** Where arena memory comes from: wasm memory when the backend has it, else a plain buffer. */
interface Arena { buffer: ArrayBufferLike; base: number }
function makeArena(b: Backend, bytes: number): Arena {
  const wasm = b as Backend & { allocPersistent?(n: number): number; mem?: { buffer: ArrayBufferLike } };
  if (wasm.allocPersistent && wasm.mem) return { base: wasm.allocPersistent(bytes), buffer: wasm.mem.buffer };
  return { base: 0, buffer: new ArrayBuffer(bytes) };
}
function view(arena: Arena, dtype: DType, offset: number, length: number): TypedArray {
  const Ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array }[dtype];
  return new Ctor(arena.buffer as ArrayBuffer, arena.base + offset, length);
}

/** Moves arrays that must outlive any plan (weights, optimizer slots) into wasm memory. */
export function persistentCopy(a: TypedArray): TypedArray {
  const b = backend() as Backend & { allocPersistent?: unknown; mem?: { owns(a: TypedArray): boolean } };
  if (!b.allocPersistent || !b.mem || b.mem.owns(a)) return a;
  const dtype = dtypeOfArray(a);
  const arena = makeArena(b, a.length * BYTES[dtype]);
  const v = view(arena, dtype, 0, a.length);
  v.set(a);
  return v;
}

export class Plan {
  private constructor(
    private readonly backend: Backend,
    private readonly calls: Call[],
    private readonly inputs: TypedArray[],
    readonly outputs: Tensor[],
  ) {}

  /** Copies the inputs in and replays the step; results are in `outputs` until the next run. */
  run(inputs: readonly TypedArray[]): Tensor[] {
    inputs.forEach((a, i) => this.inputs[i].set(a));
    const b = this.backend as unknown as Record<KernelName, (...args: unknown[]) => void>;
    for (const { kernel, args } of this.calls) b[kernel](...args);
    return this.outputs;
  }

  /**
   * Runs fn(inputs) once, recording its kernel calls, and plans their buffers. `persistent`
   * arrays (weights) are used in place, never copied. Returns the plan and fn's first results.
   */
  static trace(fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[], persistent: Set<TypedArray>): { plan: Plan; results: Tensor[] } {
    const target = backend();
    const calls: Call[] = [];
    const recorder = new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver);
        if (typeof prop !== 'string' || !(prop in KERNEL_OUTPUTS) || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push({ kernel: prop as KernelName, args });
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
    const allocated = new Set<TypedArray>();
    const results = withBackendInstance(recorder, () =>
      withAllocator((dtype, size) => { const a = allocArray(dtype, size); allocated.add(a); return a; }, () => fn(inputs)));
    return { plan: Plan.build(target, calls, inputs, results, allocated, persistent), results };
  }

  private static build(target: Backend, calls: Call[], inputs: Tensor[], results: Tensor[], allocated: Set<TypedArray>, persistent: Set<TypedArray>): Plan {
    // Lifetimes: the first and last call each buffer appears in.
    const first = new Map<TypedArray, number>(), last = new Map<TypedArray, number>(), bornAsOutput = new Set<TypedArray>();
    calls.forEach(({ kernel, args }, i) => {
      args.forEach((a, j) => {
        if (!isArray(a) || persistent.has(a)) return;
        if (!first.has(a)) {
          first.set(a, i);
          if (KERNEL_OUTPUTS[kernel].includes(j) && allocated.has(a)) bornAsOutput.add(a);
        }
        last.set(a, i);
      });
    });
    const inputArrays = inputs.map((t) => t.data);
    for (const r of results) if (first.has(r.data)) last.set(r.data, Infinity);
    for (const a of inputArrays) { first.set(a, -1); last.set(a, Infinity); }
    // Buffers that are not computed by a call (constants: scalars, seeds of the backward pass,
    // anything made outside the step) live for the whole step and keep their values.
    for (const a of first.keys()) if (!bornAsOutput.has(a)) { first.set(a, -1); last.set(a, Infinity); }

    // Greedy by size (as TFLite's arena planner): each buffer takes the lowest offset that does
    // not overlap a placed buffer whose lifetime overlaps its own.
    const buffers = [...first.keys()].sort((a, b) => b.byteLength - a.byteLength);
    const placed: { a: TypedArray; offset: number; end: number }[] = [];
    let total = 0;
    for (const a of buffers) {
      const [s, e] = [first.get(a)!, last.get(a)!];
      const clashes = placed.filter((p) => first.get(p.a)! <= e && s <= last.get(p.a)!).sort((x, y) => x.offset - y.offset);
      let offset = 0;
      for (const p of clashes) {
        if (offset + a.byteLength <= p.offset) break;
        offset = Math.max(offset, (p.end + 15) & ~15);
      }
      placed.push({ a, offset, end: offset + a.byteLength });
      total = Math.max(total, offset + a.byteLength);
    }
    const arena = makeArena(target, total);
    const home = new Map<TypedArray, TypedArray>();
    for (const { a, offset } of placed) {
      const v = view(arena, dtypeOfArray(a), offset, a.length);
      if (!bornAsOutput.has(a)) v.set(a); // constants keep their traced values
      home.set(a, v);
    }
    const moved = calls.map(({ kernel, args }) => ({ kernel, args: args.map((a) => (isArray(a) ? home.get(a) ?? a : a)) }));
    const outputs = results.map((r) => new Tensor(home.get(r.data) ?? r.data, r.shape));
    return new Plan(target, moved, inputArrays.map((a) => home.get(a)!), outputs);
  }

  /** How many kernel calls one run makes. */
  get callCount(): number { return this.calls.length; }
}
