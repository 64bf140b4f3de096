// The wasm backend's optimizer updates (assembly/optimizers.ts): weights and slots change in
// place, so they must already live in wasm memory (a plan's or a model's weights do); anything
// else, or not float32, goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import * as ref from '../js/nn.ts';
import * as refOpt from '../js/optimizers.ts';
import type { WasmBackend } from './index.ts';
import { elementChunk } from './split-policy.ts';

type Buf = Float32Array;
/** Switch for before/after measurements: Adam's update split between threads (else one call on the calling thread). */
export const optimizerTuning = { parallelAdam: true };
const f32 = (...xs: TypedArray[]): boolean => xs.every((x) => x instanceof Float32Array);

/**
 * Runs update kernel `name`: `updated` arrays change in place (else `reference` runs), then the
 * gradient, the length and the scalars.
 */
function updateInPlace(b: WasmBackend, name: string, updated: TypedArray[], g: TypedArray, scalars: number[], reference: () => void): void {
  if (!f32(g, ...updated) || !updated.every((a) => b.mem.owns(a))) return reference();
  b.inWasm([g as Buf], [], ([pg]) => b.mem.exports[name](...updated.map((a) => a.byteOffset), pg, updated[0].length, ...scalars));
}

export function adam(b: WasmBackend, w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void {
  // The kernel takes the gradient before the slots; its bias corrections come from the step.
  if (!f32(w, g, m, v) || ![w, m, v].every((a) => b.mem.owns(a))) return ref.adam(w, g, m, v, lr, beta1, beta2, epsilon, step);
  const n = w.length, c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step;
  b.inWasm([g as Buf], [], ([pg]) => {
    // Threads over elements in multiples of 4 (split-policy.ts: small ones on the calling thread,
    // called directly: MobileNet's 41 mostly small weights paid ~5 us each for the scratch and the job).
    const chunk = elementChunk((t, a) => b.chunkOf(t, a), n, 7);
    if (!optimizerTuning.parallelAdam || b.threads === 1 || chunk >= n) return b.mem.exports.adam(w.byteOffset, pg, m.byteOffset, v.byteOffset, n, lr, beta1, beta2, epsilon, c1, c2);
    // The scalars through memory (job arguments reach workers as i32).
    const params = b.scratch(24);
    new Float32Array(b.mem.buffer, params, 6).set([lr, beta1, beta2, epsilon, c1, c2]);
    b.par('adamRange', [w.byteOffset, pg, m.byteOffset, v.byteOffset, params], n, 4, chunk);
  });
}

export function sgd(b: WasmBackend, w: TypedArray, g: TypedArray, velocity: TypedArray | null, lr: number, momentum: number, nesterov: boolean): void {
  const inPlace = [w, ...(velocity ? [velocity] : [])];
  if (!f32(w, g, ...inPlace) || !inPlace.every((a) => b.mem.owns(a))) return ref.sgd(w, g, velocity, lr, momentum, nesterov);
  b.inWasm([g as Buf], [], ([pg]) => b.mem.exports.sgd(w.byteOffset, pg, velocity ? velocity.byteOffset : 0, w.length, lr, momentum, nesterov ? 1 : 0));
}

export function rmsprop(b: WasmBackend, w: TypedArray, g: TypedArray, meanSquare: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, epsilon: number): void {
  const inPlace = [w, meanSquare, ...(moment ? [moment] : [])];
  if (!f32(w, g, ...inPlace) || !inPlace.every((a) => b.mem.owns(a))) return ref.rmsprop(w, g, meanSquare, moment, lr, rho, momentum, epsilon);
  b.inWasm([g as Buf], [], ([pg]) => b.mem.exports.rmsprop(w.byteOffset, pg, meanSquare.byteOffset, moment ? moment.byteOffset : 0, w.length, lr, rho, momentum, epsilon));
}

export function rmspropCentered(b: WasmBackend, w: TypedArray, g: TypedArray, ms: TypedArray, mg: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, eps: number): void {
  const reference = (): void => refOpt.rmspropCentered(w, g, ms, mg, moment, lr, rho, momentum, eps);
  if (!moment) {
    // The kernel reads a null moment as 0; updateInPlace passes byte offsets, so give it a 0 explicitly.
    if (!f32(g, w, ms, mg) || ![w, ms, mg].every((a) => b.mem.owns(a))) return reference();
    return b.inWasm([g as Buf], [], ([pg]) => b.mem.exports.rmspropCentered(w.byteOffset, ms.byteOffset, mg.byteOffset, 0, pg, w.length, lr, rho, momentum, eps));
  }
  updateInPlace(b, 'rmspropCentered', [w, ms, mg, moment], g, [lr, rho, momentum, eps], reference);
}

export const adagrad = (b: WasmBackend, w: TypedArray, g: TypedArray, acc: TypedArray, lr: number, epsilon: number): void =>
  updateInPlace(b, 'adagrad', [w, acc], g, [lr, epsilon], () => refOpt.adagrad(w, g, acc, lr, epsilon));
export const adadelta = (b: WasmBackend, w: TypedArray, g: TypedArray, ag: TypedArray, ad: TypedArray, lr: number, rho: number, epsilon: number): void =>
  updateInPlace(b, 'adadelta', [w, ag, ad], g, [lr, rho, epsilon], () => refOpt.adadelta(w, g, ag, ad, lr, rho, epsilon));
export const adamax = (b: WasmBackend, w: TypedArray, g: TypedArray, m: TypedArray, u: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number): void =>
  updateInPlace(b, 'adamax', [w, m, u], g, [lr, beta1, beta2, epsilon, 1 - beta1 ** step], () => refOpt.adamax(w, g, m, u, lr, beta1, beta2, epsilon, step));
export const nadam = (b: WasmBackend, w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, a: number, c: number, c2: number): void =>
  updateInPlace(b, 'nadam', [w, m, v], g, [lr, beta1, beta2, epsilon, a, c, c2], () => refOpt.nadam(w, g, m, v, lr, beta1, beta2, epsilon, a, c, c2));
export const lion = (b: WasmBackend, w: TypedArray, g: TypedArray, m: TypedArray, lr: number, beta1: number, beta2: number): void =>
  updateInPlace(b, 'lion', [w, m], g, [lr, beta1, beta2], () => refOpt.lion(w, g, m, lr, beta1, beta2));
export const ftrl = (b: WasmBackend, w: TypedArray, g: TypedArray, acc: TypedArray, lin: TypedArray, lr: number, power: number, l1: number, l2: number, l2s: number): void =>
  updateInPlace(b, 'ftrl', [w, acc, lin], g, [lr, power, l1, l2, l2s], () => refOpt.ftrl(w, g, acc, lin, lr, power, l1, l2, l2s));
export const emaUpdate = (b: WasmBackend, avg: TypedArray, w: TypedArray, momentum: number): void =>
  updateInPlace(b, 'emaUpdate', [avg], w, [momentum], () => refOpt.emaUpdate(avg, w, momentum));
