// Inference BatchNormalization's factors on wasm (assembly/norm-factors.ts): one call on the
// calling thread (a few hundred channels), float32 only; anything else runs the reference.
import type { TypedArray } from '../../core/dtype.ts';
import { bnInferenceFactors as reference } from '../js/norm-factors.ts';
import type { WasmBackend } from './index.ts';

export function bnInferenceFactors(be: WasmBackend, variance: TypedArray, epsilon: TypedArray, gamma: TypedArray, mean: TypedArray, beta: TypedArray, scale: TypedArray, shift: TypedArray, channels: number): void {
  const arrays = [variance, epsilon, gamma, mean, beta, scale, shift];
  if (!arrays.every((a) => a instanceof Float32Array)) return reference(variance, epsilon, gamma, mean, beta, scale, shift, channels);
  const broadcast = (epsilon.length === 1 && channels > 1 ? 1 : 0) | (gamma.length === 1 && channels > 1 ? 2 : 0) | (beta.length === 1 && channels > 1 ? 4 : 0);
  // A plan's buffers are in wasm memory already: the kernel called straight on their offsets
  // (its whole work is ~100 ns; inWasm's copies-in-case would triple the call).
  if (arrays.every((a) => be.mem.owns(a))) {
    be.mem.exports.bnInferenceFactors(variance.byteOffset, epsilon.byteOffset, gamma.byteOffset, mean.byteOffset, beta.byteOffset, scale.byteOffset, shift.byteOffset, channels, broadcast);
    return;
  }
  be.inWasm(arrays.slice(0, 5) as Float32Array[], [scale, shift] as Float32Array[], (ins, outs) => {
    be.mem.exports.bnInferenceFactors(ins[0], ins[1], ins[2], ins[3], ins[4], outs[0], outs[1], channels, broadcast);
  });
}
