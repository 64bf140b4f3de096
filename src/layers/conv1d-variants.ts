// The 1-D convolution variants beyond Conv1D: DepthwiseConv1D, SeparableConv1D (depthwise,
// then a width-1 convolution) and Conv1DTranspose, channels-last [batch, steps, channels],
// each its 2-D op on a height-1 view (the same kernels, forward and backward), with Keras's
// options. 'causal' padding (zeros on the left only) where Keras 2 allowed it: the depthwise
// and separable ones.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { dilatedSize, outputSize, transposedSize, type ExplicitPadding, type Padding } from '../ops/index.ts';
import { getActivation, type ActivationName } from './activations.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig } from './core.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { checkDataFormat, floatInput } from './convolutional.ts';
import { checkFilters, checkMultiplier } from './conv-variants.ts';
import { invalid } from './args.ts';
import { WeightPenalties, type ConstraintIdentifier, type RegularizerIdentifier } from './regularizers.ts';

type One = number | readonly [number];
type Padding1D = Padding | 'causal';

interface Conv1DLikeArgs extends LayerArgs {
  kernelSize: One;
  strides?: One;
  padding?: Padding1D;
  dataFormat?: 'channelsLast';
  dilationRate?: One;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null; biasRegularizer?: RegularizerIdentifier | null;
  depthwiseRegularizer?: RegularizerIdentifier | null; pointwiseRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null; biasConstraint?: ConstraintIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null; pointwiseConstraint?: ConstraintIdentifier | null;
}

const COMMON_OPTIONS = ['kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias', 'biasInitializer'];

/** What the three share: geometry on one axis, activation, bias, the output length rule. */
abstract class Conv1DLike extends Layer {
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  protected readonly biasInitializer: InitializerIdentifier;
  protected readonly penalties: WeightPenalties;
  bias?: Tensor;

  constructor(args: Conv1DLikeArgs, options: readonly string[], weights: readonly string[], paddings: readonly Padding1D[]) {
    super(args);
    checkOptions(this.name, args, [...COMMON_OPTIONS, ...options, ...WeightPenalties.options(weights)]);
    this.penalties = new WeightPenalties(this.name, args, weights);
    checkDataFormat(this.name, args.dataFormat);
    const positive = (arg: string, v: One | undefined, fallback?: number): number => {
      if (v === undefined && fallback === undefined) throw new Error(`Layer "${this.name}": argument '${arg}' is required`);
      const d = v === undefined ? fallback! : typeof v === 'number' ? v : Array.isArray(v) && v.length === 1 ? v[0] : NaN;
      if (!Number.isInteger(d) || d < 1) throw invalid(this.name, arg, 'a positive integer (or a list of one)', v);
      return d;
    };
    this.kernelSize = positive('kernelSize', args?.kernelSize);
    this.strides = positive('strides', args.strides, 1);
    this.dilationRate = positive('dilationRate', args.dilationRate, 1);
    const padding = args.padding ?? 'valid';
    if (!paddings.includes(padding)) throw invalid(this.name, 'padding', paddings.map((p) => `'${p}'`).join(' or '), padding);
    this.padding = padding;
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    getInitializer(this.biasInitializer, `Layer "${this.name}"`);
    this.inputSpec = { ndim: 3 };
  }

  protected channels(s: ShapeSpec): number {
    const c = s[2];
    if (c === null || c === undefined) throw new Error(`Layer "${this.name}": the channel axis of the input must be known, got ${formatShape(s)}`);
    this.inputSpec = { ndim: 3, axes: { [-1]: c } };
    return c;
  }

  protected init(id: InitializerIdentifier) { return getInitializer(id, this.name); }

  /** The 2-D padding of the height-1 view: causal puts the whole span - 1 on the left. */
  protected padding2d(): Padding | ExplicitPadding {
    return this.padding === 'causal' ? [[0, 0], [dilatedSize(this.kernelSize, this.dilationRate) - 1, 0]] : this.padding;
  }

