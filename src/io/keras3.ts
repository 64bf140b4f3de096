// Keras 3's formats (saving_lib): the .keras zip (metadata.json, config.json,
// model.weights.h5) and .weights.h5 files, sharded or not. Bytes in, bytes out; the file
// system is io/keras-files.ts's business, so this runs in browsers too.
//
// Keras 3 names weights by object path, not by layer name: the model's layers list is
// `layers`, each layer is its class name in snake_case, numbered among its kind (conv2d,
// conv2d_1, ...), and its variables are vars/0, vars/1, ... (trainable ones first); a nested
// model's layers are under its own path (layers/sequential/layers/dense).
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { checkZipCrcs } from './zip-crc.ts';
import type { Variable } from '../core/tensor.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Layer } from '../layers/layer.ts';
import { Model } from '../models/model.ts';
import { TimeDistributed } from '../layers/wrappers.ts';
import { dataset, group, groupAt, nodeAt, readH5, writeH5, type H5Dataset, type H5Group } from './hdf5.ts';
import { modelFromKeras, modelToKeras, objectPaths } from './keras-model-config.ts';
import { compileFromKeras, optimizerStateKeras3, setOptimizerStateKeras3, trainingToKeras, type RawArray } from './keras-training.ts';

export const KERAS_VERSION_WRITTEN = '3.11.2';

export interface LoadOptions {
  /** Restore the compiled state (loss, optimizer and its state, metrics); default true. */
  compile?: boolean;
}
export interface WeightsLoadOptions {
  /** Keras 2 .h5 only: match layers by name instead of by position. */
  byName?: boolean;
  /** Skip layers whose weights differ in number or shape (reported), instead of failing. */
  skipMismatch?: boolean;
  /** With byName: every model layer with weights must be in the file (the applications' pretrained weights). */
  requireEvery?: boolean;
}

/** A layer's variables in Keras's order: trainable first, then the others. */
export const kerasOrder = (layer: Layer): Variable[] => [...layer.weights.filter((w) => w.trainable), ...layer.weights.filter((w) => !w.trainable)];
/** The variables Keras 3 stores at a layer's own path: none for a nested model (its layers hold them). */
const ownVariables = (layer: Layer): Variable[] => (layer instanceof Model || layer instanceof TimeDistributed ? [] : kerasOrder(layer));

const copy = (v: Variable): Float32Array => Float32Array.from(v.data as Float32Array);

/** model.weights.h5 in Keras 3's layout (the optimizer's variables too, when compiled and asked for). */
export function weightsTree(model: Model, includeOptimizer: boolean): H5Group {
  const root = group();
  root.children.set('vars', group({ name: model.name }));
  for (const { layer, path } of objectPaths(model)) {
    const vars = groupAt(root, path, true)!;
    const g = group({ name: layer.name });
    vars.children.set('vars', g);
    ownVariables(layer).forEach((w, i) => g.children.set(String(i), dataset(copy(w), [...w.shape])));
  }
  if (includeOptimizer && model.optimizer) {
    const g = group({ name: model.optimizer.name.toLowerCase() });
    optimizerStateKeras3(model.optimizer, model.trainableWeights).forEach((a, i) => g.children.set(String(i), dataset(a.value, a.shape)));
    groupAt(root, 'optimizer', true)!.children.set('vars', g);
  }
  return root;
}

/** The datasets of a `vars` group in order (0, 1, ...), checked to be numbered so. */
function varsOf(root: H5Group, path: string, where: string): H5Dataset[] {
  const g = nodeAt(root, `${path}/vars`);
  if (!g) return [];
  if (g.kind !== 'group') throw new Error(`${where}: ${path}/vars is not a group`);
  const out: H5Dataset[] = [];
  for (let i = 0; i < g.children.size; i++) {
    const d = g.children.get(String(i));
    if (!d || d.kind !== 'dataset') throw new Error(`${where}: ${path}/vars holds ${[...g.children.keys()].join(', ')}, not datasets numbered 0 to ${g.children.size - 1}`);
    out.push(d);
  }
  return out;
}

function floatValues(d: H5Dataset, what: string, where: string): Float32Array {
  if (d.value instanceof Float32Array) return d.value;
  if (d.value instanceof Float64Array) return Float32Array.from(d.value);
  throw new Error(`${where}: ${what} holds ${d.value.constructor.name.replace('Array', '')} values; a weight must be float32 (or float64)`);
}

/**
 * Sets the model's weights (and optimizer state) from a Keras 3 weights tree. Everything is
 * checked before anything is assigned: a refused file leaves the model as it was.
 */
