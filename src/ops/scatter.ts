// TF.js's n-dimensional indexing: gatherND, scatterND, tensorScatterUpdate, unsortedSegmentSum,
// sparseToDense. One op of its own, scatterAdd (rows of updates summed into rows of a zero
// output: the gather gradient's kernel run forward; its gradient is a gather), and the rest
// composed of it, gather, where and the index arithmetic as int32 ops, so they differentiate
// and compile. Indices are checked on their values first (TF.js's own errors are terse), and
// the choices TF.js makes by values (tensorScatterUpdate's last update wins, segment ids < 0
// dropped) are made on read values, as selection.ts does.
import { backend, record } from '../core/engine.ts';
import { formatShape, sizeOf, type Shape } from '../core/shape.ts';
import { Tensor, tensor, ones } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { reshape, cast } from './layout.ts';
import { mul } from './elementwise.ts';
import { sum } from './reduce.ts';
import { gather, where } from './indexing.ts';

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor;
const int32 = (values: number[], shape: Shape): Tensor => tensor(Int32Array.from(values), shape, 'int32');
const isInt = (t: Tensor) => t.dtype === 'int32' || t.dtype === 'uint8';

function checkIndices(what: string, indices: unknown): asserts indices is Tensor {
  if (!isTensor(indices)) throw new Error(`${what}: indices must be an int32 Tensor, got ${typeof indices}`);
  if (!isInt(indices)) throw new Error(`${what}: indices must be int32, got ${indices.dtype}; cast them with .cast('int32')`);
}

/** Rows `updates` [n, inner] summed into a zero [size, inner] by row index `rows` [n] int32. */
function scatterAdd(updates: Tensor, rows: Tensor, size: number): Tensor {
  const inner = updates.shape[1];
  const y = make(updates.dtype, [size, inner], (out) => backend().gatherGrad(updates.data, rows.data, out, 1, size, inner));
  record('scatterAdd', [updates, rows], y, { size });
  return y;
}

/**
 * indices [..., k] into the first k axes of `shape` as flat row numbers [...] (int32 ops, so they
 * compile with computed indices), after checking each index tuple on its values.
 */
function flatRows(what: string, indices: Tensor, shape: Shape): Tensor {
  const k = indices.shape[indices.rank - 1];
  const lead = shape.slice(0, k);
  const v = indices.data;
  for (let i = 0; i < v.length; i++) {
    const d = i % k;
    if (!(v[i] >= 0 && v[i] < lead[d])) {
      const at = Math.floor(i / k);
      throw new Error(`${what}: index [${Array.from(v.subarray(at * k, at * k + k)).join(', ')}] (entry ${at} of indices) is outside the shape ${formatShape(lead)} it indexes`);
    }
  }
  const strides = lead.map((_, d) => sizeOf(lead.slice(d + 1)));
  return sum(mul(cast(indices, 'int32'), int32(strides, [k])), -1);
}

function checkDepth(what: string, indices: Tensor, rank: number, of: string): number {
  if (indices.rank < 1) throw new Error(`${what}: indices must have rank >= 1 (the last axis holds index tuples), got a scalar`);
  const k = indices.shape[indices.rank - 1];
  if (k < 1 || k > rank) throw new Error(`${what}: the last axis of indices (${formatShape(indices.shape)}) must have 1 to ${rank} entries (the rank of ${of}), got ${k}`);
  return k;
}

/** TF.js's tf.gatherND(x, indices): the slices of x at the index tuples of indices' last axis. */
export function gatherND(x: Tensor, indices: Tensor): Tensor {
  const what = 'gatherND';
  if (!isTensor(x)) throw new Error(`${what}: x must be a Tensor, got ${typeof x}`);
  checkIndices(what, indices);
  const k = checkDepth(what, indices, x.rank, 'x');
  const rows = flatRows(what, indices, x.shape);
  return gather(reshape(x, [sizeOf(x.shape.slice(0, k)), ...x.shape.slice(k)]), rows, 0);
}