  /** The output length of the (forward) convolution; Conv1DTranspose overrides. */
  protected length(s: ShapeSpec): number | null {
    const d = s[1];
    if (d === null) return null;
    const span = dilatedSize(this.kernelSize, this.dilationRate);
    const out = this.padding === 'causal' ? Math.floor((d - 1) / this.strides) + 1 : outputSize(d, span, this.strides, this.padding).out;
    if (out < 1) throw new Error(`Layer "${this.name}": a kernel of size ${this.kernelSize} (dilationRate ${this.dilationRate}) is larger than input of shape ${formatShape(s)} with padding '${this.padding}'`);
    return out;
  }

  protected activate(y: Tensor): Tensor { return getActivation(this.activation, this.name)(y); }

  /** x [n, steps, c] as the height-1 image [n, 1, steps, c]. */
  protected image(x: Tensor): Tensor { return ops.reshape(floatInput(x), [x.shape[0], 1, x.shape[1], x.shape[2]]); }
  /** A height-1 result [n, 1, steps, c] back to [n, steps, c]. */
  protected steps(y: Tensor): Tensor { return ops.reshape(y, [y.shape[0], y.shape[2], y.shape[3]]); }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding, dataFormat: 'channelsLast',
      dilationRate: [this.dilationRate], activation: this.activation, useBias: this.useBias, biasInitializer: initializerConfig(this.biasInitializer),
      ...this.penalties.config() };
  }
}

export interface DepthwiseConv1DArgs extends Conv1DLikeArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
}

/** Each input channel convolved with its own depthMultiplier filters (Keras's DepthwiseConv1D). */
export class DepthwiseConv1D extends Conv1DLike {
  static override readonly className = 'DepthwiseConv1D';
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerIdentifier;
  depthwiseKernel?: Tensor;

  constructor(args: DepthwiseConv1DArgs) {
    super(args, ['depthMultiplier', 'depthwiseInitializer'], ['depthwise', 'bias'], ['valid', 'same', 'causal']);
    this.depthMultiplier = checkMultiplier(this.name, args.depthMultiplier);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    getInitializer(this.depthwiseInitializer, `Layer "${this.name}"`);
  }

  override build(s: ShapeSpec): void {
    const c = this.channels(s), m = this.depthMultiplier;
    this.depthwiseKernel = this.penalties.attach('depthwise', this.addWeight('depthwise_kernel', [this.kernelSize, c, m], this.init(this.depthwiseInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [c * m], this.init(this.biasInitializer)));
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], this.length(s), s[2] === null ? null : s[2] * this.depthMultiplier];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const [k, c, m] = this.depthwiseKernel!.shape;
    return this.activate(this.steps(ops.depthwiseConv2d(this.image(x), ops.reshape(this.depthwiseKernel!, [1, k, c, m]),
      { strides: [1, this.strides], padding: this.padding2d(), dilations: [1, this.dilationRate], bias: this.bias })));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: initializerConfig(this.depthwiseInitializer) };
  }
}

export interface SeparableConv1DArgs extends DepthwiseConv1DArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
}

/** A depthwise convolution, then a width-1 convolution to `filters` channels (Keras's SeparableConv1D). */
export class SeparableConv1D extends Conv1DLike {
  static override readonly className = 'SeparableConv1D';
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerIdentifier;
  private readonly pointwiseInitializer: InitializerIdentifier;
  depthwiseKernel?: Tensor;
  pointwiseKernel?: Tensor;

  constructor(args: SeparableConv1DArgs) {
    super(args, ['filters', 'depthMultiplier', 'depthwiseInitializer', 'pointwiseInitializer'], ['depthwise', 'pointwise', 'bias'], ['valid', 'same', 'causal']);
    this.filters = checkFilters(this.name, args.filters);
    this.depthMultiplier = checkMultiplier(this.name, args.depthMultiplier);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.pointwiseInitializer = args.pointwiseInitializer ?? 'glorotUniform';
    for (const id of [this.depthwiseInitializer, this.pointwiseInitializer]) getInitializer(id, `Layer "${this.name}"`);
  }

