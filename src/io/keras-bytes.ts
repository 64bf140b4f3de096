// Keras files from and to bytes, with no file system: what browsers use (an ArrayBuffer, a
// File or a Blob in; bytes out, to download or store) and what io/keras-files.ts writes to disk.
import type { Model } from '../models/model.ts';
import { isHdf5, readH5 } from './hdf5.ts';
import { decodeKeras, encodeKeras, encodeWeightsH5, applyWeightsTree, type LoadOptions, type WeightsLoadOptions } from './keras3.ts';
import { applyLayerWeights, decodeH5, encodeH5, encodeWeightsH5Keras2 } from './keras2.ts';

export type KerasFormat = 'keras' | 'h5';
export type BinaryInput = Uint8Array | ArrayBuffer | Blob;

async function bytesOf(data: BinaryInput): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  throw new Error(`loadKerasModel: expected a Uint8Array, an ArrayBuffer, a File or a Blob, got ${Object.prototype.toString.call(data)}`);
}

const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b; // "PK"

/** A model from a .keras (Keras 3) or .h5 (Keras 2, or Keras 3's legacy) file's contents; the format is told by its first bytes. */
export async function loadKerasModel(data: BinaryInput, name = (data as File)?.name ?? 'model', options: LoadOptions = {}): Promise<Model> {
  const bytes = await bytesOf(data);
  if (isZip(bytes)) return decodeKeras(bytes, name, options);
  if (isHdf5(bytes)) return decodeH5(bytes, name, options);
  throw new Error(`${name}: neither a .keras zip nor an HDF5 file (${bytes.length} bytes starting ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, 4)))})`);
}

/** The model as a .keras (Keras 3) or .h5 (Keras 2) file's bytes. */
export function saveKerasModel(model: Model, format: KerasFormat = 'keras', { includeOptimizer = true }: { includeOptimizer?: boolean } = {}): Promise<Uint8Array> {
  if (format === 'keras') return encodeKeras(model, { includeOptimizer });
  if (format === 'h5') return encodeH5(model, { includeOptimizer });
  throw new Error(`saveKerasModel: format must be 'keras' or 'h5', got '${String(format)}'`);
}

/** Weights as Keras 3's .weights.h5 ('keras') or Keras 2's weights .h5 ('h5'). */
export function saveKerasWeights(model: Model, format: KerasFormat = 'keras'): Promise<Uint8Array> {
  if (format === 'keras') return encodeWeightsH5(model);
  if (format === 'h5') return encodeWeightsH5Keras2(model);
  throw new Error(`saveKerasWeights: format must be 'keras' or 'h5', got '${String(format)}'`);
}

/**
 * Loads weights from a Keras 3 .weights.h5, a Keras 2 weights .h5 or a whole Keras 2 model .h5
 * (the layout is told by the file's groups). Returns what skipMismatch skipped.
 */
export async function loadKerasWeights(model: Model, data: BinaryInput, name = 'weights', options: WeightsLoadOptions = {}): Promise<string[]> {
  const root = await readH5(await bytesOf(data), name);
  if (root.children.has('layers') || root.children.has('vars')) {
    if (options.byName) throw new Error(`${name}: byName applies to Keras 2 .h5 weights; Keras 3's .weights.h5 matches layers by object path`);
    return applyWeightsTree(model, root, name, { skipMismatch: options.skipMismatch, optimizer: false });
  }
  const mw = root.children.get('model_weights');
  return applyLayerWeights(model, mw && mw.kind === 'group' ? mw : root, name, options);
}
