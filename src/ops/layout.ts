// Ops that move values around without arithmetic: reshape, transpose, slicing, casts.
import { backend, record } from '../core/engine.ts';
import { allocArray, assertDType, isFloat, type DType } from '../core/dtype.ts';
import { formatShape, inferShape, normalizeAxis, shapesEqual, stridesOf, type Shape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';

/** Same values, new shape (one dimension may be -1). Shares the data array: no copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = inferShape(shape, x.size, `reshape of ${formatShape(x.shape)}`);
  if (shapesEqual(target, x.shape)) return x;
  const y = new Tensor(x.data, target);
  record('reshape', [x], y, {});
  return y;
}

/** Inserts a size-1 axis at `axis` of the result (NumPy: -1 appends one at the end). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.rank + 1, 'expandDims: axis');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** x without the given size-1 axes (all of them where axis is undefined or null, as TF.js). */
export function squeeze(x: Tensor, axis?: number | number[] | null): Tensor {
  const axes = axis === undefined || axis === null
    ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, x.rank, 'squeeze: axis'));
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

export function transpose(x: Tensor, perm?: number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(`transpose: perm [${p}] is not a permutation of the ${x.rank} axes of ${formatShape(x.shape)}`);
  }
  if (p.every((v, i) => v === i)) return x;
  const y = make(x.dtype, p.map((i) => x.shape[i]), (out) => backend().transpose(x.data, x.shape, p, out));
  record('transpose', [x], y, { perm: p });
  return y;
}

/** x[begin[d] : begin[d] + size[d]*step[d] : step[d]] on every axis d (positive steps). */
/**
 * TF.js's slice: `begin` a number (the first axis) or one entry per leading axis (the rest from
 * 0), `size` likewise, -1 or absent taking the rest of the axis; `step` (deeptype's) a stride per axis.
 */
export function slice(x: Tensor, beginArg: number | number[], sizeArg?: number | number[], stepArg?: number[]): Tensor {
  const listed = (v: number | number[], fill: number): number[] => {
    const given = typeof v === 'number' ? [v] : v;
    return given.length < x.rank ? [...given, ...Array<number>(x.rank - given.length).fill(fill)] : given;
  };
  const begin = listed(beginArg, 0);
  const size = listed(sizeArg ?? -1, -1).map((n, i) => (n === -1 && begin[i] >= 0 && begin[i] <= x.shape[i] ? x.shape[i] - begin[i] : n));
  const step = stepArg ?? begin.map(() => 1);
  if (begin.length !== x.rank || size.length !== x.rank || step.length !== x.rank) {
    throw new Error(`slice: begin, size and step need ${x.rank} entries for shape ${formatShape(x.shape)}, got begin [${begin}], size [${size}], step [${step}]`);
  }
  x.shape.forEach((d, i) => {
    const last = begin[i] + (size[i] - 1) * step[i];
    if (begin[i] < 0 || step[i] < 1 || size[i] < 0 || (size[i] > 0 && last >= d)) {
      throw new Error(`slice: axis ${i} (size ${d}) cannot give ${size[i]} items from ${begin[i]} in steps of ${step[i]}`);
    }
  });
  const y = make(x.dtype, size, (out) => backend().slice(x.data, x.shape, begin, step, out, size));
  record('slice', [x], y, { begin, step });
  return y;
}

/** One index per axis: an integer picks (and drops the axis), 'a:b:c' or [a, b, c] slices, null or ':' keeps all. */
export type IndexSpec = number | string | null | readonly [number | null, (number | null)?, (number | null)?];

type ParsedSpec = Exclude<IndexSpec, string>;

function parseSpec(spec: IndexSpec): ParsedSpec[] {
  if (typeof spec !== 'string') return [spec];
  return spec.split(',').map((part) => {
    const p = part.trim();
    if (!p.includes(':')) {
      const n = Number(p);
      if (p === '' || !Number.isInteger(n)) throw new Error(`index: cannot read '${p}' as an index`);
      return n;
    }
    const fields = p.split(':').map((f) => (f.trim() === '' ? null : Number(f)));
    if (fields.length > 3 || fields.some((f) => f !== null && !Number.isInteger(f))) throw new Error(`index: cannot read '${p}' as a slice`);
    return fields as unknown as ParsedSpec;
  });
}

export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  const parts = specs.flatMap(parseSpec);
  if (parts.length > x.rank) throw new Error(`index: ${parts.length} indices given for a tensor of rank ${x.rank} ${formatShape(x.shape)}`);
  const begin: number[] = [], size: number[] = [], step: number[] = [], keep: number[] = [];
  x.shape.forEach((d, axis) => {
    const s = parts[axis] ?? null;
    if (typeof s === 'number') {
      const i = s < 0 ? s + d : s;
      if (!Number.isInteger(i) || i < 0 || i >= d) throw new Error(`index ${s} is out of bounds for axis ${axis} with size ${d}`);
      begin.push(i); size.push(1); step.push(1);
      return;
    }
    const [a, b, c] = s === null ? [null, null, null] : [s[0], s[1] ?? null, s[2] ?? null];
    const st = c ?? 1;
    if (st < 1) throw new Error(`index: axis ${axis}: only positive steps are supported, got ${st}`);
    const clampIdx = (v: number | null, dflt: number): number => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + d : v, 0), d));
    const start = clampIdx(a, 0), stop = clampIdx(b, d);
    const n = Math.max(0, Math.ceil((stop - start) / st));
    begin.push(n > 0 ? start : 0); size.push(n); step.push(st); keep.push(axis);
  });
  const y = slice(x, begin, size, step);
  return keep.length === x.rank ? y : reshape(y, keep.map((a) => size[a]));
}

/**
 * Converts to another dtype (truncating toward zero for integer targets). 'bool' is TF.js's
 * spelling: 1 where x is nonzero (NaN included), else 0, as deeptype's uint8 masks hold it.
 */
export function cast(x: Tensor, dtype: DType | 'bool'): Tensor {
  if (dtype === 'bool') {
    // x != 0 as elementwise.ts's notEqual computes it, called on the backend here: elementwise.ts imports this file.
    const zero = allocArray(x.dtype, 1);
    return make('uint8', x.shape, (out) => backend().binary('notEqual', x.data, stridesOf(x.shape), zero, x.shape.map(() => 0), out, x.shape));
  }
  assertDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  const y = make(dtype, x.shape, (out) => backend().cast(x.data, out));
  if (isFloat(x.dtype) && isFloat(dtype)) record('cast', [x], y, { dtype: x.dtype });
  return y;
}

export const layoutGrads: GradTable<'reshape' | 'transpose' | 'slice' | 'cast'> = {
  reshape: (dy, { inputs: [x] }) => [reshape(dy, x.shape)],
  transpose: (dy, { attrs: { perm } }) => {
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy, inverse)];
  },
  slice: (dy, { inputs: [x], attrs: { begin, step } }) => [
    make(dy.dtype, x.shape, (dx) => backend().sliceGrad(dy.data, dy.shape, begin, step, dx, x.shape)),
  ],
  cast: (dy, { attrs: { dtype } }) => [cast(dy, dtype)],
};
