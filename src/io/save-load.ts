// Where model.save(target) and loadLayersModel(source) go: an IOHandler or a URL with one of
// TF.js's schemes to io/handlers.ts (browsers and Node alike); a path to the Node file code
// (a .keras/.h5 file, or a TF.js directory), imported lazily so that a browser bundle gets
// its stubs instead.
import type { Model } from '../models/model.ts';
import { modelArtifacts, modelFromArtifacts, type IOHandler, type SaveResult } from './artifacts.ts';
import { handlerFor, type HttpOptions } from './handlers.ts';
import { checkKnownOptions } from '../core/options.ts';

export interface SaveOptions { includeOptimizer?: boolean }
export interface LoadOptions extends HttpOptions {
  /** Compile with the saved loss, metrics and optimizer (default true; false: an uncompiled model). */
  compile?: boolean;
  /** TF.js's strict: deeptype always matches every weight, so only true is accepted. */
  strict?: boolean;
}
const LOAD_OPTIONS = ['compile', 'strict', 'requestInit', 'fetchFunc', 'weightPathPrefix', 'weightUrlConverter', 'onProgress'];

export async function saveModelTo(model: Model, target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  checkKnownOptions(options, ['includeOptimizer'], 'model.save');
  const handler = handlerFor(target, 'save');
  if (handler) return handler.save!(modelArtifacts(model, options));
  const path = target as string;
  const keras = await import('./keras-files.ts');
  if (keras.kerasFormatOf(path)) {
    await keras.saveKerasFile(model, path, options);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }
  const { saveModel } = await import('./model-files.ts');
  return saveModel(model, path, options);
}

export async function loadModelFrom(source: string | IOHandler, options: LoadOptions = {}): Promise<Model> {
  checkKnownOptions(options, LOAD_OPTIONS, 'loadLayersModel');
  const { compile, strict, ...http } = options;
  if (strict === false) throw new Error('loadLayersModel: strict: false is not supported: deeptype loads a model only when every weight matches by name and shape');
  const handler = handlerFor(source, 'load', http);
  const where = typeof source === 'string' ? `loadLayersModel ${source}` : 'loadLayersModel (IOHandler)';
  if (handler) return modelFromArtifacts(await handler.load!(), where, { compile });
  if (Object.keys(http).length > 0) throw new Error(`loadLayersModel: ${Object.keys(http)[0]} applies to http(s):// URLs, not to the file ${String(source)}`);
  const path = source as string;
  const keras = await import('./keras-files.ts');
  if (keras.kerasFormatOf(path) || await keras.isKerasFile(path)) return keras.loadKerasFile(path, { compile });
  const { loadModel } = await import('./model-files.ts');
  return loadModel(path, { compile });
}


/** model.saveWeights(path): 'x.weights.h5' in Keras 3's layout, another '.h5' in Keras 2's; otherwise TF.js's weights directory. */
export async function saveWeightsTo(model: Model, path: string): Promise<void> {
  const keras = await import('./keras-files.ts');
  if (keras.kerasFormatOf(path)) return keras.saveWeightsFile(model, path);
  const { saveWeights } = await import('./model-files.ts');
  saveWeights(model, path);
}

/** model.loadWeights(path): Keras's load_weights for .weights.h5, Keras 2 .h5 or a sharded .weights.json; TF.js's weights directory otherwise. */
export async function loadWeightsFrom(model: Model, path: string, options: { byName?: boolean; skipMismatch?: boolean }): Promise<void> {
  const keras = await import('./keras-files.ts');
  if (keras.kerasFormatOf(path)) {
    for (const skipped of await keras.loadWeightsFile(model, path, options)) console.warn(`loadWeights: skipped ${skipped}`);
    return;
  }
  const { loadWeights } = await import('./model-files.ts');
  loadWeights(model, path);
}
