// Keras's image augmentation layers (NHWC images, or one image [h, w, c]). Active only when
// training; the identity in inference. Each draws through a SeedGenerator made in its
// constructor, so compiled steps draw new values every step, and a fixed seed repeats them.
// Geometry goes through the imageTransform op with Keras's matrices (augmentTransforms kernel).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { SeedGenerator } from '../ops/random.ts';
import type { AugmentInfo, FillMode } from '../backends/backend.ts';
import { Layer, type CallArgs, type LayerArgs } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

type Factor = number | [number, number];

/** Keras's factor rule: f -> [-f, f], or a pair [lower, upper] (sorted, as Keras sorts it), each within [min, max]. */
function range(layer: string, name: string, f: Factor | null | undefined, min = -1, max = 1): [number, number] {
  if (f === null || f === undefined) return [0, 0];
  const pair = Array.isArray(f) && f.length === 2 && f.every((v) => typeof v === 'number');
  const [lo, hi] = typeof f === 'number' ? [-Math.abs(f), Math.abs(f)] : pair ? [Math.min(f[0], f[1]), Math.max(f[0], f[1])] : [Number.NaN, Number.NaN];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && lo >= min && hi <= max)) {
    throw new Error(`Layer "${layer}": ${name} must be a number or [lower, upper] with ${min} <= lower <= upper <= ${max}, got ${JSON.stringify(f)}`);
  }
  return [lo, hi];
}

const FILL_MODES = ['reflect', 'wrap', 'constant', 'nearest'];

export interface GeometricArgs extends LayerArgs {
  fillMode?: FillMode;
  interpolation?: 'nearest' | 'bilinear';
  fillValue?: number;
  seed?: number;
}

/** A batch of images (rank 4) or one image (rank 3) through a per-image random transform. */
abstract class RandomGeometric extends Layer {
  readonly fillMode: FillMode;
  readonly interpolation: 'nearest' | 'bilinear';
  readonly fillValue: number;
  readonly seed: number | undefined;
  protected readonly generator: SeedGenerator;
  constructor(args: GeometricArgs, defaults: { fillMode: FillMode; interpolation: 'nearest' | 'bilinear' }) {
    super(args);
    this.fillMode = args.fillMode ?? defaults.fillMode;
    this.interpolation = args.interpolation ?? defaults.interpolation;
    this.fillValue = args.fillValue ?? 0;
    if (typeof this.fillValue !== 'number' || Number.isNaN(this.fillValue)) throw new Error(`Layer "${this.name}": fillValue must be a number, got ${JSON.stringify(args.fillValue)}`);
    this.seed = args.seed;
    if (!FILL_MODES.includes(this.fillMode)) throw new Error(`Layer "${this.name}": fillMode must be one of ${FILL_MODES.join(', ')}, got '${this.fillMode}'`);
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') throw new Error(`Layer "${this.name}": interpolation must be 'nearest' or 'bilinear', got '${this.interpolation}'`);
    this.generator = new SeedGenerator(args.seed);
  }
  protected abstract info(batch: number, height: number, width: number): AugmentInfo | null;
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training) return x;
    if (x.rank !== 3 && x.rank !== 4) throw new Error(`Layer "${this.name}": expected images [batch, height, width, channels] or one image [height, width, channels], got shape ${formatShape(x.shape)}`);
    const images = x.rank === 3 ? x.reshape([1, ...x.shape]) : x;
    const [batch, height, width] = images.shape;
    const info = this.info(batch, height, width);
    if (!info) return x;
    const u = ops.randomUniform([batch, info.kind === 'rotate' ? 1 : 2], this.generator);
    const y = ops.imageTransform(images, ops.augmentTransforms(u, info), { interpolation: this.interpolation, fillMode: this.fillMode, fillValue: this.fillValue });
    return x.rank === 3 ? y.reshape(x.shape) : y;
  }
  override computeOutputShape(shape: (number | null)[]): (number | null)[] { return shape; }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue, seed: this.seed ?? null };
  }
}

