// The tensor: a shape, a dtype and a flat typed array owned by the garbage collector.
// No dispose, no tidy. The op methods (x.add(y), x.reshape(...)) are declared here and
// installed by ops/tensor-methods.ts, so that core does not import the ops built on it.
import { allocArray, assertDType, dtypeOfArray, type DType, type TypedArray } from './dtype.ts';
import { formatShape, sizeOf, type Shape } from './shape.ts';
import { formatTensor } from './format.ts';
import { markState, noGrad, weightsTouched } from './engine.ts';
import type { IndexSpec } from '../ops/layout.ts';
import type { Pair } from '../ops/conv.ts';
import type { TfjsPad } from '../ops/positional.ts';
import type { TensorBuffer } from '../ops/misc-tfjs.ts';

export type NestedArray = number | boolean | NestedArray[];
export type TensorLike = Tensor | number;
// null (TF.js's default, as in x.sum(null, true)) and undefined mean every axis.
type Axis = number | number[] | null;

export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  /**
   * The flat row-major values. Treat as read-only; Variables change theirs through assign().
   * A Variable's `data` may be written (v.data.set(...)): each access counts as a write, which
   * compiled predicts see; an array kept from an earlier access and written later is not seen.
   */
  data: TypedArray;

  constructor(data: TypedArray, shape: Shape) {
    if (sizeOf(shape) !== data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`Tensor: shape ${formatShape(shape)} does not fit ${data.length} values`);
    }
    this.shape = [...shape];
    this.dtype = dtypeOfArray(data);
    this.data = data;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }
  /** Does nothing: the garbage collector owns a tensor's memory (here so TensorFlow.js code runs unchanged). */
  dispose(): void {}
  /** Always false: nothing disposes a tensor (TF.js's isDisposed; throwIfDisposed never throws). */
  get isDisposed(): boolean { return false; }
  throwIfDisposed(): void {}

  // --- Reading values out
  dataSync(): TypedArray { return this.data; }
  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor of shape ${formatShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return this.data[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  toString(): string { return formatTensor(this); }
  print(): void { console.log(this.toString()); }
  clone(): Tensor { return new Tensor(this.data.slice(), this.shape); }
}

/** The op methods of every tensor, thin forwards to ../ops (installed by ops/tensor-methods.ts). */
export interface Tensor {
  // --- Shape and layout
  reshape(shape: Shape): Tensor;
  flatten(): Tensor;
  expandDims(axis?: number): Tensor;
  squeeze(axis?: Axis): Tensor;
  transpose(perm?: number[]): Tensor;
  /** NumPy-style indexing: x.index('20:25, 5:10'), x.index(0), x.index([0, 10], null). */
  index(...spec: IndexSpec[]): Tensor;
  cast(dtype: DType | 'bool'): Tensor;

  // --- Arithmetic (broadcasting; numbers become scalars)
  add(b: TensorLike): Tensor;
  sub(b: TensorLike): Tensor;
  mul(b: TensorLike): Tensor;
  div(b: TensorLike): Tensor;
  pow(b: TensorLike): Tensor;
  maximum(b: TensorLike): Tensor;
  minimum(b: TensorLike): Tensor;
  equal(b: TensorLike): Tensor;
  greater(b: TensorLike): Tensor;
  less(b: TensorLike): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  square(): Tensor;
  relu(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  clip(min: number, max: number): Tensor;
  matMul(b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;

  // --- Reductions
  sum(axis?: Axis, keepDims?: boolean): Tensor;
  mean(axis?: Axis, keepDims?: boolean): Tensor;
  max(axis?: Axis, keepDims?: boolean): Tensor;
  min(axis?: Axis, keepDims?: boolean): Tensor;
  argMax(axis?: number): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;

  // --- TF.js's other op methods (ops/math.ts, ops/indexing.ts and the activations)
  floor(): Tensor; ceil(): Tensor; round(): Tensor; sign(): Tensor; step(): Tensor; reciprocal(): Tensor; rsqrt(): Tensor;
  sin(): Tensor; cos(): Tensor; tan(): Tensor; asin(): Tensor; acos(): Tensor; atan(): Tensor;
  sinh(): Tensor; cosh(): Tensor; asinh(): Tensor; acosh(): Tensor; atanh(): Tensor;
  log1p(): Tensor; expm1(): Tensor; relu6(): Tensor; elu(): Tensor; selu(): Tensor; softplus(): Tensor; logSigmoid(): Tensor;
  isNaN(): Tensor; isInf(): Tensor; isFinite(): Tensor;
  mod(b: TensorLike): Tensor; floorDiv(b: TensorLike): Tensor; atan2(b: TensorLike): Tensor;
  squaredDifference(b: TensorLike): Tensor; divNoNan(b: TensorLike): Tensor;
  notEqual(b: TensorLike): Tensor; greaterEqual(b: TensorLike): Tensor; lessEqual(b: TensorLike): Tensor;
  logicalAnd(b: TensorLike): Tensor; logicalOr(b: TensorLike): Tensor; logicalXor(b: TensorLike): Tensor; logicalNot(): Tensor;
  clipByValue(min: number, max: number): Tensor;
  /** 1 (uint8) where any (all) entry along the axes is nonzero. */
  any(axis?: Axis, keepDims?: boolean): Tensor;
  all(axis?: Axis, keepDims?: boolean): Tensor;
  argMin(axis?: number): Tensor;
  slice(begin: number | number[], size?: number | number[]): Tensor;
  gather(indices: Tensor | number[], axis?: number, batchDims?: number): Tensor;
  tile(reps: number[]): Tensor;
  reverse(axis?: Axis): Tensor;
  concat(others: Tensor | Tensor[], axis?: number): Tensor;
  stack(others: Tensor | Tensor[], axis?: number): Tensor;
  broadcastTo(shape: Shape): Tensor;
  pad(paddings: readonly (readonly [number, number])[], constantValue?: number): Tensor;
  oneHot(depth: number, onValue?: number, offValue?: number, dtype?: DType): Tensor;
  zerosLike(): Tensor; onesLike(): Tensor;
  reshapeAs(other: Tensor): Tensor;
  asType(dtype: DType): Tensor; toFloat(): Tensor; toInt(): Tensor; toBool(): Tensor;
  asScalar(): Tensor; as1D(): Tensor; as2D(rows: number, cols: number): Tensor;
  as3D(d0: number, d1: number, d2: number): Tensor; as4D(d0: number, d1: number, d2: number, d3: number): Tensor;
  as5D(d0: number, d1: number, d2: number, d3: number, d4: number): Tensor;
  // ops/linalg.ts, ops/blocks.ts, ops/selection.ts
  logSumExp(axis?: Axis, keepDims?: boolean): Tensor;
  cumsum(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
  cumprod(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
  prod(axis?: Axis, keepDims?: boolean): Tensor;
  dot(b: Tensor): Tensor;
  norm(ord?: number | 'euclidean' | 'fro', axis?: Axis, keepDims?: boolean): Tensor;
  euclideanNorm(axis?: Axis, keepDims?: boolean): Tensor;
  batchNorm(mean: Tensor | number, variance: Tensor | number, offset?: Tensor | number, scale?: Tensor | number, varianceEpsilon?: number): Tensor;
  localResponseNormalization(depthRadius?: number, bias?: number, alpha?: number, beta?: number): Tensor;
  leakyRelu(alpha?: number): Tensor;
  mirrorPad(paddings: [number, number][], mode: 'reflect' | 'symmetric'): Tensor;
  depthToSpace(blockSize: number, dataFormat?: 'NHWC' | 'NCHW'): Tensor;
  spaceToBatchND(blockShape: number[], paddings: [number, number][]): Tensor;
  batchToSpaceND(blockShape: number[], crops: [number, number][]): Tensor;
  stridedSlice(begin: number[], end: number[], strides?: number[], beginMask?: number, endMask?: number, ellipsisMask?: number, newAxisMask?: number, shrinkAxisMask?: number): Tensor;
  topk(k?: number, sorted?: boolean): { values: Tensor; indices: Tensor };
  unique(axis?: number): { values: Tensor; indices: Tensor };
  split(sizes: number | number[], axis?: number): Tensor[];
  unstack(axis?: number): Tensor[];
  /** TF.js's arraySync (toArray) and its promise form. */
  arraySync(): NestedArray;
  array(): Promise<NestedArray>;
  // TF.js's remaining op methods (convolutions and pooling in TF.js's positional form, ops/*-tfjs.ts)
  conv1d(filter: Tensor, stride: number, pad: 'valid' | 'same' | number, dataFormat?: 'NWC', dilation?: number): Tensor;
  conv2d(filter: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair): Tensor;
  depthwiseConv2d(filter: Tensor, strides: Pair, pad: TfjsPad, dataFormat?: 'NHWC', dilations?: Pair): Tensor;
  separableConv2d(depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides?: Pair, pad?: TfjsPad, dilation?: Pair, dataFormat?: 'NHWC'): Tensor;
  conv2dTranspose(filter: Tensor, outputShape: readonly number[], strides: Pair, pad: TfjsPad): Tensor;
  maxPool(filterSize: Pair, strides: Pair, pad: 'valid' | 'same'): Tensor;
  avgPool(filterSize: Pair, strides: Pair, pad: 'valid' | 'same'): Tensor;
  pool(windowShape: Pair, poolingType: 'max' | 'avg', pad: 'valid' | 'same' | 0, dilations?: Pair, strides?: Pair): Tensor;
  dilation2d(filter: Tensor, strides: Pair, pad: TfjsPad, dilations?: Pair, dataFormat?: 'NHWC'): Tensor;
  resizeBilinear(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
  resizeNearestNeighbor(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
  prelu(alpha: Tensor | number): Tensor;
  erf(): Tensor;
  /** TF.js's x.where(condition, b): x where condition holds, else b. */
  where(condition: Tensor, b: Tensor): Tensor;
  unsortedSegmentSum(segmentIds: Tensor, numSegments: number): Tensor;
  /** A Variable holding a copy of the values (TF.js's x.variable(trainable, name, dtype)). */
  variable(trainable?: boolean, name?: string, dtype?: DType): Variable;
  /** TF.js's TensorBuffer of a copy of the values, and its promise form. */
  bufferSync(): TensorBuffer;
  buffer(): Promise<TensorBuffer>;
  /** The values' bytes (TF.js's x.bytes()). */
  bytes(): Promise<Uint8Array>;
}

/** A tensor that holds a model's state: its values change in place, its identity does not. */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  constructor(value: Tensor, name: string, trainable = true) {
    super(markState(value.data.slice()), value.shape);
    this.name = name;
    this.trainable = trainable;
    // Whoever reads `data` may write into it (v.data.set(...), v.data[i] = x): every access
    // counts as a write, so compiled plans redo the work they derived from weights.
    let values = this.data;
    Object.defineProperty(this, 'data', {
      get: () => { weightsTouched(); return values; },
      set: (a: TypedArray) => { weightsTouched(); values = a; },
      enumerable: true, configurable: true,
    });
  }
  /** Copies new values in; the shape must match. */
  assign(value: Tensor): void {
    if (value.size !== this.size || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`Variable ${this.name}: cannot assign shape ${formatShape(value.shape)} to shape ${formatShape(this.shape)}`);
    }
    this.data.set(value.data);
  }
  /** TF.js's LayerVariable.read(): the variable itself, its current values. */
  read(): Variable { return this; }
  /** The projection a layer's weight constraint (`kernelConstraint`, ...) applies after each update; null when none. */
  constraint: ((w: Tensor) => Tensor) | null = null;
  /** TF.js's LayerVariable.write(value): assign, then project with the constraint (as TF.js does), returning the variable. */
  write(value: Tensor): this {
    if (value === this) return this;
    this.assign(value);
    const constraint = this.constraint;
    if (constraint) this.assign(noGrad(() => constraint(this)));
    return this;
  }
}

const copyInto = (out: TypedArray, from: TypedArray): TypedArray => { for (let i = 0; i < from.length; i++) out[i] = from[i]; return out; };
/** Variables made by variable(), while they live (TF.js's optimizer.minimize trains them by default). */
const madeVariables = new Set<WeakRef<Variable>>();
let variableCount = 0;
/** TF.js's tf.variable(initialValue, trainable, name, dtype): a Variable with a copy of the values. */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  if (!(initialValue instanceof Tensor)) throw new Error(`variable: initialValue must be a Tensor, got ${typeof initialValue}`);
  const v = new Variable(dtype && dtype !== initialValue.dtype ? new Tensor(copyInto(allocArray(dtype, initialValue.size), initialValue.data), initialValue.shape) : initialValue, name ?? `Variable_${++variableCount}`, trainable);
  madeVariables.add(new WeakRef(v));
  return v;
}
/** The variables variable() made that are still alive. */
export function liveVariables(): Variable[] {
  const out: Variable[] = [];
  for (const r of madeVariables) { const v = r.deref(); if (v) out.push(v); else madeVariables.delete(r); }
  return out;
}

// --- Creating tensors

function flattenNested(values: NestedArray, what: string): { flat: number[]; shape: number[]; booleans: boolean } {
  const shape: number[] = [];
  let booleans = true;
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  const walk = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (Array.isArray(v)) throw new Error(`${what}: ragged nested array (too deep at axis ${axis})`);
      flat.push(Number(v));
      booleans &&= typeof v === 'boolean';
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new Error(`${what}: ragged nested array: expected length ${shape[axis]} at axis ${axis}`);
    }
    for (const e of v) walk(e, axis + 1);
  };
  walk(values, 0);
  return { flat, shape, booleans: booleans && flat.length > 0 };
}

/** A factory's dtype: deeptype's, or TF.js's 'bool', stored as uint8 0 / 1 (x != 0, as NumPy's bool and cast(x, 'bool')). */
export type DTypeArg = DType | 'bool';
const storedDType = (d: DTypeArg): DType => (d === 'bool' ? 'uint8' : d);
const toBool = (data: TypedArray, from: ArrayLike<number>): void => { for (let i = 0; i < data.length; i++) data[i] = from[i] !== 0 ? 1 : 0; };

/** tensor([[1, 2], [3, 4]]), tensor(float32Array, [2, 2]), tensor([1, 2, 3], null, 'int32'). */
export function tensor(values: NestedArray | TypedArray | readonly number[], shape?: Shape | null, dtypeArg?: DTypeArg): Tensor {
  let dtype = dtypeArg === undefined ? undefined : storedDType(dtypeArg);
  if (dtype !== undefined) assertDType(dtype, 'tensor');
  let bool = dtypeArg === 'bool';
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
    dtype ??= dtypeOfArray(values);
  } else {
    const f = flattenNested(values as NestedArray, 'tensor');
    flat = f.flat;
    inferred = f.shape;
    // JS booleans make a bool tensor, as TF.js's tf.tensor([true, false]).
    if (dtype === undefined && f.booleans) { dtype = 'uint8'; bool = true; }
  }
  const finalShape = shape ? [...shape] : inferred;
  if (sizeOf(finalShape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fit shape ${formatShape(finalShape)}`);
  }
  const data = allocArray(dtype ?? 'float32', flat.length);
  if (bool) toBool(data, flat); else data.set(flat as ArrayLike<number>);
  return new Tensor(data, finalShape);
}

export const scalar = (value: number | boolean, dtype?: DTypeArg): Tensor => tensor([value], [], dtype);

/** tensor() that insists on a rank (TF.js's tensor1d ... tensor4d): a clear error names the shape it got. */
function ofRank(rank: number) {
  return (values: NestedArray | TypedArray | readonly number[], shape?: Shape | null, dtype?: DTypeArg): Tensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) throw new Error(`tensor${rank}d: expected values of rank ${rank}, got shape ${formatShape(t.shape)}${rank > 1 && !shape ? '; pass nested arrays, or flat values with a shape' : ''}`);
    return t;
  };
}
const rank1 = ofRank(1);
/** TF.js's tf.tensor1d(values, dtype?): its second argument is the dtype (a shape there is taken too). */
export function tensor1d(values: NestedArray | TypedArray | readonly number[], dtypeOrShape?: DTypeArg | Shape | null, dtype?: DTypeArg): Tensor {
  return typeof dtypeOrShape === 'string' ? rank1(values, null, dtypeOrShape) : rank1(values, dtypeOrShape, dtype);
}
export const tensor2d = ofRank(2);
export const tensor3d = ofRank(3);
export const tensor4d = ofRank(4);

export function fill(shape: Shape, value: number, dtypeArg: DTypeArg = 'float32'): Tensor {
  const dtype = storedDType(dtypeArg);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`fill/zeros/ones: the shape must be a list of non-negative integers, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
  }
  assertDType(dtype, 'fill/zeros/ones');
  const data = allocArray(dtype, sizeOf(shape));
  data.fill(dtypeArg === 'bool' ? Number(value !== 0) : value);
  return new Tensor(data, shape);
}
export const zeros = (shape: Shape, dtype: DTypeArg = 'float32'): Tensor => fill(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DTypeArg = 'float32'): Tensor => fill(shape, 1, dtype);
export const zerosLike = (t: Tensor): Tensor => zeros(t.shape, t.dtype);
export const onesLike = (t: Tensor): Tensor => ones(t.shape, t.dtype);

/**
 * range(stop) or range(start, stop, step), like NumPy's arange, except that a step of 1 counts
 * down when stop < start, as TF.js's range does (tf.range(5, 0) is [5, 4, 3, 2, 1]).
 */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range: step must not be 0');
  if (step === 1 && stop < start) step = -1;
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;

/**
 * TensorFlow.js's tidy and dispose, for code ported from it: deeptype's tensors belong to the
 * garbage collector (compiled steps reuse one workspace), so tidy(fn) is fn() and dispose
 * releases nothing. Kept so `tf.tidy(() => model.predict(x))` works as written.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`tidy: expected a function, got ${typeof fn}`);
  return fn();
}
export function dispose(_tensors?: unknown): void {}
/** Returns its argument: nothing is freed, so nothing needs keeping (TF.js's tf.keep). */
export const keep = <T>(t: T): T => t;
