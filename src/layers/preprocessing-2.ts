// TF.js's other preprocessing layers: CategoryEncoding (token indices to one-hot, multi-hot or
// count rows) and RandomWidth / RandomHeight (a random resize of one image axis while training,
// as Keras 2's; the identity in inference; Keras 3 has neither, and TF.js 4.22's RandomWidth
// resizes in inference too and cannot be added to a model: its shape rule returns -1).
//
// A random resize changes the output's shape, which no kernel can draw: the size is drawn in
// JavaScript from the layer's own seeded stream, before a compiled training step
// (`drawShapes`, part of the plan key: one plan per drawn size) or in the call when eager, so
// compiled and eager runs draw the same sizes in the same order.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { Random, random } from '../core/random.ts';
import * as ops from '../ops/index.ts';
import { invalid, oneOf, positiveInts } from './args.ts';
import { Layer, type CallArgs, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

export type CategoryOutputMode = 'oneHot' | 'multiHot' | 'count';
const MODES: readonly CategoryOutputMode[] = ['oneHot', 'multiHot', 'count'];
/** Keras's spellings (files write one_hot, multi_hot; Keras 2's 'binary' is multi_hot). */
const KERAS_MODES: Record<string, CategoryOutputMode> = { one_hot: 'oneHot', multi_hot: 'multiHot', binary: 'multiHot' };

export interface CategoryEncodingArgs extends LayerArgs { numTokens: number; outputMode?: CategoryOutputMode }

/**
 * Token indices in [0, numTokens) (integers, or floats truncated as TF.js casts them) to rows of
 * numTokens: 'oneHot' encodes each index ([batch] or [batch, 1] -> [batch, numTokens]);
 * 'multiHot' marks, and 'count' counts, the tokens of each sample's last axis
 * ([batch, k] -> [batch, numTokens]; [k] is one sample). An index outside the range is an error.
 */
export class CategoryEncoding extends Layer {
  static override readonly className = 'CategoryEncoding';
  readonly numTokens: number;
  readonly outputMode: CategoryOutputMode;
  constructor(args: CategoryEncodingArgs) {
    checkOptions('CategoryEncoding', args, ['numTokens', 'outputMode']);
    super(args);
    this.numTokens = positiveInts(this.name, 'numTokens', args?.numTokens, 1)[0];
    const mode = args.outputMode ?? 'multiHot';
    this.outputMode = oneOf(this.name, 'outputMode', KERAS_MODES[mode] ?? mode, MODES);
  }

  /** The indices as a [rows, k] matrix, with the output's shape; errors name the rank rule. */
  private layout(shape: ShapeSpec): { out: ShapeSpec; appends: boolean } {
    const oneHot = this.outputMode === 'oneHot';
    const appends = shape.length === 0 || (oneHot && (shape.length === 1 || shape[shape.length - 1] !== 1));
    const outRank = appends ? shape.length + 1 : shape.length;
    if (outRank > 2 || (oneHot && appends && shape.length > 1)) {
      throw new Error(`Layer "${this.name}" (CategoryEncoding, outputMode '${this.outputMode}'): the output is at most [batch, numTokens], ` +
        `so the input must be ${oneHot ? '[batch] or [batch, 1] (one index per sample)' : '[batch, k] (k indices per sample) or [k]'}; got ${formatShape(shape)}`);
    }
    return { out: appends ? [...shape, this.numTokens] : [...shape.slice(0, -1), this.numTokens], appends };
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec { return this.layout(s).out; }

  call(x: Tensor): Tensor {
    const { out } = this.layout(x.shape);
    const idx = x.dtype === 'int32' ? x : ops.cast(x, 'int32');
    // Checked here with the layer's name; the oneHot kernel checks again on every compiled replay.
    for (let i = 0; i < idx.size; i++) {
      const v = idx.data[i];
      if (!(v >= 0 && v < this.numTokens)) {
        throw new Error(`Layer "${this.name}" (CategoryEncoding): input values must be token indices in [0, ${this.numTokens}) (numTokens=${this.numTokens}); ` +
          `got ${x.data[i]} at position ${i}. Raise numTokens, or map the values to indices first`);
      }
    }
    const rows = ops.oneHot(idx, this.numTokens, 1, 0, 'float32'); // [..., numTokens]
    if (this.outputMode === 'oneHot') return ops.reshape(rows, out as number[]);
    const counts = x.rank === 0 ? rows : ops.sum(rows, [x.rank - 1]);
    return ops.reshape(this.outputMode === 'count' ? counts : ops.minimum(counts, 1), out as number[]);
  }

  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode }; }
}

type Factor = number | [number, number];
export interface RandomResizeArgs extends LayerArgs { factor: Factor; interpolation?: 'bilinear' | 'nearest'; seed?: number | null }

