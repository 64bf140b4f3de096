// The key of a model's compiled step (backend, kind, input dtypes and shapes, trained weights),
// remembered for the last inputs of each kind: a batch-1 predict asks for it every call, and
// building the string (and hashing a new one in the plan cache's map) took ~3 us of the seed
// model's ~150 us predict. A key is reused only when everything it is made of is the same.
import type { Tensor } from '../core/tensor.ts';

interface Remembered { backend: string; trained: string; dtypes: string[]; shapes: number[][]; key: string }

export class PlanKeys {
  private readonly last = new Map<string, Remembered>();

  /** `${backend}|${kind}|${dtype[shape]}|...|${trained}`: the same string as before for the same parts. */
  key(backend: string, kind: string, inputs: Tensor[], trained: string): string {
    const known = this.last.get(kind);
    if (known && known.backend === backend && known.trained === trained && sameInputs(known, inputs)) return known.key;
    const key = `${backend}|${kind}|${inputs.map((t) => `${t.dtype}[${t.shape}]`).join('|')}|${trained}`;
    this.last.set(kind, { backend, trained, dtypes: inputs.map((t) => t.dtype), shapes: inputs.map((t) => [...t.shape]), key });
    return key;
  }
}

function sameInputs(known: Remembered, inputs: Tensor[]): boolean {
  if (known.shapes.length !== inputs.length) return false;
  for (let i = 0; i < inputs.length; i++) {
    const shape = inputs[i].shape, before = known.shapes[i];
    if (inputs[i].dtype !== known.dtypes[i] || shape.length !== before.length) return false;
    for (let d = 0; d < shape.length; d++) if (shape[d] !== before[d]) return false;
  }
  return true;
}

/** Whether two lists of shapes agree on every axis but the batch axis. */
export function sameBatchFree(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false;
    for (let d = 1; d < a[i].length; d++) if (a[i][d] !== b[i][d]) return false;
  }
  return true;
}
