// Dropout and the noise layers. Each draws through a SeedGenerator made in its constructor, so
// the random kernel advances that stream at every step, compiled or op by op; each is the
// identity in inference (training false), as in Keras.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { SeedGenerator } from '../ops/random.ts';
import { Layer, type CallArgs, type LayerArgs } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

function checkRate(layer: string, rate: unknown, what = 'rate'): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new Error(`Invalid value for argument '${what}' of layer "${layer}". Expected a float in [0, 1). Received ${what}=${String(rate)}`);
  }
  return rate;
}

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop (set to 0), in [0, 1). */
  rate: number;
  /** The shape of the mask, broadcast over the input; null entries take the input's size. */
  noiseShape?: (number | null)[] | null;
  seed?: number | null;
}

/** Sets a `rate` fraction of the inputs to 0 while training and scales the rest by 1 / (1 - rate). */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | undefined;
  protected readonly generator: SeedGenerator;

  constructor(args: DropoutArgs) {
    super(args);
    checkOptions(this.name, args, ['rate', 'noiseShape', 'seed']);
    this.rate = checkRate(this.name, args?.rate);
    const shape: unknown = args.noiseShape ?? null;
    if (shape !== null && !(Array.isArray(shape) && shape.every((d) => d === null || (Number.isInteger(d) && d >= 1)))) {
      throw new Error(`Invalid value for argument 'noiseShape' of layer "${this.name}". Expected null or a list of positive integers (null for the input's size on that axis). Received noiseShape=${JSON.stringify(shape)}`);
    }
    this.noiseShape = shape as (number | null)[] | null;
    this.seed = args.seed ?? undefined;
    this.generator = new SeedGenerator(args.seed);
  }

  /** The mask's shape for this input (Keras's _get_noise_shape). */
  protected maskShape(x: Tensor): number[] {
    if (!this.noiseShape) return x.shape;
    if (this.noiseShape.length !== x.rank) {
      throw new Error(`Layer "${this.name}": noiseShape ${formatShape(this.noiseShape)} has ${this.noiseShape.length} axes, the input ${formatShape(x.shape)} has ${x.rank}`);
    }
    return this.noiseShape.map((d, i) => {
      const size = d ?? x.shape[i];
      if (size !== 1 && size !== x.shape[i]) {
        throw new Error(`Layer "${this.name}": noiseShape ${formatShape(this.noiseShape!)} does not broadcast to the input ${formatShape(x.shape)} (axis ${i}: expected 1 or ${x.shape[i]}, got ${size})`);
      }
      return size;
    });
  }

  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const mask = ops.randomBernoulli(this.maskShape(x), this.generator, keep, x.dtype === 'float64' ? 'float64' : 'float32');
    return ops.mul(x, ops.mul(mask, 1 / keep));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed ?? null };
  }
}

/** Dropout of whole feature maps: one mask value per image and channel (NHWC input). */
export class SpatialDropout2D extends Dropout {
  static override readonly className = 'SpatialDropout2D';
  constructor(args: Omit<DropoutArgs, 'noiseShape'> & { dataFormat?: 'channelsLast' }) {
    const { dataFormat, ...rest } = args ?? ({} as DropoutArgs);
    if (dataFormat !== undefined && dataFormat !== 'channelsLast') throw new Error(`SpatialDropout2D: only dataFormat 'channelsLast' is supported, got '${String(dataFormat)}'`);
    super(rest);
    refuseNoiseShape(this.name, args);
    this.inputSpec = { ndim: 4 };
  }
  protected override maskShape(x: Tensor): number[] { return [x.shape[0], 1, 1, x.shape[3]]; }
  override getConfig(): Record<string, unknown> {
    const { noiseShape: _, ...config } = super.getConfig();
    return { ...config, dataFormat: 'channelsLast' };
  }
}

/** Dropout of whole feature volumes: one mask value per sample and channel (NDHWC input). */
export class SpatialDropout3D extends Dropout {
  static override readonly className = 'SpatialDropout3D';
  constructor(args: Omit<DropoutArgs, 'noiseShape'> & { dataFormat?: 'channelsLast' }) {
    const { dataFormat, ...rest } = args ?? ({} as DropoutArgs);
    if (dataFormat !== undefined && dataFormat !== 'channelsLast') throw new Error(`SpatialDropout3D: only dataFormat 'channelsLast' is supported, got '${String(dataFormat)}'`);
    super(rest);
    refuseNoiseShape(this.name, args);
    this.inputSpec = { ndim: 5 };
  }
  protected override maskShape(x: Tensor): number[] { return [x.shape[0], 1, 1, 1, x.shape[4]]; }
  override getConfig(): Record<string, unknown> {
    const { noiseShape: _, ...config } = super.getConfig();
    return { ...config, dataFormat: 'channelsLast' };
  }
}

