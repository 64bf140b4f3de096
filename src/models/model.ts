// A model is a layer that can be compiled and trained (Keras's Model).
import type { Tensor, Variable } from '../core/tensor.ts';
import { Layer, type ShapeSpec } from '../layers/layer.ts';
import { getLoss, type Loss } from '../training/losses.ts';
import { getMetric, type Metric, type MetricFn } from '../training/metrics.ts';
import { getOptimizer, type Optimizer } from '../training/optimizers.ts';
import { valueAndGrads } from '../ops/autograd.ts';
import { getBackend, noGrad } from '../core/engine.ts';
import { Plan, persistentCopy } from '../compile/plan.ts';
import { evaluateLoop, fitLoop, predictLoop, type EvaluateArgs, type FitArgs, type PredictArgs } from '../training/loop.ts';
import type { History } from '../training/callbacks.ts';
import { add } from '../ops/elementwise.ts';
import { applyConstraints, weightPenalty } from '../layers/regularizers.ts';

export interface CompileArgs {
  loss: Loss | string;
  optimizer: Optimizer | string;
  metrics?: (string | MetricFn)[];
  /** Run every step op by op instead of as a compiled plan (slower; for debugging). */
  runEagerly?: boolean;
}

export abstract class Model extends Layer {
  loss?: Loss;
  optimizer?: Optimizer;
  metrics: Metric[] = [];
  /** Set by a callback to end fit() after the current batch. */
  stopTraining = false;

  abstract get layers(): Layer[];

  override get weights(): Variable[] { return this.layers.flatMap((l) => l.weights); }
  override get trainableWeights(): Variable[] { return this.trainable ? this.layers.flatMap((l) => l.trainableWeights) : []; }
  override get nonTrainableWeights(): Variable[] { return this.layers.flatMap((l) => (this.trainable ? l.nonTrainableWeights : l.weights)); }

  /** Whether fit/evaluate/predict run op by op (see CompileArgs.runEagerly). */
  runEagerly = false;
  private readonly plans = new Map<string, Plan>();

  compile({ loss, optimizer, metrics = [], runEagerly = false }: CompileArgs): void {
    if (loss === undefined || optimizer === undefined) throw new Error('compile: both loss and optimizer are required');
    this.loss = getLoss(loss);
    this.optimizer = getOptimizer(optimizer);
    this.metrics = metrics.map((m) => getMetric(m, this.loss!));
    this.runEagerly = runEagerly;
    this.plans.clear();
  }

  /**
   * Runs the compiled version of fn for these inputs' shapes, tracing it on first use. Weights
   * move to the backend's memory first, so plans use them in place. The key holds what a plan
   * depends on: backend, kind, input shapes and which weights are trained.
   */
  private runPlanned(kind: string, fn: (inputs: Tensor[]) => Tensor[], inputs: Tensor[]): Tensor[] {
    const trained = kind === 'train' ? this.trainableWeights.map((w) => w.name).join() : '';
    const key = `${getBackend()}|${kind}|${inputs.map((t) => `${t.dtype}[${t.shape}]`).join('|')}|${trained}`;
    const plan = this.plans.get(key);
    if (plan) return plan.run(inputs.map((t) => t.data));
    for (const w of this.weights) w.data = persistentCopy(w.data);
    if (this.optimizer) for (const w of this.trainableWeights) this.optimizer.moveSlots(w, persistentCopy);
    const fresh = Plan.trace(fn, inputs, new Set(this.weights.map((w) => w.data)));
    this.plans.set(key, fresh);
    // The plan, not the traced run, computes this first step too: its fused kernels round a
    // little differently, and a step must not depend on when its plan was made (resuming).
    return fresh.run(inputs.map((t) => t.data));
  }

  /** Forgets compiled steps (Sequential does when its layers change). */
  resetPlans(): void { this.plans.clear(); }

  /** The compiled loss and optimizer, or a clear error when compile() was not called. */
  compiled(what: string): { loss: Loss; optimizer: Optimizer } {
    if (!this.loss || !this.optimizer) throw new Error(`You must call compile() on model "${this.name}" before ${what}()`);
    return { loss: this.loss, optimizer: this.optimizer };
  }

  /**
   * Keras's model.losses after a call: the weights' penalties and the layers' activity
   * penalties of that call (ops, so a compiled step computes them every batch), or null.
   */
  regularizationLoss(): Tensor | null {
    const parts = [weightPenalty(this.weights), ...this.layers.map((l) => l.activityLoss)].filter((t): t is Tensor => t !== null);
    return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
  }

  /** The loss of a batch as fit and evaluate report it: the compiled loss plus the regularization losses. */
  private totalLoss(loss: Loss, y: Tensor, yPred: Tensor): Tensor {
    const value = loss.apply(y, yPred), extra = this.regularizationLoss();
    return extra ? add(value, extra) : value;
  }

  /** One gradient step on one batch; returns the batch loss and the predictions it was computed on. */
  trainStep(x: Tensor, y: Tensor): { loss: number; yPred: Tensor } {
    const { loss, optimizer } = this.compiled('train');
    const vars = this.trainableWeights;
    const step = ([xb, yb]: Tensor[]): Tensor[] => {
      let yPred!: Tensor;
      const { value, grads } = valueAndGrads(() => {
        yPred = this.apply(xb, { training: true });
        return this.totalLoss(loss, yb, yPred);
      }, vars);
      return [value, yPred, ...grads];
    };
    const [value, yPred, ...grads] = this.runEagerly ? step([x, y]) : this.runPlanned('train', step, [x, y]);
    optimizer.apply(grads, vars);
    applyConstraints(vars);
    return { loss: value.item(), yPred };
  }

