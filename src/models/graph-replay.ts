// Rebuilding a functional model from its config, in TF.js's file form (snake_case keys:
// io/functional-config.ts) or getConfig()'s (camelCase: Model.fromConfig): each layer built,
// then each recorded call replayed once its inputs exist. Loading also reads Keras 3's node form.
import type { Layer } from '../layers/layer.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import { Input } from '../layers/core.ts';
import { layerClass } from '../layers/registry.ts';
import { Model } from './model.ts';
import { Sequential } from './sequential.ts';
import { CAMEL_KEYS, isModelLayer, type ConfigKeys, type TensorRef } from './graph-config.ts';

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
export function graphFromConfig(config: Record<string, unknown>, layerFromKeras: (o: unknown) => Layer, keys: ConfigKeys): Model {
  const name = typeof config.name === 'string' ? config.name : undefined;
  const where = `loadModel "${name ?? 'model'}"`;
  const entries = config.layers;
  if (!Array.isArray(entries)) throw new Error(`${where}: the functional config has no list of layers`);
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; node: ReturnType<typeof readNode>; index: number }[] = [];
  for (const e of entries as (Record<string, unknown> & { name?: string; config?: { name?: string } })[]) {
    const layer = layerFromKeras(e);
    const layerName = e.name ?? e.config?.name ?? layer.name;
    if (byName.has(layerName)) throw new Error(`${where}: the name "${layerName}" is used 2 times in the model. All layer names should be unique`);
    byName.set(layerName, layer);
    ((e[keys.inboundNodes] ?? []) as unknown[]).forEach((n, index) => pending.push({ layer, node: readNode(n, `${where} layer "${layerName}"`), index }));
  }
  // A nested model's calls count from 1 in TF.js's files (and Keras 2's, after an InputLayer);
  // from 0 in files that refer to its node 0 (deeptype's before it wrote TF.js's numbering).
  const referred = [...pending.flatMap((p) => p.node.refs), ...refList(config[keys.outputLayers], keys.outputLayers)];
  const firstNode = (layer: Layer, layerName: string): number => (isModelLayer(layer) && !referred.some((r) => r[0] === layerName && r[1] === 0) ? 1 : 0);
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
      // A call's fixed training is kept; a file's other kwargs (mask: null, ...) have no meaning here.
      const kwargs = typeof p.node.kwargs.training === 'boolean' ? { training: p.node.kwargs.training } : {};
      const out = p.layer.apply((p.node.multi ? ins : ins[0]) as never, kwargs) as unknown as SymbolicTensor | SymbolicTensor[];
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
  const inputs = refList(config[keys.inputLayers], keys.inputLayers).map((r) => find(r, keys.inputLayers));
  const outputs = refList(config[keys.outputLayers], keys.outputLayers).map((r) => find(r, keys.outputLayers));
  // One input or output is a tensor, not a list of one (as TF.js returns it).
  return new Model({ inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs, name });
}

const layerNameOf = (byName: Map<string, Layer>, layer: Layer): string => {
  for (const [n, l] of byName) if (l === layer) return n;
  return layer.name;
};

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/**
 * Model.fromConfig (Keras's from_config, TF.js's LayersModel.fromConfig): a model with fresh
 * weights from getConfig()'s form, a graph or a Sequential's {name, layers}, each layer built
 * from the layer registry by its className.
 */
export function modelFromConfig(config: unknown, className?: string): Model {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`fromConfig: expected a model's getConfig() (an object with name and layers), got ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config}`);
  const c = config as Record<string, unknown>;
  if (!Array.isArray(c.layers)) throw new Error(`fromConfig: the config has no list of layers (keys: ${Object.keys(c).join(', ') || 'none'})`);
  const model = 'inputLayers' in c || className === 'Functional' || className === 'Model'
    ? graphFromConfig(c, (e) => layerFromConfig(e), CAMEL_KEYS)
    : new Sequential({ name: c.name as string | undefined, layers: c.layers.map(layerFromConfig) });
  if (c.trainable === false) model.trainable = false;
  return model;
}

function layerFromConfig(entry: unknown): Layer {
  const { className, config } = (entry ?? {}) as { className?: unknown; config?: Record<string, unknown> };
  if (typeof className !== 'string' || config === null || typeof config !== 'object') throw new Error(`fromConfig: each layer must be {className, config}, got ${JSON.stringify(entry)?.slice(0, 120)}`);
  if (MODEL_CLASSES.has(className)) return modelFromConfig(config, className);
  if (className === 'InputLayer') return new Input({ batchShape: config.batchInputShape as (number | null)[], name: config.name as string, dtype: config.dtype as never });
  const cls = layerClass(className);
  if (!cls) throw new Error(`fromConfig: layer "${String(config.name)}" is a ${className}, which is not a registered layer class (registerLayers(${className}) makes it loadable)`);
  return new cls(config as never);
}
