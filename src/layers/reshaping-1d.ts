// ZeroPadding1D, Cropping1D, UpSampling1D: the 2D layers' counterparts for sequences
// [batch, steps, features], as Keras has them (1D convnets for audio and time series).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { nonNegativeInts, positiveInts } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

type Ends = [number, number];

export interface ZeroPadding1DArgs extends LayerArgs { padding?: number | readonly [number, number] }

/** Zeros before and after the steps axis: n on each side, or [before, after]. */
export class ZeroPadding1D extends Layer {
  static override readonly className = 'ZeroPadding1D';
  readonly padding: Ends;
  constructor(args: ZeroPadding1DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['padding']);
    this.padding = nonNegativeInts(this.name, 'padding', args.padding ?? 1, 2) as Ends;
    this.inputSpec = { ndim: 3 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], s[1] === null ? null : s[1] + this.padding[0] + this.padding[1], s[2]]; }
  call(x: Tensor): Tensor { return ops.pad(x, [[0, 0], this.padding, [0, 0]]); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), padding: this.padding }; }
}

export interface Cropping1DArgs extends LayerArgs { cropping?: number | readonly [number, number] }

/** Removes steps from the start and the end: n from each, or [start, end] (Keras's default [1, 1]). */
export class Cropping1D extends Layer {
  static override readonly className = 'Cropping1D';
  readonly cropping: Ends;
  constructor(args: Cropping1DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['cropping']);
    this.cropping = nonNegativeInts(this.name, 'cropping', args.cropping ?? 1, 2) as Ends;
    this.inputSpec = { ndim: 3 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [start, end] = this.cropping;
    if (s[1] !== null && start + end >= s[1]) {
      throw new Error(`Layer "${this.name}": cropping [${start}, ${end}] removes all ${s[1]} steps of input shape ${formatShape(s)}: crop fewer than the input's steps`);
    }
    return [s[0], s[1] === null ? null : s[1] - start - end, s[2]];
  }
  call(x: Tensor): Tensor {
    const steps = this.computeOutputShape(x.shape)[1] as number;
    return ops.slice(x, [0, this.cropping[0], 0], [x.shape[0], steps, x.shape[2]]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), cropping: this.cropping }; }
}

export interface UpSampling1DArgs extends LayerArgs { size?: number }

/** Repeats each step `size` times (Keras's UpSampling1D: nearest, no interpolation). */
export class UpSampling1D extends Layer {
  static override readonly className = 'UpSampling1D';
  readonly size: number;
  constructor(args: UpSampling1DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['size']);
    this.size = positiveInts(this.name, 'size', args.size ?? 2, 1)[0];
    this.inputSpec = { ndim: 3 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [s[0], s[1] === null ? null : s[1] * this.size, s[2]]; }
  call(x: Tensor): Tensor {
    // As an image one pixel wide: nearest resizing repeats each row `size` times, exactly.
    const [n, steps, c] = x.shape;
    return ops.resize(x.reshape([n, steps, 1, c]), [steps * this.size, 1], 'nearest').reshape([n, steps * this.size, c]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), size: this.size }; }
}

registerLayers(ZeroPadding1D, Cropping1D, UpSampling1D);
