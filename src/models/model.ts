// A model is a layer that can be compiled and trained (Keras's Model). Three ways to make one,
// all trained by the same steps: new Model({inputs, outputs}) over a graph of layer calls
// (graph.ts), Sequential (the same graph, built as a chain), or a subclass with its own call().
import { Tensor, zeros, type Variable } from '../core/tensor.ts';
import { Layer, isShapeList, type CallArgs, type LayerInput, type ShapeSpec, type Shapes } from '../layers/layer.ts';
import { SymbolicTensor } from '../layers/symbolic.ts';
import type { Loss } from '../training/losses.ts';
import type { Metric } from '../training/metrics.ts';
import { getOptimizer, type Optimizer } from '../training/optimizers.ts';
import { valueAndGrads } from '../ops/autograd.ts';
import { backend, getBackend, noGrad } from '../core/engine.ts';
import { Plan, memoryOf, persistentCopy } from '../compile/plan.ts';
import { PlanCache } from './plan-cache.ts';
import { PlanKeys, sameBatchFree } from './plan-key.ts';
import { bytesFor, checkWeightsFit, largestBatch, measureFootprint } from '../compile/budget.ts';
import { explainInputShape, inputShapeHint } from './input-check.ts';
import { stepLayout, type StepLayout } from '../training/step-layout.ts';
export type { StepLayout };
import { evaluateLoop, fitLoop, predictLoop, type EvaluateArgs, type FitArgs, type PredictArgs } from '../training/loop.ts';
import type { History, Logs } from '../training/callback-base.ts';
import { Graph } from './graph.ts';
import { logNames, makeHeads, stepLogs, type Head, type LossId, type MetricId, type PerOutput } from './heads.ts';
import { printSummary } from './summary.ts';
import { findLayer } from './layer-lookup.ts';
import { CAMEL_KEYS, graphConfig } from './graph-config.ts';
import { stepFunction } from './step-function.ts';
import { isDataSource, type DataSource } from '../training/data-adapter.ts';
import { evaluateStream, fitStream, fromTfjsNames, predictStream, type StreamEvaluateArgs, type StreamFitArgs, type StreamPredictArgs, type TfjsEvaluateDatasetArgs, type TfjsFitDatasetArgs } from '../training/data-loop.ts';
import { add } from '../ops/elementwise.ts';
import { applyConstraints, weightPenalty } from '../layers/regularizers.ts';
import type { IOHandler, SaveResult } from '../io/artifacts.ts';

export interface CompileArgs {
  /** One loss for every output, or one per output (a list, or an object keyed by output name). */
  loss: PerOutput<LossId>;
  optimizer: Optimizer | string;
  /** Metrics for every output (one, or a list), or per output (a list of lists, or an object keyed by output name). */
  metrics?: PerOutput<MetricId | MetricId[]>;
  /** Per-output weights of the total loss (Keras's loss_weights); 1 by default. */
  lossWeights?: PerOutput<number>;
  /** Run every step op by op instead of as a compiled plan (slower; for debugging). */
  runEagerly?: boolean;
}

export interface ModelArgs {
  inputs?: LayerInput | LayerInput[];
  outputs?: SymbolicTensor | SymbolicTensor[];
  name?: string;
  trainable?: boolean;
}

import { tensorsInOrder, type ModelData } from './model-data.ts';
export type { ModelData };
/** One batch as Keras's train_step receives it: inputs, targets and (optionally) sample weights per output. */
export type StepData = [Tensor[], Tensor[]] | [Tensor[], Tensor[], (Tensor | undefined)[]];

export type StepKind = 'train' | 'evaluate' | 'predict';

const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const toSymbolic = (x: LayerInput): SymbolicTensor => (x instanceof Layer && x.className === 'InputLayer' ? (x.output as SymbolicTensor) : x as SymbolicTensor);

/** Writes a model's architecture as JSON: set by io/model-json.ts when it loads (models cannot import io). */
export const architectureJSON: { write?: (model: Model) => Record<string, unknown> } = {};

