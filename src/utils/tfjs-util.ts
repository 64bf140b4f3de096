// TF.js's small helpers: the tf.util namespace (shuffling, shapes, strings, assert), and
// tf.time, tf.print, tf.version, tf.enableProdMode, so that code calling them runs unchanged.
import { Tensor } from '../core/tensor.ts';
import type { TypedArray } from '../core/dtype.ts';
import { sizeOf } from '../core/shape.ts';

type Indexable = { length: number; [i: number]: unknown };

/** Shuffles an array (or typed array) in place, Fisher-Yates with Math.random, as TF.js. */
export function shuffle<T extends Indexable>(array: T): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

/** Shuffles two arrays of one length in place by the same permutation. */
export function shuffleCombo(a: Indexable, b: Indexable): void {
  if (a.length !== b.length) throw new Error(`util.shuffleCombo: the arrays differ in length (${a.length} vs ${b.length})`);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
    [b[i], b[j]] = [b[j], b[i]];
  }
}

/** 0 .. n-1 in a random order. */
export const createShuffledIndices = (n: number): Uint32Array => shuffle(Uint32Array.from({ length: n }, (_, i) => i));

export const sizeFromShape = (shape: number[]): number => sizeOf(shape);

export const arraysEqual = (a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

/** Throws the message (a string, or a function giving it) unless expr holds. */
export function assert(expr: boolean, msg: string | (() => string)): void {
  if (!expr) throw new Error(typeof msg === 'function' ? msg() : msg);
}

/** Nested arrays (and typed arrays inside them) flattened, depth first. */
export function flatten(arr: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(arr) || ArrayBuffer.isView(arr)) for (const v of Array.from(arr as ArrayLike<unknown>)) flatten(v, out);
  else out.push(arr);
  return out;
}

export const isTypedArray = (a: unknown): a is TypedArray => ArrayBuffer.isView(a) && !(a instanceof DataView);
export const encodeString = (s: string): Uint8Array => new TextEncoder().encode(s);
export const decodeString = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const now = (): number => performance.now();
export const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => globalThis.fetch(input, init);

/**
 * TF.js's tf.time(f): how long f takes. deeptype's kernels run synchronously on the calling
 * thread and its pool, so the kernel time is the wall time.
 */
export async function time(f: () => unknown): Promise<{ wallMs: number; kernelMs: number }> {
  const start = performance.now();
  await f();
  const wallMs = performance.now() - start;
  return { wallMs, kernelMs: wallMs };
}

/** Prints a tensor (TF.js's tf.print); verbose adds its dtype, rank and shape. */
export function print(x: Tensor, verbose = false): void {
  if (!(x instanceof Tensor)) throw new Error(`print: expected a Tensor, got ${typeof x}`);
  if (verbose) console.log(`Tensor\n  dtype: ${x.dtype}\n  rank: ${x.rank}\n  shape: [${x.shape.join(',')}]\n  values:`);
  console.log(x.toString());
}

export const version = { deeptype: '0.1.0' } as const;
/** TF.js turns off its debug checks with this; deeptype has none to turn off. */
export const enableProdMode = (): void => {};
