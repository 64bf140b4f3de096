// BatchNormalization, with Keras 3's semantics: while training it normalizes with the batch's
// statistics and moves the moving mean and variance toward them (in place, by kernels, so a
// compiled step updates them at every replay); in inference, and whenever the layer is frozen
// (trainable = false), it uses the moving statistics.
import { formatShape } from '../core/shape.ts';
import type { Tensor, Variable } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig } from './core.ts';
import { Layer, type CallArgs, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { WeightPenalties, type ConstraintIdentifier, type RegularizerIdentifier } from './regularizers.ts';

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

export class BatchNormalization extends Layer {
  static override readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', InitializerIdentifier>;
  gamma?: Variable;
  beta?: Variable;
  movingMean?: Variable;
  movingVariance?: Variable;
  private channelAxis = -1;
  private readonly penalties: WeightPenalties;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer',
      ...WeightPenalties.options(['beta', 'gamma'])]);
    this.penalties = new WeightPenalties(this.name, args, ['beta', 'gamma']);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!Number.isInteger(this.axis)) throw new Error(`Invalid value for argument 'axis' of layer "${this.name}". Expected an integer. Received axis=${String(args.axis)}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`Invalid value for argument 'momentum' of layer "${this.name}". Expected a number in [0, 1]. Received momentum=${String(args.momentum)}`);
    if (!(this.epsilon > 0)) throw new Error(`Invalid value for argument 'epsilon' of layer "${this.name}". Expected a positive number. Received epsilon=${String(args.epsilon)}`);
    this.inits = {
      beta: args.betaInitializer ?? 'zeros', gamma: args.gammaInitializer ?? 'ones',
      movingMean: args.movingMeanInitializer ?? 'zeros', movingVariance: args.movingVarianceInitializer ?? 'ones',
    };
    for (const id of Object.values(this.inits)) getInitializer(id, `Layer "${this.name}"`);
    this.inputSpec = { minNdim: 1 };
  }

  override build(inputShape: ShapeSpec): void {
    const rank = inputShape.length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    if (axis < 0 || axis >= rank) throw new Error(`Layer "${this.name}": axis ${this.axis} is out of range for an input of shape ${formatShape(inputShape)}`);
    const channels = inputShape[axis];
    if (channels === null) throw new Error(`Layer "${this.name}": the size of axis ${this.axis} must be known to build, got input shape ${formatShape(inputShape)}`);
    this.channelAxis = axis;
    const init = (k: keyof BatchNormalization['inits']) => getInitializer(this.inits[k], this.name);
    // Keras's order: gamma, beta, moving_mean, moving_variance.
    if (this.scale) this.gamma = this.penalties.attach('gamma', this.addWeight('gamma', [channels], init('gamma')));
    if (this.center) this.beta = this.penalties.attach('beta', this.addWeight('beta', [channels], init('beta')));
    this.movingMean = this.addWeight('moving_mean', [channels], init('movingMean'), false);
    this.movingVariance = this.addWeight('moving_variance', [channels], init('movingVariance'), false);
    this.inputSpec = { ndim: rank, axes: { [axis]: channels } };
    this.built = true;
  }

  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    // Channels last for the kernels; another axis is moved there and back.
    const last = x.rank - 1;
    const perm = x.shape.map((_, i) => i);
    if (this.channelAxis !== last) [perm[this.channelAxis], perm[last]] = [perm[last], perm[this.channelAxis]];
    const moved = this.channelAxis === last ? x : ops.transpose(x, perm);
    const input = moved.dtype === 'float32' || moved.dtype === 'float64' ? moved : moved.cast('float32');
    let y: Tensor;
    if (training && this.trainable) {
      const stats = ops.batchNormTrain(input, this.gamma ?? null, this.beta ?? null, this.epsilon);
      ops.assignMovingAverage(this.movingMean!, stats.mean, this.momentum);
      ops.assignMovingAverage(this.movingVariance!, stats.variance, this.momentum);
      y = stats.y;
    } else {
      // Inference: one pass of x * scale + shift, the per-channel factors from the moving statistics.
      const scale = ops.div(this.gamma ?? 1, ops.sqrt(ops.add(this.movingVariance!, this.epsilon)));
      const shift = ops.sub(this.beta ?? 0, ops.mul(this.movingMean!, scale));
      y = ops.channelAffine(input, scale, shift);
    }
    return this.channelAxis === last ? y : ops.transpose(y, perm);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: initializerConfig(this.inits.beta), gammaInitializer: initializerConfig(this.inits.gamma),
      movingMeanInitializer: initializerConfig(this.inits.movingMean), movingVarianceInitializer: initializerConfig(this.inits.movingVariance),
      ...this.penalties.config() };
  }
}

registerLayers(BatchNormalization);
