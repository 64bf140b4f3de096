// Plan rewrites: where a recorded list of kernel calls can do less work for the same result.
// The table at the bottom lists them; each is a pattern over the calls (a kernel, and the
// calls that read what it writes), a condition (the intermediate buffer has no other reader
// and is not a result of the step), and the call that replaces them. They run in order, each
// on the previous one's output. A new fusion is one entry plus a conformance test against the
// unfused calls (test/backends.test.ts).
import type { TypedArray } from '../core/dtype.ts';
import type { KernelName, PoolInfo } from '../backends/backend.ts';

/** One recorded kernel call: its name and its arguments (arrays, numbers, geometry). */
export interface Call { kernel: KernelName; args: unknown[] }
export const isArray = (a: unknown): a is TypedArray => ArrayBuffer.isView(a) && !(a instanceof DataView);

/** A rewrite of a whole call list; `kept` are the buffers the step returns (never fused away). */
export interface Fusion { name: string; rewrite(calls: Call[], kept: Set<TypedArray>): Call[] }

/** How many call arguments name each buffer (a buffer written once and read once has 2). */
function useCounts(calls: Call[]): Map<TypedArray, number> {
  const uses = new Map<TypedArray, number>();
  for (const { args } of calls) for (const a of args) if (isArray(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
  return uses;
}
/** Written by one call and read by exactly one other, and not a result of the step. */
const onlyOneReader = (a: unknown, uses: Map<TypedArray, number>, kept: Set<TypedArray>): a is TypedArray =>
  isArray(a) && !kept.has(a) && uses.get(a) === 2;

/** The max-pooling backward calls, by the input gradient each writes. */
function poolBackwardsByOutput(calls: Call[]): Map<TypedArray, Call> {
  const m = new Map<TypedArray, Call>();
  for (const c of calls) if (c.kernel === 'maxPool2dBackward') m.set(c.args[2] as TypedArray, c);
  return m;
}

/**
 * conv2d -> maxPool2d: one conv2dMaxPool call; the convolution's output is never stored (the
 * backward pass needs only the pooling's argmax).
 */
const convMaxPool: Fusion = {
  name: 'conv2d + maxPool2d',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const dropped = new Set<number>();
    const out = calls.map((call, i) => {
      if (call.kernel !== 'conv2d') return call;
      const [x, w, bias, y, info] = call.args;
      if (!onlyOneReader(y, uses, kept)) return call;
      const j = calls.findIndex((c, k) => k > i && c.kernel === 'maxPool2d' && c.args[0] === y);
      if (j < 0) return call;
      const [, pooled, argmax, pool] = calls[j].args;
      dropped.add(j);
      return { kernel: 'conv2dMaxPool' as const, args: [x, w, bias, pooled, argmax, info, pool] };
    });
    return out.filter((_, i) => !dropped.has(i));
  },
};

/**
 * A bias gradient (column sums) of a max-pooling's input gradient equals the column sums of
 * the pooling's output gradient, four times smaller: each of its values lands exactly once.
 */
const biasGradBehindPool: Fusion = {
  name: 'maxPool2dBackward -> bias gradient',
  rewrite(calls) {
    const pools = poolBackwardsByOutput(calls);
    return calls.map((call) => {
      const [op, x, y, outer, , inner] = call.args as [string, TypedArray, TypedArray, number, number, number];
      const pool = call.kernel === 'reduce' && op === 'sum' && outer === 1 ? pools.get(x) : undefined;
      if (!pool || (pool.args[3] as PoolInfo).channels !== inner) return call;
      const dy = pool.args[0] as TypedArray;
      return { kernel: 'reduce' as const, args: ['sum', dy, y, 1, dy.length / inner, inner] };
    });
  },
};

/**
 * A max-pooling's input gradient that only a filter gradient reads is never stored: the
 * filter gradient takes the pooling's output gradient and argmax instead.
 */
const filterGradBehindPool: Fusion = {
  name: 'maxPool2dBackward -> conv2dBackpropFilter',
  rewrite(calls, kept) {
    const pools = poolBackwardsByOutput(calls);
    const uses = useCounts(calls);
    const gone = new Set<Call>();
    const out = calls.map((call) => {
      if (call.kernel !== 'conv2dBackpropFilter') return call;
      const [x, d, dw, conv] = call.args;
      const pool = pools.get(d as TypedArray);
      if (!pool || !onlyOneReader(d, uses, kept)) return call;
      gone.add(pool);
      const [dyPool, argmax, , poolInfo] = pool.args;
      return { kernel: 'conv2dBackpropFilterPooled' as const, args: [x, dyPool, argmax, dw, conv, poolInfo] };
    });
    return out.filter((c) => !gone.has(c));
  },
};

/**
 * conv2d -> relu: one conv2dActivation call, the activation applied as the output is written
 * (the epilogue); the convolution's own output is never stored. Needs the relu's gradient to
 * read its output, not its input (ops/elementwise.ts), or the input would have a second reader.
 */
const convActivation: Fusion = {
  name: 'conv2d + relu',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const dropped = new Set<number>();
    const out = calls.map((call, i) => {
      if (call.kernel !== 'conv2d') return call;
      const [x, w, bias, y, info] = call.args;
      if (!onlyOneReader(y, uses, kept)) return call;
      const j = calls.findIndex((c, k) => k > i && c.kernel === 'unary' && c.args[0] === 'relu' && c.args[1] === y);
      if (j < 0) return call;
      dropped.add(j);
      return { kernel: 'conv2dActivation' as const, args: [x, w, bias, calls[j].args[2], info, 'relu'] };
    });
    return out.filter((_, i) => !dropped.has(i));
  },
};

/** The rewrites, in the order they run. */
export const FUSIONS: readonly Fusion[] = [convMaxPool, convActivation, biasGradBehindPool, filterGradBehindPool];

export const fuse = (calls: Call[], kept: Set<TypedArray>): Call[] => FUSIONS.reduce((c, f) => f.rewrite(c, kept), calls);
