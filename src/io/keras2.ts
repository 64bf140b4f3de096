// Keras 2's legacy HDF5 format (.h5): the model's config and training config as JSON
// attributes of the root, its weights under model_weights/<layer>/<weight> with layer_names
// and weight_names attributes, the optimizer's state under optimizer_weights. Also the .h5
// files of Keras 2's save_weights (the same groups at the root), and the legacy .h5 files
// Keras 3 writes (same layout, Keras 3 configs and weight names). Bytes in, bytes out.
import type { Variable } from '../core/tensor.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import type { Layer } from '../layers/layer.ts';
import type { Model } from '../models/model.ts';
import { dataset, group, groupAt, nodeAt, readH5, writeH5, type H5Group, type H5Value } from './hdf5.ts';
import { modelFromKeras, modelLayers, modelToKeras } from './keras-model-config.ts';
import { compileFromKeras, optimizerStateKeras2, setOptimizerStateKeras2, trainingToKeras, type RawArray } from './keras-training.ts';
import { kerasOrder, type LoadOptions, type WeightsLoadOptions } from './keras3.ts';

export const KERAS2_VERSION_WRITTEN = '2.15.0';
/** HDF5's limit on an object header's attributes; Keras splits longer lists into name0, name1, ... */
const HEADER_LIMIT = 64512;

/** Writes a list attribute as Keras does: whole, or in chunks when it would pass the header limit. */
function setListAttr(g: H5Group, name: string, list: string[]): void {
  const bytes = (l: string[]): number => l.length * Math.max(1, ...l.map((s) => new TextEncoder().encode(s).length));
  let chunks = 1;
  const split = (n: number): string[][] => Array.from({ length: n }, (_, i) => list.slice(Math.floor((i * list.length) / n), Math.floor(((i + 1) * list.length) / n)));
  while (split(chunks).some((c) => bytes(c) > HEADER_LIMIT)) chunks++;
  if (chunks === 1) g.attrs[name] = list;
  else split(chunks).forEach((c, i) => { g.attrs[`${name}${i}`] = c; });
}

/** Reads a list attribute, whole or in Keras's chunks. */
function listAttr(g: H5Group, name: string, where: string): string[] | undefined {
  const asList = (v: H5Value): string[] => {
    if (Array.isArray(v)) return v;
    if (typeof v === 'string') return [v];
    if (ArrayBuffer.isView(v) && (v as Float64Array).length === 0) return [];
    throw new Error(`${where}: attribute ${name} is not a list of names`);
  };
  if (name in g.attrs) return asList(g.attrs[name]);
  if (!(`${name}0` in g.attrs)) return undefined;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in g.attrs; i++) out.push(...asList(g.attrs[`${name}${i}`]));
  return out;
}

const weightName = (v: Variable): string => `${v.name}:0`;

function putDataset(root: H5Group, path: string, value: RawArray['value'], shape: number[]): void {
  const parts = path.split('/');
  const last = parts.pop()!;
  groupAt(root, parts.join('/'), true)!.children.set(last, dataset(value, shape));
}

/** The layer groups of Keras 2's weights layout, under `g` (model_weights, or a weights file's root). */
function writeLayerWeights(g: H5Group, layers: Layer[]): void {
  g.attrs.backend = 'tensorflow';
  g.attrs.keras_version = KERAS2_VERSION_WRITTEN;
  setListAttr(g, 'layer_names', layers.map((l) => l.name));
  for (const layer of layers) {
    const lg = group();
    g.children.set(layer.name, lg);
    const vars = kerasOrder(layer);
    setListAttr(lg, 'weight_names', vars.map(weightName));
    for (const v of vars) putDataset(lg, weightName(v), Float32Array.from(v.data as Float32Array), [...v.shape]);
  }
}

/** The bytes of a Keras 2 .h5 model file. */
export async function encodeH5(model: Model, { includeOptimizer = true }: { includeOptimizer?: boolean } = {}): Promise<Uint8Array> {
  const root = group({ backend: 'tensorflow', keras_version: KERAS2_VERSION_WRITTEN, model_config: JSON.stringify(modelToKeras(model, 2)) });
  const training = trainingToKeras(model, 2);
  if (training) root.attrs.training_config = JSON.stringify(training);
  const mw = group();
  root.children.set('model_weights', mw);
  writeLayerWeights(mw, modelLayers(model));
  if (includeOptimizer && model.optimizer) {
    const og = group();
    const state = optimizerStateKeras2(model.optimizer, model.trainableWeights, weightName);
    setListAttr(og, 'weight_names', state.map((s) => s.name));
    for (const s of state) putDataset(og, s.name, s.array.value, s.array.shape);
    root.children.set('optimizer_weights', og);
  }
  return writeH5(root);
}

/** The bytes of a Keras 2 weights-only .h5 file (Keras 2's save_weights). */
export function encodeWeightsH5Keras2(model: Model): Promise<Uint8Array> {
  const root = group();
  writeLayerWeights(root, modelLayers(model));
  return writeH5(root);
}

/** The arrays a layer group lists in weight_names, in that order. */
function layerArrays(lg: H5Group, layerName: string, where: string): { name: string; value: RawArray }[] {
  const names = listAttr(lg, 'weight_names', where) ?? [];
  return names.map((n) => {
    const d = nodeAt(lg, n);
    if (!d || d.kind !== 'dataset') throw new Error(`${where}: layer ${layerName} lists weight ${n}, which is not in the file`);
    return { name: n, value: { value: d.value, shape: d.shape } };
  });
}

