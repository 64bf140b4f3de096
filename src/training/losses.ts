// Keras's losses. call() gives one value per sample; apply() their mean (Keras's default
// 'sum_over_batch_size' reduction).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';

export const EPSILON = 1e-7;

export abstract class Loss {
  abstract readonly name: string;
  /** Per-sample losses, shape [batch]. */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;
  apply(yTrue: Tensor, yPred: Tensor): Tensor { return ops.mean(this.call(yTrue, yPred)); }
  getConfig(): Record<string, unknown> { return { name: this.name }; }
}

function checkBatch(loss: string, yTrue: Tensor, yPred: Tensor): void {
  if (yPred.rank < 1 || yTrue.rank < 1 || yTrue.shape[0] !== yPred.shape[0]) {
    throw new Error(`${loss}: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same number of samples`);
  }
}

/** The sparse labels as a flat vector, checked to be class indices of yPred. */
function checkLabels(loss: string, yTrue: Tensor, yPred: Tensor): Tensor {
  checkBatch(loss, yTrue, yPred);
  if (yPred.rank !== 2) throw new Error(`${loss}: y_pred must be [batch, classes], got ${formatShape(yPred.shape)}`);
  if (yTrue.size !== yPred.shape[0]) {
    throw new Error(`${loss}: expected one integer label per sample (shape [${yPred.shape[0]}]), got y_true of shape ${formatShape(yTrue.shape)}`);
  }
  const classes = yPred.shape[1];
  for (const label of yTrue.data) {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`${loss}: received a label value of ${label} which is outside the valid range of [0, ${classes - 1}]`);
    }
  }
  return yTrue.rank === 1 ? yTrue : ops.reshape(yTrue, [-1]);
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly name = 'sparse_categorical_crossentropy';
  readonly fromLogits: boolean;
  constructor({ fromLogits = false }: { fromLogits?: boolean } = {}) { super(); this.fromLogits = fromLogits; }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const labels = checkLabels('SparseCategoricalCrossentropy', yTrue, yPred);
    // As Keras 3 does: when the probabilities came straight out of a softmax, start from its
    // logits instead, one fused and numerically stable op.
    const logits = this.fromLogits ? yPred : ops.softmaxInputOf(yPred);
    if (logits) return ops.sparseSoftmaxCrossEntropy(logits, labels);
    const p = ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
    return ops.neg(ops.sum(ops.mul(ops.oneHot(labels, yPred.shape[1]), ops.log(p)), -1));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), fromLogits: this.fromLogits }; }
}

export class CategoricalCrossentropy extends Loss {
  readonly name = 'categorical_crossentropy';
  readonly fromLogits: boolean;
  constructor({ fromLogits = false }: { fromLogits?: boolean } = {}) { super(); this.fromLogits = fromLogits; }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    checkBatch('CategoricalCrossentropy', yTrue, yPred);
    if (yTrue.shape.join() !== yPred.shape.join()) {
      throw new Error(`CategoricalCrossentropy: y_true ${formatShape(yTrue.shape)} must be one-hot rows of the same shape as y_pred ${formatShape(yPred.shape)}`);
    }
    const logits = this.fromLogits ? yPred : ops.softmaxInputOf(yPred);
    const logP = logits
      ? ops.logSoftmax(logits)
      : ops.log(ops.clip(ops.div(yPred, ops.sum(yPred, -1, true)), EPSILON, 1 - EPSILON));
    return ops.neg(ops.sum(ops.mul(yTrue.cast(logP.dtype), logP), -1));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), fromLogits: this.fromLogits }; }
}

export class MeanSquaredError extends Loss {
  readonly name = 'mean_squared_error';
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    checkBatch('MeanSquaredError', yTrue, yPred);
    // As Keras does: targets [N] for outputs [N, 1] (or the other way round) are matched by
    // rank; any other difference is an error, never a broadcast ([N] - [N, 1] would be [N, N]).
    if (yTrue.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) yTrue = ops.expandDims(yTrue, -1);
    else if (yPred.rank === yTrue.rank - 1 && yTrue.shape[yTrue.rank - 1] === 1) yTrue = ops.squeeze(yTrue, -1);
    if (yTrue.shape.join() !== yPred.shape.join()) {
      throw new Error(`MeanSquaredError: y_true ${formatShape(yTrue.shape)} and y_pred ${formatShape(yPred.shape)} must have the same shape (targets of a model's outputs, one per output unit)`);
    }
    const d = ops.square(ops.sub(yPred, yTrue));
    return d.rank <= 1 ? d : ops.mean(d, d.shape.slice(1).map((_, i) => i + 1));
  }
}

const LOSSES: Record<string, () => Loss> = {
  sparse_categorical_crossentropy: () => new SparseCategoricalCrossentropy(),
  categorical_crossentropy: () => new CategoricalCrossentropy(),
  mean_squared_error: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError(),
};

const toSnake = (s: string): string => s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** A Loss, or its name in Keras's ('sparse_categorical_crossentropy') or camelCase spelling. */
export function getLoss(id: Loss | string): Loss {
  if (id instanceof Loss) return id;
  const make = typeof id === 'string' ? LOSSES[toSnake(id)] : undefined;
  if (!make) throw new Error(`compile: unknown loss '${String(id)}', expected a Loss or one of ${Object.keys(LOSSES).join(', ')}`);
  return make();
}
