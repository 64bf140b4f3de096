export { Model, type CompileArgs } from './model.ts';
export { Sequential } from './sequential.ts';

import type { Sequential as SequentialModel } from './sequential.ts';
/**
 * Loads a model written by model.save(), by TensorFlow.js (a directory, its model.json, or a
 * file:// URL) or by Keras (a .keras or .h5 file; `compile: false` skips its training state).
 */
export async function loadModel(path: string, options: { compile?: boolean } = {}): Promise<SequentialModel> {
  const keras = await import('../io/keras-files.ts');
  if (keras.kerasFormatOf(path) || await keras.isKerasFile(path)) return await keras.loadKerasFile(path, options) as SequentialModel;
  const { loadModel: load } = await import('../io/model-files.ts');
  return load(path);
}
