// Reductions over axes, and the broadcasting helpers their gradients need.
import { backend, record } from '../core/engine.ts';
import { isFloat, type TypedArray } from '../core/dtype.ts';
import { broadcastedAxes, broadcastShapes, broadcastStrides, formatShape, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import type { ReduceOp } from '../backends/backend.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { reshape, transpose } from './layout.ts';
import { div, selectWhere } from './elementwise.ts';

// null (TF.js's default, as in tf.sum(x, null, true)) and undefined mean every axis.
type Axis = number | number[] | null;

function resolveAxes(x: Tensor, axis: Axis | undefined, op: string): number[] {
  if (axis === undefined || axis === null) return x.shape.map((_, i) => i);
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, x.rank, `${op}: axis`));
  return [...new Set(axes)].sort((a, b) => a - b);
}

const keptShape = (shape: Shape, axes: number[]): number[] => shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** Runs a [outer, size, inner] reduction kernel; non-adjacent axes are moved to the end first. */
function reduceRaw(x: Tensor, axes: number[], kernel: (src: Tensor, out: TypedArray, outer: number, size: number, inner: number) => void, dtype = x.dtype): Tensor {
  let src = x;
  let first = axes[0] ?? 0;
  const adjacent = axes.every((a, i) => a === first + i);
  if (!adjacent) {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = transpose(x, [...kept, ...axes]);
    first = kept.length;
  }
  const size = axes.reduce((a, i) => a * x.shape[i], 1);
  const outer = sizeOf(src.shape.slice(0, first));
  const inner = sizeOf(src.shape.slice(first + axes.length));
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  return make(dtype, outShape, (out) => kernel(src, out, outer, size, inner));
}

function reduceOp(op: ReduceOp, x: Tensor, axis: Axis | undefined, keepDims: boolean): Tensor {
  const axes = resolveAxes(x, axis, op);
  const empty = axes.find((a) => x.shape[a] === 0);
  // NumPy refuses these too (no identity); TF.js gives NaN.
  if (op !== 'sum' && empty !== undefined) throw new Error(`${op}: cannot reduce an empty axis (axis ${empty} of shape ${formatShape(x.shape)}): the ${op === 'max' ? 'maximum' : 'minimum'} of no values is undefined`);
  const dtype = op === 'sum' && !isFloat(x.dtype) ? 'int32' : x.dtype;
  const flat = reduceRaw(x, axes, (src, out, outer, size, inner) => backend().reduce(op, src.data, out, outer, size, inner), dtype);
  record(op, [x], flat, { axes });
  return keepDims ? reshape(flat, keptShape(x.shape, axes)) : flat;
}

export const sum = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('sum', x, axis, keepDims);
export const max = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('min', x, axis, keepDims);

export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const axes = resolveAxes(x, axis, 'mean');
  const count = axes.reduce((a, i) => a * x.shape[i], 1);
  const s = sum(isFloat(x.dtype) ? x : x.cast('float32'), axes, keepDims);
  return div(s, count);
}

/** TF.js's tf.argMax(x, axis = 0): the index of the first maximum along the axis (int32; not differentiable). */
export function argMax(x: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.rank, 'argMax: axis');
  if (x.shape[a] === 0) throw new Error(`argMax: cannot reduce an empty axis (axis ${a} of shape ${formatShape(x.shape)}): no values have no first maximum`);
  return reduceRaw(x, [a], (src, out, outer, size, inner) => backend().argMax(src.data, out as Int32Array, outer, size, inner), 'int32');
}

/** Repeats x along stretched axes to fill `shape` (NumPy broadcasting). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  const target = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!shapesEqual(target, shape)) throw new Error(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  const zero = make(x.dtype, [], (o) => { o[0] = 0; });
  const y = make(x.dtype, shape, (out) =>
    backend().binary('add', x.data, broadcastStrides(x.shape, shape), zero.data, shape.map(() => 0), out, [...shape]));
  record('broadcastTo', [x], y, {});
  return y;
}

/** Sums a broadcast gradient back down to the shape of the operand it came from. */
export function sumTo(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  return reshape(sum(dy, broadcastedAxes(shape, dy.shape)), shape);
}

export const reduceGrads: GradTable<'sum' | 'max' | 'min' | 'broadcastTo'> = {
  sum: (dy, { inputs: [x], attrs }) => [broadcastTo(reshape(dy, keptShape(x.shape, attrs.axes)), x.shape)],
  max: (dy, { inputs: [x], output, attrs }) => [extremumGrad(dy, x, output, attrs.axes)],
  min: (dy, { inputs: [x], output, attrs }) => [extremumGrad(dy, x, output, attrs.axes)],
  broadcastTo: (dy, { inputs: [x] }) => [sumTo(dy, x.shape)],
};

/** The gradient flows to every position that holds the extremum (as in TensorFlow.js). */
function extremumGrad(dy: Tensor, x: Tensor, y: Tensor, axes: number[]): Tensor {
  const kept = keptShape(x.shape, axes);
  return selectWhere('equal', x, reshape(y, kept), reshape(dy, kept));
}
