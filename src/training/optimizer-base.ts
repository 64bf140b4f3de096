// The Optimizer base class: Keras 3's common options around each subclass's update kernel.
// One step (apply) is: clip the gradients (clipvalue, clipnorm, globalClipnorm), decay the
// weights (w -= w * weightDecay * lr), run the update kernel per variable, count the step,
// then update the moving averages (useEma). The learning rate is a number or a schedule of
// the step count, evaluated here, outside compiled steps, once per step.
import { backend, noGrad } from '../core/engine.ts';
import { allocArray, type TypedArray } from '../core/dtype.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import { Tensor, liveVariables, type Variable } from '../core/tensor.ts';
import { valueAndGrads } from '../ops/autograd.ts';
import * as ops from '../ops/index.ts';
import { LearningRateSchedule, scheduleFromConfig, type ScheduleConfig } from './schedules.ts';

export interface OptimizerArgs {
  learningRate?: number | LearningRateSchedule;
  /** Each gradient is scaled so its L2 norm is at most this. */
  clipnorm?: number | null;
  /** Each gradient element is clipped to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** All gradients are scaled together so their joint L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** Decoupled weight decay: w -= w * weightDecay * lr before each update. */
  weightDecay?: number | null;
  /** Keep an exponential moving average of the weights (copied into them at the end of fit). */
  useEma?: boolean;
  emaMomentum?: number;
  /** Every this many steps, copy the moving averages into the weights. */
  emaOverwriteFrequency?: number | null;
  /** Refused: an optimizer is named by its class (saved files rely on it). */
  name?: never;
}

export const COMMON_OPTIONS = ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay', 'useEma', 'emaMomentum', 'emaOverwriteFrequency', 'name'] as const;

/** Throws for an option the optimizer does not know (Keras rejects unknown kwargs). */
export function checkOptimizerOptions(where: string, args: object | undefined, known: readonly string[]): void {
  if (!args) return;
  const valid = new Set([...known, ...COMMON_OPTIONS]);
  for (const key of Object.keys(args)) {
    if (!valid.has(key) && (args as Record<string, unknown>)[key] !== undefined) {
      throw new Error(`${where}: unknown option '${key}'. Valid options are: ${[...valid].sort().join(', ')}`);
    }
  }
}

function optionalPositive(where: string, name: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`${where}: ${name} must be a positive number (or null for none), got ${shown(v)}`);
  return v;
}

