// Conv3D and Conv3DTranspose (volumes [batch, depth, height, width, channels]), channels-last,
// with Keras's options; the ops compose conv2d's kernels (ops/conv3d.ts).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { dilatedSize, outputSize, transposedSize, type Padding } from '../ops/index.ts';
import { getActivation, type ActivationName } from './activations.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig } from './core.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { checkDataFormat, checkPadding, floatInput } from './convolutional.ts';
import { WeightPenalties, type ConstraintIdentifier, type RegularizerIdentifier } from './regularizers.ts';

type Triple = number | readonly [number, number, number];

export interface Conv3DArgs extends LayerArgs {
  filters: number;
  kernelSize: Triple;
  strides?: Triple;
  padding?: Padding;
  dataFormat?: 'channelsLast';
  dilationRate?: Triple;
  /** Input and output channels split into this many independent groups (each filters / groups wide). */
  groups?: number;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export interface Conv3DTransposeArgs extends Omit<Conv3DArgs, 'groups'> {
  /** Extra slices, rows and columns at the end of the output (each below its stride); null: none. */
  outputPadding?: Triple | null;
}

function checkTriple(layer: string, arg: string, v: unknown, min = 1): [number, number, number] {
  if (v === undefined) throw new Error(`Layer "${layer}": argument '${arg}' is required`);
  const t = typeof v === 'number' ? [v, v, v] : Array.isArray(v) && v.length === 3 ? v : null;
  if (t === null || !t.every((d) => Number.isInteger(d) && d >= min)) {
    throw new Error(`Invalid value for argument '${arg}' of layer "${layer}". Expected ${min === 1 ? 'a positive integer' : 'a non-negative integer'} or a triple [depth, height, width] of them. Received ${arg}=${JSON.stringify(v)}`);
  }
  return [t[0], t[1], t[2]];
}

/** What Conv3D and Conv3DTranspose share: options, weights' penalties, activation and config. */
abstract class Conv3DBase extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  protected readonly kernelInitializer: InitializerIdentifier;
  protected readonly biasInitializer: InitializerIdentifier;
  protected readonly penalties: WeightPenalties;
  kernel?: Tensor;
  bias?: Tensor;

  constructor(args: Conv3DArgs | Conv3DTransposeArgs, options: readonly string[]) {
    super(args);
    checkOptions(this.name, args, ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias',
      'kernelInitializer', 'biasInitializer', ...options, ...WeightPenalties.options(['kernel', 'bias'])]);
    if (!args || !Number.isInteger(args.filters) || args.filters < 1) {
      throw new Error(`Invalid value for argument 'filters' of layer "${this.name}". Expected a strictly positive integer. Received filters=${args?.filters}`);
    }
    checkDataFormat(this.name, args.dataFormat);
    this.filters = args.filters;
    this.kernelSize = checkTriple(this.name, 'kernelSize', args.kernelSize);
    this.strides = checkTriple(this.name, 'strides', args.strides ?? 1);
    this.padding = checkPadding(this.name, args.padding ?? 'valid');
    this.dilationRate = checkTriple(this.name, 'dilationRate', args.dilationRate ?? 1);
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    for (const id of [this.kernelInitializer, this.biasInitializer]) getInitializer(id, `Layer "${this.name}"`);
    this.penalties = new WeightPenalties(this.name, args, ['kernel', 'bias']);
    this.inputSpec = { ndim: 5 };
  }

  protected channels(inputShape: ShapeSpec): number {
    const c = inputShape[4];
    if (c === null || c === undefined) throw new Error(`Layer "${this.name}": the channel axis of the input must be known, got ${formatShape(inputShape)}`);
    return c;
  }

  protected addWeights(kernelShape: number[], channels: number): void {
    const init = (id: InitializerIdentifier) => getInitializer(id, this.name);
    this.kernel = this.penalties.attach('kernel', this.addWeight('kernel', kernelShape, init(this.kernelInitializer)));
    if (this.useBias) this.bias = this.penalties.attach('bias', this.addWeight('bias', [this.filters], init(this.biasInitializer)));
    this.inputSpec = { ndim: 5, axes: { [-1]: channels } };
    this.built = true;
  }

  protected activate(y: Tensor): Tensor { return getActivation(this.activation, this.name)(y); }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channelsLast', dilationRate: this.dilationRate, activation: this.activation, useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer), biasInitializer: initializerConfig(this.biasInitializer), ...this.penalties.config() };
  }
}

