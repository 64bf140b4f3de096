// Models <-> Keras 3 and Keras 2 model configs (config.json of a .keras; model_config of an .h5).
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import { Input } from '../layers/core.ts';
import { Sequential } from '../models/sequential.ts';
import { Model } from '../models/model.ts';
import { TimeDistributed } from '../layers/wrappers.ts';
import { functionalFromKeras, functionalToKeras } from './keras-functional.ts';
import { declaredBatchShape, dtypePolicy, inputLayerToKeras, layerFromKeras, layerToKeras, type KerasObject, type KerasVersion } from './keras-layers.ts';

/** Keras's to_snake_case (class name -> object-path name): Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
export const kerasSnake = (s: string): string =>
  s.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

const isFunctional = (model: Model): boolean => !(model instanceof Sequential) && model.isFunctional && model.constructor === Model;

/**
 * The layers whose weights a file holds, in Keras's order: a Sequential's without its
 * InputLayer; a functional model's graph layers, inputs first.
 */
export function modelLayers(model: Model): Layer[] {
  if (model instanceof Sequential) return model.layers.filter((l) => !(l instanceof Input));
  if (isFunctional(model)) return model.layers;
  throw new Error(`Keras files: model "${model.name}" (${model.className}) is neither Sequential nor functional; subclassed models cannot be written in Keras's formats (save its weights instead)`);
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** A layer's Keras object; a nested model is its whole model config (as Keras serializes it). */
export function anyLayerToKeras(layer: Layer, version: KerasVersion, inputShape?: unknown): KerasObject {
  if (layer instanceof Model) return { ...modelToKeras(layer, version), ...(version === 3 ? { name: layer.name } : {}) };
  const o = layerToKeras(layer, version, inputShape);
  // A wrapper's inner layer nests as a whole Keras object, built on one frame: [batch, ...frame].
  if (layer instanceof TimeDistributed) o.config.layer = anyLayerToKeras(layer.layer, version, Array.isArray(inputShape) ? [inputShape[0], ...inputShape.slice(2)] : undefined);
  return o;
}

/** A layer from its Keras object, or a nested model from its model config. */
export function anyLayerFromKeras(o: unknown, file: string): Layer {
  return MODEL_CLASSES.has(String((o as KerasObject | null)?.class_name)) ? modelFromKeras(o, file) : layerFromKeras(o, file, (c) => anyLayerFromKeras(c, file));
}

/**
 * Every layer of the model with its Keras 3 object path (`layers/conv2d_1`), nested models
 * walked as Keras's saving_lib walks them: a nested model is a path of its own (it holds no
 * variables itself) and its layers are under `<path>/layers/`. Names count per container; a
 * layer met twice (shared) is saved once, where it was first met.
 */
export function objectPaths(model: Model, prefix = '', seen = new Set<Layer>()): { layer: Layer; path: string }[] {
  const used = new Map<string, number>();
  const out: { layer: Layer; path: string }[] = [];
  for (const layer of modelLayers(model)) {
    const base = kerasSnake(layer.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    if (seen.has(layer)) continue;
    seen.add(layer);
    const path = `${prefix}layers/${n === undefined ? base : `${base}_${n + 1}`}`;
    out.push({ layer, path });
    if (layer instanceof Model) out.push(...objectPaths(layer, `${path}/`, seen));
    // A wrapper holds no variables itself; its inner layer is its attribute `layer` (saving_lib's path).
    if (layer instanceof TimeDistributed) {
      out.push({ layer: layer.layer, path: `${path}/layer` });
      if (layer.layer instanceof Model) out.push(...objectPaths(layer.layer, `${path}/layer/`, seen));
    }
  }
  return out;
}

/** Each layer's input shape, from the model's input shape. */
function inputShapes(model: Model, layers: Layer[]): (ShapeSpec | undefined)[] {
  let shape = model.batchInputShape;
  return layers.map((l) => {
    const here = shape;
    shape = shape ? l.computeOutputShape(shape) as ShapeSpec : undefined;
    return here;
  });
}

/** The model's Keras config object (Keras 3: with build_config; compile_config is added by the caller). */
export function modelToKeras(model: Model, version: KerasVersion): KerasObject {
  if (isFunctional(model)) return functionalToKeras(model, version, anyLayerToKeras);
  const layers = modelLayers(model);
  const shapes = inputShapes(model, layers);
  const configs = layers.map((l, i) => anyLayerToKeras(l, version, shapes[i]));
  if (model.batchInputShape) configs.unshift(inputLayerToKeras(model.batchInputShape, 'input_layer', version));
  if (version === 2) return { class_name: 'Sequential', config: { name: model.name, layers: configs } };
  return {
    module: 'keras', class_name: 'Sequential',
    config: { name: model.name, trainable: model.trainable, dtype: dtypePolicy(), layers: configs,
      ...(model.batchInputShape ? { build_input_shape: model.batchInputShape } : {}) },
    registered_name: null,
    ...(model.batchInputShape ? { build_config: { input_shape: model.batchInputShape } } : {}),
  };
}

/** Builds the model a Keras 3 or Keras 2 config describes. `file` names the file in errors. */
export function modelFromKeras(o: unknown, file: string): Model {
  const model = buildModel(o, file);
  // A frozen model (a fine-tuning base) stays frozen: its optimizer state covers the others only.
  const config = (o as KerasObject | null)?.config;
  if (config && !Array.isArray(config) && config.trainable === false) model.trainable = false;
  return model;
}

function buildModel(o: unknown, file: string): Model {
  const top = (o ?? {}) as Partial<KerasObject>;
  if (top.class_name === 'Functional' || top.class_name === 'Model') return functionalFromKeras(top as KerasObject, file, anyLayerFromKeras);
  if (top.class_name !== 'Sequential') {
    throw new Error(`${file}: the model is a ${String(top.class_name)}; deeptype loads Sequential and Functional models from Keras files`);
  }
  const config = (top.config ?? {}) as Record<string, unknown>;
  const list = Array.isArray(top.config) ? top.config : config.layers; // Keras 1/2.0 wrote the list alone
  if (!Array.isArray(list)) throw new Error(`${file}: the Sequential config has no list of layers`);
  const layers = list.map((l) => anyLayerFromKeras(l, file));
  const declared = list.length > 0 && (list[0] as KerasObject).class_name !== 'InputLayer' ? declaredBatchShape(((list[0] as KerasObject).config ?? {}) as Record<string, unknown>) : undefined;
  const buildShape = (config.build_input_shape ?? (top.build_config as { input_shape?: unknown } | undefined)?.input_shape) as ShapeSpec | undefined;
  if (!(layers[0] instanceof Input) && !declared && Array.isArray(buildShape)) layers.unshift(new Input({ batchShape: buildShape }));
  try {
    return new Sequential({ name: typeof config.name === 'string' ? config.name : undefined, layers });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
