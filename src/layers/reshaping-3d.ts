// ZeroPadding3D, Cropping3D, UpSampling3D: the 2-D layers' counterparts for volumes
// [batch, depth, height, width, channels] (channels-last), as Keras has them.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { channelsLast, nonNegativeInts, positiveInts } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

type Pair = [number, number];
type Sides3 = [Pair, Pair, Pair];
type Sides3Arg = number | readonly [number, number, number] | readonly [readonly [number, number], readonly [number, number], readonly [number, number]];

/** Keras's three spellings: n, [depth, height, width] (each both sides), or three [before, after] pairs. */
function sides3(layer: string, arg: string, v: Sides3Arg): Sides3 {
  if (Array.isArray(v) && v.length === 3 && v.every((p) => Array.isArray(p))) {
    return (v as readonly unknown[]).map((p) => nonNegativeInts(layer, arg, p, 2)) as Sides3;
  }
  const [d, h, w] = nonNegativeInts(layer, arg, v, 3);
  return [[d, d], [h, h], [w, w]];
}

export interface ZeroPadding3DArgs extends LayerArgs { padding?: Sides3Arg; dataFormat?: string }

/** Zeros before and after the depth, height and width axes (Keras's default: 1 on every side). */
export class ZeroPadding3D extends Layer {
  static override readonly className = 'ZeroPadding3D';
  readonly padding: Sides3;
  constructor(args: ZeroPadding3DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['padding', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.padding = sides3(this.name, 'padding', args.padding ?? 1);
    this.inputSpec = { ndim: 5 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], ...this.padding.map(([b, a], i) => (s[i + 1] === null ? null : (s[i + 1] as number) + b + a)), s[4]];
  }
  call(x: Tensor): Tensor { return ops.pad(x, [[0, 0], ...this.padding, [0, 0]]); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), padding: this.padding, dataFormat: 'channelsLast' }; }
}

export interface Cropping3DArgs extends LayerArgs { cropping?: Sides3Arg; dataFormat?: string }

/** Removes elements from the start and end of the depth, height and width axes (Keras's default: 1 from each). */
export class Cropping3D extends Layer {
  static override readonly className = 'Cropping3D';
  readonly cropping: Sides3;
  constructor(args: Cropping3DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['cropping', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.cropping = sides3(this.name, 'cropping', args.cropping ?? 1);
    this.inputSpec = { ndim: 5 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const out = this.cropping.map(([before, after], i) => {
      const d = s[i + 1];
      if (d === null) return null;
      if (before + after >= d) {
        throw new Error(`Layer "${this.name}": cropping ${JSON.stringify(this.cropping)} removes all of axis ${i + 1} (size ${d}) of input shape ${formatShape(s)}: crop less than the input's size`);
      }
      return d - before - after;
    });
    return [s[0], ...out, s[4]];
  }
  call(x: Tensor): Tensor {
    const [, d, h, w] = this.computeOutputShape(x.shape) as number[];
    return ops.slice(x, [0, ...this.cropping.map((c) => c[0]), 0], [x.shape[0], d, h, w, x.shape[4]]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), cropping: this.cropping, dataFormat: 'channelsLast' }; }
}

export interface UpSampling3DArgs extends LayerArgs { size?: number | [number, number, number]; dataFormat?: string }

/** Repeats each element size[0] times along depth, size[1] along height, size[2] along width (Keras's repeat_elements). */
export class UpSampling3D extends Layer {
  static override readonly className = 'UpSampling3D';
  readonly size: [number, number, number];
  constructor(args: UpSampling3DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['size', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.size = positiveInts(this.name, 'size', args.size ?? 2, 3) as [number, number, number];
    this.inputSpec = { ndim: 5 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], ...this.size.map((k, i) => (s[i + 1] === null ? null : (s[i + 1] as number) * k)), s[4]];
  }
  call(x: Tensor): Tensor {
    // Nearest resizing by an integer factor repeats each row exactly (the 2-D layer's kernel):
    // the planes [n * d, h, w, c] first, then the depth of [n, d, h' * w', c] (its width kept).
    const [n, d, h, w, c] = x.shape, [sd, sh, sw] = this.size;
    let planes = ops.reshape(x, [n * d, h, w, c]);
    if (sh * sw !== 1) planes = ops.resize(planes, [h * sh, w * sw], 'nearest');
    let volume = ops.reshape(planes, [n, d, h * sh * w * sw, c]);
    if (sd !== 1) volume = ops.resize(volume, [d * sd, h * sh * w * sw], 'nearest');
    return ops.reshape(volume, [n, d * sd, h * sh, w * sw, c]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), size: this.size, dataFormat: 'channelsLast' }; }
}

registerLayers(ZeroPadding3D, Cropping3D, UpSampling3D);