/** A 3-D convolution over volumes (Keras's Conv3D): kernel [kd, kh, kw, channels / groups, filters]. */
export class Conv3D extends Conv3DBase {
  static override readonly className = 'Conv3D';
  readonly groups: number;

  constructor(args: Conv3DArgs) {
    super(args, ['groups']);
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || this.filters % this.groups !== 0) {
      throw new Error(`Invalid value for argument 'groups' of layer "${this.name}". Expected a positive integer that divides filters=${this.filters}. Received groups=${JSON.stringify(args.groups)}`);
    }
  }

  override build(inputShape: ShapeSpec): void {
    const c = this.channels(inputShape);
    if (c % this.groups !== 0) {
      throw new Error(`Layer "${this.name}": groups=${this.groups} must divide the input's ${c} channels (input shape ${formatShape(inputShape)})`);
    }
    this.addWeights([...this.kernelSize, c / this.groups, this.filters], c);
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const dims = [1, 2, 3].map((a) => {
      const d = s[a];
      if (d === null) return null;
      const out = outputSize(d, dilatedSize(this.kernelSize[a - 1], this.dilationRate[a - 1]), this.strides[a - 1], this.padding).out;
      if (out < 1) {
        throw new Error(`Layer "${this.name}": a ${this.kernelSize.join('x')} kernel (dilationRate ${JSON.stringify(this.dilationRate)}) is larger than input of shape ${formatShape(s)} with padding '${this.padding}'`);
      }
      return out;
    });
    return [s[0], ...dims, this.filters];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return this.activate(ops.conv3d(floatInput(x), this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, groups: this.groups, bias: this.bias }));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), groups: this.groups };
  }
}

/** The transposed 3-D convolution (Keras's Conv3DTranspose): kernel [kd, kh, kw, filters, channels]; strides > 1 upsample. */
export class Conv3DTranspose extends Conv3DBase {
  static override readonly className = 'Conv3DTranspose';
  readonly outputPadding: [number, number, number] | null;

  constructor(args: Conv3DTransposeArgs) {
    super(args, ['outputPadding']);
    if (args.outputPadding === undefined || args.outputPadding === null) this.outputPadding = null;
    else {
      const p = checkTriple(this.name, 'outputPadding', args.outputPadding, 0);
      if (p.some((v, a) => v >= this.strides[a])) {
        throw new Error(`Invalid value for argument 'outputPadding' of layer "${this.name}". Expected non-negative integers smaller than the strides ${JSON.stringify(this.strides)}. Received outputPadding=${JSON.stringify(args.outputPadding)}`);
      }
      this.outputPadding = p;
    }
  }

  override build(inputShape: ShapeSpec): void {
    const c = this.channels(inputShape);
    this.addWeights([...this.kernelSize, this.filters, c], c);
  }

  private spatial(s: ShapeSpec): (number | null)[] {
    return [1, 2, 3].map((a) => {
      const d = s[a];
      if (d === null) return null;
      return transposedSize(d, this.kernelSize[a - 1], this.strides[a - 1], this.padding, this.dilationRate[a - 1], this.outputPadding?.[a - 1] ?? null);
    });
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], ...this.spatial(s), this.filters];
  }

  call(x: Tensor): Tensor {
    const size = this.spatial(x.shape) as [number, number, number];
    const y = ops.conv3dTranspose(floatInput(x), this.kernel!, size, { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
    return this.activate(this.bias ? ops.add(y, this.bias) : y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), outputPadding: this.outputPadding };
  }
}

registerLayers(Conv3D, Conv3DTranspose);
