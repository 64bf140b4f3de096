// A functional model's config: every layer with the calls that feed it ([[layer, node, tensor,
// kwargs], ...] per call), then the input and output references, as TensorFlow.js writes it.
// Node indices count only the calls inside this model (a layer shared with another model has
// calls that are not ours); a nested model's count from 1, as TF.js's (its node 0 is the
// model's own inputs-to-outputs node). Files use snake_case keys, getConfig() camelCase.
import type { Layer } from '../layers/layer.ts';
import type { Node, SymbolicTensor } from '../layers/symbolic.ts';
import type { Model } from './model.ts';

export interface KerasObject { class_name: string; config: Record<string, unknown> }
export type TensorRef = [string, number, number];
export interface ConfigKeys { inboundNodes: string; inputLayers: string; outputLayers: string }
export const SNAKE_KEYS: ConfigKeys = { inboundNodes: 'inbound_nodes', inputLayers: 'input_layers', outputLayers: 'output_layers' };
export const CAMEL_KEYS: ConfigKeys = { inboundNodes: 'inboundNodes', inputLayers: 'inputLayers', outputLayers: 'outputLayers' };

/** Whether a layer is a model (TF.js's Container), without importing Model (which imports this file). */
export const isModelLayer = (layer: Layer): boolean => typeof (layer as Partial<Model>).compile === 'function' && 'graphNodes' in layer;

/** The graph of `model` as a config; `entry` gives each layer's own part ({class_name, config} or {className, config}). */
export function graphConfig(model: Model, entry: (l: Layer) => object, keys: ConfigKeys): Record<string, unknown> {
  const nodes = new Set<Node>(model.graphNodes);
  for (const t of model.inputs) nodes.add(t.node);
  const indexIn = (node: Node): number => node.layer.inboundNodes.filter((n) => nodes.has(n)).indexOf(node) + (isModelLayer(node.layer) ? 1 : 0);
  const ref = (t: SymbolicTensor): TensorRef => [t.node.layer.name, indexIn(t.node), t.index];
  const layers = model.layers.map((layer) => {
    const own = layer.inboundNodes.filter((n) => nodes.has(n) && n.inputs.length > 0);
    return { name: layer.name, ...entry(layer), [keys.inboundNodes]: own.map((n) => n.inputs.map((t) => [...ref(t), { ...n.callArgs }])) };
  });
  return { name: model.name, layers, [keys.inputLayers]: model.inputs.map(ref), [keys.outputLayers]: model.outputs.map(ref) };
}
