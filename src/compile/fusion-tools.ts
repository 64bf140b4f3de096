// What the plan rewrites (fusions.ts, fusions-inference.ts) share: the recorded call, the
// buffers a rewrite adds, and who reads what.
import type { TypedArray } from '../core/dtype.ts';
import type { BinaryOp, ConvActivation, KernelName } from '../backends/backend.ts';

/** One recorded kernel call: its name and its arguments (arrays, numbers, geometry). */
export interface Call { kernel: KernelName; args: unknown[] }
export const isArray = (a: unknown): a is TypedArray => ArrayBuffer.isView(a) && !(a instanceof DataView);

/**
 * Buffers a rewrite adds (not traced): the plan places them in its workspace like the traced
 * working buffers. Only their identity and length matter; their own memory is never used.
 */
export const fusionBuffers = new WeakSet<TypedArray>();
export function newBuffer(like: TypedArray, length: number): TypedArray {
  const a = new (like.constructor as Float32ArrayConstructor)(length);
  fusionBuffers.add(a);
  return a;
}

/** A rewrite of a whole call list; `kept` are the buffers the step returns (never fused away). */
export interface Fusion { name: string; rewrite(calls: Call[], kept: Set<TypedArray>): Call[] }

/** How many call arguments name each buffer (a buffer written once and read once has 2). */
export function useCounts(calls: Call[]): Map<TypedArray, number> {
  const uses = new Map<TypedArray, number>();
  for (const { args } of calls) for (const a of args) if (isArray(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
  return uses;
}
/** Written by one call and read by exactly one other, and not a result of the step. */
export const onlyOneReader = (a: unknown, uses: Map<TypedArray, number>, kept: Set<TypedArray>): a is TypedArray =>
  isArray(a) && !kept.has(a) && uses.get(a) === 2;


/**
 * The activations kernels take as an epilogue, each with the binary op of its gradient
 * (dy masked by the activation's output: ops/elementwise.ts's relu and relu6 rules).
 */
export const EPILOGUE_GRAD: Record<ConvActivation, BinaryOp> = { relu: 'reluGrad', relu6: 'relu6Grad' };
const isEpilogue = (op: unknown): op is ConvActivation => typeof op === 'string' && Object.hasOwn(EPILOGUE_GRAD, op);
/** The activation gradient this call computes from the activation's output r, if it is one: binary(op, dr, _, r, _, dx, _). */
export const activationGradOf = (c: Call, act: ConvActivation, r: unknown): boolean =>
  c.kernel === 'binary' && c.args[0] === EPILOGUE_GRAD[act] && c.args[3] === r;
/** The epilogue activation this call computes of y (a unary relu or relu6 reading y), if it is one. */
export const activationOf = (c: Call, y: unknown): ConvActivation | undefined =>
  c.kernel === 'unary' && c.args[1] === y && isEpilogue(c.args[0]) ? c.args[0] : undefined;
