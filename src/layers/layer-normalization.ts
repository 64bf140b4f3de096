// Normalization without running state: LayerNormalization and GroupNormalization (Keras 3's
// formulas: (x - mean) / sqrt(variance + epsilon) * gamma + beta, statistics per sample).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { finiteNumber, invalid } from './args.ts';
import { initializerConfig } from './core.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { attachConstraint, attachRegularizer, getConstraint, getRegularizer, objectConfig, type Constraint, type ConstraintIdentifier, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';
import type { Variable } from '../core/tensor.ts';

const float = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));

/** Mean and (biased) variance over axes, kept; summed one axis at a time so no transpose is needed. */
function moments(x: Tensor, axes: number[]): [Tensor, Tensor] {
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const sumOver = (t: Tensor): Tensor => [...axes].sort((a, b) => b - a).reduce((s, a) => ops.sum(s, a, true), t);
  const mean = ops.div(sumOver(x), count);
  const centered = ops.sub(x, mean);
  return [centered, ops.div(sumOver(ops.square(centered)), count)];
}

interface AffineArgs extends LayerArgs {
  epsilon?: number; center?: boolean; scale?: boolean;
  betaInitializer?: InitializerIdentifier; gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null; gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null; gammaConstraint?: ConstraintIdentifier | null;
}
const AFFINE_OPTIONS = ['epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint'];

/** The learned per-feature scale (gamma) and offset (beta) both layers share. */
abstract class AffineNormalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  protected readonly betaInitializer: InitializerIdentifier;
  protected readonly gammaInitializer: InitializerIdentifier;
  private readonly penalties: Record<'betaRegularizer' | 'gammaRegularizer', Regularizer | null> & Record<'betaConstraint' | 'gammaConstraint', Constraint | null>;
  gamma?: Tensor;
  beta?: Tensor;
  constructor(args: AffineArgs, extra: string[]) {
    super(args);
    checkOptions(this.name, args, [...AFFINE_OPTIONS, ...extra]);
    this.epsilon = finiteNumber(this.name, 'epsilon', args.epsilon ?? 1e-3, { min: 0, minExclusive: true });
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    for (const id of [this.betaInitializer, this.gammaInitializer]) getInitializer(id, `Layer "${this.name}"`);
    const where = (arg: string): string => `Layer "${this.name}": ${arg}`;
    this.penalties = {
      betaRegularizer: getRegularizer(args.betaRegularizer, where('betaRegularizer')), gammaRegularizer: getRegularizer(args.gammaRegularizer, where('gammaRegularizer')),
      betaConstraint: getConstraint(args.betaConstraint, where('betaConstraint')), gammaConstraint: getConstraint(args.gammaConstraint, where('gammaConstraint')),
    };
  }
  protected addAffine(shape: number[]): void {
    if (this.scale) {
      const gamma = this.gamma = this.addWeight('gamma', shape, getInitializer(this.gammaInitializer, this.name));
      attachRegularizer(gamma as Variable, this.penalties.gammaRegularizer); attachConstraint(gamma as Variable, this.penalties.gammaConstraint);
    }
    if (this.center) {
      const beta = this.beta = this.addWeight('beta', shape, getInitializer(this.betaInitializer, this.name));
      attachRegularizer(beta as Variable, this.penalties.betaRegularizer); attachConstraint(beta as Variable, this.penalties.betaConstraint);
    }
  }
  protected affine(y: Tensor, shape: number[]): Tensor {
    if (this.gamma) y = ops.mul(y, ops.reshape(this.gamma, shape));
    if (this.beta) y = ops.add(y, ops.reshape(this.beta, shape));
    return y;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: initializerConfig(this.betaInitializer), gammaInitializer: initializerConfig(this.gammaInitializer),
      ...Object.fromEntries(Object.entries(this.penalties).map(([k, v]) => [k, objectConfig(v)])) };
  }
}

export interface LayerNormalizationArgs extends AffineArgs { axis?: number | number[] }

export class LayerNormalization extends AffineNormalization {
  static override readonly className = 'LayerNormalization';
  readonly axis: number | number[];
  private axes: number[] = [];
  constructor(args: LayerNormalizationArgs = {}) {
    super(args, ['axis']);
    const axis = args.axis ?? -1;
    if (!(Number.isInteger(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(Number.isInteger)))) throw invalid(this.name, 'axis', 'an integer axis or a list of them', axis);
    this.axis = axis;
  }
  override build(inputShape: ShapeSpec): void {
    const rank = inputShape.length;
    const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => a < 1 || a >= rank)) throw new Error(`Layer "${this.name}": axis ${JSON.stringify(this.axis)} is not a feature axis of input shape ${formatShape(inputShape)}`);
    this.axes = [...new Set(axes)].sort((a, b) => a - b);
    const shape = this.axes.map((a) => inputShape[a]);
    if (shape.some((d) => d === null)) throw new Error(`Layer "${this.name}": the normalized axes must be known to build, got ${formatShape(inputShape)}`);
    this.addAffine(shape as number[]);
    this.built = true;
  }
  call(x: Tensor): Tensor {
    const [centered, variance] = moments(float(x), this.axes);
    const y = ops.div(centered, ops.sqrt(ops.add(variance, this.epsilon)));
    return this.affine(y, x.shape.map((d, i) => (this.axes.includes(i) ? d : 1)));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}

export interface GroupNormalizationArgs extends AffineArgs { groups?: number; axis?: number }

/** Statistics per sample and per group of groups = channels / g consecutive channels (Wu and He 2018). */
export class GroupNormalization extends AffineNormalization {
  static override readonly className = 'GroupNormalization';
  readonly groups: number;
  readonly axis: number;
  constructor(args: GroupNormalizationArgs = {}) {
    super(args, ['groups', 'axis']);
    const groups = args.groups ?? 32;
    if (!Number.isInteger(groups) || groups < 1) throw invalid(this.name, 'groups', 'a positive integer', groups);
    this.groups = groups;
    this.axis = args.axis ?? -1;
    if (this.axis !== -1) throw invalid(this.name, 'axis', '-1 (channels-last; other axes are not supported yet)', this.axis);
  }
  override build(inputShape: ShapeSpec): void {
    const channels = inputShape[inputShape.length - 1];
    if (channels === null || inputShape.length < 2) throw new Error(`Layer "${this.name}": the channel axis must be known to build, got ${formatShape(inputShape)}`);
    if (channels % this.groups !== 0) {
      throw new Error(`Layer "${this.name}": groups=${this.groups} must divide the number of channels (${channels}) of input shape ${formatShape(inputShape)}: use a divisor of ${channels}`);
    }
    this.addAffine([channels]);
    this.inputSpec = { minNdim: 2, axes: { [-1]: channels } };
    this.built = true;
  }
  call(x: Tensor): Tensor {
    const n = x.shape[0], c = x.shape[x.rank - 1], spatial = x.size / (n * c);
    const grouped = ops.reshape(float(x), [n, spatial, this.groups, c / this.groups]);
    const [centered, variance] = moments(grouped, [1, 3]);
    const y = ops.reshape(ops.div(centered, ops.sqrt(ops.add(variance, this.epsilon))), x.shape);
    return this.affine(y, x.shape.map((d, i) => (i === x.rank - 1 ? d : 1)));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), groups: this.groups, axis: this.axis }; }
}

registerLayers(LayerNormalization, GroupNormalization);