/**
 * Sets a model's weights from Keras 2's layout under `g`: by position among the layers that
 * have weights (Keras 2's default), or by layer name. Checked in full before anything is set.
 */
export function applyLayerWeights(model: Model, g: H5Group, where: string, { byName = false, skipMismatch = false, requireEvery = false }: WeightsLoadOptions = {}): string[] {
  const names = listAttr(g, 'layer_names', where);
  if (!names) throw new Error(`${where}: no layer_names attribute: this is not a Keras weights file`);
  const fileLayers = names.map((n) => {
    const lg = g.children.get(n);
    if (!lg || lg.kind !== 'group') throw new Error(`${where}: layer_names lists ${n}, which has no group in the file`);
    return { name: n, arrays: layerArrays(lg, n, where) };
  });
  const layers = modelLayers(model);
  const pairs: [Layer, { name: string; arrays: { name: string; value: RawArray }[] } | undefined][] = [];
  if (byName) {
    for (const l of layers) pairs.push([l, fileLayers.find((f) => f.name === l.name)]);
    const missing = requireEvery ? pairs.filter(([l, f]) => !f && l.weights.length > 0).map(([l]) => l.name) : [];
    if (missing.length) throw new Error(`${where}: the file has no weights for ${missing.length} of the model's layers (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}): is it the file for this model?`);
  } else {
    const withWeights = layers.filter((l) => l.weights.length > 0);
    const fileWith = fileLayers.filter((f) => f.arrays.length > 0);
    if (withWeights.length !== fileWith.length) {
      throw new Error(`${where}: the file has weights for ${fileWith.length} layers (${fileWith.map((f) => f.name).join(', ')}), the model has ${withWeights.length} layers with weights (${withWeights.map((l) => l.name).join(', ')})`);
    }
    withWeights.forEach((l, i) => pairs.push([l, fileWith[i]]));
  }
  const pending: [Variable, Float32Array][] = [];
  const skipped: string[] = [];
  for (const [layer, entry] of pairs) {
    if (!entry) continue; // byName: layers the file does not name keep their weights (as Keras 2)
    const vars = kerasOrder(layer);
    const problem = entry.arrays.length !== vars.length
      ? `layer "${layer.name}" has ${vars.length} weights, the file's layer ${entry.name} has ${entry.arrays.length}`
      : vars.map((v, i) => (shapesEqual(entry.arrays[i].value.shape, v.shape) ? '' : `weight ${v.name} has shape ${formatShape(v.shape)}, but ${entry.name}/${entry.arrays[i].name} in the file is ${formatShape(entry.arrays[i].value.shape)}`)).find(Boolean);
    if (problem) {
      if (skipMismatch && byName) { skipped.push(problem); continue; }
      throw new Error(`${where}: ${problem}${skipMismatch && !byName ? ' (skipMismatch needs byName, as in Keras 2)' : ''}`);
    }
    vars.forEach((v, i) => {
      const a = entry.arrays[i].value.value;
      if (!(a instanceof Float32Array || a instanceof Float64Array)) throw new Error(`${where}: ${entry.name}/${entry.arrays[i].name} holds ${a.constructor.name.replace('Array', '')} values; a weight must be float32 (or float64)`);
      pending.push([v, a instanceof Float32Array ? a : Float32Array.from(a)]);
    });
  }
  for (const [v, values] of pending) v.data.set(values);
  return skipped;
}

const parseAttr = (root: H5Group, name: string, where: string): Record<string, unknown> | undefined => {
  const v = root.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}: attribute ${name} is not a JSON string`);
  try { return JSON.parse(v); } catch (e) { throw new Error(`${where}: attribute ${name} is not valid JSON (${(e as Error).message})`); }
};

/** A model from the bytes of a Keras .h5 model file. */
export async function decodeH5(bytes: Uint8Array, where: string, { compile = true }: LoadOptions = {}): Promise<Model> {
  const root = await readH5(bytes, where);
  const config = parseAttr(root, 'model_config', where);
  if (!config) {
    throw new Error(`${where}: the file has no model_config attribute` + (root.children.has('layers') || listAttr(root, 'layer_names', where) ? ': it holds weights only; build the model and call model.loadWeights() instead' : ': it is not a Keras model file'));
  }
  const model = modelFromKeras(config, where);
  const training = compile ? parseAttr(root, 'training_config', where) : undefined;
  if (training) compileFromKeras(model, training, `${where}: training_config`);
  const mw = root.children.get('model_weights');
  if (!mw || mw.kind !== 'group') throw new Error(`${where}: the file has no model_weights group`);
  // The optimizer state is checked before any weight is set.
  const og = root.children.get('optimizer_weights');
  if (model.optimizer && og && og.kind === 'group') {
    const named = new Map(layerArrays(og, 'optimizer_weights', where).map((a) => [a.name, a.value]));
    setOptimizerStateKeras2(model.optimizer, model.trainableWeights, named, model.name, (v) => v.name, `${where}: optimizer_weights`);
  }
  applyLayerWeights(model, mw, where);
  return model;
}
