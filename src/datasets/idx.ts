// The IDX format MNIST ships in: a big-endian header (magic with a type code and a rank,
// then the dimensions) followed by the raw values.
import { Tensor } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import { nodeBuiltin } from '../core/node-only.ts';

const TYPES: Record<number, { size: number; dtype: DType; read: (v: DataView, o: number) => number }> = {
  0x08: { size: 1, dtype: 'uint8', read: (v, o) => v.getUint8(o) },
  0x09: { size: 1, dtype: 'int32', read: (v, o) => v.getInt8(o) },
  0x0b: { size: 2, dtype: 'int32', read: (v, o) => v.getInt16(o) },
  0x0c: { size: 4, dtype: 'int32', read: (v, o) => v.getInt32(o) },
  0x0d: { size: 4, dtype: 'float32', read: (v, o) => v.getFloat32(o) },
  0x0e: { size: 8, dtype: 'float64', read: (v, o) => v.getFloat64(o) },
};

/** Parses IDX bytes; `name` (the file) goes into every error message. */
export function parseIdx(bytes: Uint8Array, name: string): Tensor {
  const fail = (why: string): never => { throw new Error(`IDX file ${name}: ${why}`); };
  if (bytes.length < 4) fail(`too short for a header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) fail(`bad magic number 0x${view.getUint32(0).toString(16).padStart(8, '0')} (the first two bytes must be zero)`);
  const type = TYPES[view.getUint8(2)] ?? fail(`unknown data type code 0x${view.getUint8(2).toString(16)}`);
  const rank = view.getUint8(3);
  const header = 4 + 4 * rank;
  if (bytes.length < header) fail(`truncated header: ${rank} dimensions need ${header} bytes, the file has ${bytes.length}`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = header + count * type.size;
  if (bytes.length < expected) fail(`truncated: shape [${shape}] needs ${expected} bytes, the file has ${bytes.length}`);
  if (bytes.length > expected) fail(`${bytes.length - expected} unexpected bytes after the data of shape [${shape}]`);
  // A file read whole owns its buffer: view it instead of copying (MNIST's is 47 MB).
  if (type.dtype === 'uint8') return new Tensor(bytes.byteLength === bytes.buffer.byteLength ? bytes.subarray(header) : bytes.slice(header, expected), shape);
  const out = new Tensor(new ({ int32: Int32Array, float32: Float32Array, float64: Float64Array } as const)[type.dtype as 'int32'](count), shape);
  for (let i = 0; i < count; i++) out.data[i] = type.read(view, header + i * type.size);
  return out;
}

/** Reads an IDX file, gzip-compressed or not. */
export function readIdx(path: string): Tensor {
  let bytes: Uint8Array;
  const { readFileSync } = nodeBuiltin('node:fs', `readIdx(${path}) (it reads a file; elsewhere use parseIdx(bytes))`);
  try { bytes = readFileSync(path); } catch (e) { throw new Error(`IDX file ${path}: cannot read it (${(e as Error).message})`); }
  // Gzip-compressed files (Fashion-MNIST ships .gz) are inflated first.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const { gunzipSync } = nodeBuiltin('node:zlib', `readIdx(${path})`);
    try { bytes = gunzipSync(bytes); } catch (e) { throw new Error(`IDX file ${path}: a damaged gzip file (${(e as Error).message})`); }
  }
  return parseIdx(bytes, path);
}
