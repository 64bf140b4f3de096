// Input, Reshape, Flatten, Dense, Activation: the layers around the convolutions.
import { formatShape, sizeOf } from '../core/shape.ts';
import type { Tensor, Variable } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { getActivation, type ActivationName } from './activations.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { oneOf } from './args.ts';
import { Node, SymbolicTensor } from './symbolic.ts';
import type { DType } from '../core/dtype.ts';
import { attachConstraint, attachRegularizer, getConstraint, getRegularizer, objectConfig, type Constraint, type ConstraintIdentifier, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';

export interface InputArgs { shape?: ShapeSpec; batchSize?: number; batchShape?: ShapeSpec; name?: string; dtype?: DType; sparse?: boolean }

/**
 * Declares the shape a model takes (without the batch axis): new Input({shape: [28, 28]}).
 * First in a Sequential it sets the input shape; in a functional graph it stands for its
 * symbolic output (input.output), the tensor layers.input() returns.
 */
export class Input extends Layer {
  static override readonly className = 'InputLayer';
  readonly dtype: DType;
  constructor(args: InputArgs) {
    if (!args || (!args.shape && !args.batchShape)) throw new Error('Input: give the input shape, e.g. new Input({shape: [28, 28]})');
    checkOptions('Input', args, ['shape', 'batchShape', 'sparse']);
    if (args.shape && !Array.isArray(args.shape)) throw new Error(`Input: shape must be an array of sizes (without the batch axis), got ${JSON.stringify(args.shape)}`);
    if (args.sparse) throw new Error('Input: sparse inputs are not supported');
    const batchInputShape = args.batchShape ?? [args.batchSize ?? null, ...args.shape!];
    if (batchInputShape.slice(1).some((d) => d !== null && (!Number.isInteger(d) || d < 1))) {
      throw new Error(`Input: shape must hold positive integers or null, got ${formatShape(batchInputShape)}`);
    }
    super({ name: args.name, batchInputShape });
    this.dtype = args.dtype ?? 'float32';
    this.inputSpec = { ndim: batchInputShape.length };
    this.built = true;
    // The node with no inputs that makes this layer's symbolic tensor.
    const node = new Node(this, [], false);
    node.outputs.push(new SymbolicTensor(batchInputShape, this.dtype, node, 0));
    this.inboundNodes.push(node);
  }
  override get output(): SymbolicTensor { return this.inboundNodes[0].outputs[0]; }
  call(x: Tensor): Tensor { return x; }
  override getConfig(): Record<string, unknown> {
    return { batchInputShape: this.batchInputShape, dtype: this.dtype, sparse: false, name: this.name };
  }
}

/** A symbolic input tensor for a functional model (TF.js's tf.input, Keras's keras.Input). */
export function input(args: InputArgs): SymbolicTensor {
  return new Input(args).output;
}

export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: { targetShape: (number | null)[] } & LayerArgs) {
    super(args);
    checkOptions(this.name, args, ['targetShape']);
    if (!args?.targetShape) throw new Error('Reshape: targetShape is required');
    // TF.js writes Reshape's -1 as null in model.json.
    const t = (args.targetShape as unknown[] | unknown);
    const target = Array.isArray(t) ? t.map((d) => (d === null ? -1 : d)) : t;
    if (!Array.isArray(target) || target.some((d) => !(Number.isInteger(d) && (d > 0 || d === -1))) || target.filter((d) => d === -1).length > 1) {
      throw new Error(`Reshape: targetShape must be a list of positive integers (one may be -1), got ${Array.isArray(t) ? formatShape(t as number[]) : String(t)}`);
    }
    this.targetShape = target as number[];
  }
  override computeOutputShape(inputShape: ShapeSpec): ShapeSpec {
    const rest = inputShape.slice(1);
    if (rest.some((d) => d === null)) return [inputShape[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const inSize = sizeOf(rest as number[]);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const out = this.targetShape.map((d) => (d === -1 ? inSize / known : d));
    if (sizeOf(out) !== inSize || !out.every(Number.isInteger)) {
      throw new Error(`Layer "${this.name}": total size of new array must be unchanged, input_shape = ${formatShape(rest)}, output_shape = ${formatShape(this.targetShape)}`);
    }
    return [inputShape[0], ...out];
  }
  call(x: Tensor): Tensor {
    const out = this.computeOutputShape([x.shape[0], ...x.shape.slice(1)]) as ShapeSpec;
    return ops.reshape(x, [x.shape[0], ...(out.slice(1) as number[])]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), targetShape: this.targetShape }; }
}

