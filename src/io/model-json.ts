// A model's architecture as JSON without its weights: TF.js's model.toJSON() and
// tf.models.modelFromJSON(), which also read Keras's model.to_json() (Keras 2 and Keras 3).
// Model.toJSON is a method of the model classes, which cannot import io (io depends on them):
// this module hands its writer to them when it loads, as src/index.ts loads it.
import { Model, architectureJSON } from '../models/model.ts';
import { modelFromKeras as fromTfjs, modelToKeras as toTfjs } from './keras-config.ts';
import { modelFromKeras } from './keras-model-config.ts';

const VERSION = 'deeptype 0.1.0';
architectureJSON.write = (model: Model) => ({ ...toTfjs(model), keras_version: VERSION, backend: 'deeptype' });

/** Whether a topology was written by TF.js or deeptype (TF.js's Layers format) rather than by Keras. */
const isTfjs = (o: Record<string, unknown>): boolean => typeof o.keras_version === 'string' && /^(tfjs|deeptype)/.test(o.keras_version);

/**
 * The model a JSON architecture describes, with fresh weights: model.toJSON()'s string or
 * object (deeptype's or TF.js's), model.json's content without its weights, or Keras's
 * model.to_json() (Keras 2's `{class_name, config, keras_version}` or Keras 3's
 * `{module, class_name, config, ...}`). Async as in TF.js.
 */
export async function modelFromJSON(json: string | Record<string, unknown>): Promise<Model> {
  let o: unknown = json;
  if (typeof json === 'string') {
    try { o = JSON.parse(json); } catch (e) { throw new Error(`modelFromJSON: the string is not valid JSON (${(e as Error).message})`); }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`modelFromJSON: expected a model's JSON object or string, got ${Array.isArray(o) ? 'an array' : typeof o}`);
  let top = o as Record<string, unknown>;
  if ('modelTopology' in top) {
    if (Array.isArray(top.weightsManifest) && top.weightsManifest.length > 0) {
      throw new Error('modelFromJSON: this model.json lists weight files; load it with models.loadModel(path) to get its weights, or pass its modelTopology alone for a fresh model');
    }
    top = top.modelTopology as Record<string, unknown>;
    if (typeof top !== 'object' || top === null) throw new Error('modelFromJSON: modelTopology is not an object');
    return fromTfjs(top);
  }
  if (typeof top.class_name !== 'string') throw new Error(`modelFromJSON: the JSON has no class_name: it is not a model's architecture (keys: ${Object.keys(top).join(', ') || 'none'})`);
  return isTfjs(top) ? fromTfjs(top) : modelFromKeras(top, 'modelFromJSON');
}
