// TF.js's tf.math namespace: confusionMatrix.
import { Tensor, tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { bincount } from './misc-tfjs.ts';
import { cast, reshape } from './layout.ts';

/**
 * TF.js's tf.math.confusionMatrix(labels, predictions, numClasses): [numClasses, numClasses]
 * int32 counts, row = true label, column = prediction. A class outside [0, numClasses) is an
 * error (TF.js leaves it out of the counts silently).
 */
export function confusionMatrix(labels: Tensor, predictions: Tensor, numClasses: number): Tensor {
  const what = 'math.confusionMatrix';
  for (const [name, t] of [['labels', labels], ['predictions', predictions]] as const) {
    if (!(t instanceof Tensor) || t.rank !== 1) throw new Error(`${what}: ${name} must be a vector of class indices, got ${t instanceof Tensor ? formatShape(t.shape) : typeof t}`);
    if (t.dtype !== 'int32') throw new Error(`${what}: ${name} must be int32, got ${t.dtype}`);
  }
  if (labels.size !== predictions.size) throw new Error(`${what}: labels (${labels.size}) and predictions (${predictions.size}) must have one length`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`${what}: numClasses must be a positive integer, got ${numClasses}`);
  for (const [name, t] of [['labels', labels], ['predictions', predictions]] as const) {
    const bad = t.data.findIndex((c) => c < 0 || c >= numClasses);
    if (bad >= 0) throw new Error(`${what}: ${name}[${bad}] is ${t.data[bad]}, outside [0, ${numClasses})`);
  }
  const cells = tensor(Int32Array.from(labels.data, (l, i) => l * numClasses + predictions.data[i]), [labels.size], 'int32');
  return cast(reshape(bincount(cells, tensor([], [0]), numClasses * numClasses), [numClasses, numClasses]), 'int32');
}
