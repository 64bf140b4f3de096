// Keras's regression, probabilistic, hinge and similarity losses, each mean (or sum) over the
// last axis per sample, as Keras's functions of the same names.
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { numberOption } from './option-values.ts';
import { EPSILON, Loss, axisOf, checkAxis, checkLossOptions, meanLast, sameShape, softplus, sumLast, type LossArgs } from './loss-base.ts';

/** A loss that is meanLast/sumLast of an element-wise formula of (yTrue, yPred). */
abstract class ElementwiseLoss extends Loss {
  protected abstract readonly className: string;
  protected abstract elements(t: Tensor, p: Tensor): Tensor;
  protected reduceLast(x: Tensor): Tensor { return meanLast(x); }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.reduceLast(this.elements(sameShape(this.className, yTrue, yPred), yPred));
  }
}

export class MeanSquaredError extends ElementwiseLoss {
  protected readonly className = 'MeanSquaredError';
  constructor(args: LossArgs = {}) { checkLossOptions('MeanSquaredError', args, []); super(args, 'mean_squared_error'); }
  protected elements(t: Tensor, p: Tensor): Tensor { return ops.square(ops.sub(p, t)); }
}

export class MeanAbsoluteError extends ElementwiseLoss {
  protected readonly className = 'MeanAbsoluteError';
  constructor(args: LossArgs = {}) { checkLossOptions('MeanAbsoluteError', args, []); super(args, 'mean_absolute_error'); }
  protected elements(t: Tensor, p: Tensor): Tensor { return ops.abs(ops.sub(p, t)); }
}

/** 100 |y - p| / max(|y|, eps). */
export class MeanAbsolutePercentageError extends ElementwiseLoss {
  protected readonly className = 'MeanAbsolutePercentageError';
  constructor(args: LossArgs = {}) { checkLossOptions('MeanAbsolutePercentageError', args, []); super(args, 'mean_absolute_percentage_error'); }
  protected elements(t: Tensor, p: Tensor): Tensor {
    return ops.mul(ops.abs(ops.div(ops.sub(t, p), ops.maximum(ops.abs(t), EPSILON))), 100);
  }
}

/** (log(max(p, eps) + 1) - log(max(y, eps) + 1))^2. */
export class MeanSquaredLogarithmicError extends ElementwiseLoss {
  protected readonly className = 'MeanSquaredLogarithmicError';
  constructor(args: LossArgs = {}) { checkLossOptions('MeanSquaredLogarithmicError', args, []); super(args, 'mean_squared_logarithmic_error'); }
  protected elements(t: Tensor, p: Tensor): Tensor {
    const lp = ops.log(ops.add(ops.maximum(p, EPSILON), 1)), lt = ops.log(ops.add(ops.maximum(t, EPSILON), 1));
    return ops.square(ops.sub(lp, lt));
  }
}

/** 0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2. */
export class Huber extends ElementwiseLoss {
  protected readonly className = 'Huber';
  readonly delta: number;
  constructor(args: LossArgs & { delta?: number } = {}) {
    checkLossOptions('Huber', args, ['delta']);
    super(args, 'huber_loss');
    this.delta = numberOption('Huber', 'delta', args.delta, 1, (d) => d > 0, 'a positive number');
  }
  protected elements(t: Tensor, p: Tensor): Tensor {
    const e = ops.abs(ops.sub(p, t));
    // min(|e|, delta) splits the error: 0.5 q^2 + delta (|e| - q) equals both branches.
    const q = ops.minimum(e, this.delta);
    return ops.add(ops.mul(ops.square(q), 0.5), ops.mul(ops.sub(e, q), this.delta));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), delta: this.delta }; }
}

/** log(cosh(p - y)), as x + softplus(-2x) - log 2 (no overflow for large errors). */
export class LogCosh extends ElementwiseLoss {
  protected readonly className = 'LogCosh';
  constructor(args: LossArgs = {}) { checkLossOptions('LogCosh', args, []); super(args, 'log_cosh'); }
  protected elements(t: Tensor, p: Tensor): Tensor {
    const x = ops.sub(p, t);
    return ops.sub(ops.add(x, softplus(ops.mul(x, -2))), Math.LN2);
  }
}

