export { Model, type CompileArgs } from './model.ts';
export { Sequential } from './sequential.ts';

import type { Sequential as SequentialModel } from './sequential.ts';
/** Loads a model written by model.save() or by TensorFlow.js (a directory, its model.json, or a file:// URL). */
export async function loadModel(path: string): Promise<SequentialModel> {
  const { loadModel: load } = await import('../io/model-files.ts');
  return load(path);
}