export class Model extends Layer {
  static override readonly className: string = 'Functional';
  optimizer?: Optimizer;
  /** One loss, weight and metric list per output (set by compile). */
  heads: Head[] = [];
  /** Set by a callback to end fit() after the current batch. */
  stopTraining = false;
  protected override readonly acceptsInputList = true;
  /** The graph of a functional model (and of a Sequential once it knows its input). */
  protected graph?: Graph;
  /** Whether outputs was one tensor rather than a list (apply and predict then return one tensor). */
  private singleOutput = true;

  /** Whether fit/evaluate/predict run op by op (see CompileArgs.runEagerly). */
  runEagerly = false;
  /** How many compiled steps a model keeps (train, evaluate and predict, per batch shape). */
  static maxPlans = 16;
  private readonly planCache = new PlanCache(this.name, () => Model.maxPlans);
  /** The compiled steps by key (tests and tools look inside). */
  private get plans(): ReadonlyMap<string, Plan> { return this.planCache.plans; }
  /** How many compiled steps this model holds now. */
  get planCount(): number { return this.planCache.size; }

  constructor(args: ModelArgs = {}) {
    const { inputs, outputs, ...rest } = args ?? {};
    super(rest);
    if ((inputs === undefined) !== (outputs === undefined)) {
      throw new Error(`Model "${this.name}": give both inputs and outputs (new Model({inputs, outputs})), or neither for a subclassed model`);
    }
    for (const key of Object.keys(args ?? {})) {
      if (!['inputs', 'outputs', 'name', 'trainable'].includes(key)) throw new Error(`Model "${this.name}": unknown option '${key}'. Valid options are: inputs, name, outputs, trainable`);
    }
    if (inputs !== undefined && outputs !== undefined) {
      this.setGraph(asList(inputs).map(toSymbolic), asList(outputs).map(toSymbolic), !Array.isArray(outputs));
      if (!this.trainable) this.trainable = false; // as Keras 3's Functional: its layers are frozen too
    }
  }

