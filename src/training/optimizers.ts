// Optimizers with Keras's names and defaults. Updates run as backend kernels, in place on
// each variable's values and its slots (moments), which are created on first use. The common
// options (clipping, weight decay, moving averages, schedules) live in optimizer-base.ts.
import { backend } from '../core/engine.ts';
import type { TypedArray } from '../core/dtype.ts';
import { InverseTimeDecay } from './schedules.ts';
import { Optimizer, booleanOption, checkOptimizerOptions, learningRateFromConfig, numberOption, type OptimizerArgs } from './optimizer-base.ts';

export { Optimizer, type OptimizerArgs } from './optimizer-base.ts';

export interface AdamArgs extends OptimizerArgs { beta1?: number; beta2?: number; epsilon?: number }

/**
 * Adam (Kingma & Ba), bias-corrected moments; epsilon is added to the corrected second
 * moment's root, as TensorFlow.js does.
 */
export class Adam extends Optimizer {
  readonly name: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: AdamArgs = {}) {
    const where = new.target.name;
    checkOptimizerOptions(where, args, ['beta1', 'beta2', 'epsilon']);
    super(args, 0.001);
    // beta = 1 zeroes the bias correction 1 - beta^t (a division by 0).
    this.beta1 = numberOption(where, 'beta1', args.beta1, 0.9, '[0, 1)');
    this.beta2 = numberOption(where, 'beta2', args.beta2, 0.999, '[0, 1)');
    this.epsilon = numberOption(where, 'epsilon', args.epsilon, 1e-7, '>= 0');
  }
  protected slotNames(): string[] { return ['m', 'v']; }
  protected update(w: TypedArray, g: TypedArray, [m, v]: TypedArray[], step: number, lr: number): void {
    backend().adam(w, g, m, v, lr, this.beta1, this.beta2, this.epsilon, step);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * AdamW: Keras 3's Adam (epsilon added to the root of the uncorrected second moment) with
 * decoupled weight decay, 0.004 by default.
 */
export class AdamW extends Adam {
  override readonly name = 'AdamW';
  constructor(args: AdamArgs = {}) { super({ weightDecay: 0.004, ...args }); }
  protected override update(w: TypedArray, g: TypedArray, [m, v]: TypedArray[], step: number, lr: number): void {
    // lr sqrt(c2) / c1 * m / (sqrt(v) + eps) is the Adam kernel's form with epsilon / sqrt(c2).
    backend().adam(w, g, m, v, lr, this.beta1, this.beta2, this.epsilon / Math.sqrt(1 - this.beta2 ** step), step);
  }
}

export interface SGDArgs extends OptimizerArgs { momentum?: number; nesterov?: boolean }

export class SGD extends Optimizer {
  readonly name = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: SGDArgs = {}) {
    checkOptimizerOptions('SGD', args, ['momentum', 'nesterov']);
    super(args, 0.01);
    this.momentum = numberOption('SGD', 'momentum', args.momentum, 0, '[0, 1]');
    this.nesterov = booleanOption('SGD', 'nesterov', args.nesterov, false);
  }
  protected slotNames(): string[] { return this.momentum > 0 ? ['momentum'] : []; }
  protected update(w: TypedArray, g: TypedArray, [velocity]: TypedArray[], _step: number, lr: number): void {
    backend().sgd(w, g, velocity ?? null, lr, this.momentum, this.nesterov);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov }; }
}

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number; momentum?: number; epsilon?: number;
  /** Divide by the variance (second moment minus squared mean gradient) instead of the second moment. */
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly name = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: RMSpropArgs = {}) {
    checkOptimizerOptions('RMSprop', args, ['rho', 'momentum', 'epsilon', 'centered']);
    super(args, 0.001);
    this.rho = numberOption('RMSprop', 'rho', args.rho, 0.9, '[0, 1]');
    this.momentum = numberOption('RMSprop', 'momentum', args.momentum, 0, '[0, 1]');
    this.epsilon = numberOption('RMSprop', 'epsilon', args.epsilon, 1e-7, '>= 0');
    this.centered = booleanOption('RMSprop', 'centered', args.centered, false);
  }
  protected slotNames(): string[] { return [...(this.momentum > 0 ? ['rms', 'momentum'] : ['rms']), ...(this.centered ? ['mg'] : [])]; }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[], _step: number, lr: number): void {
    const [ms] = slots, mom = this.momentum > 0 ? slots[1] : null;
    if (this.centered) backend().rmspropCentered(w, g, ms, slots[slots.length - 1], mom, lr, this.rho, this.momentum, this.epsilon);
    else backend().rmsprop(w, g, ms, mom, lr, this.rho, this.momentum, this.epsilon);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered }; }
}

