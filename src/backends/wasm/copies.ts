// The wasm backend's data movement (assembly/elementwise.ts, convert.ts): uint8 -> float32
// casts (and float32 -> int32 in place: assembly/gather.ts), one-hot rows, slices of step 1 and their gradient (a block copy), transposes of rank <= 4. Anything
// else goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import * as refEw from '../js/elementwise.ts';
import type { WasmBackend } from './index.ts';

type Buf = Float32Array;
const f32 = (...xs: TypedArray[]): boolean => xs.every((x) => x instanceof Float32Array);

/** uint8 -> float32 (comparison masks in gradients) in SIMD; other conversions by the reference. */
export function cast(b: WasmBackend, x: TypedArray, out: TypedArray): void {
  // float32 -> int32 (an Embedding's token ids in a compiled plan): in place in wasm memory only.
  if (x instanceof Float32Array && out instanceof Int32Array) {
    if (!b.mem.owns(x) || !b.mem.owns(out)) return refEw.cast(x, out);
    return b.parElements('castF32I32', [x.byteOffset, out.byteOffset], out.length);
  }
  if (!(x instanceof Uint8Array) || !(out instanceof Float32Array) || !(b.mem.owns(x) && b.mem.owns(out)) && x.length < 4096) return refEw.cast(x, out);
  b.inPieces(out.length, [x, out], (s, e) => b.inWasm([], [out.subarray(s, e)], ([], [po]) => {
    const xs = x.subarray(s, e), px = b.mem.owns(xs) ? xs.byteOffset : copyBytesIn(b, xs);
    b.parElements('castU8F32', [px, po], e - s);
  }));
}

/** One-hot rows of int32 indices in wasm memory (CategoryEncoding in a plan), by rows; others by the reference. */
export function oneHot(b: WasmBackend, indices: TypedArray, out: TypedArray, depth: number): void {
  if (!(indices instanceof Int32Array) || !(out instanceof Float32Array) || !(b.mem.owns(indices) && b.mem.owns(out))) return refEw.oneHot(indices, out, depth);
  refEw.checkOneHotIndices(indices, depth); // the kernel writes where the indices say
  b.parElements('oneHotI32', [indices.byteOffset, out.byteOffset, depth], indices.length, depth);
}

/** Copies a byte array into scratch (inWasm handles only 4-byte elements). */
function copyBytesIn(b: WasmBackend, a: Uint8Array): number {
  const at = b.scratch(a.length);
  new Uint8Array(b.mem.buffer, at, a.length).set(a);
  return at;
}

/**
 * A block copy for slices of step 1 (and, into a zeroed dx, for their gradient: padding),
 * float32 of rank <= 4; false when the reference kernel must do it.
 */
function copyBlockJob(b: WasmBackend, src: TypedArray, srcShape: number[], dst: TypedArray, dstShape: number[], begin: number[], block: number[], intoDst: boolean): boolean {
  if (!f32(src, dst) || block.length > 4 || block.some((d) => d === 0)) return false;
  // Both outside wasm memory (rows of a dataset in JS): the reference copies blocks in place,
  // where staging would grow wasm memory, which never shrinks, by the whole source.
  if (!b.mem.owns(src) && !b.mem.owns(dst)) return false;
  const pad = (a: number[], v: number): number[] => [...Array<number>(4 - a.length).fill(v), ...a];
  const strides = (shape: number[]): number[] => { const p = pad(shape, 1); return [p[1] * p[2] * p[3], p[2] * p[3], p[3]]; };
  const [b4, o4] = [pad(block, 1), pad(begin, 0)];
  // The big side (sliced from, or padded into) is offset by begin; the other is the block itself.
  const big = intoDst ? dstShape : srcShape, bs = strides(big), offset = o4[0] * bs[0] + o4[1] * bs[1] + o4[2] * bs[2] + o4[3];
  const small = strides(block);
  const [ss, ts] = intoDst ? [small, bs] : [bs, small];
  b.inWasm([src as Buf], [dst as Buf], ([ps], [pd]) => {
    if (intoDst) b.mem.f32(pd, dst.length).fill(0);
    const [s0, d0] = intoDst ? [ps, pd + offset * 4] : [ps + offset * 4, pd];
    b.par('copyBlock', [s0, d0, b4[1], b4[2], b4[3], ...ss, ...ts], b4[0]);
  });
  return true;
}

export function slice(b: WasmBackend, x: TypedArray, shape: number[], begin: number[], step: number[], out: TypedArray, outShape: number[]): void {
  if (step.every((s) => s === 1) && copyBlockJob(b, x, shape, out, outShape, begin, outShape, false)) return;
  refEw.slice(x, shape, begin, step, out, outShape);
}

export function sliceGrad(b: WasmBackend, dy: TypedArray, dyShape: number[], begin: number[], step: number[], dx: TypedArray, xShape: number[]): void {
  if (step.every((s) => s === 1) && copyBlockJob(b, dy, dyShape, dx, xShape, begin, dyShape, true)) return;
  refEw.sliceGrad(dy, dyShape, begin, step, dx, xShape);
}

/** float32 transposes of rank <= 4 in wasm (Permute, softmax along a middle axis, reductions over split axes). */
export function transpose(b: WasmBackend, x: TypedArray, shape: number[], perm: number[], out: TypedArray): void {
  if (!f32(x, out) || shape.length > 4 || out.length === 0) return refEw.transpose(x, shape, perm, out);
  const r = shape.length, inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
  const outShape = [...Array<number>(4 - r).fill(1), ...perm.map((p) => shape[p])];
  const strides = [...Array<number>(4 - r).fill(0), ...perm.map((p) => inStrides[p])];
  b.inWasm([x as Buf], [out as Buf], ([px], [po]) => b.par('transpose4', [px, po, outShape[1], outShape[2], outShape[3], ...strides], outShape[0]));
}
