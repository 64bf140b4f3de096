// The convolution layers beyond Conv2D: DepthwiseConv2D, SeparableConv2D (depthwise, then a
// 1x1 convolution), Conv2DTranspose and Conv1D, channels-last, with Keras's options.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { dilatedSize, outputSize, pair, transposedSize, type Padding, type Pair } from '../ops/index.ts';
import { getActivation, type ActivationName } from './activations.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig } from './core.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { checkDataFormat, checkPadding, checkPositivePair, floatInput } from './convolutional.ts';
import { WeightPenalties, type ConstraintIdentifier, type RegularizerIdentifier } from './regularizers.ts';

const COMMON_OPTIONS = ['kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias', 'biasInitializer'];

/** Keras's per-weight options of the convolution variants (which weights a layer has, it takes). */
interface PenaltyArgs {
  kernelRegularizer?: RegularizerIdentifier | null; biasRegularizer?: RegularizerIdentifier | null;
  depthwiseRegularizer?: RegularizerIdentifier | null; pointwiseRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null; biasConstraint?: ConstraintIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null; pointwiseConstraint?: ConstraintIdentifier | null;
}

interface Conv2DLikeArgs extends LayerArgs, PenaltyArgs {
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  dataFormat?: 'channelsLast';
  dilationRate?: Pair;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  biasInitializer?: InitializerIdentifier;
}

/** What the 2-D layers here share: geometry, activation, bias, and the output shape rule. */
abstract class Conv2DLike extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  protected readonly biasInitializer: InitializerIdentifier;
  /** Regularizers and constraints of the layer's weights (`weights` names them: kernel, depthwise, ...). */
  protected readonly penalties: WeightPenalties;
  bias?: Tensor;

  constructor(args: Conv2DLikeArgs, options: readonly string[], weights: readonly string[]) {
    super(args);
    checkOptions(this.name, args, [...COMMON_OPTIONS, ...options, ...WeightPenalties.options(weights)]);
    this.penalties = new WeightPenalties(this.name, args, weights);
    checkDataFormat(this.name, args.dataFormat);
    this.kernelSize = checkPositivePair(this.name, 'kernelSize', args.kernelSize);
    this.strides = checkPositivePair(this.name, 'strides', args.strides ?? 1);
    this.padding = checkPadding(this.name, args.padding ?? 'valid');
    this.dilationRate = checkPositivePair(this.name, 'dilationRate', args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.inputSpec = { ndim: 4 };
  }

  protected channels(inputShape: ShapeSpec): number {
    const c = inputShape[3];
    if (c === null || c === undefined) throw new Error(`Layer "${this.name}": the channel axis of the input must be known, got ${formatShape(inputShape)}`);
    this.inputSpec = { ndim: 4, axes: { [-1]: c } };
    return c;
  }

  protected init(id: InitializerIdentifier) { return getInitializer(id, this.name); }

  /** Output height and width of the convolution (Conv2DTranspose overrides). */
  protected spatial(s: ShapeSpec): (number | null)[] {
    return [1, 2].map((a) => {
      const d = s[a];
      if (d === null) return null;
      const span = dilatedSize(this.kernelSize[a - 1], this.dilationRate[a - 1]);
      const out = outputSize(d, span, this.strides[a - 1], this.padding).out;
      if (out < 1) {
        throw new Error(`Layer "${this.name}": a ${this.kernelSize.join('x')} kernel (dilationRate ${JSON.stringify(this.dilationRate)}) is larger than input of shape ${formatShape(s)} with padding '${this.padding}'`);
      }
      return out;
    });
  }

  protected activate(y: Tensor): Tensor { return getActivation(this.activation, this.name)(y); }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast',
      dilationRate: this.dilationRate, activation: this.activation, useBias: this.useBias, biasInitializer: initializerConfig(this.biasInitializer),
      ...this.penalties.config() };
  }
}

export interface DepthwiseConv2DArgs extends Conv2DLikeArgs {
  /** Output channels per input channel. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
}

export function checkMultiplier(layer: string, m: number | undefined): number {
  const v = m ?? 1;
  if (!Number.isInteger(v) || v < 1) {
    throw new Error(`Invalid value for argument 'depthMultiplier' of layer "${layer}". Expected a strictly positive integer. Received depthMultiplier=${m}`);
  }
  return v;
}

/** Each input channel convolved with its own depthMultiplier filters (Keras's DepthwiseConv2D). */
export class DepthwiseConv2D extends Conv2DLike {
  static override readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerIdentifier;
  depthwiseKernel?: Tensor;

  constructor(args: DepthwiseConv2DArgs) {
    super(args, ['depthMultiplier', 'depthwiseInitializer'], ['depthwise', 'bias']);
    this.depthMultiplier = checkMultiplier(this.name, args.depthMultiplier);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
  }

