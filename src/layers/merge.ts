// Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum (element-wise, with
// broadcasting as Keras's _Merge), Concatenate(axis) and Dot(axes, normalize).

import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { Layer, type LayerArgs, type ShapeSpec, type Shapes, isShapeList } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import type { SymbolicTensor } from './symbolic.ts';

const keras = (s: ShapeSpec): string => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;

/** The common base: a list of inputs, one output. */
abstract class Merge extends Layer {
  protected override readonly acceptsInputList = true;
  protected readonly minInputs: number = 2;
  protected readonly exactInputs?: number;

  protected shapesOf(inputShape: Shapes): ShapeSpec[] {
    if (!isShapeList(inputShape)) throw new Error(`A merge layer ("${this.name}", ${this.className}) should be called on a list of inputs, got one input of shape ${keras(inputShape)}`);
    if (this.exactInputs !== undefined && inputShape.length !== this.exactInputs) {
      throw new Error(`A \`${this.className}\` layer ("${this.name}") should be called on exactly ${this.exactInputs} inputs. Received: ${inputShape.length} inputs`);
    }
    if (inputShape.length < this.minInputs) {
      throw new Error(`A merge layer ("${this.name}", ${this.className}) should be called on a list of at least ${this.minInputs} inputs. Got ${inputShape.length} input(s)`);
    }
    return inputShape;
  }

  override build(inputShape: Shapes): void {
    this.computeOutputShape(inputShape);
    this.built = true;
  }

  protected inputsOf(x: Tensor | Tensor[]): Tensor[] {
    const xs = Array.isArray(x) ? x : [x];
    this.shapesOf(xs.map((t) => t.shape));
    return xs;
  }
}

/** Element-wise merges: shapes broadcast on every axis but the batch axis (Keras's rule). */
abstract class ElementwiseMerge extends Merge {
  protected abstract combine(a: Tensor, b: Tensor): Tensor;

  override computeOutputShape(inputShape: Shapes): ShapeSpec {
    const shapes = this.shapesOf(inputShape);
    let out = shapes[0].slice(1);
    for (const s of shapes.slice(1)) {
      const rest = s.slice(1);
      const rank = Math.max(out.length, rest.length);
      const merged: (number | null)[] = [];
      for (let i = 0; i < rank; i++) {
        // Missing leading axes broadcast as 1; an unknown (null) size stays unknown.
        const ia = out.length - rank + i, ib = rest.length - rank + i;
        const a = ia < 0 ? 1 : out[ia], b = ib < 0 ? 1 : rest[ib];
        if (a !== null && b !== null && a !== b && a !== 1 && b !== 1) {
          throw new Error(`Layer "${this.name}" (${this.className}): inputs have incompatible shapes. Received shapes ${keras(shapes[0].slice(1))} and ${keras(rest)}`);
        }
        merged.push(a === 1 ? b : b === 1 ? a : a ?? b);
      }
      out = merged;
    }
    return [shapes.some((s) => s[0] === null) ? null : shapes[0][0], ...out];
  }

  call(x: Tensor | Tensor[]): Tensor {
    const xs = this.inputsOf(x);
    return this.finish(xs.slice(1).reduce((acc, t) => this.combine(acc, t), xs[0]), xs.length);
  }
  protected finish(y: Tensor, _n: number): Tensor { return y; }
}

