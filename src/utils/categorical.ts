// Keras's keras.utils helpers.
import { Tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';

/**
 * One-hot rows (float32) for integer class labels: shape [...y.shape, numClasses], a trailing
 * axis of 1 dropped first (as Keras's to_categorical). numClasses defaults to max(y) + 1.
 */
export function toCategorical(y: Tensor | readonly number[], numClasses?: number): Tensor {
  const t = y instanceof Tensor ? y : new Tensor(Float64Array.from(y), [y.length]);
  for (let i = 0; i < t.size; i++) {
    const c = t.data[i];
    if (!Number.isInteger(c) || c < 0) throw new Error(`toCategorical: y[${i}] = ${c}; labels must be integers >= 0`);
  }
  let max = -1;
  for (let i = 0; i < t.size; i++) max = Math.max(max, t.data[i]);
  const classes = numClasses ?? max + 1;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  if (max >= classes) throw new Error(`toCategorical: label ${max} is not below numClasses ${classes}; pass a larger numClasses or check the labels`);
  const shape = t.rank > 1 && t.shape[t.rank - 1] === 1 ? t.shape.slice(0, -1) : t.shape;
  const out = new Float32Array(t.size * classes);
  for (let i = 0; i < t.size; i++) out[i * classes + t.data[i]] = 1;
  const result = new Tensor(out, [...shape, classes]);
  if (result.size !== out.length) throw new Error(`toCategorical: internal shape error for ${formatShape(t.shape)}`);
  return result;
}