export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  /** 'channelsFirst': the channels axis (1) moves last before flattening, as Keras does, so that a Dense after it sees channels-last order. */
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  constructor(args: LayerArgs & { dataFormat?: string } = {}) {
    super(args);
    checkOptions(this.name, args, ['dataFormat']);
    const format = args.dataFormat ?? 'channelsLast';
    this.dataFormat = oneOf(this.name, 'dataFormat', format === 'channels_first' ? 'channelsFirst' : format === 'channels_last' ? 'channelsLast' : format, ['channelsLast', 'channelsFirst'] as const);
    this.inputSpec = { minNdim: 1 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : sizeOf(rest as number[])];
  }
  call(x: Tensor): Tensor {
    const r = x.shape.length;
    const ordered = this.dataFormat === 'channelsFirst' && r > 2 ? ops.transpose(x, [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1]) : x;
    return ops.reshape(ordered, [x.shape[0], -1]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), dataFormat: this.dataFormat }; }
}

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName | null; // null: none, as Keras's activation=None
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** The regularizers and constraints of a layer's kernel and bias (Dense, Conv2D). */
export class KernelPenalties {
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  static readonly OPTIONS = ['kernelRegularizer', 'biasRegularizer', 'kernelConstraint', 'biasConstraint'];
  constructor(layer: string, args: Pick<DenseArgs, 'kernelRegularizer' | 'biasRegularizer' | 'kernelConstraint' | 'biasConstraint'>) {
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `Layer "${layer}": kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `Layer "${layer}": biasRegularizer`);
    this.kernelConstraint = getConstraint(args.kernelConstraint, `Layer "${layer}": kernelConstraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `Layer "${layer}": biasConstraint`);
  }
  attach(kernel: Variable, bias: Variable | undefined): void {
    attachRegularizer(kernel, this.kernelRegularizer); attachConstraint(kernel, this.kernelConstraint);
    if (bias) { attachRegularizer(bias, this.biasRegularizer); attachConstraint(bias, this.biasConstraint); }
  }
  config(): Record<string, unknown> {
    return { kernelRegularizer: objectConfig(this.kernelRegularizer), biasRegularizer: objectConfig(this.biasRegularizer),
      kernelConstraint: objectConfig(this.kernelConstraint), biasConstraint: objectConfig(this.biasConstraint) };
  }
}

/** units outputs, each a weighted sum of the inputs' last axis: activation(x @ kernel + bias). */
export class Dense extends Layer {
  static override readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerIdentifier;
  private readonly biasInitializer: InitializerIdentifier;
  kernel?: Tensor;
  bias?: Tensor;
  private readonly penalties: KernelPenalties;

  constructor(args: DenseArgs) {
    super(args);
    checkOptions(this.name, args, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', ...KernelPenalties.OPTIONS]);
    if (!args || !Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`Invalid value for argument 'units' of layer "${this.name}". Expected a strictly positive integer. Received units=${args?.units}`);
    }
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    getActivation(this.activation, `Layer "${this.name}"`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    for (const id of [this.kernelInitializer, this.biasInitializer]) getInitializer(id, `Layer "${this.name}"`);
    this.penalties = new KernelPenalties(this.name, args);
    this.inputSpec = { minNdim: 2 };
  }

  override build(inputShape: ShapeSpec): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inDim === null) throw new Error(`Layer "${this.name}": the last axis of the input must be known to build, got ${formatShape(inputShape)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], getInitializer(this.kernelInitializer, this.name));
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], getInitializer(this.biasInitializer, this.name));
    this.penalties.attach(this.kernel as Variable, this.bias as Variable | undefined);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inDim } };
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [...s.slice(0, -1), this.units]; }

  call(x: Tensor): Tensor {
    const flat = x.rank === 2 ? x : ops.reshape(x, [-1, x.shape[x.rank - 1]]);
    let y = ops.matMul(flat.dtype === 'float32' || flat.dtype === 'float64' ? flat : flat.cast('float32'), this.kernel!);
    if (this.bias) y = ops.add(y, this.bias);
    if (x.rank !== 2) y = ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
    return getActivation(this.activation, this.name)(y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer), biasInitializer: initializerConfig(this.biasInitializer), ...this.penalties.config() };
  }
}

export function initializerConfig(id: InitializerIdentifier): unknown {
  if (typeof id === 'string') return id;
  return typeof id === 'function' ? { className: id.className, config: id.getConfig() } : { className: id.className, config: { ...(id.config ?? {}) } };
}

export class Activation extends Layer {
  static override readonly className = 'Activation';
  readonly activation: ActivationName;
  constructor(args: { activation: ActivationName } & LayerArgs) {
    super(args);
    checkOptions(this.name, args, ['activation']);
    this.activation = args?.activation;
    getActivation(this.activation, `Layer "${this.name}"`);
  }
  call(x: Tensor): Tensor { return getActivation(this.activation, this.name)(x); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), activation: this.activation }; }
}

registerLayers(Input, Reshape, Flatten, Dense, Activation);
