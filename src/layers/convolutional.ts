// Conv2D and MaxPooling2D, channels-last, with Keras's options and checks.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { dilatedSize, outputSize, pair, type Padding, type Pair } from '../ops/conv.ts';
import { getActivation, type ActivationName } from './activations.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig, KernelPenalties } from './core.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import type { ConstraintIdentifier, RegularizerIdentifier } from './regularizers.ts';
import type { Variable } from '../core/tensor.ts';

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  dataFormat?: 'channelsLast';
  dilationRate?: Pair;
  /** Input and output channels split into this many independent groups (each filters / groups wide). */
  groups?: number;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export function checkPositivePair(layer: string, arg: string, v: Pair | undefined): [number, number] {
  if (v === undefined) throw new Error(`Layer "${layer}": argument '${arg}' is required`);
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) {
    throw new Error(`Invalid value for argument '${arg}' of layer "${layer}". Expected a positive integer or a pair of them. Received ${arg}=${JSON.stringify(v)}`);
  }
  const p = pair(v);
  if (p.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`Invalid value for argument '${arg}' of layer "${layer}". Expected positive integers. Received ${arg}=${JSON.stringify(v)}`);
  }
  return p;
}

export function checkPadding(layer: string, padding: string): Padding {
  if (padding !== 'valid' && padding !== 'same') {
    throw new Error(`Invalid value for argument 'padding' of layer "${layer}". Expected 'valid' or 'same'. Received padding='${padding}'`);
  }
  return padding;
}

export function checkDataFormat(layer: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    throw new Error(`Layer "${layer}": only dataFormat 'channelsLast' is supported, got '${dataFormat}'`);
  }
}

/** Integer images (uint8, int32) convolve as float32. */
export const floatInput = (x: Tensor): Tensor => (x.dtype === 'uint8' || x.dtype === 'int32' ? x.cast('float32') : x);

const CONV2D_OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer'];

export class Conv2D extends Layer {
  static override readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly groups: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerIdentifier;
  private readonly biasInitializer: InitializerIdentifier;
  kernel?: Tensor;
  bias?: Tensor;
  private readonly penalties: KernelPenalties;

  constructor(args: Conv2DArgs) {
    super(args);
    checkOptions(this.name, args, [...CONV2D_OPTIONS, ...KernelPenalties.OPTIONS]);
    if (!args || !Number.isInteger(args.filters) || args.filters < 1) {
      throw new Error(`Invalid value for argument 'filters' of layer "${this.name}". Expected a strictly positive integer. Received filters=${args?.filters}`);
    }
    checkDataFormat(this.name, args.dataFormat);
    this.filters = args.filters;
    this.kernelSize = checkPositivePair(this.name, 'kernelSize', args.kernelSize);
    this.strides = checkPositivePair(this.name, 'strides', args.strides ?? 1);
    this.padding = checkPadding(this.name, args.padding ?? 'valid');
    this.dilationRate = checkPositivePair(this.name, 'dilationRate', args.dilationRate ?? 1);
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) {
      throw new Error(`Invalid value for argument 'groups' of layer "${this.name}". Expected a positive integer that divides filters=${this.filters}. Received groups=${JSON.stringify(args.groups)}`);
    }
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    for (const id of [this.kernelInitializer, this.biasInitializer]) getInitializer(id, `Layer "${this.name}"`);
    this.penalties = new KernelPenalties(this.name, args);
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: ShapeSpec): void {
    const channels = inputShape[3];
    if (channels === null || channels === undefined) throw new Error(`Layer "${this.name}": the channel axis of the input must be known, got ${formatShape(inputShape)}`);
    if (channels % this.groups !== 0) {
      throw new Error(`Layer "${this.name}": groups=${this.groups} must divide the input's ${channels} channels (input shape ${formatShape(inputShape)})`);
    }
    const init = (id: InitializerIdentifier) => getInitializer(id, this.name);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels / this.groups, this.filters], init(this.kernelInitializer));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], init(this.biasInitializer));
    this.penalties.attach(this.kernel as Variable, this.bias as Variable | undefined);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const dims = [1, 2].map((a) => {
      const d = s[a];
      if (d === null) return null;
      const span = dilatedSize(this.kernelSize[a - 1], this.dilationRate[a - 1]);
      const out = outputSize(d, span, this.strides[a - 1], this.padding).out;
      if (out < 1) {
        const dil = span === this.kernelSize[a - 1] ? '' : ` (dilationRate ${JSON.stringify(this.dilationRate)})`;
        throw new Error(`Layer "${this.name}": a ${this.kernelSize.join('x')} kernel${dil} is larger than input of shape ${formatShape(s)} with padding '${this.padding}'`);
      }
      return out;
    });
    return [s[0], dims[0], dims[1], this.filters];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const y = ops.conv2d(floatInput(x), this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, groups: this.groups, bias: this.bias });
    return getActivation(this.activation, this.name)(y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channelsLast', dilationRate: this.dilationRate, groups: this.groups, activation: this.activation, useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer), biasInitializer: initializerConfig(this.biasInitializer), ...this.penalties.config() };
  }
}

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: Pair;
  strides?: Pair | null;
  padding?: Padding;
  /** Only 'channelsLast' (NHWC), as everywhere in deeptype. */
  dataFormat?: 'channelsLast';
}

export class MaxPooling2D extends Layer {
  static override readonly className = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: Pooling2DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['poolSize', 'strides', 'padding', 'dataFormat']);
    checkDataFormat(this.name, args.dataFormat);
    this.poolSize = checkPositivePair(this.name, 'poolSize', args.poolSize ?? 2);
    this.strides = checkPositivePair(this.name, 'strides', args.strides ?? this.poolSize);
    this.padding = checkPadding(this.name, args.padding ?? 'valid');
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const dims = [1, 2].map((a) => {
      const d = s[a];
      if (d === null) return null;
      const out = outputSize(d, this.poolSize[a - 1], this.strides[a - 1], this.padding).out;
      if (out < 1) throw new Error(`Layer "${this.name}": a ${this.poolSize.join('x')} window does not fit in input of shape ${formatShape(s)}`);
      return out;
    });
    return [s[0], dims[0], dims[1], s[3]];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return ops.maxPool2d(x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'), this.poolSize, { strides: this.strides, padding: this.padding });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast' };
  }
}

registerLayers(Conv2D, MaxPooling2D);
