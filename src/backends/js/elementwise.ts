// Reference kernels for elementwise, reduction and layout ops: plain loops, easy to check.
import type { TypedArray } from '../../core/dtype.ts';
import { stridesOf } from '../../core/shape.ts';
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.ts';
import { ACTIVATION_UNARY } from './activations.ts';
import { MATH_BINARY, MATH_UNARY } from './math.ts';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  relu: (x) => (x > 0 || x !== x ? x : 0), // NaN stays NaN (as in TensorFlow)
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  sign: Math.sign,
  step: (x) => (x > 0 ? 1 : x !== x ? x : 0), // NaN stays NaN (as TF.js's tf.step)
  relu6: (x) => (x > 0 ? (x < 6 ? x : 6) : x !== x ? x : 0), // NaN stays NaN, as relu
  relu6Step: (x) => (x > 0 && x < 6 ? 1 : 0),
  ...ACTIVATION_UNARY,
  ...MATH_UNARY,
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  reluGrad: (a, b) => a * (b > 0 ? 1 : 0), // a product, not a select: NaN or Inf in dy stays NaN, as mul(dy, step(y))
  relu6Grad: (a, b) => a * (b > 0 && b < 6 ? 1 : 0),
  equal: (a, b) => +(a === b),
  notEqual: (a, b) => +(a !== b),
  greater: (a, b) => +(a > b),
  greaterEqual: (a, b) => +(a >= b),
  less: (a, b) => +(a < b),
  lessEqual: (a, b) => +(a <= b),
  ...MATH_BINARY,
};

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const f = UNARY[op];
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
}

export function binary(
  op: BinaryOp, a: TypedArray, aStrides: number[], b: TypedArray, bStrides: number[], out: TypedArray, shape: number[],
): void {
  const f = BINARY[op];
  const rank = shape.length;
  if (rank === 0) {
    out[0] = f(a[0], b[0]);
    return;
  }
  // Walk the output in rows of its last axis; an odometer over the outer axes tracks offsets.
  const last = shape[rank - 1];
  const as = aStrides[rank - 1], bs = bStrides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let ai = 0, bi = 0;
  for (let o = 0; o < out.length; o += last) {
    for (let j = 0, pa = ai, pb = bi; j < last; j++, pa += as, pb += bs) out[o + j] = f(a[pa], b[pb]);
    for (let d = rank - 2; d >= 0; d--) {
      ai += aStrides[d];
      bi += bStrides[d];
      if (++index[d] < shape[d]) break;
      ai -= aStrides[d] * shape[d];
      bi -= bStrides[d] * shape[d];
      index[d] = 0;
    }
  }
}

export function reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc = op === 'sum' ? 0 : x[base];
      for (let r = 0; r < size; r++) {
        const v = x[base + r * inner];
        if (op === 'sum') acc += v;
        else if (op === 'max' ? v > acc || Number.isNaN(v) : v < acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + i] = acc;
    }
  }
}

export function argMax(x: TypedArray, out: Int32Array, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = 0, bestV = x[base];
      for (let r = 1; r < size; r++) {
        const v = x[base + r * inner];
        if (v > bestV) { best = r; bestV = v; }
      }
      out[o * inner + i] = best;
    }
  }
}

/** Visits every index of `shape` in row-major order, passing the input offset for given strides. */
function forEachOffset(shape: number[], strides: number[], start: number, visit: (offset: number, i: number) => void): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  let offset = start;
  for (let i = 0; i < total; i++) {
    visit(offset, i);
    for (let d = rank - 1; d >= 0; d--) {
      offset += strides[d];
      if (++index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

export function transpose(x: TypedArray, shape: number[], perm: number[], out: TypedArray): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const strides = perm.map((p) => inStrides[p]);
  forEachOffset(outShape, strides, 0, (off, i) => { out[i] = x[off]; });
}

function sliceStrides(shape: number[], begin: number[], step: number[]): { start: number; strides: number[] } {
  const s = stridesOf(shape);
  return { start: begin.reduce((a, b, d) => a + b * s[d], 0), strides: s.map((v, d) => v * step[d]) };
}

export function slice(x: TypedArray, shape: number[], begin: number[], step: number[], out: TypedArray, outShape: number[]): void {
  const { start, strides } = sliceStrides(shape, begin, step);
  // Step 1: the trailing axes taken whole and the one before them are contiguous runs, copied
  // as blocks (rows of a dataset: memcpy speed).
  let k = outShape.length - 1;
  while (k > 0 && outShape[k] === shape[k]) k--;
  const run = outShape.slice(k).reduce((a, b) => a * b, 1);
  if (step.every((v) => v === 1) && run >= 16 && x.constructor === out.constructor) {
    forEachOffset(outShape.slice(0, k), strides.slice(0, k), start, (off, i) => { out.set(x.subarray(off, off + run), i * run); });
    return;
  }
  forEachOffset(outShape, strides, start, (off, i) => { out[i] = x[off]; });
}

export function sliceGrad(dy: TypedArray, dyShape: number[], begin: number[], step: number[], dx: TypedArray, xShape: number[]): void {
  dx.fill(0);
  const { start, strides } = sliceStrides(xShape, begin, step);
  forEachOffset(dyShape, strides, start, (off, i) => { dx[off] = dy[i]; });
}

export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Int32Array || out instanceof Uint8Array) {
    for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
}

/** The oneHot kernels check their indices (not only the op: a compiled replay runs no op code, and a zero row would be silent). */
export function checkOneHotIndices(indices: TypedArray, depth: number): void {
  for (let i = 0; i < indices.length; i++) {
    const c = indices[i];
    if (!(c >= 0 && c < depth && Number.isInteger(c))) throw new Error(`oneHot: indices[${i}] is ${c}, outside [0, ${depth}); pass class or token indices in that range`);
  }
}

export function oneHot(indices: TypedArray, out: TypedArray, depth: number): void {
  checkOneHotIndices(indices, depth);
  out.fill(0);
  for (let i = 0; i < indices.length; i++) out[i * depth + indices[i]] = 1;
}

/** Copies x [outer, xInner] into columns offset.. of out [outer, outInner] (row copies: memcpy speed on any backend's memory). */
export function concatInto(x: TypedArray, out: TypedArray, outer: number, xInner: number, outInner: number, offset: number): void {
  if (xInner === outInner) { out.set(x.subarray(0, outer * xInner)); return; }
  for (let o = 0; o < outer; o++) out.set(x.subarray(o * xInner, (o + 1) * xInner), o * outInner + offset);
}
