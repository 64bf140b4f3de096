// Keras's JSON form of a model (as TensorFlow.js writes it in model.json): snake_case keys,
// {class_name, config} objects. Converts deeptype's layers to it and builds layers from it.
import { Layer } from '../layers/layer.ts';
import { Input } from '../layers/core.ts';
import { TimeDistributed } from '../layers/wrappers.ts';
import { layerClass, layerClassNames } from '../layers/registry.ts';
import '../layers/index.ts'; // every layer module registers its classes
import { getInitializer, initializers, type Initializer, type InitializerIdentifier } from '../layers/initializers.ts';
import { Sequential } from '../models/sequential.ts';
import { describe } from './describe.ts';
import { Model } from '../models/model.ts';
import { functionalFromKeras, functionalToKeras, type KerasObject } from './functional-config.ts';
export type { KerasObject };

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

const toSnake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const toCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// --- Initializers: glorot and he are written as VarianceScaling, as TensorFlow.js does.
const VARIANCE_SCALING: Record<string, Record<string, unknown>> = {
  GlorotUniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  GlorotNormal: { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' },
  HeUniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  HeNormal: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' },
  LecunUniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
  LecunNormal: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
};

function initializerToKeras(id: InitializerIdentifier | { className: string; config: Record<string, unknown> }): KerasObject {
  const init: Initializer = typeof id === 'object' && 'className' in id && typeof id !== 'function'
    ? initializerFromKeras({ class_name: id.className, config: id.config }, 'save')
    : getInitializer(id as InitializerIdentifier, 'save');
  const config = Object.fromEntries(Object.entries(init.getConfig()).map(([k, v]) => [toSnake(k), v ?? null]));
  return { class_name: init.className, config };
}

function initializerFromKeras(o: unknown, where: string): Initializer {
  if (typeof o === 'string') return getInitializer(o, where);
  const { class_name: name, config } = (o ?? {}) as Partial<KerasObject>;
  if (typeof name !== 'string' || (config != null && (typeof config !== 'object' || Array.isArray(config)))) {
    throw new Error(`${where}: an initializer must be a name or {class_name, config}, got ${describe(o)}`);
  }
  const args = Object.fromEntries(Object.entries(config ?? {}).map(([k, v]) => [toCamel(k), v ?? undefined]));
  if (name === 'VarianceScaling' || name in VARIANCE_SCALING) {
    return initializers.varianceScaling({ ...(VARIANCE_SCALING[name] ?? {}), ...args });
  }
  const key = name.charAt(0).toLowerCase() + name.slice(1);
  if (!(key in initializers)) throw new Error(`${where}: unknown initializer class '${name}'`);
  return initializers[key](args);
}

/** A regularizer's or constraint's {className, config} as Keras writes it: snake_case keys. */
function objectToKeras(o: { className: string; config?: Record<string, unknown> } | null): KerasObject | null {
  if (!o) return null;
  return { class_name: o.className, config: Object.fromEntries(Object.entries(o.config ?? {}).map(([k, v]) => [toSnake(k), v ?? null])) };
}

/** A layer's Keras config: getConfig() in snake_case, initializers as objects. */
export function layerToKeras(layer: Layer): KerasObject {
  if (layer instanceof Model) return modelToKeras(layer); // a nested model
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer.getConfig())) {
    config[toSnake(k)] = k === 'layer' && layer instanceof TimeDistributed ? layerToKeras(layer.layer) // nested {class_name, config}, as TF.js
      : /Initializer$/.test(k) ? initializerToKeras(v as InitializerIdentifier)
      : /(Regularizer|Constraint)$/.test(k) ? objectToKeras(v as { className: string; config?: Record<string, unknown> } | null)
      : k === 'dataFormat' || k === 'outputMode' ? toSnake(String(v)) : v; // TF.js writes enum values snake_case too
  }
  if (layer instanceof Input) return { class_name: 'InputLayer', config: { ...config, dtype: 'float32' } };
  return { class_name: layer.className, config: { ...config, dtype: 'float32' } };
}

// Config keys deeptype reads (after camelCase); the rest must be absent or null.
const IGNORED = new Set(['dtype', 'dataFormat', 'sparse', 'ragged']);

/**
 * TensorFlow.js writes SeparableConv2D without its depth_multiplier: it is the last axis of
 * the layer's depthwise kernel in the weights manifest (shapes by weight name).
 */
