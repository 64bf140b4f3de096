// The 3-D poolings of volumes [batch, depth, height, width, channels] (channels-last), as Keras
// has them: MaxPooling3D and AveragePooling3D on ops/pool3d.ts (the 2-D pooling kernels over
// planes, then over depth), and the global ones as reductions over the three spatial axes.
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import type { Padding } from '../ops/conv.ts';
import type { Triple } from '../ops/pool3d.ts';
import { channelsLast, paddingArg, positiveInts } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { GlobalPooling, pooledSizes, type GlobalPoolingArgs } from './pooling.ts';
import { checkOptions, registerLayers } from './registry.ts';

export interface Pooling3DArgs extends LayerArgs { poolSize?: Triple; strides?: Triple | null; padding?: Padding; dataFormat?: string }

abstract class Pooling3D extends Layer {
  readonly poolSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly padding: Padding;
  protected abstract pool(x: Tensor): Tensor;
  constructor(args: Pooling3DArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['poolSize', 'strides', 'padding', 'dataFormat']);
    channelsLast(this.name, args.dataFormat);
    this.poolSize = positiveInts(this.name, 'poolSize', (args.poolSize ?? 2) as number, 3) as [number, number, number];
    this.strides = positiveInts(this.name, 'strides', (args.strides ?? this.poolSize) as number, 3) as [number, number, number];
    this.padding = paddingArg(this.name, args.padding);
    this.inputSpec = { ndim: 5 };
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    const [d, h, w] = pooledSizes(this, s, [1, 2, 3], this.poolSize, this.strides, this.padding);
    return [s[0], d, h, w, s[4]];
  }
  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    return this.pool(x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32'));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast' };
  }
}

export class MaxPooling3D extends Pooling3D {
  static override readonly className = 'MaxPooling3D';
  protected pool(x: Tensor): Tensor { return ops.maxPool3d(x, this.poolSize, { strides: this.strides, padding: this.padding }); }
}

export class AveragePooling3D extends Pooling3D {
  static override readonly className = 'AveragePooling3D';
  protected pool(x: Tensor): Tensor { return ops.avgPool3d(x, this.poolSize, { strides: this.strides, padding: this.padding }); }
}

export class GlobalAveragePooling3D extends GlobalPooling {
  static override readonly className = 'GlobalAveragePooling3D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 5); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.mean(x, axes); }
}

export class GlobalMaxPooling3D extends GlobalPooling {
  static override readonly className = 'GlobalMaxPooling3D';
  constructor(args: GlobalPoolingArgs = {}) { super(args, 5); }
  protected reduce(x: Tensor, axes: number[]): Tensor { return ops.max(x, axes); }
}

registerLayers(MaxPooling3D, AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D);