export class Add extends ElementwiseMerge {
  static override readonly className = 'Add';
  constructor(args: LayerArgs = {}) { checkOptions('Add', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.add(a, b); }
}
export class Subtract extends ElementwiseMerge {
  static override readonly className = 'Subtract';
  protected override readonly exactInputs = 2;
  constructor(args: LayerArgs = {}) { checkOptions('Subtract', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.sub(a, b); }
}
export class Multiply extends ElementwiseMerge {
  static override readonly className = 'Multiply';
  constructor(args: LayerArgs = {}) { checkOptions('Multiply', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.mul(a, b); }
}
export class Average extends ElementwiseMerge {
  static override readonly className = 'Average';
  constructor(args: LayerArgs = {}) { checkOptions('Average', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.add(a, b); }
  protected override finish(y: Tensor, n: number): Tensor { return ops.mul(y, 1 / n); }
}
export class Maximum extends ElementwiseMerge {
  static override readonly className = 'Maximum';
  constructor(args: LayerArgs = {}) { checkOptions('Maximum', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.maximum(a, b); }
}
export class Minimum extends ElementwiseMerge {
  static override readonly className = 'Minimum';
  constructor(args: LayerArgs = {}) { checkOptions('Minimum', args, []); super(args); }
  protected combine(a: Tensor, b: Tensor): Tensor { return ops.minimum(a, b); }
}

export class Concatenate extends Merge {
  static override readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: { axis?: number } & LayerArgs = {}) {
    checkOptions('Concatenate', args, ['axis']);
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`Invalid value for argument 'axis' of layer "${this.name}". Expected an integer. Received axis=${args.axis}`);
  }
  override computeOutputShape(inputShape: Shapes): ShapeSpec {
    const shapes = this.shapesOf(inputShape);
    const rank = shapes[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    const fail = (): never => {
      throw new Error(`A \`Concatenate\` layer ("${this.name}") requires inputs with matching shapes except for the concatenation axis ${this.axis}. Received: input_shape=[${shapes.map(keras).join(', ')}]`);
    };
    if (a < 1 || a >= rank) {
      throw new Error(`Layer "${this.name}" (Concatenate): axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be joined)`);
    }
    for (const s of shapes) {
      if (s.length !== rank) fail();
      s.forEach((d, i) => { if (i !== a && i !== 0 && d !== null && shapes[0][i] !== null && d !== shapes[0][i]) fail(); });
    }
    const along = shapes.some((s) => s[a] === null) ? null : shapes.reduce((n, s) => n + (s[a] as number), 0);
    return shapes[0].map((d, i) => (i === a ? along : d ?? shapes.find((s) => s[i] !== null)?.[i] ?? null));
  }
  call(x: Tensor | Tensor[]): Tensor {
    const xs = this.inputsOf(x);
    this.computeOutputShape(xs.map((t) => t.shape));
    return ops.concat(xs, this.axis);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}

/** Dot products between samples of two tensors along `axes` (Keras's batch_dot); ranks 2 and 3. */
export class Dot extends Merge {
  static override readonly className = 'Dot';
  protected override readonly exactInputs = 2;
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: { axes: number | [number, number]; normalize?: boolean } & LayerArgs) {
    checkOptions('Dot', args, ['axes', 'normalize']);
    super(args);
    if (args?.axes === undefined) throw new Error(`Layer "${this.name}" (Dot): argument 'axes' is required (an integer or a pair)`);
    const list = Array.isArray(args.axes) ? args.axes : [args.axes];
    if ((Array.isArray(args.axes) && args.axes.length !== 2) || list.some((a) => !Number.isInteger(a))) {
      throw new Error(`Invalid value for argument 'axes' of layer "${this.name}". Expected an integer or a list of 2 integers. Received axes=${JSON.stringify(args.axes)}`);
    }
    this.axes = Array.isArray(args.axes) ? [args.axes[0], args.axes[1]] : args.axes;
    this.normalize = args.normalize ?? false;
  }
  private resolvedAxes(ranks: [number, number]): [number, number] {
    const pair = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    return [0, 1].map((i) => (pair[i] < 0 ? pair[i] + ranks[i] : pair[i])) as [number, number];
  }
  /**
   * Keras's batch_dot shape: x's shape without its axis a1, then y's without its batch and a2
   * (a result of rank 1 gets a trailing 1). Any ranks >= 2, not necessarily equal.
   */
  override computeOutputShape(inputShape: Shapes): ShapeSpec {
    const [s1, s2] = this.shapesOf(inputShape);
    if (s1.length < 2 || s2.length < 2) {
      throw new Error(`Layer "${this.name}" (Dot): needs two inputs of rank 2 or more (a batch axis and at least one more), got shapes ${keras(s1)} and ${keras(s2)}`);
    }
    const [a1, a2] = this.resolvedAxes([s1.length, s2.length]);
    if (a1 < 1 || a2 < 1 || a1 >= s1.length || a2 >= s2.length) throw new Error(`Layer "${this.name}" (Dot): axes ${JSON.stringify(this.axes)} must name non-batch axes of inputs of shapes ${keras(s1)} and ${keras(s2)}`);
    if (s1[a1] !== null && s2[a2] !== null && s1[a1] !== s2[a2]) {
      throw new Error(`Layer "${this.name}" (Dot): incompatible input shapes: shape ${keras(s1)}[${a1}] != shape ${keras(s2)}[${a2}]. Layer shapes: ${keras(s1)}, ${keras(s2)}. Chosen axes: ${JSON.stringify([a1, a2])}`);
    }
    const out = [...s1.filter((_, i) => i !== a1), ...s2.filter((_, i) => i !== 0 && i !== a2)];
    return out.length === 1 ? [out[0], 1] : out;
  }
  call(x: Tensor | Tensor[]): Tensor {
    let [p, q] = this.inputsOf(x);
    const outShape = this.computeOutputShape([p.shape, q.shape]) as number[];
    const [a1, a2] = this.resolvedAxes([p.rank, q.rank]);
    if (this.normalize) { p = l2Normalize(p, a1); q = l2Normalize(q, a2); }
    if (p.rank === 2 && q.rank === 2) return ops.sum(ops.mul(p, q), 1, true);
    if (p.rank === 3 && q.rank === 3) return ops.matMul(p, q, { transposeA: a1 === 1, transposeB: a2 === 2 });
    // General ranks: move a1 last in p and a2 first after the batch in q, flatten the rest of
    // each to one axis, one batched matrix product [b, m, k] x [b, k, n], then unflatten.
    const [batch, k] = [p.shape[0], p.shape[a1]];
    const rest1 = p.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1);
    const rest2 = q.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a2);
    const size = (t: Tensor, axes: number[]) => axes.reduce((n, i) => n * t.shape[i], 1);
    const pm = ops.reshape(ops.transpose(p, [0, ...rest1, a1]), [batch, size(p, rest1), k]);
    const qm = ops.reshape(ops.transpose(q, [0, a2, ...rest2]), [batch, k, size(q, rest2)]);
    return ops.reshape(ops.matMul(pm, qm), outShape);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axes: this.axes, normalize: this.normalize }; }
}

/** x / sqrt(max(sum(x², axis), 1e-12)), as Keras's l2_normalize. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return ops.div(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis, true), 1e-12)));
}

registerLayers(Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot);

/** Keras's functional forms: add([a, b]) calls a new Add layer on the list; add({name}) (TF.js) returns the layer. */
interface MergeFactory<L, A> {
  (inputs: SymbolicTensor[], args?: A): SymbolicTensor;
  (inputs: Tensor[], args?: A): Tensor;
  (args?: A): L;
}
function functional<L extends Layer, A>(make: (args?: A) => L): MergeFactory<L, A> {
  return ((inputsOrArgs?: unknown, args?: A) =>
    Array.isArray(inputsOrArgs) ? make(args).apply(inputsOrArgs as Tensor[]) : make(inputsOrArgs as A)) as MergeFactory<L, A>;
}
export const add = functional((a?: LayerArgs) => new Add(a));
export const subtract = functional((a?: LayerArgs) => new Subtract(a));
export const multiply = functional((a?: LayerArgs) => new Multiply(a));
export const average = functional((a?: LayerArgs) => new Average(a));
export const maximum = functional((a?: LayerArgs) => new Maximum(a));
export const minimum = functional((a?: LayerArgs) => new Minimum(a));
export const concatenate = functional((a?: { axis?: number } & LayerArgs) => new Concatenate(a));
export const dot = functional((a?: { axes: number | [number, number]; normalize?: boolean } & LayerArgs) => new Dot(a!));
