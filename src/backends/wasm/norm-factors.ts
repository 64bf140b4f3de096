// Inference BatchNormalization's factors on wasm (assembly/norm-factors.ts): one call on the
// calling thread (a few hundred channels), float32 only; anything else runs the reference.
import type { TypedArray } from '../../core/dtype.ts';
import { batchNormFactors as reference } from '../js/norm-factors.ts';
import type { WasmBackend } from './index.ts';

export function batchNormFactors(be: WasmBackend, variance: TypedArray, epsilon: TypedArray, gamma: TypedArray, mean: TypedArray, beta: TypedArray, scale: TypedArray, shift: TypedArray, channels: number): void {
  const arrays = [variance, epsilon, gamma, mean, beta, scale, shift];
  if (!arrays.every((a) => a instanceof Float32Array)) return reference(variance, epsilon, gamma, mean, beta, scale, shift, channels);
  const one = (a: TypedArray, bit: number): number => (a.length === 1 && channels > 1 ? bit : 0);
  const broadcast = one(epsilon, 1) | one(gamma, 2) | one(beta, 4);
  be.inWasm(arrays.slice(0, 5) as Float32Array[], [scale, shift] as Float32Array[], ([pv, pe, pg, pm, pb], [ps, pd]) => {
    be.mem.exports.batchNormFactors(pv, pe, pg, pm, pb, ps, pd, channels, broadcast);
  });
}