function withDepthMultiplier(o: unknown, weightShapes: Map<string, number[]>): unknown {
  const { class_name: name, config } = (o ?? {}) as Partial<KerasObject>;
  if (name !== 'SeparableConv2D' || !config || config.depth_multiplier !== undefined) return o;
  const shape = weightShapes.get(`${String(config.name)}/depthwise_kernel`);
  return shape?.length === 4 ? { class_name: name, config: { ...config, depth_multiplier: shape[3] } } : o;
}

export function layerFromKeras(o: unknown, weightShapes: Map<string, number[]> = new Map()): Layer {
  const { class_name: name, config } = (withDepthMultiplier(o, weightShapes) ?? {}) as Partial<KerasObject>;
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
    throw new Error(`Layer ${String(name)}: its config must be an object of options, got ${JSON.stringify(config)}`);
  }
  if (typeof name === 'string' && MODEL_CLASSES.has(name)) return modelFromKeras({ class_name: name, config }, weightShapes); // a nested model
  const cls = typeof name === 'string' ? layerClass(name) : undefined;
  if (!cls) {
    throw new Error(`Unknown layer class '${String(name)}': deeptype cannot load it yet (it knows ${layerClassNames().join(', ')})`);
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    const k = toCamel(key);
    if (k === 'dataFormat' && name === 'Flatten') { args.dataFormat = value; continue; } // the one layer that takes channels_first (it permutes)
    if (k === 'dataFormat' && value !== 'channels_last' && value !== 'channelsLast') {
      throw new Error(`Layer ${name} "${String(config?.name)}": only channels_last data is supported, got data_format '${String(value)}'`);
    }
    if (IGNORED.has(k)) continue;
    if (k === 'layer' && name === 'TimeDistributed' && value !== null && typeof value === 'object') {
      args.layer = layerFromKeras(value, weightShapes); // a wrapper's inner layer (or model)
      continue;
    }
    if (/(Regularizer|Constraint)$/.test(k)) {
      // The layer checks the class name and builds it (layers/regularizers.ts).
      const o = value as Partial<KerasObject> | null;
      args[k] = o === null || o === undefined ? null : typeof o === 'string' ? o : { className: o.class_name, config: o.config };
      continue;
    }
    args[k] = /Initializer$/.test(k) ? initializerFromKeras(value, `Layer ${name} "${String(config?.name)}"`) : value;
  }
  if (cls === (Input as unknown)) return new Input({ batchShape: (args.batchInputShape ?? args.batchShape) as (number | null)[], name: args.name as string }); // Keras 3 writes batch_shape
  return new cls(args as never);
}

/** The modelTopology of model.json: Sequential's layer list, or a functional model's graph. */
export function modelToKeras(model: Model): KerasObject {
  if (model instanceof Sequential) {
    const layers = model.layers.map(layerToKeras);
    // The input shape travels on the first layer, as Keras writes it.
    if (model.batchInputShape && layers.length > 0) layers[0].config.batch_input_shape = model.batchInputShape;
    return { class_name: 'Sequential', config: { name: model.name, layers } };
  }
  if (!model.isFunctional) {
    throw new Error(`save: model "${model.name}" (${model.className}) is a subclassed model: its call() is code, not a graph a file can hold. Save its weights with saveWeights(path) and rebuild it in code (as Keras requires too)`);
  }
  return functionalToKeras(model, layerToKeras);
}

/** A model from its Keras JSON (Sequential or functional); weightShapes (by weight name) fill what TF.js leaves out. */
export function modelFromKeras(topology: unknown, weightShapes: Map<string, number[]> = new Map()): Model {
  const t = (topology ?? {}) as { class_name?: string; config?: unknown; model_config?: unknown };
  // Keras's own files nest the model under model_config.
  const top = (t.model_config ?? t) as { class_name?: string; config?: unknown };
  if (top.class_name === 'Model' || top.class_name === 'Functional') {
    return functionalFromKeras((top.config ?? {}) as Record<string, unknown>, (c) => layerFromKeras(c, weightShapes));
  }
  if (top.class_name !== 'Sequential') {
    throw new Error(`loadModel: expected a Sequential or functional ('Model'/'Functional') model, this one is '${String(top.class_name)}'`);
  }
  const config = top.config as { name?: string; layers?: unknown[] } | unknown[];
  const layerConfigs = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layerConfigs)) throw new Error('loadModel: the Sequential config has no list of layers');
  const name = Array.isArray(config) ? undefined : config?.name;
  return new Sequential({ name, layers: layerConfigs.map((c) => layerFromKeras(c, weightShapes)) });
}
