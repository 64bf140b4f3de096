// The Keras JSON of a functional model, as TensorFlow.js writes and reads it: every layer with
// its inbound_nodes ([[layer, node, tensor, kwargs], ...] per call), then input_layers and
// output_layers. The graph's bookkeeping is models/graph-config.ts (model.getConfig() and
// Model.fromConfig use it with TF.js's camelCase keys); files get snake_case keys.
import type { Layer } from '../layers/layer.ts';
import type { Model } from '../models/model.ts';
import { graphConfig, SNAKE_KEYS, type KerasObject } from '../models/graph-config.ts';
import { graphFromConfig } from '../models/graph-replay.ts';
export type { KerasObject };

/** The functional config of a graph model; `layerToKeras` converts each layer (nested models too). */
export function functionalToKeras(model: Model, layerToKeras: (l: Layer) => KerasObject): KerasObject {
  return { class_name: 'Model', config: graphConfig(model, (l) => layerToKeras(l), SNAKE_KEYS) };
}

/** Rebuilds a functional model from its file config (`layerFromKeras` builds each layer). */
export function functionalFromKeras(config: Record<string, unknown>, layerFromKeras: (o: unknown) => Layer): Model {
  return graphFromConfig(config, layerFromKeras, SNAKE_KEYS);
}