function checkUpdates(what: string, indices: Tensor, updates: Tensor, shape: Shape, k: number): void {
  const expected = [...indices.shape.slice(0, -1), ...shape.slice(k)];
  if (formatShape(updates.shape) !== formatShape(expected)) {
    throw new Error(`${what}: updates must have shape ${formatShape(expected)} (indices' leading axes ${formatShape(indices.shape.slice(0, -1))}, then the shape's axes from ${k}), got ${formatShape(updates.shape)}`);
  }
}

/** TF.js's tf.scatterND(indices, updates, shape): zeros of shape with updates added at the index tuples (repeats sum). */
export function scatterND(indices: Tensor, updates: Tensor, shape: Shape): Tensor {
  const what = 'scatterND';
  checkIndices(what, indices);
  if (!isTensor(updates)) throw new Error(`${what}: updates must be a Tensor, got ${typeof updates}`);
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what}: shape must be a non-empty list of non-negative integers, got ${JSON.stringify(shape)}`);
  const k = checkDepth(what, indices, shape.length, 'shape');
  checkUpdates(what, indices, updates, shape, k);
  const rows = flatRows(what, indices, shape), inner = sizeOf(shape.slice(k));
  return reshape(scatterAdd(reshape(updates, [rows.size, inner]), reshape(rows, [rows.size]), sizeOf(shape.slice(0, k))), shape);
}

/** Per row number, the position of its last occurrence in rows' values (the update that wins). */
function lastOfEach(rows: Tensor): { keep: Tensor; unique: boolean } {
  const last = new Map<number, number>();
  rows.data.forEach((r, i) => last.set(r, i));
  const keep = [...last.values()].sort((a, b) => a - b);
  return { keep: int32(keep, [keep.length]), unique: keep.length === rows.size };
}

/**
 * TF.js's tf.tensorScatterUpdate(tensor, indices, updates): tensor with the slices at the index
 * tuples replaced by updates; where a tuple repeats, the last update wins (as TF.js does).
 */
export function tensorScatterUpdate(t: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const what = 'tensorScatterUpdate';
  if (!isTensor(t)) throw new Error(`${what}: tensor must be a Tensor, got ${typeof t}`);
  checkIndices(what, indices);
  if (!isTensor(updates)) throw new Error(`${what}: updates must be a Tensor, got ${typeof updates}`);
  if (updates.dtype !== t.dtype) throw new Error(`${what}: updates (${updates.dtype}) must have tensor's dtype (${t.dtype})`);
  const k = checkDepth(what, indices, t.rank, 'tensor');
  checkUpdates(what, indices, updates, t.shape, k);
  const size = sizeOf(t.shape.slice(0, k)), inner = sizeOf(t.shape.slice(k));
  let rows = reshape(flatRows(what, indices, t.shape), [indices.size / k]);
  let u = reshape(updates, [rows.size, inner]);
  const { keep, unique } = lastOfEach(rows);
  if (!unique) { rows = gather(rows, keep); u = gather(u, keep); }
  const placed = scatterAdd(u, rows, size);
  const hit = scatterAdd(ones([rows.size, 1], 'float32'), rows, size);
  return reshape(where(hit, placed, reshape(t, [size, inner])), t.shape);
}

/**
 * TF.js's tf.unsortedSegmentSum(x, segmentIds, numSegments): the sum of x's slices (along the
 * axes segmentIds covers) per segment id. As TensorFlow, a negative id drops its slice; an id
 * >= numSegments is an error (TF.js drops it silently).
 */
export function unsortedSegmentSum(x: Tensor, segmentIds: Tensor, numSegments: number): Tensor {
  const what = 'unsortedSegmentSum';
  if (!isTensor(x)) throw new Error(`${what}: x must be a Tensor, got ${typeof x}`);
  if (!isTensor(segmentIds) || !isInt(segmentIds)) throw new Error(`${what}: segmentIds must be an int32 Tensor, got ${isTensor(segmentIds) ? segmentIds.dtype : typeof segmentIds}`);
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new Error(`${what}: numSegments must be a non-negative integer, got ${numSegments}`);
  const lead = x.shape.slice(0, segmentIds.rank);
  if (segmentIds.rank === 0 || formatShape(lead) !== formatShape(segmentIds.shape)) throw new Error(`${what}: segmentIds' shape ${formatShape(segmentIds.shape)} must be the leading axes of x's shape ${formatShape(x.shape)}`);
  const bad = segmentIds.data.findIndex((s) => s >= numSegments);
  if (bad >= 0) throw new Error(`${what}: segmentIds[${bad}] is ${segmentIds.data[bad]}, not below numSegments (${numSegments})`);
  const inner = sizeOf(x.shape.slice(segmentIds.rank));
  let rows = reshape(cast(segmentIds, 'int32'), [segmentIds.size]), slices = reshape(x, [segmentIds.size, inner]);
  const kept = Array.from(rows.data).flatMap((s, i) => (s >= 0 ? [i] : []));
  if (kept.length < rows.size) { const keep = int32(kept, [kept.length]); rows = gather(rows, keep); slices = gather(slices, keep); }
  return reshape(scatterAdd(slices, rows, numSegments), [numSegments, ...x.shape.slice(segmentIds.rank)]);
}

