// The Keras layer contract: the constructor stores options, build(inputShape) creates the
// weights on first use, call(x) computes, computeOutputShape predicts shapes, getConfig saves.
import { formatShape, shapesEqual, sizeOf } from '../core/shape.ts';
import { Tensor, Variable } from '../core/tensor.ts';
import { withScope } from '../core/engine.ts';
import type { DType } from '../core/dtype.ts';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.ts';
import { Node, SymbolicTensor, describeSource } from './symbolic.ts';
import { attachConstraint, attachRegularizer, getConstraint, getRegularizer, objectConfig, type ConstraintIdentifier, type Regularizer, type RegularizerIdentifier } from './regularizers.ts';

/** A shape whose leading batch dimension (and possibly others) is unknown: null. */
export type ShapeSpec = (number | null)[];
/** One shape, or one per input/output (merging layers, models with several inputs or outputs). */
export type Shapes = ShapeSpec | ShapeSpec[];
/** Whether a Shapes value is a list of shapes rather than one shape. */
export const isShapeList = (s: Shapes): s is ShapeSpec[] => s.length > 0 && Array.isArray(s[0]);

/** What a layer can be called on: concrete tensors, symbolic tensors, or an Input layer (its output). */
export type LayerInput = Tensor | SymbolicTensor | Layer;

/** Keras's object form of add_weight. */
export interface WeightSpec {
  name: string;
  shape: number[];
  initializer?: InitializerIdentifier | Initializer;
  trainable?: boolean;
  dtype?: DType;
  /** A penalty on the weight added to the loss ('l2', {className, config}, or a Regularizer). */
  regularizer?: RegularizerIdentifier | null;
  /** Applied to the weight after every optimizer update ('nonNeg', 'maxNorm', ...). */
  constraint?: ConstraintIdentifier | null;
}

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** The input shape without the batch dimension; lets Sequential build before seeing data. */
  inputShape?: ShapeSpec;
  batchInputShape?: ShapeSpec;
  /** A penalty on the layer's output, added to the loss (Keras's activity_regularizer). */
  activityRegularizer?: RegularizerIdentifier | null;
}

export interface CallArgs { training?: boolean }

/** A misspelt option (`trainig: true`) would run the call in inference mode, silently: as Keras, unknown call options are errors. */
function checkCallArgs(layer: string, args: unknown): void {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new Error(`Layer "${layer}".apply: the second argument is the call options, e.g. {training: true}; got ${Array.isArray(args) ? 'an array' : args === null ? 'null' : typeof args}`);
  for (const [key, value] of Object.entries(args)) {
    if (key === 'training' && (value === undefined || value === null || typeof value === 'boolean')) continue;
    if (key === 'mask' && value == null) continue; // TF.js code passes {mask: undefined}; there are no masks here
    throw new Error(key === 'training' ? `Layer "${layer}".apply: training must be true or false, got ${JSON.stringify(value) ?? String(value)}` : `Layer "${layer}".apply: unknown call option '${key}'. Valid options are: training`);
  }
}

/** What a layer accepts, checked before every call (Keras's InputSpec; TF.js's class is input-spec.ts). */
export interface InputSpec { ndim?: number; minNdim?: number; maxNdim?: number; shape?: (number | null)[]; axes?: Record<number, number> }

// While a model is rebuilt from a file, its layers may create no more weight values than the
// file holds, so a corrupt or hostile configuration (units: 1e9) never allocates its size.
let weightBudget: { remaining: number; total: number; where: string } | null = null;
export function withWeightBudget<T>(values: number, where: string, fn: () => T): T {
  const saved = weightBudget;
  weightBudget = { remaining: values, total: values, where };
  try { return fn(); } finally { weightBudget = saved; }
}

// A wrapper (TimeDistributed) builds its inner layer under its own name, so the weights are
// `<wrapper>/kernel`, as TF.js and Keras 2 name them (their inner build runs in the wrapper's scope).
let weightOwner: string | null = null;
export function withWeightOwner<T>(owner: string, fn: () => T): T {
  const saved = weightOwner;
  weightOwner = owner;
  try { return fn(); } finally { weightOwner = saved; }
}

