// Model data in the shapes Keras accepts: one tensor, a list in input (output) order, or an
// object keyed by input (output) name. Errors name what is missing or unknown.
import { Tensor } from '../core/tensor.ts';

/** Model data: one tensor, one per input/output in order, or an object keyed by input/output name. */
export type ModelData = Tensor | Tensor[] | Record<string, Tensor>;

export interface DataSlots {
  /** The model's name, for messages. */
  model: string;
  /** The inputs' (or outputs') names, in order. */
  names: string[];
  /** How many tensors the model takes (or gives). */
  count: number;
  kind: 'input' | 'output';
  /** The call that was given the data, for messages ("fit", "predict (step 3)"). */
  where: string;
}

/** `data` as one tensor per slot, in the slots' order. */
export function tensorsInOrder(data: ModelData, { model, names, count, kind, where }: DataSlots): Tensor[] {
  const arg = kind === 'input' ? 'x' : 'y';
  if (data instanceof Tensor) {
    if (count > 1) throw new Error(`${where}: model "${model}" has ${count} ${kind}s (${names.join(', ')}), so ${arg} must be a list or an object keyed by those names, not one tensor`);
    return [data];
  }
  if (Array.isArray(data)) {
    if (data.length !== count) throw new Error(`${where}: ${arg} has ${data.length} tensor(s), but model "${model}" has ${count} ${kind}(s): ${names.join(', ')}`);
    data.forEach((t, i) => { if (!(t instanceof Tensor)) throw new Error(`${where}: ${arg}[${i}] (for ${kind} "${names[i]}") must be a Tensor`); });
    return data;
  }
  if (typeof data !== 'object' || data === null) throw new Error(`${where}: ${arg} must be a Tensor, a list of Tensors or an object keyed by ${kind} name, got ${String(data)}`);
  for (const key of Object.keys(data)) {
    if (!names.includes(key)) throw new Error(`${where}: ${arg} has a key '${key}' that is not an ${kind} of model "${model}"; its ${kind}s are: ${names.join(', ')}`);
  }
  return names.map((n) => {
    const t = data[n];
    if (!(t instanceof Tensor)) throw new Error(`${where}: no data for ${kind} "${n}" of model "${model}" (${arg} has keys ${Object.keys(data).join(', ') || 'none'})`);
    return t;
  });
}