  override build(s: ShapeSpec): void {
    const c = this.channels(s), m = this.depthMultiplier;
    this.depthwiseKernel = this.penalties.attach('depthwise', this.addWeight('depthwise_kernel', [this.kernelSize, c, m], this.init(this.depthwiseInitializer)));
    this.pointwiseKernel = this.penalties.attach('pointwise', this.addWeight('pointwise_kernel', [1, c * m, this.filters], this.init(this.pointwiseInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], this.init(this.biasInitializer)));
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], this.length(s), this.filters]; }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const [k, c, m] = this.depthwiseKernel!.shape;
    const depthwise = ops.depthwiseConv2d(this.image(x), ops.reshape(this.depthwiseKernel!, [1, k, c, m]),
      { strides: [1, this.strides], padding: this.padding2d(), dilations: [1, this.dilationRate] });
    return this.activate(this.steps(ops.conv2d(depthwise, ops.reshape(this.pointwiseKernel!, [1, 1, c * m, this.filters]), { bias: this.bias })));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: initializerConfig(this.depthwiseInitializer), pointwiseInitializer: initializerConfig(this.pointwiseInitializer) };
  }
}

export interface Conv1DTransposeArgs extends Conv1DLikeArgs {
  filters: number;
  /** Extra steps at the end of the output (below the stride); null: none. */
  outputPadding?: One | null;
  kernelInitializer?: InitializerIdentifier;
}

/** The transposed 1-D convolution (Keras's Conv1DTranspose): strides > 1 upsample. */
export class Conv1DTranspose extends Conv1DLike {
  static override readonly className = 'Conv1DTranspose';
  readonly filters: number;
  readonly outputPadding: number | null;
  private readonly kernelInitializer: InitializerIdentifier;
  kernel?: Tensor;

  constructor(args: Conv1DTransposeArgs) {
    super(args, ['filters', 'outputPadding', 'kernelInitializer'], ['kernel', 'bias'], ['valid', 'same']);
    this.filters = checkFilters(this.name, args.filters);
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    getInitializer(this.kernelInitializer, `Layer "${this.name}"`);
    const p = args.outputPadding;
    if (p === undefined || p === null) this.outputPadding = null;
    else {
      const v = typeof p === 'number' ? p : Array.isArray(p) && p.length === 1 ? p[0] : NaN;
      if (!Number.isInteger(v) || v < 0 || v >= this.strides) throw invalid(this.name, 'outputPadding', `a non-negative integer smaller than strides=${this.strides}`, p);
      this.outputPadding = v;
    }
  }

  override build(s: ShapeSpec): void {
    const c = this.channels(s);
    this.kernel = this.penalties.attach('kernel', this.addWeight('kernel', [this.kernelSize, this.filters, c], this.init(this.kernelInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], this.init(this.biasInitializer)));
    this.built = true;
  }

  protected override length(s: ShapeSpec): number | null {
    const d = s[1];
    if (d === null) return null;
    return transposedSize(d, this.kernelSize, this.strides, this.padding as Padding, this.dilationRate, this.outputPadding);
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], this.length(s), this.filters]; }

  call(x: Tensor): Tensor {
    const out = this.length(x.shape) as number;
    const [k, f, c] = this.kernel!.shape;
    const y = ops.conv2dTranspose(this.image(x), ops.reshape(this.kernel!, [1, k, f, c]), [1, out],
      { strides: [1, this.strides], padding: this.padding as Padding, dilations: [1, this.dilationRate] });
    const steps = this.steps(y);
    return this.activate(this.bias ? ops.add(steps, this.bias) : steps);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, outputPadding: this.outputPadding === null ? null : [this.outputPadding],
      kernelInitializer: initializerConfig(this.kernelInitializer) };
  }
}

registerLayers(DepthwiseConv1D, SeparableConv1D, Conv1DTranspose);
