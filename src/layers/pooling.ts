// Average pooling, global pooling and the 1-D poolings, channels-last. The 1-D layers run the
// 2-D kernels on [batch, steps, 1, channels].
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { outputSize, type Padding, type Pair } from '../ops/conv.ts';
import { channelsLast, paddingArg, positiveInts } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

const float = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));

/** Output sizes of the pooled axes, or a clear error when the window does not fit. */
export function pooledSizes(layer: Layer, s: ShapeSpec, axes: number[], pool: number[], strides: number[], padding: Padding): (number | null)[] {
  return axes.map((a, i) => {
    const d = s[a];
    if (d === null) return null;
    const out = outputSize(d, pool[i], strides[i], padding).out;
    if (out < 1) {
      throw new Error(`Layer "${layer.name}": the pooling window (poolSize=${JSON.stringify(pool)}) is larger than the input (shape ${formatShape(s)}) with padding '${padding}': use a smaller poolSize or padding 'same'`);
    }
    return out;
  });
}

export interface Pooling2DArgs extends LayerArgs { poolSize?: Pair; strides?: Pair | null; padding?: Padding; dataFormat?: string }

export class AveragePooling2D extends Layer {
  static override readonly className = 'AveragePooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  constructor(args: Pooling2DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['poolSize', 'strides', 'padding', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.poolSize = positiveInts(this.name, 'poolSize', (args.poolSize ?? 2) as number, 2) as [number, number];
    this.strides = positiveInts(this.name, 'strides', (args.strides ?? this.poolSize) as number, 2) as [number, number];
    this.padding = paddingArg(this.name, args.padding);
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [h, w] = pooledSizes(this, s, [1, 2], this.poolSize, this.strides, this.padding);
    return [s[0], h, w, s[3]];
  }
  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return ops.avgPool2d(x, this.poolSize, { strides: this.strides, padding: this.padding });
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast' };
  }
}

export interface Pooling1DArgs extends LayerArgs { poolSize?: number | [number]; strides?: number | [number] | null; padding?: Padding; dataFormat?: string }

abstract class Pooling1D extends Layer {
  readonly poolSize: [number];
  readonly strides: [number];
  readonly padding: Padding;
  protected abstract pool2d(x: Tensor, pool: [number, number], strides: [number, number], padding: Padding): Tensor;
  constructor(args: Pooling1DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['poolSize', 'strides', 'padding', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.poolSize = positiveInts(this.name, 'poolSize', args.poolSize ?? 2, 1) as [number];
    this.strides = positiveInts(this.name, 'strides', args.strides ?? this.poolSize, 1) as [number];
    this.padding = paddingArg(this.name, args.padding);
    this.inputSpec = { ndim: 3 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return [s[0], pooledSizes(this, s, [1], this.poolSize, this.strides, this.padding)[0], s[2]];
  }
  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const [n, steps, c] = x.shape;
    const y = this.pool2d(ops.reshape(float(x), [n, steps, 1, c]), [this.poolSize[0], 1], [this.strides[0], 1], this.padding);
    return ops.reshape(y, [n, y.shape[1], c]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast' };
  }
}

export class MaxPooling1D extends Pooling1D {
  static override readonly className = 'MaxPooling1D';
  protected pool2d(x: Tensor, pool: [number, number], strides: [number, number], padding: Padding): Tensor { return ops.maxPool2d(x, pool, { strides, padding }); }
}

export class AveragePooling1D extends Pooling1D {
  static override readonly className = 'AveragePooling1D';
  protected pool2d(x: Tensor, pool: [number, number], strides: [number, number], padding: Padding): Tensor { return ops.avgPool2d(x, pool, { strides, padding }); }
}

export interface GlobalPoolingArgs extends LayerArgs { keepdims?: boolean; dataFormat?: string }

/** Mean or max over every axis between batch and channels. */
export abstract class GlobalPooling extends Layer {
  readonly keepdims: boolean;
  protected abstract reduce(x: Tensor, axes: number[]): Tensor;
  /** rank: the input's, batch and channels included (3 for 1-D, 4 for 2-D, 5 for 3-D). */
  constructor(args: GlobalPoolingArgs, protected readonly rank: number) {
    super(args);
    checkOptions(this.name, args, ['keepdims', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: rank };
  }
  private get axes(): number[] { return Array.from({ length: this.rank - 2 }, (_, i) => i + 1); }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    return this.keepdims ? s.map((d, i) => (this.axes.includes(i) ? 1 : d)) : [s[0], s[s.length - 1]];
  }
  call(x: Tensor): Tensor {
    const y = this.reduce(float(x), this.axes);
    return this.keepdims ? ops.reshape(y, this.computeOutputShape(x.shape) as number[]) : y;
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), dataFormat: 'channelsLast', keepdims: this.keepdims }; }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 4); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.mean(x, axes); }
}
export class GlobalMaxPooling2D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 4); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.max(x, axes); }
}
export class GlobalAveragePooling1D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling1D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 3); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.mean(x, axes); }
}
export class GlobalMaxPooling1D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling1D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 3); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.max(x, axes); }
}

registerLayers(AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D);