  override build(inputShape: ShapeSpec): void {
    const c = this.channels(inputShape);
    this.depthwiseKernel = this.penalties.attach('depthwise', this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.init(this.depthwiseInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [c * this.depthMultiplier], this.init(this.biasInitializer)));
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [h, w] = this.spatial(s);
    return [s[0], h, w, s[3] === null ? null : s[3] * this.depthMultiplier];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return this.activate(ops.depthwiseConv2d(floatInput(x), this.depthwiseKernel!,
      { strides: this.strides, padding: this.padding, dilations: this.dilationRate, bias: this.bias }));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: initializerConfig(this.depthwiseInitializer) };
  }
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
}

export function checkFilters(layer: string, filters: number | undefined): number {
  if (!Number.isInteger(filters) || (filters as number) < 1) {
    throw new Error(`Invalid value for argument 'filters' of layer "${layer}". Expected a strictly positive integer. Received filters=${filters}`);
  }
  return filters as number;
}

/** A depthwise convolution, then a 1x1 convolution to `filters` channels (Keras's SeparableConv2D). */
export class SeparableConv2D extends Conv2DLike {
  static override readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerIdentifier;
  private readonly pointwiseInitializer: InitializerIdentifier;
  depthwiseKernel?: Tensor;
  pointwiseKernel?: Tensor;

  constructor(args: SeparableConv2DArgs) {
    super(args, ['filters', 'depthMultiplier', 'depthwiseInitializer', 'pointwiseInitializer'], ['depthwise', 'pointwise', 'bias']);
    this.filters = checkFilters(this.name, args.filters);
    this.depthMultiplier = checkMultiplier(this.name, args.depthMultiplier);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.pointwiseInitializer = args.pointwiseInitializer ?? 'glorotUniform';
  }

  override build(inputShape: ShapeSpec): void {
    const c = this.channels(inputShape), m = this.depthMultiplier;
    this.depthwiseKernel = this.penalties.attach('depthwise', this.addWeight('depthwise_kernel', [...this.kernelSize, c, m], this.init(this.depthwiseInitializer)));
    this.pointwiseKernel = this.penalties.attach('pointwise', this.addWeight('pointwise_kernel', [1, 1, c * m, this.filters], this.init(this.pointwiseInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], this.init(this.biasInitializer)));
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [h, w] = this.spatial(s);
    return [s[0], h, w, this.filters];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const depthwise = ops.depthwiseConv2d(floatInput(x), this.depthwiseKernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
    return this.activate(ops.conv2d(depthwise, this.pointwiseKernel!, { bias: this.bias }));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: initializerConfig(this.depthwiseInitializer), pointwiseInitializer: initializerConfig(this.pointwiseInitializer) };
  }
}

export interface Conv2DTransposeArgs extends Conv2DLikeArgs {
  filters: number;
  /** Extra rows and columns at the end of the output (each below its stride); null: none. */
  outputPadding?: Pair | null;
  kernelInitializer?: InitializerIdentifier;
}

/** The transposed convolution (Keras's Conv2DTranspose): strides > 1 upsample. */
export class Conv2DTranspose extends Conv2DLike {
  static override readonly className = 'Conv2DTranspose';
  readonly filters: number;
  readonly outputPadding: [number, number] | null;
  private readonly kernelInitializer: InitializerIdentifier;
  kernel?: Tensor;

  constructor(args: Conv2DTransposeArgs) {
    super(args, ['filters', 'outputPadding', 'kernelInitializer'], ['kernel', 'bias']);
    this.filters = checkFilters(this.name, args.filters);
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    if (args.outputPadding === undefined || args.outputPadding === null) this.outputPadding = null;
    else {
      const p = pair(args.outputPadding);
      p.forEach((v, a) => {
        if (!Number.isInteger(v) || v < 0 || v >= this.strides[a]) {
          throw new Error(`Invalid value for argument 'outputPadding' of layer "${this.name}". Expected non-negative integers smaller than the strides ${JSON.stringify(this.strides)}. Received outputPadding=${JSON.stringify(args.outputPadding)}`);
        }
      });
      this.outputPadding = p;
    }
  }

  override build(inputShape: ShapeSpec): void {
    const c = this.channels(inputShape);
    this.kernel = this.penalties.attach('kernel', this.addWeight('kernel', [...this.kernelSize, this.filters, c], this.init(this.kernelInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], this.init(this.biasInitializer)));
    this.built = true;
  }

  protected override spatial(s: ShapeSpec): (number | null)[] {
    return [1, 2].map((a) => {
      const d = s[a];
      if (d === null) return null;
      return transposedSize(d, this.kernelSize[a - 1], this.strides[a - 1], this.padding, this.dilationRate[a - 1], this.outputPadding?.[a - 1] ?? null);
    });
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [h, w] = this.spatial(s);
    return [s[0], h, w, this.filters];
  }

