// Running sums and products along an axis (TF.js's cumsum, cumprod) by one kernel each way, and
// prod as the last running product. cumprod's gradient is its own kernel: exact where x has
// zeros, which the usual y / x rule is not.
import { backend, record } from '../core/engine.ts';
import { normalizeAxis, sizeOf } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { reshape, slice, transpose } from './layout.ts';

function cumulative(x: Tensor, axis: number, product: boolean, exclusive: boolean, reverse: boolean, what: string): Tensor {
  if (x?.rank === undefined || x.rank < 1) throw new Error(`${what}: x must be a tensor of rank >= 1`);
  if (typeof exclusive !== 'boolean' || typeof reverse !== 'boolean') throw new Error(`${what}: exclusive and reverse must be booleans, got ${typeof exclusive} and ${typeof reverse}`);
  const a = normalizeAxis(axis, x.rank, `${what}: axis`);
  const outer = sizeOf(x.shape.slice(0, a)), size = x.shape[a], inner = sizeOf(x.shape.slice(a + 1));
  const dtype = x.dtype === 'uint8' ? 'int32' : x.dtype;
  const y = make(dtype, x.shape, (out) => backend().cumulative(x.data, out, outer, size, inner, product, exclusive, reverse));
  record('cumulative', [x], y, { axis: a, product, exclusive, reverse });
  return y;
}

/** TF.js's tf.cumsum(x, axis = 0, exclusive = false, reverse = false). */
export const cumsum = (x: Tensor, axis = 0, exclusive = false, reverse = false): Tensor => cumulative(x, axis, false, exclusive, reverse, 'cumsum');
/** TF.js's tf.cumprod(x, axis = 0, exclusive = false, reverse = false). */
export const cumprod = (x: Tensor, axis = 0, exclusive = false, reverse = false): Tensor => cumulative(x, axis, true, exclusive, reverse, 'cumprod');

/** The product of x over the axes (all by default): the last running product over them, flattened. */
export function prod(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  const axes = (axis === undefined || axis === null ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis])).map((d) => normalizeAxis(d, x.rank, 'prod: axis'));
  if (new Set(axes).size !== axes.length) throw new Error(`prod: axis lists an axis twice: ${JSON.stringify(axis)}`);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = sizeOf(axes.map((d) => x.shape[d])), rows = sizeOf(kept.map((d) => x.shape[d]));
  const lines = reshape(transpose(x, [...kept, ...axes]), [rows, n]);
  const last = n === 0 ? null : slice(cumprod(lines, 1), [0, n - 1], [rows, 1]);
  const y = last ?? make(x.dtype === 'uint8' ? 'int32' : x.dtype, [rows, 1], (out) => out.fill(1));
  const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((d) => x.shape[d]);
  return reshape(y, shape);
}

export const cumulativeGrads: GradTable<'cumulative'> = {
  cumulative: (dy, { inputs: [x], attrs: { axis, product, exclusive, reverse } }) => {
    const outer = sizeOf(x.shape.slice(0, axis)), size = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1));
    // A running sum's adjoint is the running sum the other way.
    if (!product) return [cumulative(dy, axis, false, exclusive, !reverse, 'cumsum gradient')];
    return [make(dy.dtype, x.shape, (out) => backend().cumprodGrad(x.data, dy.data, out, outer, size, inner, exclusive, reverse))];
  },
};