export interface RandomFlipArgs extends LayerArgs { mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical'; seed?: number }

/** Flips each image left-right and/or up-down with probability 1/2 each. */
export class RandomFlip extends RandomGeometric {
  static override readonly className = 'RandomFlip';
  readonly mode: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  constructor(args: RandomFlipArgs = {}) {
    checkOptions('RandomFlip', args, ['mode', 'seed']);
    super(args, { fillMode: 'constant', interpolation: 'nearest' });
    this.mode = args.mode ?? 'horizontal_and_vertical';
    if (!['horizontal', 'vertical', 'horizontal_and_vertical'].includes(this.mode)) throw new Error(`Layer "${this.name}": mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', got '${this.mode}'`);
  }
  protected info(batch: number, height: number, width: number): AugmentInfo {
    return { kind: 'flip', batch, height, width, params: [this.mode === 'vertical' ? 0 : 1, this.mode === 'horizontal' ? 0 : 1] };
  }
  override getConfig(): Record<string, unknown> { return { ...Layer.prototype.getConfig.call(this), mode: this.mode, seed: this.seed ?? null }; }
}

export interface RandomTranslationArgs extends GeometricArgs { heightFactor: Factor; widthFactor: Factor }

/** Shifts each image by up to heightFactor * height and widthFactor * width pixels. */
export class RandomTranslation extends RandomGeometric {
  static override readonly className = 'RandomTranslation';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  constructor(args: RandomTranslationArgs) {
    checkOptions('RandomTranslation', args, ['heightFactor', 'widthFactor', 'fillMode', 'interpolation', 'fillValue', 'seed']);
    super(args, { fillMode: 'reflect', interpolation: 'bilinear' });
    if (args.heightFactor === undefined || args.widthFactor === undefined) throw new Error(`Layer "${this.name}": heightFactor and widthFactor are required (e.g. 0.1 for up to 10%)`);
    this.heightFactor = range(this.name, 'heightFactor', args.heightFactor);
    this.widthFactor = range(this.name, 'widthFactor', args.widthFactor);
  }
  protected info(batch: number, height: number, width: number): AugmentInfo {
    return { kind: 'translate', batch, height, width, params: [...this.heightFactor, ...this.widthFactor, 0] };
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor }; }
}

export interface RandomZoomArgs extends GeometricArgs { heightFactor: Factor; widthFactor?: Factor | null }

/** Zooms each image by 1 + a factor drawn from heightFactor (widthFactor, or the same factor when null). */
export class RandomZoom extends RandomGeometric {
  static override readonly className = 'RandomZoom';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number] | null;
  constructor(args: RandomZoomArgs) {
    checkOptions('RandomZoom', args, ['heightFactor', 'widthFactor', 'fillMode', 'interpolation', 'fillValue', 'seed']);
    super(args, { fillMode: 'reflect', interpolation: 'bilinear' });
    if (args.heightFactor === undefined) throw new Error(`Layer "${this.name}": heightFactor is required (e.g. 0.2, or [-0.3, 0.2])`);
    this.heightFactor = range(this.name, 'heightFactor', args.heightFactor, -1, Infinity);
    this.widthFactor = args.widthFactor === undefined || args.widthFactor === null ? null : range(this.name, 'widthFactor', args.widthFactor, -1, Infinity);
  }
  protected info(batch: number, height: number, width: number): AugmentInfo {
    return { kind: 'zoom', batch, height, width, params: [...this.heightFactor, ...(this.widthFactor ?? [0, 0]), this.widthFactor ? 0 : 1] };
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor }; }
}

export interface RandomRotationArgs extends GeometricArgs { factor: Factor }