  call(x: Tensor): Tensor {
    const [h, w] = this.spatial(x.shape) as [number, number];
    const y = ops.conv2dTranspose(floatInput(x), this.kernel!, [h, w], { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
    return this.activate(this.bias ? ops.add(y, this.bias) : y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, outputPadding: this.outputPadding, kernelInitializer: initializerConfig(this.kernelInitializer) };
  }
}

export interface Conv1DArgs extends LayerArgs, PenaltyArgs {
  filters: number;
  kernelSize: number | readonly [number];
  strides?: number | readonly [number];
  /** 'causal': output t sees inputs up to t only (WaveNet's convolution). */
  padding?: Padding | 'causal';
  dataFormat?: 'channelsLast';
  dilationRate?: number | readonly [number];
  groups?: number;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}

/** A number or a one-entry list as the number; anything else as given, for the check to name. */
const single = (v: number | readonly [number] | undefined, fallback: number): unknown => (v === undefined ? fallback : Array.isArray(v) && v.length === 1 ? v[0] : v);

/** A 1-D convolution over [batch, steps, channels] (Keras's Conv1D). */
export class Conv1D extends Layer {
  static override readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding | 'causal';
  readonly dilationRate: number;
  readonly groups: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerIdentifier;
  private readonly biasInitializer: InitializerIdentifier;
  private readonly penalties: WeightPenalties;
  kernel?: Tensor;
  bias?: Tensor;

  constructor(args: Conv1DArgs) {
    super(args);
    checkOptions(this.name, args, ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', 'activation', 'useBias',
      'kernelInitializer', 'biasInitializer', ...WeightPenalties.options(['kernel', 'bias'])]);
    this.penalties = new WeightPenalties(this.name, args, ['kernel', 'bias']);
    checkDataFormat(this.name, args.dataFormat);
    this.filters = checkFilters(this.name, args?.filters);
    const positive = (arg: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Invalid value for argument '${arg}' of layer "${this.name}". Expected a positive integer. Received ${arg}=${JSON.stringify(v)}`);
      return v;
    };
    if (args.kernelSize === undefined) throw new Error(`Layer "${this.name}": argument 'kernelSize' is required`);
    this.kernelSize = positive('kernelSize', single(args.kernelSize, 0));
    this.strides = positive('strides', single(args.strides, 1));
    this.dilationRate = positive('dilationRate', single(args.dilationRate, 1));
    this.groups = positive('groups', args.groups ?? 1);
    if (this.filters % this.groups !== 0) {
      throw new Error(`Invalid value for argument 'groups' of layer "${this.name}". It must divide filters=${this.filters}. Received groups=${this.groups}`);
    }
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same' && padding !== 'causal') {
      throw new Error(`Invalid value for argument 'padding' of layer "${this.name}". Expected 'valid', 'same' or 'causal'. Received padding='${String(padding)}'`);
    }
    this.padding = padding;
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.inputSpec = { ndim: 3 };
  }

  override build(inputShape: ShapeSpec): void {
    const c = inputShape[2];
    if (c === null || c === undefined) throw new Error(`Layer "${this.name}": the channel axis of the input must be known, got ${formatShape(inputShape)}`);
    if (c % this.groups !== 0) {
      throw new Error(`Layer "${this.name}": groups=${this.groups} must divide the input's ${c} channels (input shape ${formatShape(inputShape)})`);
    }
    const init = (id: InitializerIdentifier) => getInitializer(id, this.name);
    this.kernel = this.penalties.attach('kernel', this.addWeight('kernel', [this.kernelSize, c / this.groups, this.filters], init(this.kernelInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], init(this.biasInitializer)));
    this.inputSpec = { ndim: 3, axes: { [-1]: c } };
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const d = s[1];
    if (d === null) return [s[0], null, this.filters];
    const span = dilatedSize(this.kernelSize, this.dilationRate);
    const out = this.padding === 'causal' ? Math.floor((d - 1) / this.strides) + 1 : outputSize(d, span, this.strides, this.padding).out;
    if (out < 1) throw new Error(`Layer "${this.name}": a kernel of size ${this.kernelSize} (dilationRate ${this.dilationRate}) is larger than input of shape ${formatShape(s)} with padding '${this.padding}'`);
    return [s[0], out, this.filters];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const y = ops.conv1d(floatInput(x), this.kernel!, { stride: this.strides, padding: this.padding, dilation: this.dilationRate, groups: this.groups, bias: this.bias });
    return getActivation(this.activation, this.name)(y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding,
      dataFormat: 'channelsLast', dilationRate: [this.dilationRate], groups: this.groups, activation: this.activation, useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer), biasInitializer: initializerConfig(this.biasInitializer), ...this.penalties.config() };
  }
}

registerLayers(DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, Conv1D);