/**
 * TF.js's tf.sparseToDense(sparseIndices, sparseValues, outputShape, defaultValue = 0): a dense
 * tensor with sparseValues at sparseIndices ([n, rank], or [n] for a vector, or a scalar) and
 * defaultValue elsewhere. Repeated indices are an error, as in TensorFlow (TF.js keeps the last).
 */
export function sparseToDense(sparseIndices: Tensor, sparseValues: Tensor, outputShape: Shape, defaultValue: Tensor | number = 0): Tensor {
  const what = 'sparseToDense';
  checkIndices(what, sparseIndices);
  if (!isTensor(sparseValues)) throw new Error(`${what}: sparseValues must be a Tensor, got ${typeof sparseValues}`);
  if (!Array.isArray(outputShape) || outputShape.length === 0 || outputShape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what}: outputShape must be a non-empty list of non-negative integers, got ${JSON.stringify(outputShape)}`);
  if (sparseIndices.rank > 2) throw new Error(`${what}: sparseIndices must be a scalar, [n] or [n, rank], got ${formatShape(sparseIndices.shape)}`);
  const tuples = sparseIndices.rank === 2 ? sparseIndices : reshape(sparseIndices, [sparseIndices.size, 1]);
  const n = tuples.shape[0];
  if (tuples.shape[1] !== outputShape.length) throw new Error(`${what}: each index of sparseIndices (${formatShape(sparseIndices.shape)}) must have ${outputShape.length} entries (outputShape's rank), got ${tuples.shape[1]}`);
  if (sparseValues.rank > 1 || (sparseValues.rank === 1 && sparseValues.shape[0] !== n)) throw new Error(`${what}: sparseValues must be a scalar or [${n}] (one per index), got ${formatShape(sparseValues.shape)}`);
  const fill = isTensor(defaultValue) ? defaultValue : tensor([defaultValue], [], sparseValues.dtype);
  if (fill.size !== 1) throw new Error(`${what}: defaultValue must be a scalar, got shape ${formatShape(fill.shape)}`);
  if (fill.dtype !== sparseValues.dtype) throw new Error(`${what}: defaultValue (${fill.dtype}) must have sparseValues' dtype (${sparseValues.dtype})`);
  const rows = flatRows(what, tuples, outputShape);
  const { unique } = lastOfEach(rows);
  if (!unique) {
    const seen = new Set<number>(), at = Array.from(rows.data).findIndex((r) => (seen.has(r) ? true : (seen.add(r), false)));
    throw new Error(`${what}: sparseIndices repeats index [${Array.from(tuples.data.subarray(at * outputShape.length, (at + 1) * outputShape.length)).join(', ')}] (entry ${at}); each index may appear once`);
  }
  const size = sizeOf(outputShape);
  const values = sparseValues.rank === 0 ? mul(ones([n, 1], sparseValues.dtype), reshape(sparseValues, [1, 1])) : reshape(sparseValues, [n, 1]);
  const placed = scatterAdd(values, rows, size);
  const hit = scatterAdd(ones([n, 1], 'float32'), rows, size);
  return reshape(where(hit, placed, reshape(fill, [1, 1])), outputShape);
}

export const scatterGrads: GradTable<'scatterAdd'> = {
  scatterAdd: (dy, { inputs: [updates, rows] }, [needs]) => [needs ? reshape(gather(dy, rows), updates.shape) : null, null],
};
