// Keras's Lambda: a layer made of a function of tensor ops, for a computation too small for a
// class of its own (`new layers.Lambda((x) => x.div(255))`). It runs inside compiled steps like
// any layer (the tracing rules apply to its function), but no file can hold a JavaScript
// function: saving a model with one is refused, naming the layer and what to do instead.
import { zeros, type Tensor } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import { withScope } from '../core/engine.ts';
import { isShapeList, Layer, type LayerArgs, type ShapeSpec, type Shapes } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';

export type LambdaFunction = (x: Tensor | Tensor[], args: Record<string, unknown>) => Tensor;

export interface LambdaArgs extends LayerArgs {
  /** The computation, of tensor ops only (Keras's `function`). */
  fn: LambdaFunction;
  /** The output shape without the batch axis, or a function of the input shape(s); by default found by running fn once on zeros. */
  outputShape?: ShapeSpec | ((inputShape: Shapes) => Shapes);
  /** Extra arguments handed to fn (Keras's `arguments`). */
  arguments?: Record<string, unknown>;
}

export class Lambda extends Layer {
  static override readonly className = 'Lambda';
  protected override readonly acceptsInputList = true;
  readonly fn: LambdaFunction;
  readonly outputShape: LambdaArgs['outputShape'];
  readonly arguments: Record<string, unknown>;
  constructor(args: LambdaArgs | LambdaFunction) {
    const a: LambdaArgs = typeof args === 'function' ? { fn: args } : args;
    if (a && 'function' in a) {
      throw new Error(`Layer "${String((a as LayerArgs).name ?? 'lambda')}" (Lambda): its function was saved as Python code, which deeptype cannot run; rebuild the model in code (new layers.Lambda((x) => ...)) and load the weights with loadWeights`);
    }
    super(a);
    checkOptions(this.name, a, ['fn', 'outputShape', 'arguments']);
    if (typeof a.fn !== 'function') throw new Error(`Layer "${this.name}" (Lambda): fn must be a function of tensors, got ${typeof a.fn}`);
    this.fn = a.fn;
    this.outputShape = a.outputShape;
    this.arguments = { ...(a.arguments ?? {}) };
  }
  call(x: Tensor | Tensor[]): Tensor { return this.fn(x, this.arguments); }
  override computeOutputShape(inputShape: Shapes): Shapes {
    if (typeof this.outputShape === 'function') return this.outputShape(inputShape);
    const batch = (isShapeList(inputShape) ? inputShape[0] : inputShape)[0];
    if (this.outputShape) return [batch, ...this.outputShape];
    // Keras traces the function on symbolic tensors; here it runs once on zeros (unknown sizes as 1).
    // In the inputs' dtypes (an int32 input of indices stays int32), and the output's dtype is the probe's.
    const probe = (s: ShapeSpec, i = 0): Tensor => zeros(s.map((d) => d ?? 1), this.symbolicDTypes[i] ?? 'float32');
    const y = withScope(this.name, () => this.fn(isShapeList(inputShape) ? inputShape.map(probe) : probe(inputShape), this.arguments));
    this.probedDType = y.dtype;
    return [batch, ...y.shape.slice(1)];
  }
  private probedDType: DType = 'float32';
  protected override outputDType(): DType { return this.probedDType; }
  override getConfig(): Record<string, unknown> {
    throw new Error(`Layer "${this.name}" (Lambda) holds a JavaScript function, which no model file can store. Save the weights (model.saveWeights) and rebuild the model in code, or write the computation as a Layer subclass registered with registerLayers, which files can rebuild`);
  }
}

registerLayers(Lambda);
