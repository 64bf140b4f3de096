// Functional models <-> Keras's Functional config: every layer with its inbound_nodes, and the
// model's input_layers / output_layers as [layer name, node index, tensor index]. Keras 3
// writes a node as {args, kwargs} with each tensor a __keras_tensor__ whose keras_history is
// that triple; Keras 2 as a list of [layer name, node index, tensor index, kwargs].
import type { Layer } from '../layers/layer.ts';
import { Input } from '../layers/core.ts';
import type { Node, SymbolicTensor } from '../layers/symbolic.ts';
import { Model } from '../models/model.ts';
import { inputLayerToKeras, layerFromKeras, layerToKeras, dtypePolicy, type KerasObject, type KerasVersion } from './keras-layers.ts';

type History = [string, number, number];

/** A layer's nodes that belong to this model's graph, in the layer's order (Keras's node indices). */
function modelNodes(layer: Layer, inGraph: Set<Node>): Node[] {
  return layer.inboundNodes.filter((n) => inGraph.has(n));
}

/** `toKeras` writes each layer (the caller's, so that a nested model writes its own config). */
export function functionalToKeras(model: Model, version: KerasVersion, toKeras: typeof layerToKeras = layerToKeras): KerasObject {
  const nodes = new Set<Node>([...model.graphNodes, ...model.inputs.map((t) => t.node)]);
  const history = (t: SymbolicTensor): History => [t.node.layer.name, modelNodes(t.node.layer, nodes).indexOf(t.node), t.index];
  const tensor3 = (t: SymbolicTensor): KerasObject => ({ class_name: '__keras_tensor__', config: { shape: t.shape, dtype: t.dtype, keras_history: history(t) } });
  const layers = model.layers.map((layer) => {
    const own = modelNodes(layer, nodes);
    const isInput = layer instanceof Input;
    const base = isInput ? inputLayerToKeras(layer.batchInputShape!, layer.name, version) : toKeras(layer, version, own[0]?.inputs.length === 1 ? own[0].inputs[0].shape : own[0]?.inputs.map((t) => t.shape));
    const inbound = isInput ? [] : own.map((n) => version === 3
      ? { args: [n.multiInput ? n.inputs.map(tensor3) : tensor3(n.inputs[0])], kwargs: callKwargs(n) }
      : n.inputs.map((t) => [...history(t), callKwargs(n)]));
    return { ...base, name: layer.name, inbound_nodes: inbound };
  });
  // One input (output) is written as its triple alone: Keras 3 reads a list as a list of inputs.
  const ends = (ts: SymbolicTensor[]): History | History[] => (ts.length === 1 && version === 3 ? history(ts[0]) : ts.map(history));
  const config = { name: model.name, trainable: model.trainable, layers, input_layers: ends(model.inputs), output_layers: ends(model.outputs) };
  if (version === 2) return { class_name: 'Functional', config };
  return { module: 'keras.src.models.functional', class_name: 'Functional', config: { ...config, dtype: dtypePolicy() }, registered_name: 'Functional',
    build_config: { input_shape: model.inputs.length === 1 ? model.inputs[0].shape : model.inputs.map((t) => t.shape) } };
}

/**
 * The call arguments a node keeps: `training` when the call fixed it (`base(x, training=False)`
 * in Keras's fine-tuning recipe keeps BatchNormalization in inference even while the model
 * trains), as Keras records it.
 */
const callKwargs = (n: Node): Record<string, unknown> => (typeof n.callArgs.training === 'boolean' ? { training: n.callArgs.training } : {});

const isHistory = (h: unknown): h is History => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'number' && typeof h[2] === 'number';

/**
 * The tensors one inbound node reads, from either version's form; `multi` when the layer was
 * called on a list; `training` when the call fixed it (Keras honours it over fit's flag).
 */
function nodeInputs(node: unknown, where: string): { refs: History[]; multi: boolean; training?: boolean } {
  if (Array.isArray(node)) { // Keras 2: [[name, node, tensor, kwargs], ...]
    let training: boolean | undefined;
    const refs = node.map((r) => {
      if (!Array.isArray(r) || !isHistory(r)) throw new Error(`${where}: inbound node ${JSON.stringify(node)} is not a list of [layer, node, tensor, kwargs]`);
      const kwargs = ((r as unknown[])[3] ?? {}) as Record<string, unknown>;
      training = trainingOf(kwargs, where) ?? training;
      return [r[0], r[1], r[2]] as History;
    });
    return { refs, multi: refs.length > 1, training };
  }
  const { args, kwargs } = (node ?? {}) as { args?: unknown[]; kwargs?: Record<string, unknown> };
  if (!Array.isArray(args) || args.length !== 1) throw new Error(`${where}: inbound node ${JSON.stringify(node)?.slice(0, 200)} must have one argument (a tensor or a list of tensors)`);
  const training = trainingOf(kwargs ?? {}, where);
  const ref = (t: unknown): History => {
    const h = (t as KerasObject)?.config?.keras_history;
    if ((t as KerasObject)?.class_name !== '__keras_tensor__' || !isHistory(h)) throw new Error(`${where}: ${JSON.stringify(t)?.slice(0, 200)} is not a __keras_tensor__ with a keras_history`);
    return h;
  };
  return Array.isArray(args[0]) ? { refs: args[0].map(ref), multi: true, training } : { refs: [ref(args[0])], multi: false, training };
}

