// Keras's get_layer (by name or by index) with TF.js's spelling getLayer(undefined, index) too.
import type { Layer } from '../layers/layer.ts';

export function findLayer(model: string, all: Layer[], nameOrIndex?: string | number, index?: number): Layer {
  if (nameOrIndex === undefined && index !== undefined) nameOrIndex = index;
  else if (index !== undefined) throw new Error(`getLayer: give a name or an index, not both (got name ${JSON.stringify(nameOrIndex)} and index ${index})`);
  if (typeof nameOrIndex === 'number') {
    if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= all.length) {
      throw new Error(`getLayer: was asked to retrieve layer at index ${nameOrIndex} but model "${model}" only has ${all.length} layers`);
    }
    return all[nameOrIndex];
  }
  if (typeof nameOrIndex !== 'string') throw new Error(`getLayer: expected a layer name (string) or an index (integer), got ${nameOrIndex === undefined ? 'nothing' : nameOrIndex === null ? 'null' : typeof nameOrIndex}`);
  const layer = all.find((l) => l.name === nameOrIndex);
  if (!layer) throw new Error(`getLayer: no such layer: ${nameOrIndex}. Existing layers are: ${all.map((l) => l.name).join(', ')}`);
  return layer;
}
