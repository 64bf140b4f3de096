// Weights in TensorFlow.js's binary format: the values of every tensor back to back, little
// endian, described by a manifest of groups, each split into one or more files (shards).
import { Tensor } from '../core/tensor.ts';
import { allocArray, type DType } from '../core/dtype.ts';
import { sizeOf } from '../core/shape.ts';
import { describe } from './describe.ts';

export interface WeightSpec { name: string; shape: number[]; dtype: string; group?: string; quantization?: unknown }
export interface WeightsGroup { paths: string[]; weights: WeightSpec[] }
export interface NamedTensor { name: string; tensor: Tensor; group?: string }

const BYTES: Record<string, number> = { float32: 4, int32: 4 };

/** The specs and the bytes of a list of named tensors (float32 and int32 only, as tfjs). */
export function encodeWeights(named: NamedTensor[]): { specs: WeightSpec[]; data: Uint8Array } {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const { name, tensor, group } of named) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = tensor.dtype === dtype ? tensor.data : tensor.cast(dtype).data;
    // Copy: the values may be a view into wasm memory, or not aligned in their buffer.
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice());
    specs.push({ name, shape: [...tensor.shape], dtype, ...(group ? { group } : {}) });
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { data.set(p, at); at += p.length; }
  return { specs, data };
}

/** The bytes a manifest group's weights take, each spec checked (float32 and int32, not quantized). */
export function groupBytes(weights: readonly WeightSpec[], where: string): number {
  let bytes = 0;
  for (const w of weights) {
    if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${where}: malformed weight spec ${describe(w)} (it needs a name and a shape of non-negative integers)`);
    }
    if (w.quantization) throw new Error(`${where}: weight ${w.name} is quantized, which deeptype cannot read yet`);
    if (!(w.dtype in BYTES)) throw new Error(`${where}: weight ${w.name} has dtype '${w.dtype}', expected float32 or int32`);
    bytes += sizeOf(w.shape) * BYTES[w.dtype];
  }
  return bytes;
}

/**
 * Reads the tensors of a manifest. `read(path)` returns a shard's bytes; `where` names the
 * model in errors. A shard of the wrong size is refused before anything is decoded.
 */
export function decodeWeights(manifest: unknown, read: (path: string) => Uint8Array, where: string): Map<string, Tensor> {
  if (!Array.isArray(manifest)) throw new Error(`${where}: weightsManifest must be a list of {paths, weights} groups`);
  const out = new Map<string, Tensor>();
  for (const group of manifest as WeightsGroup[]) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new Error(`${where}: a weightsManifest group needs paths and weights lists`);
    const expected = groupBytes(group.weights, where);
    const shards = group.paths.map((p) => ({ path: p, bytes: read(p) }));
    const total = shards.reduce((n, s) => n + s.bytes.length, 0);
    if (total !== expected) {
      const files = shards.map((s) => `${s.path} (${s.bytes.length} bytes)`).join(', ');
      throw new Error(`${where}: weight files ${files} hold ${total} bytes, but the manifest's ${group.weights.length} weights need ${expected}` +
        (total < expected ? ' (truncated?)' : ''));
    }
    const data = new Uint8Array(total);
    let at = 0;
    for (const s of shards) { data.set(s.bytes, at); at += s.bytes.length; }
    let offset = 0;
    for (const w of group.weights) {
      const n = sizeOf(w.shape), dtype = w.dtype as DType;
      const values = allocArray(dtype, n);
      new Uint8Array(values.buffer).set(data.subarray(offset, offset + n * BYTES[dtype]));
      offset += n * BYTES[dtype];
      if (out.has(w.name)) throw new Error(`${where}: weight ${w.name} appears twice in the manifest`);
      out.set(w.name, new Tensor(values, w.shape));
    }
  }
  return out;
}

