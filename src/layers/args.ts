// Checks for layer constructor arguments, with Keras's wording: the layer, the argument, what
// was expected and what was given.
import type { Padding } from '../ops/conv.ts';

export function invalid(layer: string, arg: string, expected: string, given: unknown): Error {
  return new Error(`Invalid value for argument '${arg}' of layer "${layer}". Expected ${expected}. Received ${arg}=${JSON.stringify(given)}`);
}

/** n positive integers from a number (repeated) or an array of n. */
export function positiveInts(layer: string, arg: string, v: number | readonly number[] | undefined, n: number): number[] {
  const list = typeof v === 'number' ? Array<number>(n).fill(v) : Array.isArray(v) ? [...v] : null;
  if (!list || list.length !== n || list.some((d) => !Number.isInteger(d) || d < 1)) {
    throw invalid(layer, arg, n === 1 ? 'a positive integer' : `a positive integer or ${n} of them`, v);
  }
  return list;
}

/** n non-negative integers, as paddings and croppings take them. */
export function nonNegativeInts(layer: string, arg: string, v: unknown, n: number): number[] {
  const list = typeof v === 'number' ? Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as number[])] : null;
  if (!list || list.length !== n || list.some((d) => !Number.isInteger(d) || d < 0)) {
    throw invalid(layer, arg, `a non-negative integer or ${n} of them`, v);
  }
  return list;
}

export function paddingArg(layer: string, v: unknown = 'valid'): Padding {
  if (v !== 'valid' && v !== 'same') throw invalid(layer, 'padding', "'valid' or 'same'", v);
  return v;
}

export function channelsLast(layer: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== 'channelsLast' && v !== 'channels_last') {
    throw invalid(layer, 'dataFormat', "'channelsLast' (the only layout deeptype supports)", v);
  }
}

/** A boolean option (a string such as 'false' would otherwise read as true). */
export function booleanArg(layer: string, arg: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalid(layer, arg, 'true or false', v);
  return v;
}

export function oneOf<T extends string>(layer: string, arg: string, v: unknown, options: readonly T[]): T {
  if (!options.includes(v as T)) throw invalid(layer, arg, `one of ${options.map((o) => `'${o}'`).join(', ')}`, v);
  return v as T;
}

export function finiteNumber(layer: string, arg: string, v: unknown, { min = -Infinity, max = Infinity, minExclusive = false } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (minExclusive && v === min)) {
    const range = min === -Infinity && max === Infinity ? 'a finite number' : `a number in ${minExclusive ? '(' : '['}${min}, ${max}]`;
    throw invalid(layer, arg, range, v);
  }
  return v;
}