/** RandomWidth and RandomHeight: one image axis resized by 1 + a factor drawn per training batch. */
abstract class RandomAxisResize extends Layer {
  readonly factor: Factor;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly seed: number | undefined;
  private readonly lower: number;
  private readonly upper: number;
  private readonly streamSeed: number;
  /** Draws made so far (the stream's position: factor i comes from (seed, i)). */
  private draws = 0;
  /** The factor drawShapes drew for the next training call. */
  private pending: number | undefined;
  /** The axis' size at the last build or call (what a plan key's drawn size is computed from). */
  private lastSize: number | null = null;
  protected abstract readonly axisName: 'height' | 'width';

  constructor(className: string, args: RandomResizeArgs) {
    checkOptions(className, args, ['factor', 'interpolation', 'seed']);
    super(args);
    const f = args?.factor;
    const [lo, hi] = typeof f === 'number' ? [-f, f] : Array.isArray(f) && f.length === 2 ? f : [NaN, NaN];
    if (!(typeof f === 'number' ? f >= 0 : true) || !(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && lo >= -1)) {
      throw invalid(this.name, 'factor', 'a number >= 0 (resize by up to that fraction each way), or [lower, upper] with -1 <= lower <= upper', f);
    }
    this.factor = typeof f === 'number' ? f : [lo, hi];
    [this.lower, this.upper] = [lo, hi];
    this.interpolation = oneOf(this.name, 'interpolation', args.interpolation ?? 'bilinear', ['bilinear', 'nearest'] as const);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) throw invalid(this.name, 'seed', 'an integer or null', args.seed);
    this.seed = args.seed ?? undefined;
    this.streamSeed = this.seed ?? random().int(2 ** 32);
  }

  private get axis(): number { return this.axisName === 'height' ? 1 : 2; }
  private factorAt(i: number): number { return new Random((this.streamSeed + Math.imul(i + 1, 0x9e3779b1)) >>> 0).uniform(1 + this.lower, 1 + this.upper); }
  /** Keras 2's size: trunc(factor * size), at least 1. */
  private sizeFor(factor: number, size: number): number { return Math.max(1, Math.trunc(factor * size)); }

  override build(inputShape: ShapeSpec): void {
    this.lastSize = inputShape.length === 4 ? inputShape[this.axis] : inputShape.length === 3 ? inputShape[this.axis - 1] : null;
    this.built = true;
  }

  override drawShapes(): string {
    this.pending = this.factorAt(this.draws++);
    return `|${this.name}:${this.lastSize}->${this.lastSize === null ? this.pending : this.sizeFor(this.pending, this.lastSize)}`;
  }

  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (x.rank !== 3 && x.rank !== 4) throw new Error(`Layer "${this.name}" (${this.className}): expected images [batch, height, width, channels] or one image [height, width, channels], got shape ${formatShape(x.shape)}`);
    if (!training) return x;
    const images = x.rank === 3 ? ops.reshape(x, [1, ...x.shape]) : x;
    const size = images.shape[this.axis];
    // The factor drawShapes drew for this step; otherwise (eager) the next one. A trace that no
    // drawShapes preceded (a layer calling this one inside its own call) draws too: its plan's
    // second trace then draws another size, and the plan cache refuses the step loudly.
    const factor = this.pending ?? this.factorAt(this.draws++);
    this.pending = undefined;
    this.lastSize = size;
    const [h, w] = [images.shape[1], images.shape[2]];
    const target: [number, number] = this.axisName === 'height' ? [this.sizeFor(factor, h), w] : [h, this.sizeFor(factor, w)];
    const y = ops.resize(images, target, this.interpolation);
    return x.rank === 3 ? ops.reshape(y, y.shape.slice(1)) : y;
  }

  /** The resized axis is unknown (random while training), as Keras 2 says. */
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    if (s.length !== 3 && s.length !== 4) throw new Error(`Layer "${this.name}" (${this.className}): expected images [batch, height, width, channels] or one image [height, width, channels], got shape ${formatShape(s)}`);
    const axis = s.length === 4 ? this.axis : this.axis - 1;
    return s.map((d, i) => (i === axis ? null : d));
  }

  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), factor: this.factor, interpolation: this.interpolation, seed: this.seed ?? null }; }
}

/** Resizes the width of each training batch by 1 + a factor in [lower, upper] (the identity in inference). */
export class RandomWidth extends RandomAxisResize {
  static override readonly className = 'RandomWidth';
  protected readonly axisName = 'width';
  constructor(args: RandomResizeArgs) { super('RandomWidth', args); }
}

/** Resizes the height of each training batch by 1 + a factor in [lower, upper] (the identity in inference). */
export class RandomHeight extends RandomAxisResize {
  static override readonly className = 'RandomHeight';
  protected readonly axisName = 'height';
  constructor(args: RandomResizeArgs) { super('RandomHeight', args); }
}

registerLayers(CategoryEncoding, RandomWidth, RandomHeight);
