// Keras's clone_model: the same architecture with new layers (built from their configs, so
// with freshly initialized weights), for a Sequential, a functional model, or one nested in
// another. Shared layers stay shared in the clone; a call's fixed `training` is kept.
import { Input } from '../layers/core.ts';
import { Lambda } from '../layers/lambda.ts';
import type { Layer } from '../layers/layer.ts';
import { layerClass } from '../layers/registry.ts';
import type { SymbolicTensor } from '../layers/symbolic.ts';
import { Model } from './model.ts';
import { Sequential } from './sequential.ts';

/** A new layer from this one's config (a nested model is cloned whole). */
function cloneLayer(layer: Layer): Layer {
  if (layer instanceof Model) return cloneModel(layer);
  if (layer instanceof Input) return new Input({ batchShape: layer.batchInputShape!, name: layer.name });
  if (layer instanceof Lambda) return new Lambda({ fn: layer.fn, outputShape: layer.outputShape, arguments: layer.arguments, name: layer.name, trainable: layer.trainable }); // the same function
  const cls = layerClass(layer.className);
  if (!cls) throw new Error(`cloneModel: layer "${layer.name}" is a ${layer.className}, which is not registered (registerLayers(${layer.className}) makes it cloneable)`);
  const copy = new cls(layer.getConfig() as never);
  if (!layer.trainable) copy.trainable = false; // (setting true would unfreeze a wrapper's frozen inner layer)
  return copy;
}

/** The same model, new weights: `models.cloneModel(model)` (Keras's keras.models.clone_model). */
export function cloneModel(model: Model): Model {
  if (!(model instanceof Model)) throw new Error(`cloneModel: expected a Sequential or functional model, got ${typeof model}`);
  let clone: Model;
  if (model instanceof Sequential) {
    const first = model.batchInputShape ? [new Input({ batchShape: model.batchInputShape })] : [];
    clone = new Sequential({ name: model.name, layers: [...first, ...model.layers.filter((l) => !(l instanceof Input)).map(cloneLayer)] });
  } else if (model.isFunctional) {
    const layers = new Map<Layer, Layer>();
    const copyOf = (l: Layer): Layer => { if (!layers.has(l)) layers.set(l, cloneLayer(l)); return layers.get(l)!; };
    const tensors = new Map<SymbolicTensor, SymbolicTensor>();
    for (const t of model.inputs) tensors.set(t, copyOf(t.node.layer).output as SymbolicTensor);
    for (const node of model.graphNodes) {
      const ins = node.inputs.map((t) => tensors.get(t)!);
      const out = copyOf(node.layer).apply(node.multiInput ? ins : ins[0], node.callArgs) as SymbolicTensor | SymbolicTensor[];
      (Array.isArray(out) ? out : [out]).forEach((t, i) => tensors.set(node.outputs[i], t));
    }
    const ends = (ts: SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] => (ts.length === 1 ? tensors.get(ts[0])! : ts.map((t) => tensors.get(t)!));
    clone = new Model({ inputs: ends(model.inputs), outputs: ends(model.outputs), name: model.name });
  } else {
    throw new Error(`cloneModel: model "${model.name}" is subclassed (class ${model.constructor.name}): its call() is code, not a graph of layers; construct a new instance of its class instead`);
  }
  // Only false: the setter reaches every layer, and true would unfreeze the ones frozen on their own.
  if (!model.trainable) clone.trainable = false;
  return clone;
}
