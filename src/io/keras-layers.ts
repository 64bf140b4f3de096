// Layers <-> the layer configs of Keras 3 (.keras, and the .h5 files Keras 3 writes) and
// Keras 2 (.h5). Generic over the layer registry: a layer's getConfig() in snake_case is its
// Keras config; the few places where Keras spells things differently are in the tables below.
//
// Loading is checked both ways: every key of the file's config must either be honoured by
// the rebuilt layer (it appears in its getConfig() with the same value) or hold Keras's
// default for an option deeptype does not have. Anything else is an error naming the layer,
// the option and the file, never a silently different model.
import { Layer } from '../layers/layer.ts';
import { Input } from '../layers/core.ts';
import { TimeDistributed } from '../layers/wrappers.ts';
import { layerClass, layerClassNames } from '../layers/registry.ts';
import '../layers/index.ts'; // every layer module registers its classes
import { getInitializer, initializers, type Initializer } from '../layers/initializers.ts';

export type KerasVersion = 2 | 3;
/** Keras 3's serialized object; Keras 2 has only class_name and config. */
export interface KerasObject {
  module?: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name?: string | null;
  build_config?: { input_shape: unknown };
  [key: string]: unknown;
}

export const toSnake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
export const toCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Keras 3's dtype policy object, as Keras 3.4+ writes it on every layer. */
export const dtypePolicy = (name = 'float32'): KerasObject =>
  ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });

/** The dtype name of a config's `dtype` in any Keras spelling (string, DTypePolicy, Keras 2 Policy). */
export function dtypeName(dtype: unknown): string | undefined {
  if (dtype === undefined || dtype === null) return undefined;
  if (typeof dtype === 'string') return dtype;
  const name = (dtype as KerasObject)?.config?.name;
  return typeof name === 'string' ? name : JSON.stringify(dtype);
}

// --- Initializers: Keras's class names; configs snake_case (seed null when unset).
const INITIALIZER_NAMES = ['zeros', 'ones', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal'];

function initializerToKeras(id: unknown, version: KerasVersion): KerasObject {
  let className: string, config: Record<string, unknown>;
  if (typeof id === 'string') {
    const init = getInitializer(id as never, 'save');
    className = INITIALIZER_NAMES.includes(id) ? pascal(id) : init.className;
    config = INITIALIZER_NAMES.includes(id) ? (/^(glorot|he)/.test(id) ? { seed: null } : {}) : init.getConfig();
  } else {
    const o = id as { className: string; config: Record<string, unknown> };
    className = o.className;
    config = o.config;
  }
  const snake = Object.fromEntries(Object.entries(config).map(([k, v]) => [toSnake(k), v ?? null]));
  return version === 3
    ? { module: 'keras.initializers', class_name: className, config: snake, registered_name: null }
    : { class_name: className, config: snake };
}

/** A Keras initializer (object or name) as deeptype's: a name when it has no options, so it saves back the same. */
function initializerFromKeras(o: unknown, where: string): string | Initializer {
  if (typeof o === 'string') return getInitializer(o as never, where) && toCamel(o);
  const { class_name: name, config = {} } = (o ?? {}) as Partial<KerasObject>;
  if (typeof name !== 'string') throw new Error(`${where}: an initializer must be a name or {class_name, config}, got ${JSON.stringify(o)}`);
  const key = name.charAt(0).toLowerCase() + name.slice(1);
  const args = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null).map(([k, v]) => [toCamel(k), v]));
  if (INITIALIZER_NAMES.includes(key) && Object.keys(args).length === 0) return key;
  if (!(key in initializers)) throw new Error(`${where}: unknown initializer class '${name}' (deeptype knows ${Object.keys(initializers).map(pascal).join(', ')})`);
  return initializers[key](args);
}

const isInitializerKey = (k: string): boolean => /Initializer$/.test(k);

// --- Options deeptype's layers lack, with the Keras default a file may hold for them.
const KERAS_DEFAULTS: Record<string, unknown[]> = {
  sparse: [false], ragged: [false], optional: [false], groups: [1], dilation_rate: [[1, 1], 1, [1]],
  data_format: ['channels_last', null], lora_rank: [null], lora_alpha: [null], quantization_config: [null],
  activity_regularizer: [null], synchronized: [false], seed: [null], noise_shape: [null],
  renorm: [false], renorm_clipping: [null], renorm_momentum: [0.99],
};
const defaultFor = (key: string): unknown[] | undefined =>
  KERAS_DEFAULTS[key] ?? (/_(regularizer|constraint)$/.test(key) ? [null] : undefined);