export interface AdagradArgs extends OptimizerArgs { initialAccumulatorValue?: number; epsilon?: number }

/** acc += g^2; w -= lr g / sqrt(acc + eps); acc starts at 0.1. */
export class Adagrad extends Optimizer {
  readonly name = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(args: AdagradArgs = {}) {
    checkOptimizerOptions('Adagrad', args, ['initialAccumulatorValue', 'epsilon']);
    super(args, 0.001);
    this.initialAccumulatorValue = numberOption('Adagrad', 'initialAccumulatorValue', args.initialAccumulatorValue, 0.1, '>= 0');
    this.epsilon = numberOption('Adagrad', 'epsilon', args.epsilon, 1e-7, '>= 0');
  }
  protected slotNames(): string[] { return ['accumulator']; }
  protected override initialSlotValue(): number { return this.initialAccumulatorValue; }
  protected update(w: TypedArray, g: TypedArray, [acc]: TypedArray[], _step: number, lr: number): void {
    backend().adagrad(w, g, acc, lr, this.epsilon);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon }; }
}

export interface AdadeltaArgs extends OptimizerArgs { rho?: number; epsilon?: number }

export class Adadelta extends Optimizer {
  readonly name = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  constructor(args: AdadeltaArgs = {}) {
    checkOptimizerOptions('Adadelta', args, ['rho', 'epsilon']);
    super(args, 0.001);
    this.rho = numberOption('Adadelta', 'rho', args.rho, 0.95, '[0, 1]');
    this.epsilon = numberOption('Adadelta', 'epsilon', args.epsilon, 1e-7, '>= 0');
  }
  protected slotNames(): string[] { return ['accum_grad', 'accum_var']; }
  protected update(w: TypedArray, g: TypedArray, [ag, av]: TypedArray[], _step: number, lr: number): void {
    backend().adadelta(w, g, ag, av, lr, this.rho, this.epsilon);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon }; }
}

export class Adamax extends Optimizer {
  readonly name = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: AdamArgs = {}) {
    checkOptimizerOptions('Adamax', args, ['beta1', 'beta2', 'epsilon']);
    super(args, 0.001);
    // Only beta1 has a bias correction; beta2 = 1 is the undecayed maximum.
    this.beta1 = numberOption('Adamax', 'beta1', args.beta1, 0.9, '[0, 1)');
    this.beta2 = numberOption('Adamax', 'beta2', args.beta2, 0.999, '[0, 1]');
    this.epsilon = numberOption('Adamax', 'epsilon', args.epsilon, 1e-7, '>= 0');
  }
  protected slotNames(): string[] { return ['m', 'v']; }
  protected update(w: TypedArray, g: TypedArray, [m, u]: TypedArray[], step: number, lr: number): void {
    backend().adamax(w, g, m, u, lr, this.beta1, this.beta2, this.epsilon, step);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
}