/** A node's `training` kwarg (a boolean, or absent); any other call argument is refused, named. */
function trainingOf(kwargs: Record<string, unknown>, where: string): boolean | undefined {
  const extra = Object.entries(kwargs).filter(([k, v]) => v !== null && v !== undefined && !(k === 'training' && typeof v === 'boolean'));
  if (extra.length > 0) throw new Error(`${where}: call arguments ${extra.map(([k]) => k).join(', ')} are not supported`);
  return typeof kwargs.training === 'boolean' ? kwargs.training : undefined;
}

/** Builds a functional model from Keras 3's or Keras 2's Functional config. */
export function functionalFromKeras(top: KerasObject, file: string, build: (o: unknown, file: string) => Layer = layerFromKeras): Model {
  const config = top.config as { name?: string; layers?: unknown[]; input_layers?: unknown; output_layers?: unknown };
  if (!Array.isArray(config.layers)) throw new Error(`${file}: the Functional config has no list of layers`);
  const outputsOf = new Map<string, SymbolicTensor[][]>(); // layer name -> outputs of each node made so far
  const pending: { layer: Layer; nodes: unknown[]; done: number }[] = [];
  for (const lc of config.layers as KerasObject[]) {
    const name = (lc?.name ?? lc?.config?.name) as string;
    if (typeof name !== 'string') throw new Error(`${file}: a layer of the Functional config has no name`);
    if (outputsOf.has(name)) throw new Error(`${file}: the name "${name}" is used by two layers`);
    const layer = build({ ...lc, config: { ...lc.config, name } }, file);
    outputsOf.set(name, []);
    if (layer instanceof Input) outputsOf.get(name)!.push([layer.output as SymbolicTensor]);
    else pending.push({ layer, nodes: Array.isArray(lc.inbound_nodes) ? lc.inbound_nodes : [], done: 0 });
  }
  const lookup = ([name, node, index]: History): SymbolicTensor | undefined => outputsOf.get(name)?.[node]?.[index];
  // Keras's order: call each layer on its inputs once they exist; a pass that makes no progress is a broken graph.
  for (let progress = true; progress;) {
    progress = false;
    for (const p of pending) {
      while (p.done < p.nodes.length) {
        const where = `${file}: layer "${p.layer.name}" inbound node ${p.done}`;
        const { refs, multi, training } = nodeInputs(p.nodes[p.done], where);
        const ins = refs.map(lookup);
        if (ins.some((t) => !t)) {
          for (const r of refs) if (!outputsOf.has(r[0])) throw new Error(`${where}: it reads layer "${r[0]}", which is not in the model`);
          break;
        }
        let out: SymbolicTensor | SymbolicTensor[];
        try { out = p.layer.apply(multi ? ins as SymbolicTensor[] : ins[0]!, training === undefined ? {} : { training }) as SymbolicTensor | SymbolicTensor[]; } catch (e) { throw new Error(`${where}: ${(e as Error).message}`); }
        outputsOf.get(p.layer.name)!.push(Array.isArray(out) ? out : [out]);
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.done < p.nodes.length);
  if (stuck) throw new Error(`${file}: layer "${stuck.layer.name}" reads tensors no layer makes (a cycle, or a missing layer)`);
  const ends = (v: unknown, what: string): SymbolicTensor[] => {
    const list = isHistory(v) ? [v] : Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
    if (list.length === 0) throw new Error(`${file}: the Functional config has no ${what}`);
    return list.map((h) => {
      const t = isHistory(h) ? lookup(h) : undefined;
      if (!t) throw new Error(`${file}: ${what} names ${JSON.stringify(h)}, which no layer makes`);
      return t;
    });
  };
  try {
    const inputs = ends(config.input_layers, 'input_layers'), outputs = ends(config.output_layers, 'output_layers');
    return new Model({ inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs, name: config.name });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

