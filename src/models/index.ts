export { Model, type CompileArgs, type ModelArgs, type ModelData, type StepData } from './model.ts';
export { Sequential } from './sequential.ts';
export { cloneModel } from './clone.ts';
import { Model, type ModelArgs } from './model.ts';
import { Sequential } from './sequential.ts';
import { modelFromConfig } from './graph-replay.ts';
import type { Layer } from '../layers/layer.ts';
import type { IOHandler } from '../io/artifacts.ts';
import type { LoadOptions } from '../io/save-load.ts';

// TF.js passes the class first (fromConfig(cls, config)); Keras only the config.
Model.fromConfig = (clsOrConfig: unknown, config?: unknown): Model => (typeof clsOrConfig === 'function' ? modelFromConfig(config) : modelFromConfig(clsOrConfig));

/** TF.js's spelling of new Model({inputs, outputs, name}). */
export const model = (args: ModelArgs): Model => new Model(args);
/** TF.js's spelling of new Sequential({layers, name}). */
export const sequential = (args: Layer[] | { layers?: Layer[]; name?: string } = {}): Sequential => new Sequential(args);

/**
 * TF.js's tf.models.modelFromJSON: the model (fresh weights) of an architecture from
 * model.toJSON(), a model.json's modelTopology, or Keras's model.to_json(); see io/model-json.ts.
 */
export async function modelFromJSON(json: string | Record<string, unknown>): Promise<Model> {
  const { modelFromJSON: fromJSON } = await import('../io/model-json.ts'); // lazily: io depends on the model classes
  return fromJSON(json);
}

/**
 * Loads a model (TF.js's tf.loadLayersModel): from an IOHandler or a URL (io/handlers.ts:
 * localstorage://, indexeddb://, http(s)://), or in Node from what model.save() or TensorFlow.js
 * wrote (a directory, its model.json, a file:// URL) or Keras (a .keras or .h5 file).
 * `compile: false` skips the saved training state.
 */
export async function loadModel(source: string | IOHandler, options: LoadOptions = {}): Promise<Model> {
  const { loadModelFrom } = await import('../io/save-load.ts');
  return loadModelFrom(source, options);
}
