// ZeroPadding2D, Cropping2D, UpSampling2D, Permute, RepeatVector (channels-last).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { channelsLast, invalid, nonNegativeInts, oneOf, positiveInts } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

type Sides = [[number, number], [number, number]];
type SidesArg = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

/** Keras's three spellings of per-side sizes: n, [rows, cols], [[top, bottom], [left, right]]. */
function sides(layer: string, arg: string, v: SidesArg): Sides {
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[0])) {
    const [[t, b], [l, r]] = [nonNegativeInts(layer, arg, v[0], 2), nonNegativeInts(layer, arg, v[1], 2)];
    return [[t, b], [l, r]];
  }
  const [h, w] = nonNegativeInts(layer, arg, v, 2);
  return [[h, h], [w, w]];
}

export interface ZeroPadding2DArgs extends LayerArgs { padding?: SidesArg; dataFormat?: string }

export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  readonly padding: Sides;
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['padding', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.padding = sides(this.name, 'padding', args.padding ?? 1);
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [[t, b], [l, r]] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + t + b, s[2] === null ? null : s[2] + l + r, s[3]];
  }
  call(x: Tensor): Tensor { return ops.pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), padding: this.padding, dataFormat: 'channelsLast' }; }
}

export interface Cropping2DArgs extends LayerArgs { cropping?: SidesArg; dataFormat?: string }

export class Cropping2D extends Layer {
  static override readonly className = 'Cropping2D';
  readonly cropping: Sides;
  constructor(args: Cropping2DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['cropping', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.cropping = sides(this.name, 'cropping', args.cropping ?? 0);
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const out = [1, 2].map((a) => {
      const d = s[a], [before, after] = this.cropping[a - 1];
      if (d === null) return null;
      if (before + after >= d) {
        throw new Error(`Layer "${this.name}": cropping ${JSON.stringify(this.cropping)} removes all of axis ${a} (size ${d}) of input shape ${formatShape(s)}: crop less than the input's size`);
      }
      return d - before - after;
    });
    return [s[0], out[0], out[1], s[3]];
  }
  call(x: Tensor): Tensor {
    const [, h, w] = this.computeOutputShape(x.shape) as number[];
    return ops.slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [x.shape[0], h, w, x.shape[3]]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), cropping: this.cropping, dataFormat: 'channelsLast' }; }
}

export interface UpSampling2DArgs extends LayerArgs { size?: number | [number, number]; interpolation?: ops.Interpolation; dataFormat?: string }

/** Repeats rows and columns (nearest) or interpolates (bilinear, half-pixel centers as Keras 3). */
export class UpSampling2D extends Layer {
  static override readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: ops.Interpolation;
  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['size', 'interpolation', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.size = positiveInts(this.name, 'size', args.size ?? 2, 2) as [number, number];
    this.interpolation = oneOf(this.name, 'interpolation', args.interpolation ?? 'nearest', ['nearest', 'bilinear'] as const);
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], s[1] === null ? null : s[1] * this.size[0], s[2] === null ? null : s[2] * this.size[1], s[3]];
  }
  call(x: Tensor): Tensor {
    return ops.resize(x, [x.shape[1] * this.size[0], x.shape[2] * this.size[1]], this.interpolation);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, interpolation: this.interpolation, dataFormat: 'channelsLast' };
  }
}

export interface PermuteArgs extends LayerArgs { dims: number[] }

/** Reorders the axes after the batch: dims is a permutation of 1..rank-1 (Keras counts from 1). */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    super(args);
    checkOptions(this.name, args, ['dims']);
    const dims = args?.dims;
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : [];
    if (!Array.isArray(dims) || dims.length === 0 || sorted.some((d, i) => d !== i + 1)) {
      throw invalid(this.name, 'dims', 'a permutation of 1, 2, ..., n (the axes after the batch, counted from 1)', dims);
    }
    this.dims = [...dims];
    this.inputSpec = { ndim: dims.length + 1 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], ...this.dims.map((d) => s[d])]; }
  call(x: Tensor): Tensor { return ops.transpose(x, [0, ...this.dims]); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), dims: this.dims }; }
}

export interface RepeatVectorArgs extends LayerArgs { n: number }

/** [batch, features] -> [batch, n, features]. */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: RepeatVectorArgs) {
    super(args);
    checkOptions(this.name, args, ['n']);
    this.n = positiveInts(this.name, 'n', args?.n, 1)[0];
    this.inputSpec = { ndim: 2 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], this.n, s[1]]; }
  call(x: Tensor): Tensor {
    const [b, f] = x.shape;
    return ops.broadcastTo(ops.reshape(x, [b, 1, f]), [b, this.n, f]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), n: this.n }; }
}

registerLayers(ZeroPadding2D, Cropping2D, UpSampling2D, Permute, RepeatVector);
