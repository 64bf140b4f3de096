// Picking values by condition or by index, and the layout helpers TF.js builds on them: where,
// gather, stack / unstack, split, tile, reverse. where and gather are kernels with gradients;
// the rest are compositions of slice, concat, reshape and gather, so they differentiate too.
import { backend, record } from '../core/engine.ts';
import { upcast } from '../core/dtype.ts';
import { broadcastShapes, broadcastStrides, formatShape, normalizeAxis, sizeOf } from '../core/shape.ts';
import { Tensor, tensor, zerosLike } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { cast, expandDims, slice, squeeze } from './layout.ts';
import { concat } from './concat.ts';
import { sumTo } from './reduce.ts';

/** a where cond is nonzero (true), else b; the three broadcast together (TF.js's where). */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  if (![cond, a, b].every((t) => t instanceof Tensor)) throw new Error('where: condition, a and b must be Tensors');
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const dtype = upcast(a.dtype, b.dtype);
  const [ta, tb] = [cast(a, dtype), cast(b, dtype)];
  const y = make(dtype, shape, (out) => backend().select(cond.data, broadcastStrides(cond.shape, shape), ta.data, broadcastStrides(ta.shape, shape),
    tb.data, broadcastStrides(tb.shape, shape), out, shape));
  record('select', [cond, ta, tb], y, {});
  return y;
}

/** x's entries at `indices` along `axis` (TF.js's gather): the axis becomes indices' shape. */
export function gather(x: Tensor, indices: Tensor | number[], axis = 0, batchDims = 0): Tensor {
  // TF.js's fourth argument; refused rather than ignored (it changes which entries are taken).
  if (batchDims !== 0) throw new Error(`gather: batchDims ${batchDims} is not supported (only 0); gather each batch entry, or use gatherND with the batch index in each tuple`);
  const idx = indices instanceof Tensor ? indices : tensor(indices, undefined, 'int32');
  if (idx.dtype === 'float32' || idx.dtype === 'float64') throw new Error(`gather: indices must be integers (int32), got ${idx.dtype}; cast them with .cast('int32')`);
  const a = normalizeAxis(axis, x.rank, 'gather: axis');
  const outer = sizeOf(x.shape.slice(0, a)), size = x.shape[a], inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  const y = make(x.dtype, shape, (out) => backend().gather(x.data, idx.data, out, outer, size, inner));
  record('gather', [x, idx], y, { axis: a });
  return y;
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0 || xs.some((x) => !(x instanceof Tensor))) throw new Error('stack: expected a non-empty list of Tensors');
  const bad = xs.findIndex((x) => formatShape(x.shape) !== formatShape(xs[0].shape));
  if (bad > 0) throw new Error(`stack: every tensor must have the same shape; tensor 0 has ${formatShape(xs[0].shape)}, tensor ${bad} has ${formatShape(xs[bad].shape)}`);
  const a = normalizeAxis(axis, xs[0].rank + 1, 'stack: axis');
  return concat(xs.map((x) => expandDims(x, a)), a);
}

/** The slices of x along `axis`, that axis removed (the inverse of stack). */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'unstack: axis');
  return Array.from({ length: x.shape[a] }, (_, i) => squeeze(slice(x, x.shape.map((_, d) => (d === a ? i : 0)), x.shape.map((n, d) => (d === a ? 1 : n))), a));
}

/** x cut along `axis` into n equal parts, or into parts of the given sizes (one may be -1: the rest). */
export function split(x: Tensor, sizes: number | number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'split: axis');
  const n = x.shape[a];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!(Number.isInteger(sizes) && sizes > 0 && n % sizes === 0)) throw new Error(`split: axis ${a} of size ${n} cannot be cut into ${sizes} equal parts; give a divisor of ${n} or a list of sizes`);
    parts = new Array(sizes).fill(n / sizes);
  } else {
    const rest = sizes.indexOf(-1);
    const known = sizes.reduce((s, v) => s + (v === -1 ? 0 : v), 0);
    parts = sizes.map((v) => (v === -1 ? n - known : v));
    if (sizes.filter((v) => v === -1).length > 1 || parts.some((v) => !Number.isInteger(v) || v < 0) || parts.reduce((s, v) => s + v, 0) !== n) {
      throw new Error(`split: sizes [${sizes.join(', ')}] do not add up to axis ${a}'s size ${n}${rest >= 0 ? ' (with one -1 for the rest)' : ''}`);
    }
  }
  let at = 0;
  return parts.map((p) => { const part = slice(x, x.shape.map((_, d) => (d === a ? at : 0)), x.shape.map((s, d) => (d === a ? p : s))); at += p; return part; });
}

/** x repeated reps[d] times along each axis d. */
export function tile(x: Tensor, reps: number[]): Tensor {
  if (!Array.isArray(reps) || reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(`tile: reps must be ${x.rank} non-negative integers (one per axis of ${formatShape(x.shape)}), got [${reps}]`);
  }
  let y = x;
  reps.forEach((r, d) => { if (r !== 1) y = r === 0 ? slice(y, y.shape.map(() => 0), y.shape.map((s, i) => (i === d ? 0 : s))) : concat(new Array(r).fill(y), d); });
  return y;
}

/** x with the order of its entries reversed along the given axes (all by default, or where axis is null, as TF.js). */
export function reverse(x: Tensor, axis?: number | number[] | null): Tensor {
  const axes = axis === undefined || axis === null ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, x.rank, 'reverse: axis'));
  return axes.reduce((y, a) => (y.shape[a] <= 1 ? y : gather(y, Array.from({ length: y.shape[a] }, (_, i) => y.shape[a] - 1 - i), a)), x);
}

export const indexingGrads: GradTable<'select' | 'gather'> = {
  // The condition gets none; each branch gets dy where it was taken (a select, so NaN in the other branch stays out).
  select: (dy, { inputs: [cond, a, b] }, [, na, nb]) => {
    const zero = zerosLike(dy);
    return [null, na ? sumTo(where(cond, dy, zero), a.shape) : null, nb ? sumTo(where(cond, zero, dy), b.shape) : null];
  },
  gather: (dy, { inputs: [x, idx], attrs: { axis } }, [nx]) => {
    if (!nx) return [null, null];
    const outer = sizeOf(x.shape.slice(0, axis)), size = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1));
    const dx = make(dy.dtype, x.shape, (out) => backend().gatherGrad(dy.data, idx.data, out, outer, size, inner));
    return [dx, null];
  },
};