/** A value as an error message shows it: strings quoted, objects as JSON. */
const shown = (v: unknown): string => (typeof v === 'string' ? `${JSON.stringify(v)} (a string)` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/**
 * A numeric hyperparameter: undefined or null give the default; otherwise a finite number in
 * `range` ('[0, 1)', '[0, 1]', '>= 0', '<= 0'). Unchecked, NaN, strings or out-of-range decay
 * rates trained to NaN or silently wrong weights.
 */
export function numberOption(where: string, name: string, v: unknown, dflt: number, range: '[0, 1)' | '[0, 1]' | '(0, 1]' | '>= 0' | '<= 0'): number {
  if (v === undefined || v === null) return dflt;
  const ok = typeof v === 'number' && Number.isFinite(v) && {
    '[0, 1)': v >= 0 && v < 1, '[0, 1]': v >= 0 && v <= 1, '(0, 1]': v > 0 && v <= 1, '>= 0': v >= 0, '<= 0': v <= 0,
  }[range];
  if (!ok) throw new Error(`${where}: ${name} must be a number ${range.startsWith('[') || range.startsWith('(') ? `in ${range}` : range}, got ${shown(v)}`);
  return v as number;
}

/** A boolean option: undefined or null give the default; anything but true or false is refused. */
export function booleanOption(where: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${shown(v)}`);
  return v;
}

export abstract class Optimizer {
  abstract readonly name: string;
  /** Number of update steps applied so far. */
  iterations = 0;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly weightDecay: number | null;
  readonly useEma: boolean;
  readonly emaMomentum: number;
  readonly emaOverwriteFrequency: number | null;
  private rate: number | LearningRateSchedule;
  private readonly slots = new Map<Variable, TypedArray[]>();
  private readonly averages = new Map<Variable, TypedArray>();

  constructor(args: OptimizerArgs, defaultLearningRate: number) {
    const where = new.target.name;
    const lr = args.learningRate ?? defaultLearningRate;
    if (!(lr instanceof LearningRateSchedule) && !(typeof lr === 'number' && lr > 0 && Number.isFinite(lr))) {
      throw new Error(`${where}: learningRate must be a positive number or a LearningRateSchedule, got ${shown(lr)}`);
    }
    // Saved files name optimizers by class (o.name), so a name of one's own would be dropped.
    if (args.name !== undefined) throw new Error(`${where}: option 'name' is not supported (an optimizer is named by its class, '${where}', which saved files use), got ${shown(args.name)}`);
    this.rate = lr;
    this.clipnorm = optionalPositive(where, 'clipnorm', args.clipnorm);
    this.clipvalue = optionalPositive(where, 'clipvalue', args.clipvalue);
    this.globalClipnorm = optionalPositive(where, 'globalClipnorm', args.globalClipnorm);
    if ([this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length > 1) {
      throw new Error(`${where}: only one of clipnorm, clipvalue and globalClipnorm can be set (got clipnorm ${this.clipnorm}, clipvalue ${this.clipvalue}, globalClipnorm ${this.globalClipnorm})`);
    }
    const wd = args.weightDecay ?? null;
    if (wd !== null && !(typeof wd === 'number' && wd >= 0 && Number.isFinite(wd))) throw new Error(`${where}: weightDecay must be a number >= 0, got ${shown(wd)}`);
    this.weightDecay = wd;
    this.useEma = booleanOption(where, 'useEma', args.useEma, false);
    this.emaMomentum = numberOption(where, 'emaMomentum', args.emaMomentum, 0.99, '[0, 1]');
    this.emaOverwriteFrequency = args.emaOverwriteFrequency ?? null;
    if (this.emaOverwriteFrequency !== null && !(Number.isInteger(this.emaOverwriteFrequency) && this.emaOverwriteFrequency > 0)) {
      throw new Error(`${where}: emaOverwriteFrequency must be a positive integer or null, got ${shown(this.emaOverwriteFrequency)}`);
    }
  }

  /** The learning rate the next step uses (a schedule evaluated at `iterations`). */
  get learningRate(): number { return this.rate instanceof LearningRateSchedule ? this.rate.call(this.iterations) : this.rate; }
  /** Sets a constant rate (what ReduceLROnPlateau and LearningRateScheduler do). */
  set learningRate(v: number) {
    if (this.rate instanceof LearningRateSchedule) {
      throw new Error(`${this.name}: the learning rate is a ${this.rate.className} schedule and cannot be set to a number; give the optimizer a number instead`);
    }
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`${this.name}: learningRate must be a positive number, got ${v}`);
    this.rate = v;
  }
  /** The schedule, when the learning rate is one. */
  get schedule(): LearningRateSchedule | undefined { return this.rate instanceof LearningRateSchedule ? this.rate : undefined; }

  /** The state arrays kept per variable (each the variable's size), by their names in saved files (TensorFlow.js's: `<variable>/<slot>`). */
  protected abstract slotNames(): string[];
  /** The update kernel for one variable; `step` counts from 1. */
  protected abstract update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number, lr: number): void;
  /** The value a slot starts at (Adagrad and Ftrl start their accumulators above 0). */
  protected initialSlotValue(_slot: number): number { return 0; }

  /** The state arrays kept for one variable (created on first use). */
  slotsFor(v: Variable): TypedArray[] {
    let s = this.slots.get(v);
    if (!s) {
      s = this.slotNames().map((_, k) => { const a = allocArray(v.dtype, v.size); a.fill(this.initialSlotValue(k)); return a; });
      this.slots.set(v, s);
    }
    return s;
  }

  /** Moves a variable's slots (and moving average) to new storage (a training plan's arena), keeping their values. */
  moveSlots(v: Variable, place: (a: TypedArray) => TypedArray): void {
    this.slots.set(v, this.slotsFor(v).map(place));
    // The moving average is made here too, so that it lives where the weights do (wasm memory).
    if (this.useEma) this.averages.set(v, place(this.averageFor(v)));
  }

  /**
   * The clipped gradients (new tensors; the inputs are left alone), computed by backend
   * kernels. As in Keras, at most one kind of clipping is set.
   */
  private clip(grads: Tensor[]): Tensor[] {
    return noGrad(() => {
      const sumSquares = (g: Tensor): number => ops.sum(ops.square(g)).item();
      if (this.clipnorm !== null) {
        const c = this.clipnorm;
        return grads.map((g) => { const norm = Math.sqrt(sumSquares(g)); return norm > c ? ops.mul(g, c / norm) : g; });
      }
      if (this.globalClipnorm !== null) {
        const norm = Math.sqrt(grads.reduce((s, g) => s + sumSquares(g), 0));
        return norm > this.globalClipnorm ? grads.map((g) => ops.mul(g, this.globalClipnorm! / norm)) : grads;
      }
      if (this.clipvalue !== null) return grads.map((g) => ops.clip(g, -this.clipvalue!, this.clipvalue!));
      return grads;
    });
  }

  /** Applies one step: Keras's optimizer.apply(grads, variables). */
  apply(grads: readonly Tensor[], variables: readonly Variable[]): void {
    if (grads.length !== variables.length) throw new Error(`${this.name}: ${grads.length} gradients for ${variables.length} variables`);
    variables.forEach((v, i) => {
      if (!shapesEqual(grads[i].shape, v.shape)) {
        throw new Error(`${this.name}: gradient of shape ${formatShape(grads[i].shape)} for variable ${v.name} of shape ${formatShape(v.shape)}`);
      }
    });
    const lr = this.learningRate;
    const cast = grads.map((g, i) => (g.dtype === variables[i].dtype ? g : g.cast(variables[i].dtype)));
    const clipped = this.clip(cast);
    const k = backend();
    if (this.weightDecay) for (const v of variables) k.sgd(v.data, v.data, null, lr * this.weightDecay, 0, false); // w -= lr wd w
    this.iterations++;
    variables.forEach((v, i) => this.update(v.data, clipped[i].data, this.slotsFor(v), this.iterations, lr));
    if (this.useEma) {
      // The first step starts the average at the weights (Keras: momentum 0 on step 0).
      const momentum = this.iterations === 1 ? 0 : this.emaMomentum;
      for (const v of variables) k.emaUpdate(this.averageFor(v), v.data, momentum);
      if (this.emaOverwriteFrequency && this.iterations % this.emaOverwriteFrequency === 0) this.finalizeVariableValues(variables);
    }
  }

  private averageFor(v: Variable): TypedArray {
    let a = this.averages.get(v);
    if (!a) this.averages.set(v, (a = allocArray(v.dtype, v.size)));
    return a;
  }

  /** The moving average of a variable (useEma), if it has one yet. */
  movingAverage(v: Variable): Tensor | undefined {
    const a = this.averages.get(v);
    return a ? new Tensor(a.slice(), v.shape) : undefined;
  }

  /** With useEma, copies the moving averages into the variables (Keras does at the end of fit). */
  finalizeVariableValues(variables: readonly Variable[]): void {
    if (!this.useEma) return;
    for (const v of variables) { const a = this.averages.get(v); if (a) v.data.set(a); }
  }

  /** Keras's apply_gradients(zip(grads, vars)), or TF.js's applyGradients({variableName: grad}) for variables made by variable(). */
  applyGradients(pairs: Iterable<readonly [Tensor, Variable]> | Record<string, Tensor>): void {
    const list = Symbol.iterator in pairs ? [...(pairs as Iterable<readonly [Tensor, Variable]>)] : Object.entries(pairs).map(([name, g]) => {
      const v = liveVariables().find((x) => x.name === name);
      if (!v) throw new Error(`${this.name}.applyGradients: no variable named '${name}' (made by variable()); pass [gradient, variable] pairs for others`);
      return [g, v] as const;
    });
    this.apply(list.map((p) => p[0]), list.map((p) => p[1]));
  }

  /**
   * TF.js's minimize: one step on f's value with respect to varList (by default every trainable
   * variable made by variable() that is still alive); returns the value when returnCost.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const vars = varList ?? liveVariables().filter((v) => v.trainable);
    if (vars.length === 0) throw new Error(`${this.name}.minimize: nothing to train: pass varList, or make the weights with variable()`);
    const { value, grads } = valueAndGrads(f, vars);
    this.apply(grads, vars);
    return returnCost ? value : null;
  }

  getConfig(): Record<string, unknown> {
    return {
      learningRate: this.rate instanceof LearningRateSchedule ? this.rate.toJSON() : this.rate,
      clipnorm: this.clipnorm, clipvalue: this.clipvalue, globalClipnorm: this.globalClipnorm, weightDecay: this.weightDecay,
      useEma: this.useEma, emaMomentum: this.emaMomentum, emaOverwriteFrequency: this.emaOverwriteFrequency,
    };
  }

  /** The slot names saved, with `average` (the moving average) under useEma. */
  private savedSlots(): string[] { return this.useEma ? [...this.slotNames(), 'average'] : this.slotNames(); }
  private savedArray(v: Variable, k: number): TypedArray { return k < this.slotNames().length ? this.slotsFor(v)[k] : this.averageFor(v); }

  /** The state to save, named as TensorFlow.js names it: `iter`, then each slot of each variable. */
  getWeights(variables: readonly Variable[]): { name: string; tensor: Tensor }[] {
    const iter = new Tensor(Int32Array.of(this.iterations), []);
    const slots = this.savedSlots().flatMap((slot, k) =>
      variables.map((v) => ({ name: `${v.name}/${slot}`, tensor: new Tensor(this.savedArray(v, k).slice(), v.shape) })));
    return [{ name: 'iter', tensor: iter }, ...slots];
  }

  /** Restores state saved by getWeights (from deeptype or TensorFlow.js); checks every shape first. */
  setWeights(values: Map<string, Tensor>, variables: readonly Variable[], where: string): void {
    const iter = values.get('iter');
    if (!iter || iter.size !== 1) throw new Error(`${where}: the optimizer state has no 'iter' step count`);
    const assignments: [TypedArray, Tensor][] = [];
    this.savedSlots().forEach((slot, k) => {
      for (const v of variables) {
        const name = `${v.name}/${slot}`, t = values.get(name);
        if (!t) throw new Error(`${where}: the optimizer state has no '${name}'`);
        if (!shapesEqual(t.shape, v.shape)) throw new Error(`${where}: optimizer state '${name}' has shape ${formatShape(t.shape)}, the variable ${formatShape(v.shape)}`);
        assignments.push([this.savedArray(v, k), t]);
      }
    });
    for (const [slot, t] of assignments) slot.set(t.data);
    this.iterations = iter.data[0];
  }
}

/** The learningRate entry of a saved config: a number or a schedule's {className, config}. */
export function learningRateFromConfig(v: unknown): number | LearningRateSchedule | undefined {
  if (v === undefined || v === null || typeof v === 'number') return v ?? undefined;
  return scheduleFromConfig(v as ScheduleConfig);
}
