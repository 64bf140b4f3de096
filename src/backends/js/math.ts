// Reference kernels of the math functions and the indexing kernels (select, gather), in float64.
import type { TypedArray } from '../../core/dtype.ts';

/** Round half to even, as TF.js's round (and numpy's). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const MATH_UNARY = {
  floor: Math.floor, ceil: Math.ceil, round: roundHalfEven,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  sinh: Math.sinh, cosh: Math.cosh, asinh: Math.asinh, acosh: Math.acosh, atanh: Math.atanh,
  log1p: Math.log1p, expm1: Math.expm1, rsqrt: (x: number): number => 1 / Math.sqrt(x),
  isNaN: (x: number): number => +(x !== x),
  isInf: (x: number): number => +(x === Infinity || x === -Infinity),
  isFinite: (x: number): number => +Number.isFinite(x),
};

export const MATH_BINARY = {
  // The remainder with the divisor's sign (TF.js's mod, Python's %); NaN for b = 0 as a - floor(a/b)*b gives.
  mod: (a: number, b: number): number => { const r = a % b; return r !== 0 && (r < 0) !== (b < 0) ? r + b : r; },
  floorDiv: (a: number, b: number): number => Math.floor(a / b),
  atan2: Math.atan2,
  logicalAnd: (a: number, b: number): number => +(a !== 0 && b !== 0),
  logicalOr: (a: number, b: number): number => +(a !== 0 || b !== 0),
  logicalXor: (a: number, b: number): number => +((a !== 0) !== (b !== 0)),
};

export function select(cond: TypedArray, cs: number[], a: TypedArray, as: number[], b: TypedArray, bs: number[], out: TypedArray, shape: number[]): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let ci = 0, ai = 0, bi = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = cond[ci] !== 0 ? a[ai] : b[bi];
    for (let d = rank - 1; d >= 0; d--) {
      ci += cs[d]; ai += as[d]; bi += bs[d];
      if (++index[d] < shape[d]) break;
      ci -= cs[d] * shape[d]; ai -= as[d] * shape[d]; bi -= bs[d] * shape[d];
      index[d] = 0;
    }
  }
}

function checkIndex(j: number, i: number, size: number): void {
  if (!(Number.isInteger(j) && j >= 0 && j < size)) {
    throw new Error(`gather: indices[${i}] is ${j}, outside [0, ${size}) (the gathered axis has ${size} entries; an Embedding's has inputDim); pass indices in that range`);
  }
}
/** Throws, naming the first index outside [0, size): every gather kernel checks before it reads (compiled plans too). */
export function checkIndices(indices: TypedArray, size: number): void {
  for (let i = 0; i < indices.length; i++) checkIndex(indices[i], i, size);
}

export function gather(x: TypedArray, indices: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void {
  const n = indices.length;
  checkIndices(indices, size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const from = (o * size + indices[i]) * inner;
      out.set(x.subarray(from, from + inner), (o * n + i) * inner);
    }
  }
}

export function gatherGrad(dy: TypedArray, indices: TypedArray, dx: TypedArray, outer: number, size: number, inner: number): void {
  const n = indices.length;
  checkIndices(indices, size);
  dx.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const to = (o * size + indices[i]) * inner, from = (o * n + i) * inner;
      for (let k = 0; k < inner; k++) dx[to + k] += dy[from + k];
    }
  }
}

/** Visits each [outer, inner] line along the middle axis in running order (reverse: from the end). */
function lines(outer: number, size: number, inner: number, reverse: boolean, f: (at: (k: number) => number) => void): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      f((k) => base + (reverse ? size - 1 - k : k) * inner);
    }
  }
}

export function cumulative(x: TypedArray, out: TypedArray, outer: number, size: number, inner: number, product: boolean, exclusive: boolean, reverse: boolean): void {
  lines(outer, size, inner, reverse, (at) => {
    let acc = product ? 1 : 0;
    for (let k = 0; k < size; k++) {
      const v = x[at(k)];
      if (!exclusive) acc = product ? acc * v : acc + v;
      out[at(k)] = acc;
      if (exclusive) acc = product ? acc * v : acc + v;
    }
  });
}

// dx_i = (product of x before i) * S_i, S_i = sum over the outputs j that include i of dy_j times
// the x strictly between i and j: S_i = dy_i + x_{i+1} S_{i+1} (inclusive), T_i = dy_{i+1} +
// x_{i+1} T_{i+1} (exclusive). No division, so zeros in x are exact.
export function cumprodGrad(x: TypedArray, dy: TypedArray, dx: TypedArray, outer: number, size: number, inner: number, exclusive: boolean, reverse: boolean): void {
  lines(outer, size, inner, reverse, (at) => {
    let s = 0;
    for (let k = size - 1; k >= 0; k--) {
      s = exclusive ? (k === size - 1 ? 0 : dy[at(k + 1)] + x[at(k + 1)] * s) : dy[at(k)] + (k === size - 1 ? 0 : x[at(k + 1)] * s);
      dx[at(k)] = s; // times the prefix product below
    }
    let before = 1;
    for (let k = 0; k < size; k++) { dx[at(k)] *= before; before *= x[at(k)]; }
  });
}
