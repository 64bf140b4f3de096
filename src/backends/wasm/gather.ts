// The wasm backend's gathers (assembly/gather.ts): Embedding's lookup (rows of a float32 table
// by int32 index) and its gradient (a scatter-add of dy's rows, split by columns so no two
// threads add into one float), where every array lives in wasm memory (a compiled plan's); an
// eager call on JS arrays stays in the reference kernel, where staging would copy the whole
// table in. Indices are checked before any read: an index outside the table throws in a
// compiled plan as it does eagerly (a train step's gather runs before any weight update).
import type { TypedArray } from '../../core/dtype.ts';
import * as ref from '../js/math.ts';
import type { WasmBackend } from './index.ts';
import { elementChunk } from './split-policy.ts';

const inPlan = (b: WasmBackend, table: TypedArray, indices: TypedArray, out: TypedArray): boolean =>
  table instanceof Float32Array && out instanceof Float32Array && indices instanceof Int32Array && b.mem.owns(table) && b.mem.owns(indices) && b.mem.owns(out);

export function gather(b: WasmBackend, x: TypedArray, indices: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void {
  if (!inPlan(b, x, indices, out) || inner === 0) return ref.gather(x, indices, out, outer, size, inner);
  ref.checkIndices(indices, size);
  const n = indices.length, rows = outer * n;
  b.par('gatherRows', [x.byteOffset, indices.byteOffset, out.byteOffset, size, inner, n], rows, 1, elementChunk((t, a) => b.chunkOf(t, a), rows, inner, 1));
}

export function gatherGrad(b: WasmBackend, dy: TypedArray, indices: TypedArray, dx: TypedArray, outer: number, size: number, inner: number): void {
  if (!inPlan(b, dy, indices, dx) || inner === 0) return ref.gatherGrad(dy, indices, dx, outer, size, inner);
  ref.checkIndices(indices, size);
  const n = indices.length, quads = Math.ceil(inner / 4);
  // One column block per thread, whole cache lines (4 quads) wide: narrower blocks each walk all
  // of dx's rows for a few bytes of each (an Embedding's [20000, 128] table: 86 ms in 1-quad chunks).
  const split = elementChunk((t, a) => b.chunkOf(t, a), quads, 4 * outer * (size + n), 1) < quads;
  const chunk = split ? Math.ceil(quads / b.threads / 4) * 4 : quads;
  b.par('gatherRowsGrad', [dy.byteOffset, indices.byteOffset, dx.byteOffset, outer, size, inner, n], quads, 1, chunk);
}