/** Nesterov Adam with Keras 3's momentum schedule u_t = beta1 (1 - 0.5 * 0.96^t). */
export class Nadam extends Optimizer {
  readonly name = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** The product of u_1 .. u_t over the steps so far (Keras's _u_product). */
  private uProduct = 1;
  private uProductStep = 0;
  constructor(args: AdamArgs = {}) {
    checkOptimizerOptions('Nadam', args, ['beta1', 'beta2', 'epsilon']);
    super(args, 0.001);
    this.beta1 = numberOption('Nadam', 'beta1', args.beta1, 0.9, '[0, 1)');
    this.beta2 = numberOption('Nadam', 'beta2', args.beta2, 0.999, '[0, 1)');
    this.epsilon = numberOption('Nadam', 'epsilon', args.epsilon, 1e-7, '>= 0');
  }
  private u(t: number): number { return this.beta1 * (1 - 0.5 * 0.96 ** t); }
  protected slotNames(): string[] { return ['m', 'v']; }
  protected update(w: TypedArray, g: TypedArray, [m, v]: TypedArray[], step: number, lr: number): void {
    // The product is a function of the step (recomputed after a restore from saved state).
    if (this.uProductStep !== step) {
      if (this.uProductStep !== step - 1) { this.uProduct = 1; for (let s = 1; s < step; s++) this.uProduct *= this.u(s); }
      this.uProduct *= this.u(step);
      this.uProductStep = step;
    }
    const ut = this.u(step), ut1 = this.u(step + 1), product = this.uProduct;
    backend().nadam(w, g, m, v, lr, this.beta1, this.beta2, this.epsilon, ut1 / (1 - product * ut1), (1 - ut) / (1 - product), 1 - this.beta2 ** step);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
}

export interface LionArgs extends OptimizerArgs { beta1?: number; beta2?: number }

/** w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g (Chen et al., 2023). */
export class Lion extends Optimizer {
  readonly name = 'Lion';
  readonly beta1: number;
  readonly beta2: number;
  constructor(args: LionArgs = {}) {
    checkOptimizerOptions('Lion', args, ['beta1', 'beta2']);
    super(args, 0.001);
    this.beta1 = numberOption('Lion', 'beta1', args.beta1, 0.9, '(0, 1]');
    this.beta2 = numberOption('Lion', 'beta2', args.beta2, 0.99, '[0, 1]');
  }
  protected slotNames(): string[] { return ['momentum']; }
  protected update(w: TypedArray, g: TypedArray, [m]: TypedArray[], _step: number, lr: number): void {
    backend().lion(w, g, m, lr, this.beta1, this.beta2);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2 }; }
}

export interface FtrlArgs extends OptimizerArgs {
  learningRatePower?: number; initialAccumulatorValue?: number; l1RegularizationStrength?: number;
  l2RegularizationStrength?: number; l2ShrinkageRegularizationStrength?: number; beta?: number;
}

/** FTRL-proximal (McMahan et al.), Keras 3's update. */
export class Ftrl extends Optimizer {
  readonly name = 'Ftrl';
  readonly learningRatePower: number;
  readonly initialAccumulatorValue: number;
  readonly l1: number;
  readonly l2: number;
  readonly l2Shrinkage: number;
  readonly beta: number;
  constructor(args: FtrlArgs = {}) {
    checkOptimizerOptions('Ftrl', args, ['learningRatePower', 'initialAccumulatorValue', 'l1RegularizationStrength', 'l2RegularizationStrength', 'l2ShrinkageRegularizationStrength', 'beta']);
    super(args, 0.001);
    this.learningRatePower = numberOption('Ftrl', 'learningRatePower', args.learningRatePower, -0.5, '<= 0');
    this.initialAccumulatorValue = numberOption('Ftrl', 'initialAccumulatorValue', args.initialAccumulatorValue, 0.1, '>= 0');
    this.l1 = numberOption('Ftrl', 'l1RegularizationStrength', args.l1RegularizationStrength, 0, '>= 0');
    this.l2 = numberOption('Ftrl', 'l2RegularizationStrength', args.l2RegularizationStrength, 0, '>= 0');
    this.l2Shrinkage = numberOption('Ftrl', 'l2ShrinkageRegularizationStrength', args.l2ShrinkageRegularizationStrength, 0, '>= 0');
    this.beta = numberOption('Ftrl', 'beta', args.beta, 0, '>= 0');
  }
  protected slotNames(): string[] { return ['accumulator', 'linear']; }
  protected override initialSlotValue(slot: number): number { return slot === 0 ? this.initialAccumulatorValue : 0; }
  protected update(w: TypedArray, g: TypedArray, [acc, linear]: TypedArray[], _step: number, lr: number): void {
    backend().ftrl(w, g, acc, linear, lr, this.learningRatePower, this.l1, this.l2 + this.beta / (2 * lr), this.l2Shrinkage);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), learningRatePower: this.learningRatePower, initialAccumulatorValue: this.initialAccumulatorValue,
      l1RegularizationStrength: this.l1, l2RegularizationStrength: this.l2, l2ShrinkageRegularizationStrength: this.l2Shrinkage, beta: this.beta };
  }
}

/**
 * TF.js's Adamax with its `decay`: step t (from 0) takes lr / (1 + decay t), which is
 * InverseTimeDecay with decaySteps 1 (adamax_optimizer.js divides by 1 + iteration * decay).
 */
/** @internal tf.train.adamax and loading TF.js configs share it. */
export function tfjsAdamax(where: string, learningRate: number, beta1?: number, beta2?: number, epsilon?: number, decay: unknown = 0): Adamax {
  if (!(typeof decay === 'number' && decay >= 0 && Number.isFinite(decay))) throw new Error(`${where}: decay must be a number >= 0, got ${typeof decay === 'string' ? JSON.stringify(decay) : String(decay)}`);
  const rate = decay === 0 ? learningRate : new InverseTimeDecay({ initialLearningRate: learningRate, decaySteps: 1, decayRate: decay });
  return new Adamax({ learningRate: rate, beta1, beta2, epsilon });
}

