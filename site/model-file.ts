// The playground's model file: TF.js's Layers format (topology + weights manifest) in one JSON
// file, the weights inline as base64. Written and read in the worker; a file that is not such
// a model, or a model that does not read 28x28 digits into 10 classes, is refused by name.
import * as dt from '../src/browser.ts';
import { modelFromKeras, modelToKeras } from '../src/io/keras-config.ts';
import { decodeWeights, encodeWeights } from '../src/io/weights.ts';
import { toBase64 } from '../src/plot/png.ts';

type Model = dt.models.Model;

export function modelFile(model: Model): string {
  const { specs, data } = encodeWeights(model.weights.map((w) => ({ name: w.name, tensor: w })));
  return JSON.stringify({ format: 'layers-model', generatedBy: 'deeptype playground', modelTopology: modelToKeras(model), weightsManifest: [{ paths: ['weights.bin'], weights: specs }], weightData: toBase64(data) });
}

export function modelFromFile(text: string, where: string): Model {
  const refuse = (why: string): never => { throw new Error(`${where} is not a model file: ${why}`); };
  let json: { modelTopology?: unknown; weightsManifest?: unknown; weightData?: unknown };
  try { json = JSON.parse(text); } catch { return refuse('it is not JSON (load a .json file saved by this page)'); }
  if (!json || typeof json !== 'object' || !json.modelTopology || typeof json.weightData !== 'string') {
    refuse('it needs modelTopology and weightData (a file saved by this page)');
  }
  let bytes: Uint8Array, model: Model;
  try { bytes = Uint8Array.from(atob(json.weightData as string), (ch) => ch.charCodeAt(0)); } catch { return refuse('weightData is not base64'); }
  try { model = modelFromKeras(json.modelTopology); } catch (e) { return refuse((e as Error).message); }
  const values = decodeWeights(json.weightsManifest, () => bytes, where);
  for (const w of model.weights) {
    const v = values.get(w.name);
    if (!v || v.size !== w.size) throw new Error(`${where}: weight ${w.name} is missing or has another shape (${v ? `${v.size} values, the layer needs ${w.size}` : 'not in the file'})`);
    (w.data as Float32Array).set(v.data as Float32Array);
  }
  // The page feeds 28x28 drawings and shows ten classes: a model that takes anything else is refused here.
  let shape: number[];
  try { shape = model.predict(dt.zeros([1, 28, 28])).shape; } catch (e) { return refuse(`it does not read a 28x28 digit (${(e as Error).message})`); }
  if (shape.join() !== '1,10') refuse(`it gives [${shape}] for one 28x28 digit, not ten class probabilities [1,10]`);
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  return model;
}
