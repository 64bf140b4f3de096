// Element types. float32 is the working type; float64 exists so that gradient checks can be
// tight (the js backend computes in it); int32 and uint8 hold labels, indices and raw pixels.
export type DType = 'float32' | 'float64' | 'int32' | 'uint8';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

/** The most elements one typed array holds in V8 (2^32 - 1 on 64-bit machines, fewer bytes where memory is short). */
const MAX_ELEMENTS = 2 ** 32 - 1;

export function allocArray(dtype: DType, size: number): TypedArray {
  // V8's own RangeError ("Invalid typed array length") names neither the dtype nor the cause.
  if (!(Number.isInteger(size) && size >= 0 && size <= MAX_ELEMENTS)) {
    const bytes = size * ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
    throw new Error(`cannot allocate ${size} ${dtype} values (${(bytes / 2 ** 30).toFixed(1)} GiB): one array holds at most ${MAX_ELEMENTS} elements; use smaller shapes (fewer filters, a smaller batch or kernel)`);
  }
  return new ARRAY_TYPES[dtype](size);
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

const RANK: Record<DType, number> = { uint8: 0, int32: 1, float32: 2, float64: 3 };

/** The type two operands are computed in: the wider of the two. */
export function upcast(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The floating type an integer input is promoted to by ops like exp or division. */
export const floatOf = (d: DType): DType => (isFloat(d) ? d : 'float32');

export function assertDType(d: string, what: string): asserts d is DType {
  if (!(d in ARRAY_TYPES)) {
    throw new Error(`${what}: unknown dtype '${d}', expected one of ${Object.keys(ARRAY_TYPES).join(', ')}`);
  }
}

/** Bytes per element of a dtype. */
export const bytesPerElement = (dtype: DType): number => ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;

/** A typed array of dtype viewing `length` elements of a buffer from byte `byteOffset`. */
export function viewArray(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray {
  return new ARRAY_TYPES[dtype](buffer as ArrayBuffer, byteOffset, length);
}
