// The Keras JSON of a functional model, as TensorFlow.js writes and reads it: every layer with
// its inbound_nodes ([[layer, node, tensor, kwargs], ...] per call), then input_layers and
// output_layers. Node indices count only the calls inside this model (a layer shared with
// another model has calls that are not ours). Loading also reads Keras 3's node form.
import type { Layer } from '../layers/layer.ts';
import type { Node, SymbolicTensor } from '../layers/symbolic.ts';
import { Model } from '../models/model.ts';

export interface KerasObject { class_name: string; config: Record<string, unknown> }
type TensorRef = [string, number, number];

/** The functional config of a graph model; `layerToKeras` converts each layer (nested models too). */
export function functionalToKeras(model: Model, layerToKeras: (l: Layer) => KerasObject): KerasObject {
  const nodes = new Set<Node>(model.graphNodes);
  for (const t of model.inputs) nodes.add(t.node);
  // A node's index among its layer's calls that belong to this model; a nested model's count
  // from 1, as TF.js's (its node 0 is the model's own inputs-to-outputs node).
  const indexIn = (node: Node): number => node.layer.inboundNodes.filter((n) => nodes.has(n)).indexOf(node) + (node.layer instanceof Model ? 1 : 0);
  const ref = (t: SymbolicTensor): TensorRef => [t.node.layer.name, indexIn(t.node), t.index];
  const layers = model.layers.map((layer) => {
    const own = layer.inboundNodes.filter((n) => nodes.has(n) && n.inputs.length > 0);
    return {
      name: layer.name,
      ...layerToKeras(layer),
      inbound_nodes: own.map((n) => n.inputs.map((t) => [...ref(t), { ...n.callArgs }])),
    };
  });
  return {
    class_name: 'Model',
    config: { name: model.name, layers, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) },
  };
}

/** A reference to a tensor in either node format: [name, node, tensor(, kwargs)] or Keras 3's {config: {keras_history}}. */
function readRef(r: unknown, where: string): TensorRef {
  if (Array.isArray(r) && typeof r[0] === 'string') return [r[0], Number(r[1] ?? 0), Number(r[2] ?? 0)];
  const history = (r as { config?: { keras_history?: unknown[] } })?.config?.keras_history;
  if (Array.isArray(history) && typeof history[0] === 'string') return [history[0], Number(history[1]), Number(history[2])];
  throw new Error(`${where}: cannot read the tensor reference ${JSON.stringify(r)}`);
}

/** One call's input references and kwargs, in TF.js's list form or Keras 3's {args, kwargs}. */
function readNode(n: unknown, where: string): { refs: TensorRef[]; multi: boolean; kwargs: Record<string, unknown> } {
  if (Array.isArray(n)) {
    const refs = n.map((r) => readRef(r, where));
    const kwargs = (Array.isArray(n[0]) && typeof n[0][3] === 'object' && n[0][3] !== null ? n[0][3] : {}) as Record<string, unknown>;
    return { refs, multi: refs.length > 1, kwargs };
  }
  const { args = [], kwargs = {} } = (n ?? {}) as { args?: unknown[]; kwargs?: Record<string, unknown> };
  const first = args[0];
  if (Array.isArray(first)) return { refs: first.map((r) => readRef(r, where)), multi: true, kwargs };
  return { refs: [readRef(first, where)], multi: false, kwargs };
}

const refList = (v: unknown, what: string): TensorRef[] => {
  if (!Array.isArray(v)) throw new Error(`loadModel: the functional config has no ${what}`);
  return (typeof v[0] === 'string' ? [v] : v).map((r) => readRef(r, `loadModel ${what}`));
};

/**
 * Rebuilds a functional model: layers from their configs (`layerFromKeras`), then each recorded
 * call replayed on symbolic tensors once its inputs exist, in whatever order the file lists
 * them. Calls that can never run (a cycle, or a reference to no layer) are an error.
 */
export function functionalFromKeras(config: Record<string, unknown>, layerFromKeras: (o: unknown) => Layer): Model {
  const name = typeof config.name === 'string' ? config.name : undefined;
  const where = `loadModel "${name ?? 'model'}"`;
  const entries = config.layers;
  if (!Array.isArray(entries)) throw new Error(`${where}: the functional config has no list of layers`);
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; node: ReturnType<typeof readNode>; index: number }[] = [];
  for (const e of entries as { name?: string; inbound_nodes?: unknown[]; config?: { name?: string } }[]) {
    const layer = layerFromKeras(e);
    const layerName = e.name ?? e.config?.name ?? layer.name;
    if (byName.has(layerName)) throw new Error(`${where}: the name "${layerName}" is used 2 times in the model. All layer names should be unique`);
    byName.set(layerName, layer);
    (e.inbound_nodes ?? []).forEach((n, index) => pending.push({ layer, node: readNode(n, `${where} layer "${layerName}"`), index }));
  }
  // A nested model's calls count from 1 in TF.js's files (and Keras 2's, after an InputLayer);
  // from 0 in files that refer to its node 0 (deeptype's before it wrote TF.js's numbering).
  const referred = [...pending.flatMap((p) => p.node.refs), ...refList(config.output_layers, 'output_layers')];
  const firstNode = (layer: Layer, layerName: string): number => (layer instanceof Model && !referred.some((r) => r[0] === layerName && r[1] === 0) ? 1 : 0);
  const tensors = new Map<string, SymbolicTensor>();
  const key = (r: TensorRef): string => `${r[0]}|${r[1]}|${r[2]}`;
  for (const [layerName, layer] of byName) {
    if (layer.className === 'InputLayer') tensors.set(key([layerName, 0, 0]), layer.output as SymbolicTensor);
  }
  // Replay calls whose inputs exist until none is left; a pass without progress means a cycle.
  let left = pending;
  while (left.length > 0) {
    const next: typeof pending = [];
    for (const p of left) {
      const ins = p.node.refs.map((r) => tensors.get(key(r)));
      if (ins.some((t) => !t)) { next.push(p); continue; }
      const out = p.layer.apply((p.node.multi ? ins : ins[0]) as never, p.node.kwargs) as unknown as SymbolicTensor | SymbolicTensor[];
      const layerName = layerNameOf(byName, p.layer);
      (Array.isArray(out) ? out : [out]).forEach((t, i) => tensors.set(key([layerName, p.index + firstNode(p.layer, layerName), i]), t));
    }
    if (next.length === left.length) {
      const missing = next.flatMap((p) => p.node.refs.filter((r) => !byName.has(r[0])).map((r) => r[0]));
      throw new Error(missing.length > 0
        ? `${where}: layer "${layerNameOf(byName, next[0].layer)}" is called on the output of "${missing[0]}", which is not a layer of the model`
        : `${where}: the graph has a cycle: layers ${[...new Set(next.map((p) => `"${layerNameOf(byName, p.layer)}"`))].join(', ')} each wait for one another's output`);
    }
    left = next;
  }
  const find = (r: TensorRef, what: string): SymbolicTensor => {
    const t = tensors.get(key(r));
    if (!t) throw new Error(`${where}: ${what} refers to ${JSON.stringify(r)}, which no layer call produces`);
    return t;
  };
  const inputs = refList(config.input_layers, 'input_layers').map((r) => find(r, 'input_layers'));
  const outputs = refList(config.output_layers, 'output_layers').map((r) => find(r, 'output_layers'));
  // One input or output is a tensor, not a list of one (as TF.js returns it).
  return new Model({ inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs, name });
}

const layerNameOf = (byName: Map<string, Layer>, layer: Layer): string => {
  for (const [n, l] of byName) if (l === layer) return n;
  return layer.name;
};