  /** Loss and predictions for one batch, without gradients (compiled unless runEagerly; yPred valid until the next compiled call). */
  evaluateStep(x: Tensor, y: Tensor): { loss: number; yPred: Tensor } {
    const { loss } = this.compiled('evaluate');
    const fn = ([xb, yb]: Tensor[]): Tensor[] => noGrad(() => {
      const yPred = this.apply(xb, { training: false });
      return [this.totalLoss(loss, yb, yPred), yPred];
    });
    const [value, yPred] = this.runEagerly ? fn([x, y]) : this.runPlanned('evaluate', fn, [x, y]);
    return { loss: value.item(), yPred };
  }

  /**
   * The model's output for one batch, without gradients (compiled unless runEagerly). The
   * result is only valid until the next compiled call; predictOnBatch returns a copy.
   */
  predictStep(x: Tensor): Tensor {
    const forward = ([xb]: Tensor[]): Tensor[] => [noGrad(() => this.apply(xb, { training: false }))];
    return this.runEagerly ? forward([x])[0] : this.runPlanned('predict', forward, [x])[0];
  }

  /** Keras's predict_on_batch. */
  predictOnBatch(x: Tensor): Tensor { return this.predictStep(x).clone(); }

  /** Keras's train_on_batch: one step, returns [loss, ...metrics] for this batch. */
  trainOnBatch(x: Tensor, y: Tensor): number[] {
    const { loss, yPred } = this.trainStep(x, y);
    return [loss, ...this.metrics.map((m) => { m.reset(); m.updateState(y, yPred); return m.result(); })];
  }

  fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> { return fitLoop(this, x, y, args); }

  /** Writes the model as an ONNX graph (opset 13+) for ONNX Runtime and other engines; see io/onnx.ts. */
  async exportOnnx(path: string, options: { opset?: number } = {}): Promise<void> {
    const { exportOnnx } = await import('../io/onnx.ts');
    exportOnnx(this, path, options);
  }

  /** Saves to a directory in TensorFlow.js's Layers format (model.json + weights); see io/model-files.ts. */
  async save(path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    const { saveModel } = await import('../io/model-files.ts'); // lazily: io depends on the model classes
    saveModel(this, path, options);
  }
  evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): number[] { return evaluateLoop(this, x, y, args); }
  predict(x: Tensor, args: PredictArgs = {}): Tensor { return predictLoop(this, x, args); }

  /** Throws the error the first layer to reject this input shape would throw, before any work. */
  checkInputShape(shape: ShapeSpec): ShapeSpec {
    return this.computeOutputShape([null, ...shape.slice(1)]);
  }

  summary(print: (line: string) => void = console.log): void {
    const widths = [29, 26, 10];
    // A cell longer than its column wraps onto more lines (as Keras's table does), so the
    // columns stay aligned.
    const row = (cells: string[]): string => {
      const parts = cells.map((c, i) => wrapText(c, widths[i] - 2));
      const height = Math.max(...parts.map((p) => p.length));
      return Array.from({ length: height }, (_, k) => parts.map((p, i) => (' ' + (p[k] ?? '')).padEnd(widths[i])).join('').trimEnd()).join('\n');
    };
    const total = widths.reduce((a, b) => a + b, 0);
    if (!this.batchInputShape && !this.built) {
      throw new Error(`summary: model "${this.name}" has not been built yet: give it an Input, or call it on data first`);
    }
    let shape: ShapeSpec = this.batchInputShape ?? [null];
    print(`Model: "${this.name}"`);
    print('_'.repeat(total));
    const printRow = (cells: string[]): void => row(cells).split('\n').forEach((l) => print(l));
    printRow(['Layer (type)', 'Output Shape', 'Param #']);
    print('='.repeat(total));
    this.layers.forEach((layer, i) => {
      shape = layer.computeOutputShape(shape);
      const shown = `(${shape.map((d) => (d === null ? 'None' : d)).join(', ')}${shape.length === 1 ? ',' : ''})`;
      printRow([`${layer.name} (${layer.className})`, shown, layer.countParams().toLocaleString('en-US')]);
      if (i < this.layers.length - 1) print(' '.repeat(total));
    });
    const count = (ws: Variable[]): string => ws.reduce((n, w) => n + w.size, 0).toLocaleString('en-US');
    print('='.repeat(total));
    print(`Total params: ${count(this.weights)}`);
    print(`Trainable params: ${count(this.trainableWeights)}`);
    print(`Non-trainable params: ${count(this.nonTrainableWeights)}`);
    print('_'.repeat(total));
  }
}

/** Splits text into lines of at most `width` characters, after a space, '(' or ',' where it can. */
function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const window = rest.slice(0, width + 1);
    const at = Math.max(window.lastIndexOf(' '), window.lastIndexOf('('), window.lastIndexOf(','));
    const cut = at > 0 ? (window[at] === ',' ? at + 1 : at) : width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