// Keys that are not options of a layer: what it was built on, its dtype (checked apart).
const NOT_OPTIONS = new Set(['dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'batch_size', 'input_dim', 'build_config', 'shared_object_id']);
/** Whether a config key is not an option (Embedding's input_dim is its vocabulary size, not Dense's Keras 2 input width). */
const notOption = (key: string, className: string): boolean => NOT_OPTIONS.has(key) && !(key === 'input_dim' && className === 'Embedding');

const same = (a: unknown, b: unknown): boolean => {
  const norm = (v: unknown): unknown => (Array.isArray(v) && v.length > 0 && v.every((x) => x === v[0]) ? v[0] : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
};

/** The layer's Keras config (without the batch shape, which the model writes). */
export function layerConfig(layer: Layer, version: KerasVersion): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer.getConfig())) {
    if (k === 'batchInputShape' || v === undefined) continue;
    config[toSnake(k)] = isInitializerKey(k) ? initializerToKeras(v, version) : k === 'dataFormat' || k === 'outputMode' ? toSnake(String(v)) : v;
  }
  // A wrapper's inner layer as its own Keras object (a nested model: keras-model-config.ts#anyLayerToKeras).
  if (layer instanceof TimeDistributed) config.layer = layerToKeras(layer.layer, version);
  config.dtype = version === 3 ? dtypePolicy() : 'float32';
  return config;
}

/** Keras's object for a layer; `inputShape` is the shape it was built on (Keras 3's build_config). */
export function layerToKeras(layer: Layer, version: KerasVersion, inputShape?: unknown): KerasObject {
  const config = layerConfig(layer, version);
  if (version === 2) return { class_name: layer.className, config };
  return { module: 'keras.layers', class_name: layer.className, config, registered_name: null,
    ...(inputShape && layer.weights.length > 0 ? { build_config: { input_shape: inputShape } } : {}) };
}

/** Keras 3's InputLayer, or Keras 2's. */
export function inputLayerToKeras(batchShape: (number | null)[], name: string, version: KerasVersion): KerasObject {
  return version === 3
    ? { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: batchShape, dtype: 'float32', sparse: false, ragged: false, name }, registered_name: null }
    : { class_name: 'InputLayer', config: { batch_input_shape: batchShape, dtype: 'float32', sparse: false, ragged: false, name } };
}

/** The batch shape a layer config declares (InputLayer's, or a first layer's batch_input_shape). */
export function declaredBatchShape(config: Record<string, unknown>): (number | null)[] | undefined {
  const s = config.batch_shape ?? config.batch_input_shape;
  if (Array.isArray(s)) return s as (number | null)[];
  if (Array.isArray(config.input_shape)) return [null, ...(config.input_shape as (number | null)[])];
  return undefined;
}

function checkDtype(config: Record<string, unknown>, where: string): void {
  const d = dtypeName(config.dtype);
  if (d !== undefined && d !== 'float32') {
    throw new Error(`${where}: dtype '${d}' is not supported (deeptype's layers compute in float32); re-save the model with dtype float32`);
  }
}

/** Builds a layer from its Keras 2 or Keras 3 object. `file` names the file in errors. */
export function layerFromKeras(o: unknown, file: string, nested: (o: unknown) => Layer = (c) => layerFromKeras(c, file)): Layer {
  const { class_name: name, config = {} } = (o ?? {}) as Partial<KerasObject>;
  const label = `${file}: layer "${String((config as Record<string, unknown>).name ?? '?')}" (${String(name)})`;
  if (typeof name !== 'string' || typeof config !== 'object' || config === null) {
    throw new Error(`${file}: a layer must be {class_name, config}, got ${JSON.stringify(o)?.slice(0, 200)}`);
  }
  checkDtype(config, label);
  if (name === 'InputLayer') {
    const batchShape = declaredBatchShape(config);
    if (!batchShape) throw new Error(`${label}: the InputLayer has no batch_shape`);
    return new Input({ batchShape, name: config.name as string });
  }
  const cls = layerClass(name);
  if (!cls) throw new Error(`${label}: unknown layer class '${name}'; deeptype can load ${layerClassNames().join(', ')}`);

  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (notOption(key, name)) continue;
    if (key === 'layer' && name === 'TimeDistributed' && value !== null && typeof value === 'object') {
      args.layer = nested(value); // a wrapper's inner layer (or model), checked by its own load
      continue;
    }
    const defaults = defaultFor(key);
    if (defaults?.some((d) => same(d, value))) continue; // Keras's default: only passed on if the layer has the option
    const k = toCamel(key);
    args[k] = isInitializerKey(k) ? initializerFromKeras(value, label)
      : k === 'dataFormat' && typeof value === 'string' ? toCamel(value) : value;
  }
  const batchShape = declaredBatchShape(config);
  if (batchShape) args.batchInputShape = batchShape;
  let layer: Layer;
  try {
    layer = new cls(args as never);
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
  // Every option of the file must be honoured, or hold Keras's default.
  const rebuilt = layerConfig(layer, 3);
  for (const [key, value] of Object.entries(config)) {
    if (notOption(key, name) || value === null || (key === 'layer' && name === 'TimeDistributed')) continue; // null: Keras's default for the option
    if (key in rebuilt) {
      if (!/_initializer$/.test(key) && !same(rebuilt[key], value)) {
        throw new Error(`${label}: option ${key}=${JSON.stringify(value)} is not supported (deeptype's layer has ${key}=${JSON.stringify(rebuilt[key])})`);
      }
    } else if (!defaultFor(key)?.some((d) => same(d, value))) {
      throw new Error(`${label}: option ${key}=${JSON.stringify(value)} is not supported by deeptype's ${name} yet`);
    }
  }
  return layer;
}