const nameCounts = new Map<string, number>();
/** Keras's naming: conv2d, conv2d_1, conv2d_2, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}
/** For tests and fresh sessions: start naming from scratch. */
export const resetNames = (): void => nameCounts.clear();

/** Keras's to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
export const snakeCase = (s: string): string =>
  s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

export abstract class Layer {
  static readonly className: string = 'Layer';
  readonly name: string;
  private trainableFlag: boolean;
  built = false;
  batchInputShape?: ShapeSpec;
  /** One spec, or TF.js's list of one per input (a single-input layer checks the first). */
  protected inputSpec: InputSpec | InputSpec[] = {};
  private readonly ownWeights: Variable[] = [];
  /** Every call of this layer on symbolic tensors, in order (Keras's _inbound_nodes). */
  readonly inboundNodes: Node[] = [];
  /** Whether call() takes a list of inputs (merging layers, models); others get a list of one unwrapped. */
  protected readonly acceptsInputList: boolean = false;
  readonly activityRegularizer: Regularizer | null;
  /** The activity penalty of the last call (inside a step: part of the loss), or null. */
  activityLoss: Tensor | null = null;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(snakeCase(this.className));
    if (args.trainable !== undefined && typeof args.trainable !== 'boolean') throw new Error(`Layer "${this.name}": trainable must be true or false, got ${JSON.stringify(args.trainable)}`);
    this.trainableFlag = args.trainable ?? true; // not the setter: a subclass's fields do not exist yet
    const shape = args.batchInputShape ?? args.inputShape;
    if (shape != null && (!Array.isArray(shape) || shape.some((d) => d !== null && !(Number.isInteger(d) && d > 0)))) {
      throw new Error(`Layer "${this.name}": ${args.batchInputShape ? 'batchInputShape' : 'inputShape'} must be a list of positive integers or null, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
    }
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [null, ...args.inputShape];
    this.activityRegularizer = getRegularizer(args.activityRegularizer, `Layer "${this.name}": activityRegularizer`);
  }

  get className(): string { return (this.constructor as typeof Layer).className; }

  get weights(): Variable[] { return this.ownWeights; }
  get trainable(): boolean { return this.trainableFlag; }
  /** As Keras 3: sets every inner layer's too, so a frozen model's BatchNormalization runs in inference mode. */
  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new Error(`Layer "${this.name}": trainable must be true or false, got ${JSON.stringify(value) ?? String(value)}`);
    this.trainableFlag = value;
    for (const layer of this.innerLayers()) if (layer !== this) layer.trainable = value;
  }
  /** The layers inside this one (a model's, a wrapper's), which `trainable` sets as well. */
  protected innerLayers(): Layer[] { return []; }
  get trainableWeights(): Variable[] { return this.trainable ? this.weights.filter((w) => w.trainable) : []; }
  get nonTrainableWeights(): Variable[] { return this.weights.filter((w) => !this.trainable || !w.trainable); }

  /**
   * Creates a weight: Keras's object form `addWeight({name, shape, initializer: 'heNormal',
   * trainable})`, or the positional form `addWeight(name, shape, initializerFn, trainable, dtype)`.
   */
  protected addWeight(spec: WeightSpec): Variable;
  protected addWeight(name: string, shape: number[], initializer: Initializer, trainable?: boolean, dtype?: DType): Variable;
  protected addWeight(spec: string | WeightSpec, shape?: number[], initializer?: Initializer, trainable = true, dtype: DType = 'float32'): Variable {
    const s: WeightSpec = typeof spec === 'string' ? { name: spec, shape: shape!, initializer, trainable, dtype } : spec;
    const where = `Layer "${this.name}" addWeight`;
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string') throw new Error(`${where}: expected {name, shape, initializer?, trainable?}, got ${String(spec)}`);
    const known = ['name', 'shape', 'initializer', 'trainable', 'dtype', 'regularizer', 'constraint'];
    for (const k of Object.keys(s)) if (!known.includes(k)) throw new Error(`${where}: unknown option '${k}'. Valid options are: ${known.join(', ')}`);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${where} "${s.name}": shape must be a list of non-negative integers, got ${JSON.stringify(s.shape)}`);
    }
    // Regularizers and constraints change training; ignoring them would train another model.
    const regularizer = getRegularizer(s.regularizer, `${where} "${s.name}": regularizer`);
    const constraint = getConstraint(s.constraint, `${where} "${s.name}": constraint`);
    if (weightBudget) {
      const size = sizeOf(s.shape);
      if (size > weightBudget.remaining) {
        throw new Error(`${weightBudget.where}: layer "${this.name}" would create weight ${s.name} of shape ${formatShape(s.shape)} (${size} values), ` +
          `but the weight files hold only ${weightBudget.total} values in all: the model's configuration does not match its weights`);
      }
      weightBudget.remaining -= size;
    }
    const init = typeof s.initializer === 'function' ? s.initializer : getInitializer(s.initializer ?? 'glorotUniform', `Layer "${this.name}"`);
    let value: Tensor;
    try {
      value = init(s.shape, s.dtype ?? 'float32');
    } catch (e) {
      throw new Error(`Layer "${this.name}": weight ${s.name} of shape ${formatShape(s.shape)}: ${(e as Error).message}`);
    }
    const v = new Variable(value, `${weightOwner ?? this.name}/${s.name}`, s.trainable ?? true);
    attachRegularizer(v, regularizer);
    attachConstraint(v, constraint);
    this.ownWeights.push(v);
    return v;
  }

  /** Creates the weights for an input of this shape (a list of shapes for several inputs). Called once, by apply(). */
  build(_inputShape: Shapes): void {
    this.built = true;
  }

  abstract call(x: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  computeOutputShape(inputShape: Shapes): Shapes {
    return inputShape;
  }

  /**
   * Calls the layer. On concrete tensors: checks the input against the layer's spec, builds on
   * first use, computes. On symbolic tensors (a functional graph): only the shape rules run, and
   * the call is recorded as a Node. Layers that take several inputs take an array.
   */
  apply(x: Tensor, args?: CallArgs): Tensor;
  apply(x: SymbolicTensor | Layer, args?: CallArgs): SymbolicTensor;
  apply(x: Tensor[], args?: CallArgs): Tensor;
  apply(x: SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  apply(x: LayerInput | LayerInput[], args?: CallArgs): Tensor | SymbolicTensor | Tensor[] | SymbolicTensor[];
  apply(x: LayerInput | LayerInput[], args: CallArgs = {}): Tensor | SymbolicTensor | Tensor[] | SymbolicTensor[] {
    checkCallArgs(this.name, args);
    if (Array.isArray(x) && !this.acceptsInputList && x.length !== 1) {
      throw new Error(`Layer "${this.name}" (${this.className}) takes one input, but it was called on a list of ${x.length}. (A layer of your own that takes a list sets acceptsInputList = true.)`);
    }
    const multi = Array.isArray(x) && this.acceptsInputList;
    const list = (Array.isArray(x) ? x : [x]).map((t) => (t instanceof Layer && t.className === 'InputLayer' ? t.output : t));
    if (multi && list.length === 0) throw new Error(`Layer "${this.name}" was called on an empty list of inputs`);
    if (list.some((t) => t instanceof SymbolicTensor)) {
      const bad = list.findIndex((t) => !(t instanceof SymbolicTensor));
      if (bad >= 0) throw new Error(`Layer "${this.name}": input ${bad} is ${describe(list[bad])}, but the other inputs are symbolic tensors; a functional graph takes symbolic tensors only (layers.input(...) or the output of a layer called on one)`);
      return this.applySymbolic(list as SymbolicTensor[], multi, args);
    }
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`Layer "${this.name}" expects a Tensor or a symbolic tensor${multi ? ` at input ${i}` : ''}, got ${describe(t)}`);
    });
    const tensors = list as Tensor[];
    if (!multi) {
      const t = tensors[0];
      this.assertInputCompatible(t.shape);
      if (!this.built) {
        this.build([null, ...t.shape.slice(1)]);
        this.built = true;
        this.assertInputCompatible(t.shape);
      }
      return this.withActivityPenalty(withScope(this.name, () => this.call(t, args)));
    }
    if (!this.built) {
      this.build(tensors.map((t) => [null, ...t.shape.slice(1)]));
      this.built = true;
    }
    return this.withActivityPenalty(withScope(this.name, () => this.call(tensors, args)));
  }

  /** Keeps the activity penalty of this call's output (part of the loss inside a step). */
  private withActivityPenalty<T extends Tensor | Tensor[]>(y: T): T {
    const own = this.activityRegularizer && y instanceof Tensor ? this.activityRegularizer(y) : null;
    const inner = this.innerActivityLoss();
    this.activityLoss = own && inner ? own.add(inner) : own ?? inner;
    return y;
  }
  /**
   * Before a compiled training step: draws what this layer's next training call decides in
   * JavaScript (RandomWidth's output width) and names it, so that the plan key holds it (one
   * plan per drawn size; eager calls draw the same sequence). '' for layers that draw nothing.
   */
  drawShapes(): string { return ''; }
  /** The activity penalty of layers this one calls inside its own call (a wrapper's inner layer). */
  protected innerActivityLoss(): Tensor | null { return null; }

  /** Runs the shape rules only and records the call as a Node (errors name both layers and shapes). */
  private applySymbolic(inputs: SymbolicTensor[], multi: boolean, args: CallArgs): SymbolicTensor | SymbolicTensor[] {
    const shapes: Shapes = multi ? inputs.map((t) => t.shape) : inputs[0].shape;
    this.symbolicDTypes = inputs.map((t) => t.dtype);
    let out: Shapes;
    try {
      if (!multi) this.assertInputCompatible(inputs[0].shape);
      if (!this.built) {
        this.build(shapes);
        this.built = true;
        if (!multi) this.assertInputCompatible(inputs[0].shape);
      }
      out = this.computeOutputShape(shapes);
    } catch (e) {
      throw new Error(`${(e as Error).message} (layer "${this.name}" was called on ${inputs.map(describeSource).join(' and ')})`);
    }
    const node = new Node(this, inputs, multi, args);
    const outShapes = isShapeList(out) ? out : [out];
    outShapes.forEach((s, i) => node.outputs.push(new SymbolicTensor(s, this.outputDType(inputs), node, i)));
    this.inboundNodes.push(node);
    return isShapeList(out) ? node.outputs : node.outputs[0];
  }

  /** The dtypes of the symbolic inputs being shaped (computeOutputShape sees shapes only; Lambda probes with these). */
  protected symbolicDTypes: DType[] = [];
  /** The dtype of the symbolic outputs: float32 unless a layer says otherwise (InputLayer). */
  protected outputDType(_inputs: SymbolicTensor[]): DType { return 'float32'; }

  /** The symbolic output of this layer's only call in a graph (Keras's layer.output). */
  get output(): SymbolicTensor | SymbolicTensor[] { return this.onlyNode('output').outputs.length === 1 ? this.onlyNode('output').outputs[0] : this.onlyNode('output').outputs; }
  /** The symbolic input of this layer's only call in a graph (Keras's layer.input). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.onlyNode('input');
    return node.multiInput ? node.inputs : node.inputs[0];
  }
  /** The output of the node-th call (Keras's get_output_at). */
  getOutputAt(node: number): SymbolicTensor | SymbolicTensor[] {
    const n = this.nodeAt(node, 'getOutputAt');
    return n.outputs.length === 1 ? n.outputs[0] : n.outputs;
  }
  getInputAt(node: number): SymbolicTensor | SymbolicTensor[] {
    const n = this.nodeAt(node, 'getInputAt');
    return n.multiInput ? n.inputs : n.inputs[0];
  }
  private nodeAt(i: number, what: string): Node {
    const n = this.inboundNodes[i];
    if (!n) throw new Error(`Layer "${this.name}".${what}(${i}): the layer has ${this.inboundNodes.length} inbound node(s)`);
    return n;
  }
  private onlyNode(what: 'input' | 'output'): Node {
    if (this.inboundNodes.length === 0) {
      throw new Error(`The layer "${this.name}" has never been called on a symbolic tensor and thus has no defined ${what}`);
    }
    if (this.inboundNodes.length > 1) {
      throw new Error(`The layer "${this.name}" has multiple inbound nodes (it is called ${this.inboundNodes.length} times). Hence the notion of "${what}" is ill-defined for the layer. Use ${what === 'input' ? 'getInputAt' : 'getOutputAt'}(nodeIndex) instead`);
    }
    return this.inboundNodes[0];
  }

  /** Throws Keras's message when a shape does not meet the input spec. */
  assertInputCompatible(shape: ShapeSpec): void {
    const { ndim, minNdim, maxNdim, shape: expected, axes } = Array.isArray(this.inputSpec) ? this.inputSpec[0] ?? {} : this.inputSpec;
    const fail = (what: string): never => {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: ${what}. Full shape received: ${formatShape(shape)}`);
    };
    if (ndim !== undefined && shape.length !== ndim) fail(`expected ndim=${ndim}, found ndim=${shape.length}`);
    if (minNdim !== undefined && shape.length < minNdim) fail(`expected min_ndim=${minNdim}, found ndim=${shape.length}`);
    if (maxNdim !== undefined && shape.length > maxNdim) fail(`expected max_ndim=${maxNdim}, found ndim=${shape.length}`);
    if (expected && expected.some((d, i) => d !== null && shape[i] !== null && shape[i] !== d)) fail(`expected shape=${formatShape(expected)}, found shape=${formatShape(shape)}`);
    for (const [axisStr, size] of Object.entries(axes ?? {})) {
      const axis = Number(axisStr);
      const d = shape[axis < 0 ? shape.length + axis : axis];
      if (d !== null && d !== size) fail(`expected axis ${axis} of input shape to have value ${size}, but received input with shape ${formatShape(shape)}`);
    }
  }

  /** Copies of the weights' current values, in creation order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v);
    if (!Array.isArray(values)) throw new Error(`Layer "${this.name}": setWeights expects a list of ${ws.length} Tensors (getWeights' order), got ${values instanceof Tensor ? 'one Tensor' : what(values)}`);
    const bad = values.findIndex((v) => !(v instanceof Tensor));
    if (bad >= 0) throw new Error(`Layer "${this.name}": setWeights expects Tensors, but weight ${bad}${ws[bad] ? ` (${ws[bad].name})` : ''} is ${what(values[bad])}`);
    if (values.length !== ws.length) {
      throw new Error(`Layer "${this.name}" expects ${ws.length} weights, but setWeights received ${values.length}` +
        (ws.length === 0 && !this.built ? ' (the layer is not built yet: call it on an input first)' : ''));
    }
    ws.forEach((w, i) => {
      if (!shapesEqual(w.shape, values[i].shape)) {
        throw new Error(`Layer "${this.name}" weight ${w.name} has shape ${formatShape(w.shape)}, not compatible with provided weight shape ${formatShape(values[i].shape)}`);
      }
    });
    ws.forEach((w, i) => w.assign(values[i].dtype === w.dtype ? values[i] : values[i].cast(w.dtype)));
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Forgets the given graph nodes of this layer (Sequential rebuilding its chain). */
  removeNodes(nodes: ReadonlySet<Node>): void {
    for (let i = this.inboundNodes.length - 1; i >= 0; i--) if (nodes.has(this.inboundNodes[i])) this.inboundNodes.splice(i, 1);
  }

  /** The constructor arguments that recreate this layer (camelCase; io converts for files). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) config.batchInputShape = this.batchInputShape;
    if (this.activityRegularizer) config.activityRegularizer = objectConfig(this.activityRegularizer);
    return config;
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (x instanceof Layer) return `the layer "${x.name}" (${x.className}); call it on a tensor, or pass its .output`;
  if (Array.isArray(x)) return 'a nested array';
  return typeof x === 'object' ? `an object (${(x as object).constructor?.name ?? 'Object'})` : `a ${typeof x}`;
}