/** The decay of an Adamax whose only extra is TF.js's decay (as tfjsAdamax makes it), else null. */
function tfjsAdamaxDecay(o: Adamax): number | null {
  const s = o.schedule;
  if (!(s instanceof InverseTimeDecay) || s.args.decaySteps !== 1 || s.args.staircase) return null;
  return o.clipnorm === null && o.clipvalue === null && o.globalClipnorm === null && !o.weightDecay && !o.useEma ? s.args.decayRate : null;
}

type OptimizerClass = new (args: never) => Optimizer;
const CLASSES: Record<string, OptimizerClass> = { Adam, AdamW, SGD, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl };
const OPTIMIZERS: Record<string, () => Optimizer> = Object.fromEntries(Object.entries(CLASSES).map(([k, C]) => [k.toLowerCase(), () => new C({} as never)]));

export function getOptimizer(id: Optimizer | string): Optimizer {
  if (id instanceof Optimizer) return id;
  const make = typeof id === 'string' ? OPTIMIZERS[id.toLowerCase()] : undefined;
  if (!make) throw new Error(`compile: unknown optimizer '${String(id)}', expected an Optimizer or one of ${Object.keys(OPTIMIZERS).join(', ')}`);
  return make();
}

/** Whether only a constant learning rate and no common options are set (what TensorFlow.js's configs can hold). */
const plain = (o: Optimizer): boolean => !o.schedule && o.clipnorm === null && o.clipvalue === null && o.globalClipnorm === null && !o.weightDecay && !o.useEma;

/**
 * The optimizer's entry in model.json's trainingConfig: TensorFlow.js's class names and
 * configs where TensorFlow.js has the optimizer; otherwise (or with schedules, clipping, ...)
 * deeptype's class name and its getConfig().
 */
export function optimizerToConfig(o: Optimizer): { class_name: string; config: Record<string, unknown> } {
  if (plain(o)) {
    if (o instanceof AdamW) return { class_name: 'AdamW', config: o.getConfig() };
    if (o instanceof Adam) return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
    if (o instanceof SGD) {
      return o.momentum > 0
        ? { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.nesterov } }
        : { class_name: 'SGD', config: { learningRate: o.learningRate } };
    }
    if (o instanceof RMSprop) return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: o.centered } };
  }
  const decay = o instanceof Adamax ? tfjsAdamaxDecay(o) : null;
  if (o instanceof Adamax && decay !== null) {
    return { class_name: 'Adamax', config: { learningRate: (o.schedule as InverseTimeDecay).args.initialLearningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decay } };
  }
  const name = Object.entries(CLASSES).find(([, C]) => o.constructor === C)?.[0];
  if (!name) throw new Error(`save: cannot describe optimizer ${o.name}`);
  return { class_name: name, config: o.getConfig() };
}

export function optimizerFromConfig(c: unknown, where: string): Optimizer {
  // A refused option in a file names the file too (as optimizerFromKeras does).
  try { return fromConfig(c, where); } catch (e) { throw (e as Error).message.startsWith(`${where}: `) ? e : new Error(`${where}: ${(e as Error).message}`); }
}

function fromConfig(c: unknown, where: string): Optimizer {
  const { class_name: name, config: given } = (c ?? {}) as { class_name?: string; config?: Record<string, number & boolean> | null };
  if (given != null && (typeof given !== 'object' || Array.isArray(given))) throw new Error(`${where}: the optimizer's config must be an object, got ${typeof given}`);
  const config = given ?? {};
  switch (name) {
    case 'Adam': if (!('clipnorm' in config)) return new Adam({ learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon ?? undefined }); break;
    case 'SGD': if (!('clipnorm' in config)) return new SGD({ learningRate: config.learningRate }); break;
    case 'Momentum': return new SGD({ learningRate: config.learningRate, momentum: config.momentum, nesterov: config.useNesterov });
    // TF.js's form has decay (its learning-rate decay; deeptype's own config has a schedule instead).
    case 'Adamax': if ('decay' in config) return tfjsAdamax(`${where}: Adamax`, config.learningRate ?? 0.002, config.beta1, config.beta2, config.epsilon ?? undefined, config.decay ?? 0); break;
    case 'RMSProp':
      return new RMSprop({ learningRate: config.learningRate, rho: config.decay, momentum: config.momentum, epsilon: config.epsilon ?? undefined, centered: config.centered ?? false });
  }
  const cls = name ? CLASSES[name] : undefined;
  if (!cls) throw new Error(`${where}: unknown optimizer class '${String(name)}', expected one of ${[...Object.keys(CLASSES), 'Momentum', 'RMSProp'].join(', ')}`);
  const args: Record<string, unknown> = { ...config, learningRate: learningRateFromConfig(config.learningRate) };
  for (const k of Object.keys(args)) if (args[k] === null) delete args[k];
  return new cls(args as never);
}
