// Inference BatchNormalization's per-channel factors in one kernel call. A compiled plan runs
// this in place of the five element-wise calls the layer makes (compile/fusions-bn-factors.ts):
// every batch-1 predict recomputes them from the live statistics, and five calls on a few
// hundred floats cost five times the call overhead. The wasm backend runs this same loop (on
// arrays in its memory): a few hundred channels are not worth a kernel of their own.
import type { TypedArray } from '../../core/dtype.ts';

/** One value of a broadcast operand (length 1) or of a per-channel one. */
const at = (a: TypedArray, c: number): number => (a.length === 1 ? a[0] : a[c]);
const exact = (v: number): number => v;

/**
 * scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale, each of the five steps
 * rounded to the outputs' precision as the unfused ops round theirs: float32 add, sqrt, divide
 * and multiply, done in float64 and rounded once, give the correctly rounded float32 result, so
 * the factors equal the unfused calls' bit for bit (on both backends).
 */
export function bnInferenceFactors(variance: TypedArray, epsilon: TypedArray, gamma: TypedArray, mean: TypedArray, beta: TypedArray, scale: TypedArray, shift: TypedArray, channels: number): void {
  const round = scale instanceof Float32Array ? Math.fround : exact;
  for (let c = 0; c < channels; c++) {
    const root = round(Math.sqrt(round(variance[c] + at(epsilon, c))));
    const k = round(at(gamma, c) / root);
    scale[c] = k;
    shift[c] = round(at(beta, c) - round(mean[c] * k));
  }
}