  /** Makes this model the graph between these tensors (Sequential calls it when its chain changes). */
  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[], singleOutput = outputs.length === 1): void {
    this.graph = new Graph(inputs, outputs, this.name);
    this.singleOutput = singleOutput && outputs.length === 1;
    if (inputs.length === 1) this.batchInputShape = [...inputs[0].shape];
    this.built = true;
    this.planCache?.clear();
    this.acceptedShapes?.clear(); // (undefined while the constructor runs)
  }

  get isFunctional(): boolean { return this.graph !== undefined; }
  get inputs(): SymbolicTensor[] { return this.requireGraph('inputs').inputs; }
  get outputs(): SymbolicTensor[] { return this.requireGraph('outputs').outputs; }
  /** Keras's input_shape / output_shape (TF.js's inputShape / outputShape): one shape, or a list with several. */
  get inputShape(): ShapeSpec | ShapeSpec[] { const s = this.requireGraph('inputShape').inputs.map((t) => [...t.shape]); return s.length === 1 ? s[0] : s; }
  get outputShape(): ShapeSpec | ShapeSpec[] { const s = this.requireGraph('outputShape').outputs.map((t) => [...t.shape]); return s.length === 1 ? s[0] : s; }
  /** Keras's input_names / output_names: the names of the layers that make them. */
  get inputNames(): string[] { return this.graph ? this.graph.inputNames() : ['input_1']; }
  get outputNames(): string[] { return this.graph ? this.graph.outputNames() : ['output_1']; }
  /** The graph's nodes in run order (empty for a subclassed model). */
  get graphNodes(): Graph['nodes'] { return this.graph?.nodes ?? []; }
  protected requireGraph(what: string): Graph {
    if (!this.graph) throw new Error(`Model "${this.name}" has no ${what} yet: it is not a functional model (or a Sequential that has not seen its input shape)`);
    return this.graph;
  }

  /** Its layers: the graph's (inputs first), or, in a subclassed model, the layers in its fields. */
  get layers(): Layer[] {
    if (this.graph) return this.graph.layers;
    const found: Layer[] = [];
    for (const value of Object.values(this)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v instanceof Layer && v !== this && !found.includes(v)) found.push(v);
    }
    return found;
  }

  /** Keras's get_layer: by name or by index in `layers`; TF.js's getLayer(undefined, index) too. */
  getLayer(nameOrIndex?: string | number, index?: number): Layer { return findLayer(this.name, this.layers, nameOrIndex, index); }

  private uniqueWeights(pick: (l: Layer) => Variable[]): Variable[] {
    return [...new Set(this.layers.flatMap(pick))];
  }
  override get weights(): Variable[] { return this.uniqueWeights((l) => l.weights); }
  override get trainableWeights(): Variable[] { return this.trainable ? this.uniqueWeights((l) => l.trainableWeights) : []; }
  override get nonTrainableWeights(): Variable[] { return this.uniqueWeights((l) => (this.trainable ? l.nonTrainableWeights : l.weights)); }
  protected override innerLayers(): Layer[] { return this.layers; }
  override drawShapes(): string { return this.layers.map((l) => l.drawShapes()).join(''); }

  /** The forward pass: the graph's, or a subclass's own. */
  call(x: Tensor | Tensor[], args: CallArgs = {}): Tensor | Tensor[] {
    const graph = this.graph ?? this.graphFor(asList(x));
    if (!graph) throw new Error(`Model "${this.name}" (${this.className}) has no graph: a subclassed model must define call(inputs, {training})`);
    const out = graph.run(asList(x), args);
    return this.singleOutput ? out[0] : out;
  }

  /** Sequential builds its graph on first sight of an input; other models have theirs already. */
  protected graphFor(_inputs: Tensor[]): Graph | undefined { return this.graph; }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    if (this.graph) {
      const out = this.graph.outputShapes(shapes);
      return this.singleOutput ? out[0] : out;
    }
    // A subclassed model: run call on one zero sample (unknown sizes as 1) and read the shapes.
    const out = noGrad(() => this.apply(shapes.map((s) => zeros(s.map((d) => d ?? 1))) as never)) as Tensor | Tensor[];
    const outShapes = asList(out).map((t) => [shapes[0][0] === null ? null : t.shape[0], ...t.shape.slice(1)]);
    return Array.isArray(out) ? outShapes : outShapes[0];
  }

  /** Builds a subclassed model's weights by calling it on zeros of this shape (Keras's model.build). */
  override build(inputShape: Shapes): void {
    if (!this.graph && this.hasOwnCall()) {
      const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
      const zerosIn = shapes.map((s) => zeros(s.map((d) => d ?? 1)));
      noGrad(() => this.call(zerosIn.length === 1 ? zerosIn[0] : zerosIn, { training: false }));
    }
    this.built = true;
  }
  private hasOwnCall(): boolean { return Object.getPrototypeOf(this).call !== Model.prototype.call; }

  /** Makes sure every weight exists before a step collects them (a lazily built model would train nothing on its first step). */
  ensureBuilt(inputs: Tensor[]): void {
    if (this.graph) return;
    if (this.graphFor(inputs)) return;
    if (!this.built || this.weights.length === 0) {
      noGrad(() => this.apply((inputs.length === 1 ? inputs[0] : inputs) as never, { training: false }));
      this.built = true;
    }
  }

  /** x (or y) as one tensor per input (output), in order; errors name what is missing or unknown. */
  dataFor(data: ModelData, kind: 'input' | 'output', where: string): Tensor[] {
    const names = kind === 'input' ? this.inputNames : this.outputNames;
    const count = kind === 'input' ? (this.graph?.inputs.length ?? 1) : (this.graph?.outputs.length ?? (this.heads.length || 1));
    return tensorsInOrder(data, { model: this.name, names, count, kind, where });
  }

  compile({ loss, optimizer, metrics = [], lossWeights, runEagerly = false, ...rest }: CompileArgs): void {
    for (const key of Object.keys(rest)) throw new Error(`compile: unknown option '${key}'. Valid options are: loss, lossWeights, metrics, optimizer, runEagerly`);
    if (loss === undefined || optimizer === undefined) throw new Error('compile: both loss and optimizer are required');
    const outputs = this.graph ? this.graph.outputNames() : [this.outputNames[0]];
    this.heads = makeHeads(outputs, loss, metrics, lossWeights);
    this.optimizer = getOptimizer(optimizer);
    this.runEagerly = runEagerly;
    this.resetPlans();
  }

  /** The first output's loss (the only one of a single-output model). */
  get loss(): Loss | undefined { return this.heads[0]?.loss; }
  /** Every output's metrics, in order. */
  get metrics(): Metric[] { return this.heads.flatMap((h) => h.metrics); }
  /** The names of evaluate()'s numbers, in order: 'loss', each output's loss, the metrics (TF.js's metricsNames). */
  get metricsNames(): string[] { return logNames(this.heads); }

  /**
   * Runs the compiled version of fn for these inputs' shapes, tracing it on first use. Weights
   * move to the backend's memory first, so plans use them in place. The key holds what a plan
   * depends on: backend, kind, input shapes and which weights are trained.
   */
  private runPlanned(kind: string, fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[]): Tensor[] {
    // A training step's sizes drawn in JavaScript (RandomWidth) are part of its key: one plan per
    // size. More sizes than the plan cache holds would trace every step: those steps run eagerly.
    const drawn = kind.startsWith('train') ? this.drawShapes() : '';
    if (drawn && !this.drawnShapes.has(drawn)) {
      if (this.drawnShapes.size < Model.maxPlans - 2) this.drawnShapes.add(drawn);
      else {
        if (!this.warnedDrawnShapes) console.warn(`Model "${this.name}": its training steps drew more than ${Model.maxPlans - 2} input sizes (RandomWidth / RandomHeight): steps of the sizes beyond them run op by op (slower, same values); raise Model.maxPlans to compile more`);
        this.warnedDrawnShapes = true;
        return fn(inputs);
      }
    }
    const key = this.planKey(kind, inputs) + drawn;
    if (!this.planCache.has(key)) this.moveToBackendMemory();
    return this.planCache.run(key, fn, inputs, () => new Set(this.weights.map((w) => w.data)), { weightWork: kind === 'predict' || kind === 'evaluate' });
  }

  /** What a plan depends on: backend, kind, input shapes and which weights are trained. */
  private planKey(kind: string, inputs: Tensor[]): string {
    const trained = kind.startsWith('train') ? this.trainableWeights.map((w) => w.name).join() : '';
    return this.planKeys.key(getBackend(), kind, inputs, trained);
  }
  private readonly planKeys = new PlanKeys();
  /** The distinct sizes training steps drew (up to one more than the plans kept for them). */
  private readonly drawnShapes = new Set<string>();
  private warnedDrawnShapes = false;

  private moveToBackendMemory(): void {
    const memory = memoryOf(backend());
    const arrays = [...this.weights.map((w) => w.data), ...(this.optimizer ? this.trainableWeights.flatMap((w) => this.optimizer!.slotsFor(w)) : [])];
    checkWeightsFit(this.name, arrays.filter((a) => !memory.owns(a)).reduce((n, a) => n + a.byteLength + 16, 0));
    for (const w of this.weights) w.data = persistentCopy(w.data);
    if (this.optimizer) for (const w of this.trainableWeights) this.optimizer.moveSlots(w, persistentCopy);
  }

  /**
   * Keras's model.losses after a call: the weights' penalties and the layers' activity
   * penalties of that call (ops, so a compiled step computes them every batch), or null.
   */
  regularizationLoss(): Tensor | null {
    const parts = [weightPenalty(this.weights), ...this.layers.map((l) => l.activityLoss)].filter((t): t is Tensor => t !== null);
    return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
  }

  /**
   * The largest batch, up to `batch`, whose compiled step of this kind fits the backend's
   * memory (see compile/budget.ts), and the bytes `batch` would need; `batch` itself where
   * nothing limits it (eager runs, backends without a limit, small batches, a plan exists).
   * `sample(b)` gives the step's inputs for b samples. Nothing is trained: only traces run.
   */
  batchThatFits(kind: StepKind, batch: number, layout: StepLayout, sample: (b: number) => Tensor[]): { batch: number; needed?: number; free?: number; limit?: number } {
    if (this.runEagerly || batch <= 512) return { batch }; // smaller ones: the trace itself fails softly
    const inputs = sample(batch);
    if (this.planCache.has(this.planKey(kind, inputs))) return { batch };
    this.ensureBuilt(inputs.slice(0, layout.nIn));
    this.moveToBackendMemory();
    const fn = this.stepFunction(kind, layout);
    const persistent = new Set(this.weights.map((w) => w.data));
    const footprint = measureFootprint((b) => { Plan.trace(fn, sample(b), persistent); });
    if (!footprint || bytesFor(footprint, batch) <= 0.95 * footprint.free) return { batch };
    return { batch: Math.min(batch, largestBatch(footprint)), needed: bytesFor(footprint, batch), free: footprint.free, limit: footprint.limit };
  }

  /** The function each kind of step runs (and a plan compiles): see step-function.ts. */
  private stepFunction(kind: StepKind, layout: StepLayout): (batch: Tensor[]) => Tensor[] {
    return stepFunction(this, kind, layout);
  }

  /** Forgets compiled steps (Sequential does when its layers change). */
  resetPlans(): void { this.planCache.clear(); this.acceptedShapes.clear(); this.drawnShapes?.clear(); }

  /** The compiled heads and optimizer, or a clear error when compile() was not called. */
  compiled(what: string): { loss: Loss; optimizer: Optimizer; heads: Head[] } {
    if (this.heads.length === 0 || !this.optimizer) throw new Error(`You must call compile() on model "${this.name}" before ${what}()`);
    return { loss: this.heads[0].loss, optimizer: this.optimizer, heads: this.heads };
  }

  /**
   * Forward pass, losses and gradients of one batch, compiled unless runEagerly. Sample weights
   * (one per output, undefined where none) are inputs of the step like x and y.
   */
  computeGradients(xs: Tensor[], ys: Tensor[], sampleWeights: (Tensor | undefined)[] = []): { losses: Tensor[]; yPreds: Tensor[]; grads: Tensor[] } {
    const { heads } = this.compiled('train');
    this.ensureBuilt(xs);
    const nLoss = heads.length > 1 ? heads.length + 1 : 1;
    const step = this.stepFunction('train', stepLayout(xs, ys, heads.map((_, i) => sampleWeights[i] !== undefined)));
    const inputs = [...xs, ...ys, ...sampleWeights.filter((w): w is Tensor => w !== undefined)];
    const out = this.runEagerly ? step(inputs) : this.runPlanned('train', step, inputs);
    return { losses: out.slice(0, nLoss), yPreds: out.slice(nLoss, nLoss + heads.length), grads: out.slice(nLoss + heads.length) };
  }

  /**
   * Keras's train_step: one gradient step on one batch, returning this batch's logs (loss, each
   * output's loss when there are several, metrics). Override it to customise training; fit calls
   * it with [xs, ys] or [xs, ys, sampleWeights] (one tensor per input and per output).
   * `trainStep(x, y)` also works for single-input, single-output models.
   */
  trainStep(data: StepData | Tensor, y?: Tensor): Logs {
    const [xs, ys, sws = []] = data instanceof Tensor ? [[data], [y!]] : data;
    const { losses, yPreds, grads } = this.computeGradients(xs, ys, sws);
    this.optimizer!.apply(grads, this.trainableWeights);
    applyConstraints(this.trainableWeights); // after the update, as Keras does
    return stepLogs(this.heads, losses.map((t) => t.item()), ys, yPreds, sws);
  }

  /**
   * For a trainStep override: fn(inputs)'s value and its gradients with respect to the trainable
   * weights, compiled like the default step's forward and backward pass unless runEagerly (the
   * optimizer then runs outside the plan, as in the default step). fn must compute from its
   * `inputs` and the model's weights with tensor ops only: the plan replays its kernels on each
   * new batch, and the first replay traces it again and refuses values computed in JavaScript.
   * `name` tells one such computation of the step from another (default: fn's source text).
   */
  compiledValueAndGrads(fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[], name = fn.toString()): { value: Tensor; grads: Tensor[] } {
    const step = (batch: Tensor[]): Tensor[] => { const { value, grads } = valueAndGrads(() => fn(batch), this.trainableWeights); return [value, ...grads]; };
    if (!inputs.every((t) => t instanceof Tensor)) throw new Error(`compiledValueAndGrads on model "${this.name}": inputs must be an array of Tensors (the batch fn reads)`);
    // Not built yet: this call builds the weights eagerly (a trace must not create them); later ones compile.
    const out = this.runEagerly || !this.built || this.weights.length === 0 ? step(inputs) : this.runPlanned(`train:${name}`, step, inputs);
    return { value: out[0], grads: out.slice(1) };
  }

  /** Whether a subclass replaced trainStep (fit then calls it with [xs, ys]). */
  get hasCustomTrainStep(): boolean { return Object.getPrototypeOf(this).trainStep !== Model.prototype.trainStep; }

  /** Loss, per-output losses and metrics for one batch, without gradients (compiled unless runEagerly). */
  testStep(data: StepData): Logs {
    const [xs, ys, sws = []] = data;
    const { heads } = this.compiled('evaluate');
    this.ensureBuilt(xs);
    const fn = this.stepFunction('evaluate', stepLayout(xs, ys, heads.map((_, i) => sws[i] !== undefined)));
    const inputs = [...xs, ...ys, ...sws.filter((w): w is Tensor => w !== undefined)];
    const out = this.runEagerly ? fn(inputs) : this.runPlanned('evaluate', fn, inputs);
    const nLoss = heads.length > 1 ? heads.length + 1 : 1;
    return stepLogs(heads, out.slice(0, nLoss).map((t) => t.item()), ys, out.slice(nLoss), sws);
  }

  /** Resets every metric's state (fit does at each epoch's start, evaluate before it begins). */
  resetMetrics(): void { for (const m of this.metrics) m.resetState(); }

  /**
   * The model's outputs for one batch, without gradients (compiled unless runEagerly). The
   * results are only valid until the next compiled call; predictOnBatch returns copies.
   */
  predictStep(xs: Tensor | Tensor[]): Tensor[] {
    const list = asList(xs);
    this.ensureBuilt(list);
    const forward = (this.predictFunctions[list.length] ??= this.stepFunction('predict', stepLayout(list, [], [])));
    return this.runEagerly ? forward(list) : this.runPlanned('predict', forward, list);
  }
  /** The predict step's function by input count, made once (it depends on nothing else). */
  private readonly predictFunctions: ((batch: Tensor[]) => Tensor[])[] = [];

  /** Keras's predict_on_batch. */
  predictOnBatch(x: ModelData): Tensor | Tensor[] {
    const out = this.predictStep(this.dataFor(x, 'input', 'predictOnBatch')).map((t) => t.clone());
    return out.length === 1 && this.singleOutput ? out[0] : out;
  }

  /** Keras's train_on_batch: one step, returns [loss, ...per-output losses, ...metrics] for this batch. */
  trainOnBatch(x: ModelData, y: ModelData): number[] {
    this.compiled('trainOnBatch');
    this.resetMetrics(); // Keras's reset_metrics=True: this batch's metrics alone
    return Object.values(this.trainStep([this.dataFor(x, 'input', 'trainOnBatch'), this.dataFor(y, 'output', 'trainOnBatch')]));
  }

  /** Keras's test_on_batch: this batch's [loss, ...per-output losses, ...metrics] (evaluate's numbers), nothing trained. */
  testOnBatch(x: ModelData, y: ModelData): number[] {
    this.compiled('testOnBatch');
    this.resetMetrics(); // this batch's metrics alone, as trainOnBatch's
    return Object.values(this.testStep([this.dataFor(x, 'input', 'testOnBatch'), this.dataFor(y, 'output', 'testOnBatch')]));
  }

  /** fit(x, y, args) on tensors, or fit(data, args) on a Dataset, generator, async iterable or utils.Sequence of batches. */
  fit(x: ModelData, y: ModelData, args?: FitArgs): Promise<History>;
  fit(data: DataSource, args?: StreamFitArgs): Promise<History>;
  fit(x: ModelData | DataSource, y?: ModelData | StreamFitArgs, args: FitArgs = {}): Promise<History> {
    if (isDataSource(x)) return fitStream(this, x, y as StreamFitArgs);
    return fitLoop(this, x as ModelData, y as ModelData, args);
  }
  /** [loss, ...per-output losses, ...metrics], or with returnDict the logs by name (Keras's evaluate); on streamed batches, a promise. */
  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict: true }): Record<string, number>;
  evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs): number[];
  evaluate(data: DataSource, args?: StreamEvaluateArgs): Promise<number[]>;
  evaluate(x: ModelData | DataSource, y?: ModelData | StreamEvaluateArgs, args: EvaluateArgs = {}): number[] | Record<string, number> | Promise<number[]> {
    if (isDataSource(x)) return evaluateStream(this, x, y as StreamEvaluateArgs);
    return evaluateLoop(this, x as ModelData, y as ModelData, args);
  }
  /** TF.js's fitDataset / evaluateDataset: fit and evaluate on a dataset of {xs, ys} (or [x, y]) batches. */
  async fitDataset(data: DataSource, args?: TfjsFitDatasetArgs): Promise<History> {
    return fitStream(this, data, fromTfjsNames(args, { batchesPerEpoch: 'stepsPerEpoch', validationBatches: 'validationSteps' }, 'fitDataset'));
  }
  async evaluateDataset(data: DataSource, args?: TfjsEvaluateDatasetArgs): Promise<number[]> { return evaluateStream(this, data, fromTfjsNames(args, { batches: 'steps' }, 'evaluateDataset')); }
  predict(x: Tensor, args?: PredictArgs): Tensor;
  predict(x: ModelData, args?: PredictArgs): Tensor | Tensor[];
  /** On streamed batches predict returns a promise. */
  predict(data: DataSource, args?: StreamPredictArgs): Promise<Tensor | Tensor[]>;
  predict(x: ModelData | DataSource, args: PredictArgs | StreamPredictArgs = {}): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
    if (isDataSource(x)) return predictStream(this, x, args as StreamPredictArgs).then((out) => (out.length === 1 && this.singleOutput ? out[0] : out));
    const out = predictLoop(this, this.dataFor(x as ModelData, 'input', 'predict'), args as PredictArgs);
    return out.length === 1 && this.singleOutput ? out[0] : out;
  }

  /**
   * The architecture as JSON (TF.js's toJSON, Keras's to_json): a string, or the object with
   * returnString false; no weights. models.modelFromJSON rebuilds it.
   */
  toJSON(_unused?: unknown, returnString = true): string | Record<string, unknown> {
    if (!architectureJSON.write) throw new Error(`toJSON: the model writer (io/model-json.ts) is not loaded; import deeptype's index (it loads it)`);
    const topology = architectureJSON.write(this);
    return returnString ? JSON.stringify(topology) : topology;
  }

  /** Writes the model as an ONNX graph (opset 13+) for ONNX Runtime and other engines; see io/onnx.ts. */
  async exportOnnx(path: string, options: { opset?: number } = {}): Promise<void> {
    const { exportOnnx } = await import('../io/onnx.ts');
    exportOnnx(this, path, options);
  }

  /**
   * Saves the model (TF.js's model.save): to an IOHandler or a URL ('localstorage://name',
   * 'indexeddb://name', 'downloads://name', 'http(s)://...'; io/handlers.ts), or in Node by the
   * path's extension: 'x.keras' (Keras 3), 'x.h5' (Keras 2), else a TF.js directory.
   */
  async save(target: string | IOHandler, options: { includeOptimizer?: boolean } = {}): Promise<SaveResult> {
    const { saveModelTo } = await import('../io/save-load.ts'); // lazily: io depends on the model classes
    return saveModelTo(this, target, options);
  }

  /** Saves only the weights: 'x.weights.h5' in Keras 3's layout, another '.h5' in Keras 2's; otherwise TF.js's weights directory (weights.json + .bin). */
  async saveWeights(path: string): Promise<void> { return (await import('../io/save-load.ts')).saveWeightsTo(this, path); }
  /** Keras's load_weights for .weights.h5, Keras 2 .h5 or a sharded .weights.json (byName/skipMismatch as Keras 2); TF.js's weights directory otherwise. */
  async loadWeights(path: string, options: { byName?: boolean; skipMismatch?: boolean } = {}): Promise<void> { return (await import('../io/save-load.ts')).loadWeightsFrom(this, path, options); }

  /** Throws the error the first layer to reject these input shapes would throw, before any work; returns the output shapes. */
  checkInputShapes(shapes: readonly (readonly number[])[]): ShapeSpec[] {
    // Each predict call checks: shapes already accepted skip the walk over the graph (batch-1
    // latency). Graph models only: a subclassed model's call may change what it returns.
    if (!this.graph) return this.outputShapesFor(shapes);
    const last = this.lastAccepted; // the same shapes as the last call: not even the key is built
    if (last && this.acceptedShapes.get(last.key) === last.out && sameBatchFree(last.shapes, shapes)) return last.out.map((s) => [...s]);
    const key = shapes.map((s) => s.slice(1).join(',')).join('|');
    let known = this.acceptedShapes.get(key);
    if (!known) {
      known = this.outputShapesFor(shapes).map((s) => [...s]);
      if (this.acceptedShapes.size >= 64) this.acceptedShapes.clear();
      this.acceptedShapes.set(key, known);
    }
    this.lastAccepted = { key, shapes: shapes.map((s) => [...s]), out: known };
    return known.map((s) => [...s]);
  }
  private lastAccepted: { key: string; shapes: number[][]; out: ShapeSpec[] } | null = null;
  /** Input shapes already accepted by checkInputShapes (batch axis aside), with their output shapes; cleared with the plans. */
  private readonly acceptedShapes = new Map<string, ShapeSpec[]>();

  private outputShapesFor(shapes: readonly (readonly number[])[]): ShapeSpec[] {
    // The two mistakes new users make most (no batch axis, no channel axis) get their own words.
    const first = this.layers.find((l) => l.className !== 'InputLayer');
    if (shapes.length === 1) explainInputShape(this.name, this.batchInputShape, first, shapes[0]);
    const batchFree = shapes.map((s) => [null, ...s.slice(1)] as ShapeSpec);
    try {
      if (!this.graph && !this.graphFor(shapes.map((s) => zeros([1, ...s.slice(1)])))) return batchFree.map(() => [null]);
      const out = this.computeOutputShape(batchFree.length === 1 ? batchFree[0] : batchFree);
      return isShapeList(out) ? out : [out];
    } catch (e) {
      const hint = shapes.length === 1 && e instanceof Error ? inputShapeHint(first, shapes[0]) : '';
      if (hint) (e as Error).message += hint;
      throw e;
    }
  }
  /** One-input form of checkInputShapes (the output shape). */
  checkInputShape(shape: ShapeSpec): ShapeSpec {
    return this.checkInputShapes([shape.map((d) => d ?? 1)])[0];
  }

  summary(print: (line: string) => void = console.log): void {
    printSummary(this, print);
  }

  /** getConfig: TF.js's LayersModel.getConfig (the graph, each layer {className, config}); fromConfig rebuilds it with fresh weights (Keras's from_config(config), TF.js's fromConfig(cls, config); installed by models/index.ts: it needs Sequential). */
  override getConfig(): Record<string, unknown> {
    return { ...(this.graph ? graphConfig(this, (l) => ({ className: l.className, config: l.getConfig() }), CAMEL_KEYS) : { name: this.name }), trainable: this.trainable };
  }
  static fromConfig: (clsOrConfig: unknown, config?: unknown) => Model = () => { throw new Error('Model.fromConfig: models/index.ts is not loaded'); };
}