/** The spatial dropouts fix their mask's shape: a noiseShape given to them is an error (null, as files write it, is none). */
function refuseNoiseShape(name: string, args: object | undefined): void {
  const n = (args as { noiseShape?: unknown } | undefined)?.noiseShape;
  if (n !== undefined && n !== null) throw new Error(`Layer "${name}": takes no noiseShape (it drops whole channels), got ${JSON.stringify(n)}`);
}

/** Dropout of whole feature channels of a sequence: one mask value per sample and channel ([batch, steps, channels]). */
export class SpatialDropout1D extends Dropout {
  static override readonly className = 'SpatialDropout1D';
  constructor(args: Omit<DropoutArgs, 'noiseShape'>) {
    super(args ?? ({} as DropoutArgs));
    refuseNoiseShape(this.name, args);
    this.inputSpec = { ndim: 3 };
  }
  protected override maskShape(x: Tensor): number[] { return [x.shape[0], 1, x.shape[2]]; }
  override getConfig(): Record<string, unknown> {
    const { noiseShape: _, ...config } = super.getConfig();
    return config;
  }
}

/** Adds zero-mean Gaussian noise of standard deviation `stddev` while training. */
export class GaussianNoise extends Layer {
  static override readonly className = 'GaussianNoise';
  readonly stddev: number;
  readonly seed: number | undefined;
  private readonly generator: SeedGenerator;
  constructor(args: { stddev: number; seed?: number | null } & LayerArgs) {
    super(args);
    checkOptions(this.name, args, ['stddev', 'seed']);
    if (typeof args?.stddev !== 'number' || !(args.stddev >= 0)) {
      throw new Error(`Invalid value for argument 'stddev' of layer "${this.name}". Expected a non-negative number. Received stddev=${String(args?.stddev)}`);
    }
    this.stddev = args.stddev;
    this.seed = args.seed ?? undefined;
    this.generator = new SeedGenerator(args.seed);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.stddev === 0) return x;
    return ops.add(x, ops.randomNormal(x.shape, this.generator, { stddev: this.stddev, dtype: x.dtype === 'float64' ? 'float64' : 'float32' }));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), stddev: this.stddev, seed: this.seed ?? null }; }
}

/** Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate)) while training. */
export class GaussianDropout extends Layer {
  static override readonly className = 'GaussianDropout';
  readonly rate: number;
  readonly seed: number | undefined;
  private readonly generator: SeedGenerator;
  constructor(args: { rate: number; seed?: number | null } & LayerArgs) {
    super(args);
    checkOptions(this.name, args, ['rate', 'seed']);
    this.rate = checkRate(this.name, args?.rate);
    this.seed = args.seed ?? undefined;
    this.generator = new SeedGenerator(args.seed);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.rate === 0) return x;
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    return ops.mul(x, ops.randomNormal(x.shape, this.generator, { mean: 1, stddev, dtype: x.dtype === 'float64' ? 'float64' : 'float32' }));
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null }; }
}

/** SELU's -scale * alpha: the value a dropped unit takes in AlphaDropout. */
const ALPHA_PRIME = -1.6732632423543772 * 1.0507009873554805;

/**
 * Keras's AlphaDropout (for SELU networks): dropped units take SELU's negative saturation
 * value, then an affine map a * y + b restores the mean and variance. Identity at inference.
 */
export class AlphaDropout extends Layer {
  static override readonly className = 'AlphaDropout';
  readonly rate: number;
  readonly seed: number | undefined;
  private readonly generator: SeedGenerator;
  constructor(args: { rate: number; seed?: number | null; noiseShape?: null } & LayerArgs) {
    super(args);
    checkOptions(this.name, args, ['rate', 'seed', 'noiseShape']);
    if (args.noiseShape != null) throw new Error(`Layer "${this.name}" (AlphaDropout): noiseShape is not supported (TF.js ignores it too); leave it out`);
    this.rate = checkRate(this.name, args?.rate);
    this.seed = args.seed ?? undefined;
    this.generator = new SeedGenerator(args.seed);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.rate === 0) return x;
    const p = this.rate, dtype = x.dtype === 'float64' ? 'float64' : 'float32';
    const keep = ops.randomBernoulli(x.shape, this.generator, 1 - p, dtype);
    const a = 1 / Math.sqrt((1 - p) * (1 + p * ALPHA_PRIME * ALPHA_PRIME)), b = -a * ALPHA_PRIME * p;
    // a * (x * keep + alpha' * (1 - keep)) + b
    return ops.add(ops.mul(ops.add(ops.mul(x, keep), ops.mul(ops.sub(1, keep), ALPHA_PRIME)), a), b);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null }; }
}

registerLayers(Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, GaussianNoise, GaussianDropout, AlphaDropout);
