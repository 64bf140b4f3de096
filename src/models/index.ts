export { Model, type CompileArgs, type ModelArgs, type ModelData, type StepData } from './model.ts';
export { Sequential } from './sequential.ts';
export { cloneModel } from './clone.ts';
import { Model, type ModelArgs } from './model.ts';
import { Sequential } from './sequential.ts';
import type { Layer } from '../layers/layer.ts';

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
 * Loads a model written by model.save(), by TensorFlow.js (a directory, its model.json, or a
 * file:// URL) or by Keras (a .keras or .h5 file; `compile: false` skips its training state).
 */
export async function loadModel(path: string, options: { compile?: boolean } = {}): Promise<Model> {
  const keras = await import('../io/keras-files.ts');
  if (keras.kerasFormatOf(path) || await keras.isKerasFile(path)) return keras.loadKerasFile(path, options);
  const { loadModel: load } = await import('../io/model-files.ts');
  return load(path);
}
