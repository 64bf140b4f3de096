// Weight work done once: the calls of an inference plan that read only weights and constants
// (BatchNormalization's fold into the convolution before it, its factors, a kernel transformed
// for Winograd or packed for the direct kernels) move to a prologue at the plan's head. The
// plan replays the prologue only when a weight may have changed (core/engine.ts's
// weightGeneration: every access to a Variable's values moves it) or when the workspace that
// holds its outputs may have been overwritten (another plan ran, a trace took the space), and
// its outputs get buffers of their own for the plan's whole run. Everything is still computed
// by kernels, in the same order per value: the answer is the same bit for bit.
import type { TypedArray } from '../core/dtype.ts';
import { KERNEL_OUTPUTS, type Backend, type ConvInfo, type PoolInfo } from '../backends/backend.ts';
import { isArray, newBuffer, type Call } from './fusion-tools.ts';

/** Switches (tests, benchmarks): off, plans traced afterwards redo all weight work every run. */
export const weightCacheTuning = { enabled: true };

/** The convolution kernels that can read prepared weights: where their geometry is, and their two optional arguments (prepared, form). */
const PREPARED_AT: Partial<Record<Call['kernel'], { info: number; prepared: number }>> = {
  conv2d: { info: 4, prepared: 5 }, conv2dActivation: { info: 4, prepared: 6 }, conv2dResidual: { info: 5, prepared: 7 }, conv2dMaxPool: { info: 5, prepared: 7 },
};

export interface Split { calls: Call[]; prologue: number; hoisted: Set<TypedArray> }

/**
 * Reorders `calls` as [prologue..., rest...]. `weights`: the model's Variables' arrays (used in
 * place); `kept`: every array the plan must not place (weights, state); `inputs`, `results`:
 * the step's. A call joins the prologue when every array it reads is a weight no call writes,
 * a constant (written by no call) or a prologue output, and each array it writes is a buffer of
 * the plan that no other call writes (never a weight, state, input or result).
 */
export function splitPrologue(target: Backend, calls: Call[], weights: Set<TypedArray>, kept: (a: TypedArray) => boolean, inputs: TypedArray[], results: Set<TypedArray>): Split {
  const writers = new Map<TypedArray, number>();
  for (const { kernel, args } of calls) {
    for (const j of KERNEL_OUTPUTS[kernel]) { const a = args[j]; if (isArray(a)) writers.set(a, (writers.get(a) ?? 0) + 1); }
  }
  const inputSet = new Set(inputs);
  const hoisted = new Set<TypedArray>();
  const invariant = (a: TypedArray): boolean =>
    hoisted.has(a) || (!writers.has(a) && !inputSet.has(a) && (weights.has(a) || !kept(a)));
  const ownOutput = (a: unknown): boolean =>
    isArray(a) && writers.get(a) === 1 && !kept(a) && !inputSet.has(a) && !results.has(a);
  const prologue: Call[] = [], rest: Call[] = [];
  for (const call of calls) {
    const outs = KERNEL_OUTPUTS[call.kernel];
    const reads = call.args.filter((a, j): a is TypedArray => isArray(a) && !outs.includes(j));
    const hoist = outs.length > 0 && outs.every((j) => ownOutput(call.args[j])) && reads.every(invariant);
    if (hoist) { prologue.push(call); for (const j of outs) hoisted.add(call.args[j] as TypedArray); } else rest.push(call);
  }
  // Convolutions whose kernel is invariant read it prepared once (where the backend has a form for it).
  const prepared: Call[] = [];
  const body = rest.map((call) => {
    const at = PREPARED_AT[call.kernel];
    const w = call.args[1];
    if (at === undefined || !target.preparedConvWeights || !isArray(w) || !invariant(w) || !(w instanceof Float32Array)) return call;
    const info = call.args[at.info] as ConvInfo;
    const pool = call.kernel === 'conv2dMaxPool' ? call.args[6] as PoolInfo : null;
    const form = target.preparedConvWeights(call.kernel, info, pool);
    if (!form) return call;
    const buffer = newBuffer(w, form.floats);
    prepared.push({ kernel: 'prepareConvWeights', args: [w, buffer, info, form.form] });
    hoisted.add(buffer);
    const args = [...call.args];
    while (args.length < at.prepared) args.push(null);
    args.splice(at.prepared, 2, buffer, form.form);
    return { kernel: call.kernel, args };
  });
  return { calls: [...prologue, ...prepared, ...body], prologue: prologue.length + prepared.length, hoisted };
}
