// TF.js's tf.signal windows and framing: hannWindow, hammingWindow (periodic, as TF.js's), and
// frame (overlapping frames of the last axis as one gather, so it differentiates and compiles).
import { Tensor, tensor, fill } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { gather } from './indexing.ts';
import { concat } from './concat.ts';

/**
 * TF.js's cosine window a - b cos(2 pi i / (length + even - 1)), even = 1 for even lengths (so
 * periodic for even lengths, symmetric for odd ones, as TF.js computes it). Length 1 gives [1],
 * as TensorFlow's; TF.js divides 0 by 0 there and returns [NaN].
 */
function cosineWindow(what: string, length: number, a: number, b: number): Tensor {
  if (!Number.isInteger(length) || length < 1) throw new Error(`signal.${what}: windowLength must be a positive integer, got ${length}`);
  if (length === 1) return tensor([1], [1]);
  const even = 1 - (length % 2);
  return tensor(Array.from({ length }, (_, i) => a - b * Math.cos((2 * Math.PI * i) / (length + even - 1))), [length]);
}

/** TF.js's tf.signal.hannWindow(windowLength). */
export const hannWindow = (windowLength: number): Tensor => cosineWindow('hannWindow', windowLength, 0.5, 0.5);
/** TF.js's tf.signal.hammingWindow(windowLength). */
export const hammingWindow = (windowLength: number): Tensor => cosineWindow('hammingWindow', windowLength, 0.54, 0.46);

/**
 * TF.js's tf.signal.frame(signal, frameLength, frameStep, padEnd = false, padValue = 0): frames
 * [numFrames, frameLength] of a vector, each frameStep after the last; with padEnd, frames
 * until one starts past the end, padded with padValue.
 */
export function frame(signal: Tensor, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  const what = 'signal.frame';
  if (!(signal instanceof Tensor)) throw new Error(`${what}: signal must be a Tensor, got ${typeof signal}`);
  if (signal.rank !== 1) throw new Error(`${what}: signal must be a vector (TF.js frames 1-D signals), got shape ${formatShape(signal.shape)}`);
  for (const [name, v] of [['frameLength', frameLength], ['frameStep', frameStep]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  if (typeof padEnd !== 'boolean') throw new Error(`${what}: padEnd must be a boolean, got ${JSON.stringify(padEnd)}`);
  if (typeof padValue !== 'number') throw new Error(`${what}: padValue must be a number, got ${typeof padValue}`);
  const n = signal.size;
  const frames = padEnd ? Math.ceil(n / frameStep) : n < frameLength ? 0 : Math.floor((n - frameLength) / frameStep) + 1;
  const need = frames === 0 ? n : (frames - 1) * frameStep + frameLength;
  const source = need > n ? concat([signal, fill([need - n], padValue, signal.dtype)], 0) : signal;
  const idx = Int32Array.from({ length: frames * frameLength }, (_, i) => Math.floor(i / frameLength) * frameStep + (i % frameLength));
  return gather(source, tensor(idx, [frames, frameLength], 'int32'));
}
