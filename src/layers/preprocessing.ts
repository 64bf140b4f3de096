// Preprocessing inside the model, as Keras 3 has it: Rescaling, Normalization (with adapt),
// Resizing and CenterCrop.
import { formatShape, sizeOf } from '../core/shape.ts';
import { Tensor, tensor, type Variable } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { booleanArg, finiteNumber, invalid, oneOf, positiveInts } from './args.ts';
import { initializers } from './initializers.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

const float = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));

export interface RescalingArgs extends LayerArgs { scale: number; offset?: number }

/** x * scale + offset (e.g. scale 1/255 for pixel values). */
export class Rescaling extends Layer {
  static override readonly className = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: RescalingArgs) {
    super(args);
    checkOptions(this.name, args, ['scale', 'offset']);
    this.scale = finiteNumber(this.name, 'scale', args?.scale);
    this.offset = finiteNumber(this.name, 'offset', args.offset ?? 0);
  }
  call(x: Tensor): Tensor {
    const y = ops.mul(float(x), this.scale);
    return this.offset === 0 ? y : ops.add(y, this.offset);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), scale: this.scale, offset: this.offset }; }
}

export interface NormalizationArgs extends LayerArgs {
  axis?: number | number[] | null;
  mean?: number | number[] | null;
  variance?: number | number[] | null;
  invert?: boolean;
}

/** Keras's backend epsilon: the smallest standard deviation Normalization divides by. */
const EPSILON = 1e-7;

/**
 * (x - mean) / max(sqrt(variance), 1e-7) per feature along `axis` (or the inverse). The
 * statistics are given, or learned by adapt(data) into two non-trainable weights.
 */
export class Normalization extends Layer {
  static override readonly className = 'Normalization';
  readonly axis: number[];
  readonly invert: boolean;
  private readonly givenMean: number[] | null;
  private readonly givenVariance: number[] | null;
  private mean?: Tensor;
  private variance?: Tensor;
  private keptAxes: number[] = [];
  constructor(args: NormalizationArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['axis', 'mean', 'variance', 'invert']);
    const axis = args.axis === undefined ? [-1] : args.axis === null ? [] : typeof args.axis === 'number' ? [args.axis] : [...args.axis];
    if (axis.some((a) => !Number.isInteger(a))) throw invalid(this.name, 'axis', 'an integer axis, a list of them, or null', args.axis);
    this.axis = axis;
    this.invert = booleanArg(this.name, 'invert', args.invert, false);
    const list = (v: number | number[] | null | undefined): number[] | null => (v === undefined || v === null ? null : typeof v === 'number' ? [v] : [...v]);
    this.givenMean = list(args.mean);
    this.givenVariance = list(args.variance);
    if ((this.givenMean === null) !== (this.givenVariance === null)) {
      throw invalid(this.name, this.givenMean === null ? 'mean' : 'variance', 'both mean and variance, or neither (then call adapt())', this.givenMean === null ? args.mean : args.variance);
    }
    if (this.givenMean?.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw invalid(this.name, 'mean', 'finite numbers', args.mean);
    if (this.givenVariance?.some((v) => typeof v !== 'number' || !(v >= 0 && v < Infinity))) throw invalid(this.name, 'variance', 'non-negative numbers', args.variance);
  }
  override build(inputShape: ShapeSpec): void {
    const rank = inputShape.length;
    this.keptAxes = this.axis.map((a) => (a < 0 ? a + rank : a));
    if (this.keptAxes.some((a) => a < 1 || a >= rank)) throw new Error(`Layer "${this.name}": axis ${JSON.stringify(this.axis)} is not a feature axis of input shape ${formatShape(inputShape)}`);
    const shape = this.keptAxes.map((a) => inputShape[a]);
    if (shape.some((d) => d === null)) throw new Error(`Layer "${this.name}": the axes it keeps must be known to build, got ${formatShape(inputShape)}`);
    const size = sizeOf(shape as number[]);
    if (this.givenMean && this.givenVariance) {
      // Given statistics are constants of the model (Keras keeps them as constants too).
      const fit = (v: number[], what: string): Tensor => {
        if (v.length !== 1 && v.length !== size) throw invalid(this.name, what, `one value or ${size} (the size of the kept axes ${formatShape(shape)})`, v);
        return tensor(v.length === 1 ? Array<number>(size).fill(v[0]) : v, shape as number[]);
      };
      this.mean = fit(this.givenMean, 'mean');
      this.variance = fit(this.givenVariance, 'variance');
    } else {
      this.mean = this.addWeight('mean', shape as number[], initializers.zeros(), false);
      this.variance = this.addWeight('variance', shape as number[], initializers.ones(), false);
    }
    this.built = true;
  }

  /** Learns mean and variance from data (all samples, every axis but the kept ones), as Keras's adapt. */
  adapt(data: Tensor): void {
    if (this.givenMean) throw new Error(`Layer "${this.name}": adapt() cannot change the mean and variance given to the constructor`);
    if (!this.built) { this.build([null, ...data.shape.slice(1)]); this.built = true; }
    this.assertInputCompatible(data.shape);
    const reduced = data.shape.map((_, i) => i).filter((i) => !this.keptAxes.includes(i));
    const x = data.cast('float64');
    const mean = ops.mean(x, reduced, true);
    const variance = ops.mean(ops.square(ops.sub(x, mean)), reduced);
    (this.mean as Variable).assign(ops.reshape(mean, this.mean!.shape).cast('float32'));
    (this.variance as Variable).assign(ops.reshape(variance, this.variance!.shape).cast('float32'));
  }