export function applyWeightsTree(model: Model, root: H5Group, where: string, { skipMismatch = false, optimizer = true }: { skipMismatch?: boolean; optimizer?: boolean } = {}): string[] {
  const pending: [Variable, Float32Array][] = [];
  const skipped: string[] = [];
  for (const { layer, path } of objectPaths(model)) {
    const vars = ownVariables(layer);
    const found = varsOf(root, path, where);
    const problem = found.length !== vars.length
      ? `layer "${layer.name}" (${path}) has ${vars.length} weights, the file has ${found.length} at ${path}/vars`
      : vars.map((v, i) => (shapesEqual(found[i].shape, v.shape) ? '' : `weight ${v.name} has shape ${formatShape(v.shape)}, but ${path}/vars/${i} in the file is ${formatShape(found[i].shape)}`)).find(Boolean);
    if (problem) {
      if (skipMismatch) { skipped.push(problem); continue; }
      throw new Error(`${where}: ${problem}`);
    }
    vars.forEach((v, i) => pending.push([v, floatValues(found[i], `${path}/vars/${i}`, where)]));
  }
  const opt = varsOf(root, 'optimizer', where);
  if (optimizer && model.optimizer && opt.length > 0) {
    setOptimizerStateKeras3(model.optimizer, model.trainableWeights, opt.map((d): RawArray => ({ value: d.value, shape: d.shape })), where);
  }
  for (const [v, values] of pending) v.data.set(values);
  return skipped;
}

/** Merges the shards a sharded weights map names into one tree. */
export async function shardedWeightsTree(mapJson: string, readShard: (name: string) => Promise<Uint8Array>, where: string): Promise<H5Group> {
  let map: { weight_map?: Record<string, string> };
  try { map = JSON.parse(mapJson); } catch (e) { throw new Error(`${where}: the sharded weights map is not valid JSON (${(e as Error).message})`); }
  if (!map || typeof map.weight_map !== 'object' || map.weight_map === null) throw new Error(`${where}: the sharded weights map has no weight_map`);
  const root = group();
  const merge = (into: H5Group, from: H5Group, path: string): void => {
    Object.assign(into.attrs, from.attrs);
    for (const [name, child] of from.children) {
      const have = into.children.get(name);
      if (!have) into.children.set(name, child);
      else if (have.kind === 'group' && child.kind === 'group') merge(have, child, `${path}/${name}`);
      else throw new Error(`${where}: ${path}/${name} is in more than one shard`);
    }
  };
  for (const shard of new Set(Object.values(map.weight_map))) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\')) throw new Error(`${where}: shard name ${JSON.stringify(shard)} is not a file name`);
    merge(root, await readH5(await readShard(shard), `${where} (shard ${shard})`), '');
  }
  return root;
}

/** The bytes of a .keras file. */
export async function encodeKeras(model: Model, { includeOptimizer = true }: { includeOptimizer?: boolean } = {}): Promise<Uint8Array> {
  const config = modelToKeras(model, 3);
  const compile = trainingToKeras(model, 3);
  if (compile) config.compile_config = compile;
  const now = new Date().toISOString();
  const metadata = { keras_version: KERAS_VERSION_WRITTEN, date_saved: `${now.slice(0, 10)}@${now.slice(11, 19)}`, written_by: 'deeptype 0.1.0' };
  const weights = await writeH5(weightsTree(model, includeOptimizer));
  // Keras stores the weights uncompressed (level 0), as zipfile's default does.
  return zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': [weights, { level: 0 }],
  }, { level: 0, mtime: new Date('1980-01-01T00:00:00Z') });
}

/** A model from the bytes of a .keras file; `where` (the file's name) starts every error. */
export async function decodeKeras(bytes: Uint8Array, where: string, { compile = true }: LoadOptions = {}): Promise<Model> {
  let files: Record<string, Uint8Array>;
  try { files = unzipSync(bytes); } catch (e) { throw new Error(`${where}: not a readable .keras file: the zip is damaged or truncated (${(e as Error).message})`); }
  checkZipCrcs(bytes, files, where);
  const text = (name: string): string => {
    if (!files[name]) throw new Error(`${where}: the .keras zip has no ${name} (it holds ${Object.keys(files).join(', ') || 'nothing'})`);
    return strFromU8(files[name]);
  };
  let config: Record<string, unknown>;
  try { config = JSON.parse(text('config.json')); } catch (e) {
    if ((e as Error).message.startsWith(where)) throw e;
    throw new Error(`${where}: config.json is not valid JSON (${(e as Error).message})`);
  }
  const model = modelFromKeras(config, where);
  if (compile && config.compile_config) compileFromKeras(model, config.compile_config as Record<string, unknown>, `${where}: compile_config`);
  let tree: H5Group;
  if (files['model.weights.h5']) tree = await readH5(files['model.weights.h5'], `${where} (model.weights.h5)`);
  else if (files['model.weights.json']) tree = await shardedWeightsTree(text('model.weights.json'), async (n) => files[n] ?? Promise.reject(new Error(`${where}: the shard ${n} is not in the zip`)), where);
  else throw new Error(`${where}: the .keras zip has no model.weights.h5 (it holds ${Object.keys(files).join(', ')})`);
  applyWeightsTree(model, tree, where, { optimizer: compile });
  return model;
}

/** The bytes of a Keras 3 .weights.h5 file (the layers' weights, no optimizer: as Keras's save_weights). */
export const encodeWeightsH5 = (model: Model): Promise<Uint8Array> => writeH5(weightsTree(model, false));