/** Rotates each image about its center by factor * 2π (a fraction of a turn). */
export class RandomRotation extends RandomGeometric {
  static override readonly className = 'RandomRotation';
  readonly factor: [number, number];
  constructor(args: RandomRotationArgs) {
    checkOptions('RandomRotation', args, ['factor', 'fillMode', 'interpolation', 'fillValue', 'seed']);
    super(args, { fillMode: 'reflect', interpolation: 'bilinear' });
    if (args.factor === undefined) throw new Error(`Layer "${this.name}": factor is required (e.g. 0.1 for up to a tenth of a turn)`);
    this.factor = range(this.name, 'factor', args.factor, -Infinity, Infinity);
  }
  protected info(batch: number, height: number, width: number): AugmentInfo {
    return { kind: 'rotate', batch, height, width, params: this.factor };
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), factor: this.factor }; }
}

export interface RandomCropArgs extends LayerArgs { height: number; width: number; seed?: number }

/**
 * Crops a random height x width window while training (one offset for the whole batch, as
 * Keras 3); in inference, and for inputs smaller than the window, Keras's smart_resize: the
 * largest centered window of the target's aspect ratio, resized bilinearly.
 */
export class RandomCrop extends Layer {
  static override readonly className = 'RandomCrop';
  readonly height: number;
  readonly width: number;
  readonly seed: number | undefined;
  protected readonly generator: SeedGenerator;
  constructor(args: RandomCropArgs) {
    checkOptions('RandomCrop', args, ['height', 'width', 'seed']);
    super(args);
    for (const k of ['height', 'width'] as const) {
      if (!Number.isInteger(args?.[k]) || args[k] < 1) throw new Error(`Layer "${this.name}": ${k} must be a positive integer, got ${String(args?.[k])}`);
    }
    this.height = args.height;
    this.width = args.width;
    this.seed = args.seed;
    this.generator = new SeedGenerator(args.seed);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (x.rank !== 3 && x.rank !== 4) throw new Error(`Layer "${this.name}": expected images [batch, height, width, channels] or one image [height, width, channels], got shape ${formatShape(x.shape)}`);
    const images = x.rank === 3 ? x.reshape([1, ...x.shape]) : x;
    const [batch, h, w, c] = images.shape;
    let y: Tensor;
    if (training && h >= this.height && w >= this.width) {
      const u = ops.randomUniform([1, 2], this.generator);
      const t = ops.augmentTransforms(u, { kind: 'crop', batch: 1, height: h, width: w, params: [h - this.height, w - this.width] });
      y = ops.imageTransform(images, t, { interpolation: 'nearest', fillMode: 'constant', outputShape: [this.height, this.width] });
    } else {
      const cropH = Math.min(h, Math.trunc((w * this.height) / this.width)), cropW = Math.min(w, Math.trunc((h * this.width) / this.height));
      const window = ops.slice(images, [0, Math.trunc((h - cropH) / 2), Math.trunc((w - cropW) / 2), 0], [batch, cropH, cropW, c]);
      y = ops.resize(window, [this.height, this.width], 'bilinear');
    }
    return x.rank === 3 ? y.reshape(y.shape.slice(1)) : y;
  }
  override computeOutputShape(shape: (number | null)[]): (number | null)[] {
    return shape.length === 4 ? [shape[0], this.height, this.width, shape[3]] : [this.height, this.width, shape[shape.length - 1]];
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), height: this.height, width: this.width, seed: this.seed ?? null }; }
}

export interface ColorArgs extends LayerArgs { factor: Factor; valueRange?: [number, number]; seed?: number }

