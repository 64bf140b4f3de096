// TF.js's tf.customGrad (a function whose gradient the user gives) and tf.memory (what deeptype
// can count of its memory). customGrad records one tape entry whose rule is the user's
// gradFunc; its ops run when the backward pass does, so a compiled step traces them like any.
import { backend, noGrad, planMemoryOf, record } from '../core/engine.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import { Tensor, liveVariables } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';

export type GradSaveFunc = (save: Tensor[]) => void;
export type CustomGradFunc = (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
export type CustomGradientFunc<T extends Tensor = Tensor> = (...inputs: (Tensor | GradSaveFunc)[]) => { value: T; gradFunc: (dy: T, saved: Tensor[]) => Tensor | Tensor[] };

const WHAT = 'customGrad';

/**
 * TF.js's tf.customGrad(f): f(...inputs, save) returns {value, gradFunc}; the returned function
 * computes value, and its gradient with respect to input i is gradFunc(dy, saved)[i] (dy shaped
 * like value; saved: what f passed to save). f's own ops are not differentiated.
 */
export function customGrad<T extends Tensor = Tensor>(f: CustomGradientFunc<T>): (...inputs: Tensor[]) => T {
  if (typeof f !== 'function') throw new Error(`${WHAT}: f must be a function (...inputs, save) => {value, gradFunc}, got ${typeof f}`);
  return (...inputs: Tensor[]): T => {
    const bad = inputs.findIndex((x) => !(x instanceof Tensor));
    if (bad >= 0) throw new Error(`${WHAT}: every argument of the function must be a Tensor; argument ${bad} is ${typeof inputs[bad]}`);
    let saved: Tensor[] = [];
    const save: GradSaveFunc = (ts) => {
      if (!Array.isArray(ts) || ts.some((t) => !(t instanceof Tensor))) throw new Error(`${WHAT}: save(tensors) takes a list of Tensors`);
      saved = ts;
    };
    const result = noGrad(() => f(...inputs, save));
    if (!result || !(result.value instanceof Tensor)) throw new Error(`${WHAT}: f must return an object {value, gradFunc} whose value is a Tensor, got ${result ? typeof result.value : String(result)}`);
    if (typeof result.gradFunc !== 'function') throw new Error(`${WHAT}: f must return an object {value, gradFunc} whose gradFunc is a function (dy, saved) => gradients, got ${typeof result.gradFunc}`);
    // A tensor of its own (same values): value may be an input, or an op's output read elsewhere.
    const y = new Tensor(result.value.data, result.value.shape) as T;
    record('customGrad', inputs, y, { gradFunc: result.gradFunc as CustomGradFunc }, saved);
    return y;
  };
}

export const customGradGrads: GradTable<'customGrad'> = {
  customGrad: (dy, { inputs, attrs: { gradFunc }, saved }) => {
    const g = gradFunc(dy, saved);
    const list = Array.isArray(g) ? g : [g];
    if (list.length !== inputs.length) throw new Error(`${WHAT}: gradFunc must return one gradient per input of f (${inputs.length}), got ${list.length}`);
    return list.map((gx, i) => {
      if (!(gx instanceof Tensor)) throw new Error(`${WHAT}: gradFunc's gradient ${i} must be a Tensor, got ${gx === null ? 'null' : typeof gx}`);
      if (!shapesEqual(gx.shape, inputs[i].shape)) throw new Error(`${WHAT}: gradFunc's gradient ${i} has shape ${formatShape(gx.shape)}, but input ${i} has shape ${formatShape(inputs[i].shape)}`);
      return gx;
    });
  },
};

export interface MemoryInfo { numTensors: number; numDataBuffers: number; numBytes: number; unreliable: boolean; reasons: string[]; numBytesInWasm?: number }

/**
 * TF.js's tf.memory(), as far as deeptype can count: tensors belong to the garbage collector
 * (dispose and tidy do nothing), so only the live tf.variable()s are counted; `reasons` says so.
 */
export function memory(): MemoryInfo {
  const vars = liveVariables();
  const numBytes = vars.reduce((s, v) => s + v.data.byteLength, 0);
  const reasons = [
    "deeptype's tensors belong to the JavaScript garbage collector (dispose and tidy do nothing), so the tensors ops return are not counted",
    'numTensors, numDataBuffers and numBytes count only the live variables made by tf.variable() (a lower bound; layer and optimizer weights are not among them)',
  ];
  const usage = planMemoryOf(backend())?.usage?.();
  const info: MemoryInfo = { numTensors: vars.length, numDataBuffers: vars.length, numBytes, unreliable: true, reasons };
  if (usage) {
    info.numBytesInWasm = usage.used;
    reasons.push("numBytesInWasm: the wasm backend's memory in use (weights moved in, compiled plans' workspace); wasm memory never shrinks");
  }
  return info;
}
