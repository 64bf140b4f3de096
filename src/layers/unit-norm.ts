// Two small Keras 3 layers: UnitNormalization (each sample scaled to unit L2 norm along the
// given axes) and Identity (its input, unchanged: a placeholder in a model's structure).
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { invalid } from './args.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

export interface UnitNormalizationArgs extends LayerArgs {
  /** The axis or axes normalized together (not the batch axis); default -1. */
  axis?: number | number[];
}

/** x / sqrt(max(sum(x^2 over axis), 1e-12)), Keras 3's ops.normalize(order=2). */
export class UnitNormalization extends Layer {
  static override readonly className = 'UnitNormalization';
  readonly axis: number | number[];

  constructor(args: UnitNormalizationArgs = {}) {
    super(args);
    checkOptions(this.name, args, ['axis']);
    const axis = args.axis ?? -1;
    if (!(Number.isInteger(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(Number.isInteger)))) throw invalid(this.name, 'axis', 'an integer axis or a list of them', axis);
    this.axis = axis;
  }

  /** The normalized axes of an input of this shape, checked (never the batch axis). */
  private axes(shape: ShapeSpec): number[] {
    const rank = shape.length;
    const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => a < 1 || a >= rank) || new Set(axes).size !== axes.length) {
      throw new Error(`Layer "${this.name}": axis ${JSON.stringify(this.axis)} is not a list of distinct feature axes of input shape ${formatShape(shape)}; give axes in [1, ${rank - 1}] or [-${rank - 1}, -1]`);
    }
    return axes;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    this.axes(s);
    return [...s];
  }

  call(x: Tensor): Tensor {
    const xs = x.dtype === 'float32' || x.dtype === 'float64' ? x : ops.cast(x, 'float32');
    // Summed one axis at a time (highest first, kept), so no transpose is needed.
    const squares = [...this.axes(x.shape)].sort((a, b) => b - a).reduce((s, a) => ops.sum(s, a, true), ops.square(xs));
    return ops.div(xs, ops.sqrt(ops.maximum(squares, 1e-12)));
  }

  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}

/** Keras's Identity: returns its input. */
export class Identity extends Layer {
  static override readonly className = 'Identity';
  constructor(args: LayerArgs = {}) {
    super(args);
    checkOptions(this.name, args, []);
  }
  override computeOutputShape(s: ShapeSpec): ShapeSpec { return [...s]; }
  call(x: Tensor): Tensor { return x; }
}

registerLayers(UnitNormalization, Identity);