/** sum y log(y / p), both clipped to [eps, 1]. */
export class KLDivergence extends ElementwiseLoss {
  protected readonly className = 'KLDivergence';
  constructor(args: LossArgs = {}) { checkLossOptions('KLDivergence', args, []); super(args, 'kl_divergence'); }
  protected override reduceLast(x: Tensor): Tensor { return sumLast(x); }
  protected elements(t: Tensor, p: Tensor): Tensor {
    const tc = ops.clip(t, EPSILON, 1), pc = ops.clip(p, EPSILON, 1);
    return ops.mul(tc, ops.log(ops.div(tc, pc)));
  }
}

/** p - y log(p + eps). */
export class Poisson extends ElementwiseLoss {
  protected readonly className = 'Poisson';
  constructor(args: LossArgs = {}) { checkLossOptions('Poisson', args, []); super(args, 'poisson'); }
  protected elements(t: Tensor, p: Tensor): Tensor { return ops.sub(p, ops.mul(t, ops.log(ops.add(p, EPSILON)))); }
}

/**
 * Labels in {0, 1} become {-1, 1}, as Keras does when every label is 0 or 1; computed with ops
 * (not in JS) so that a compiled step decides it per batch.
 */
function hingeLabels(t: Tensor): Tensor {
  const isBinary = ops.min(ops.add(ops.equal(t, 0), ops.equal(t, 1)).cast(t.dtype));
  return ops.add(t, ops.mul(isBinary, ops.sub(t, 1)));
}

export class Hinge extends ElementwiseLoss {
  protected readonly className = 'Hinge';
  constructor(args: LossArgs = {}) { checkLossOptions('Hinge', args, []); super(args, 'hinge'); }
  protected elements(t: Tensor, p: Tensor): Tensor { return ops.relu(ops.sub(1, ops.mul(hingeLabels(t), p))); }
}

export class SquaredHinge extends ElementwiseLoss {
  protected readonly className = 'SquaredHinge';
  constructor(args: LossArgs = {}) { checkLossOptions('SquaredHinge', args, []); super(args, 'squared_hinge'); }
  protected elements(t: Tensor, p: Tensor): Tensor { return ops.square(ops.relu(ops.sub(1, ops.mul(hingeLabels(t), p)))); }
}

/** max(0, max((1 - y) p) - sum(y p) + 1). */
export class CategoricalHinge extends Loss {
  constructor(args: LossArgs = {}) { checkLossOptions('CategoricalHinge', args, []); super(args, 'categorical_hinge'); }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = sameShape('CategoricalHinge', yTrue, yPred);
    const pos = sumLast(ops.mul(t, yPred));
    const neg = yPred.rank <= 1 ? ops.mul(ops.sub(1, t), yPred) : ops.max(ops.mul(ops.sub(1, t), yPred), -1);
    return ops.relu(ops.add(ops.sub(neg, pos), 1));
  }
}

/** -sum(normalize(y) normalize(p)) over `axis` (the last by default); normalize = x / sqrt(max(sum x^2, 1e-12)). */
export class CosineSimilarity extends Loss {
  readonly axis: number;
  constructor(args: LossArgs & { axis?: number } = {}) {
    checkLossOptions('CosineSimilarity', args, ['axis']);
    super(args, 'cosine_similarity');
    this.axis = checkAxis('CosineSimilarity', args.axis ?? -1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = sameShape('CosineSimilarity', yTrue, yPred), axis = axisOf('CosineSimilarity', this.axis, yPred);
    const normalize = (x: Tensor): Tensor => ops.div(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis, true), 1e-12)));
    return ops.neg(ops.sum(ops.mul(normalize(t), normalize(yPred)), axis));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}