  call(x: Tensor): Tensor {
    const kept = this.keptAxes.map((a) => x.shape[a]);
    if (x.rank <= Math.max(0, ...this.keptAxes) || kept.some((d, i) => d !== this.mean!.shape[i])) {
      throw new Error(`Layer "${this.name}": input shape ${formatShape(x.shape)} does not match the statistics' shape ${formatShape(this.mean!.shape)} along axis ${JSON.stringify(this.axis)}`);
    }
    const shape = x.shape.map((d, i) => (this.keptAxes.includes(i) ? d : 1));
    const mean = ops.reshape(this.mean!, shape);
    const std = ops.maximum(ops.sqrt(ops.reshape(this.variance!, shape)), EPSILON);
    const xf = float(x);
    return this.invert ? ops.add(mean, ops.mul(xf, std)) : ops.div(ops.sub(xf, mean), std);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis, mean: this.givenMean, variance: this.givenVariance, invert: this.invert };
  }
}

type Interpolation = 'bilinear' | 'nearest';

/** A batch [n, h, w, c], or one image [h, w, c] (Keras 3's image layers take both) through f as a batch of one. */
function perBatch(x: Tensor, f: (images: Tensor) => Tensor): Tensor {
  if (x.rank === 4) return f(x);
  const y = f(ops.expandDims(x, 0));
  return ops.reshape(y, y.shape.slice(1));
}
/** The output shape of a layer that makes each image height x width. */
const imageShape = (s: ShapeSpec, height: number, width: number): ShapeSpec => (s.length === 3 ? [height, width, s[2]] : [s[0], height, width, s[3]]);

/** Keras 3's crop_to_aspect_ratio: the largest centered window with the target's aspect ratio. */
function aspectCrop(x: Tensor, height: number, width: number): Tensor {
  const [n, h, w, c] = x.shape;
  const cropH = Math.max(Math.min(h, Math.trunc((w * height) / width)), 1);
  const cropW = Math.max(Math.min(w, Math.trunc((h * width) / height)), 1);
  const top = Math.trunc((h - cropH) / 2), left = Math.trunc((w - cropW) / 2);
  if (cropH === h && cropW === w) return x;
  return ops.slice(x, [0, top, left, 0], [n, cropH, cropW, c]);
}

export interface ResizingArgs extends LayerArgs { height: number; width: number; interpolation?: Interpolation; cropToAspectRatio?: boolean }

/** Resizes images to height x width (half-pixel centers, as Keras 3's tf.image.resize). */
export class Resizing extends Layer {
  static override readonly className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: Interpolation;
  readonly cropToAspectRatio: boolean;
  constructor(args: ResizingArgs) {
    super(args);
    checkOptions(this.name, args, ['height', 'width', 'interpolation', 'cropToAspectRatio']);
    this.height = positiveInts(this.name, 'height', args?.height, 1)[0];
    this.width = positiveInts(this.name, 'width', args.width, 1)[0];
    this.interpolation = oneOf(this.name, 'interpolation', args.interpolation ?? 'bilinear', ['bilinear', 'nearest'] as const);
    this.cropToAspectRatio = booleanArg(this.name, 'cropToAspectRatio', args.cropToAspectRatio, false);
    this.inputSpec = { minNdim: 3, maxNdim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return imageShape(s, this.height, this.width); }
  call(input: Tensor): Tensor {
    return perBatch(input, (x) => ops.resize(this.cropToAspectRatio ? aspectCrop(float(x), this.height, this.width) : x, [this.height, this.width], this.interpolation));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation, cropToAspectRatio: this.cropToAspectRatio };
  }
}

export interface CenterCropArgs extends LayerArgs { height: number; width: number }

/** The central height x width window; smaller images are resized up (aspect-ratio crop first), as Keras 3. */
export class CenterCrop extends Layer {
  static override readonly className = 'CenterCrop';
  readonly height: number;
  readonly width: number;
  constructor(args: CenterCropArgs) {
    super(args);
    checkOptions(this.name, args, ['height', 'width']);
    this.height = positiveInts(this.name, 'height', args?.height, 1)[0];
    this.width = positiveInts(this.name, 'width', args.width, 1)[0];
    this.inputSpec = { minNdim: 3, maxNdim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return imageShape(s, this.height, this.width); }
  call(input: Tensor): Tensor { return perBatch(input, (x) => this.crop(x)); }
  private crop(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape;
    const dh = h - this.height, dw = w - this.width;
    const xf = float(x);
    if (dh < 0 || dw < 0) return ops.resize(aspectCrop(xf, this.height, this.width), [this.height, this.width], 'bilinear');
    return ops.slice(xf, [0, Math.floor(dh / 2), Math.floor(dw / 2), 0], [n, this.height, this.width, c]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), height: this.height, width: this.width }; }
}

registerLayers(Rescaling, Normalization, Resizing, CenterCrop);