/** Shared by the color layers: per-image factors [batch, 1, 1, 1] drawn in [lo, hi]. */
abstract class RandomColor extends Layer {
  readonly valueRange: [number, number];
  readonly seed: number | undefined;
  protected readonly generator: SeedGenerator;
  constructor(args: ColorArgs) {
    super(args);
    this.valueRange = args.valueRange ?? [0, 255];
    const vr = this.valueRange as unknown;
    if (!Array.isArray(vr) || vr.length !== 2 || !vr.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(this.valueRange[0] < this.valueRange[1])) throw new Error(`Layer "${this.name}": valueRange must be [low, high], two finite numbers with low < high, got ${JSON.stringify(this.valueRange)}`);
    this.seed = args.seed;
    this.generator = new SeedGenerator(args.seed);
  }
  protected draw(x: Tensor, [lo, hi]: [number, number]): Tensor {
    return ops.randomUniform(x.rank === 4 ? [x.shape[0], 1, 1, 1] : [1, 1, 1], this.generator, { minval: lo, maxval: hi, dtype: x.dtype === 'float64' ? 'float64' : 'float32' });
  }
  protected checkRank(x: Tensor): void {
    if (x.rank !== 3 && x.rank !== 4) throw new Error(`Layer "${this.name}": expected images [batch, height, width, channels] or one image [height, width, channels], got shape ${formatShape(x.shape)}`);
  }
  override computeOutputShape(shape: (number | null)[]): (number | null)[] { return shape; }
}

/** Scales each image's deviation from its per-channel mean by a factor in [1 - lower, 1 + upper], then clips to valueRange. */
export class RandomContrast extends RandomColor {
  static override readonly className = 'RandomContrast';
  readonly factor: [number, number];
  constructor(args: ColorArgs) {
    checkOptions('RandomContrast', args, ['factor', 'valueRange', 'seed']);
    super(args);
    if (args.factor === undefined) throw new Error(`Layer "${this.name}": factor is required (e.g. 0.2)`);
    const f = typeof args.factor === 'number' ? [args.factor, args.factor] : args.factor;
    if (!(f[0] >= 0 && f[0] <= 1 && f[1] >= 0)) throw new Error(`Layer "${this.name}": factor must be a number in [0, 1] or [lower, upper] with 0 <= lower <= 1 and upper >= 0, got ${JSON.stringify(args.factor)}`);
    this.factor = [f[0], f[1]];
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training) return x;
    this.checkRank(x);
    if (this.factor[0] === 0 && this.factor[1] === 0) return x;
    const factor = this.draw(x, [1 - this.factor[0], 1 + this.factor[1]]);
    const means = ops.mean(x, x.rank === 4 ? [1, 2] : [0, 1], true);
    return ops.clip(ops.add(ops.mul(ops.sub(x, means), factor), means), this.valueRange[0], this.valueRange[1]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), factor: this.factor, valueRange: this.valueRange, seed: this.seed ?? null }; }
}

/** Adds delta * (high - low) to each image, delta drawn in the factor's range ([-f, f] for a number), then clips to valueRange. */
export class RandomBrightness extends RandomColor {
  static override readonly className = 'RandomBrightness';
  readonly factor: [number, number];
  constructor(args: ColorArgs) {
    checkOptions('RandomBrightness', args, ['factor', 'valueRange', 'seed']);
    // Keras's RandomBrightness sorts valueRange (RandomContrast does not).
    const vr = args.valueRange as unknown;
    super(Array.isArray(vr) && vr.length === 2 ? { ...args, valueRange: [Math.min(vr[0], vr[1]), Math.max(vr[0], vr[1])] } : args);
    if (args.factor === undefined) throw new Error(`Layer "${this.name}": factor is required (e.g. 0.2)`);
    this.factor = range(this.name, 'factor', args.factor);
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training) return x;
    this.checkRank(x);
    if (this.factor[0] === this.factor[1]) return this.factor[0] === 0 ? x : ops.clip(ops.add(x, this.factor[0] * (this.valueRange[1] - this.valueRange[0])), this.valueRange[0], this.valueRange[1]);
    const delta = ops.mul(this.draw(x, this.factor), this.valueRange[1] - this.valueRange[0]);
    return ops.clip(ops.add(x, delta), this.valueRange[0], this.valueRange[1]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), factor: this.factor, valueRange: this.valueRange, seed: this.seed ?? null }; }
}

registerLayers(RandomFlip, RandomTranslation, RandomZoom, RandomRotation, RandomCrop, RandomContrast, RandomBrightness);
