// Learning-rate schedules (Keras's keras.optimizers.schedules): a function of the optimizer's
// step count (0 for the first update). Optimizers evaluate them outside compiled steps, once
// per step, so a schedule is plain arithmetic on numbers.

export interface ScheduleConfig { className: string; config: Record<string, unknown> }

export abstract class LearningRateSchedule {
  abstract readonly className: string;
  /** The learning rate for step `step` (0-based count of updates done so far). */
  abstract call(step: number): number;
  abstract getConfig(): Record<string, unknown>;
  toJSON(): ScheduleConfig { return { className: this.className, config: this.getConfig() }; }
}

/** Unknown options are errors: a misspelt decaySteps would silently train at another rate. */
function checkScheduleOptions(where: string, args: object, known: string[]): void {
  if (typeof args !== 'object' || args === null) throw new Error(`${where}: expected an options object, got ${String(args)}`);
  const unknown = Object.keys(args).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (it takes ${known.join(', ')})`);
}

function positive(where: string, name: string, v: number): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`${where}: ${name} must be a positive number, got ${v}`);
  return v;
}
function nonNegative(where: string, name: string, v: number): number {
  if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new Error(`${where}: ${name} must be a number >= 0, got ${v}`);
  return v;
}

export interface ExponentialDecayArgs { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }

/** lr0 * rate^(step / decaySteps), the exponent floored with staircase. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  constructor(readonly args: ExponentialDecayArgs) {
    super();
    checkScheduleOptions('ExponentialDecay', args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
    positive('ExponentialDecay', 'initialLearningRate', args.initialLearningRate);
    positive('ExponentialDecay', 'decaySteps', args.decaySteps);
    positive('ExponentialDecay', 'decayRate', args.decayRate);
  }
  call(step: number): number {
    const { initialLearningRate, decaySteps, decayRate, staircase = false } = this.args;
    const p = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
    return initialLearningRate * decayRate ** p;
  }
  getConfig(): Record<string, unknown> { return { staircase: false, ...this.args }; }
}

export interface PiecewiseConstantDecayArgs { boundaries: number[]; values: number[] }

/** values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], then the last. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  constructor(readonly args: PiecewiseConstantDecayArgs) {
    super();
    checkScheduleOptions('PiecewiseConstantDecay', args, ['boundaries', 'values']);
    const { boundaries, values } = args;
    if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
      throw new Error(`PiecewiseConstantDecay: values must have one more element than boundaries, got ${values?.length} values for ${boundaries?.length} boundaries`);
    }
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i] > boundaries[i - 1])) {
        throw new Error(`PiecewiseConstantDecay: boundaries must be strictly increasing, got ${boundaries[i - 1]} then ${boundaries[i]} at index ${i} ([${boundaries.join(', ')}])`);
      }
    }
  }
  call(step: number): number {
    const { boundaries, values } = this.args;
    for (let i = 0; i < boundaries.length; i++) if (step <= boundaries[i]) return values[i];
    return values[values.length - 1];
  }
  getConfig(): Record<string, unknown> { return { boundaries: [...this.args.boundaries], values: [...this.args.values] }; }
}

export interface InverseTimeDecayArgs { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }

/** lr0 / (1 + rate * step / decaySteps), the quotient floored with staircase. */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  constructor(readonly args: InverseTimeDecayArgs) {
    super();
    checkScheduleOptions('InverseTimeDecay', args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
    positive('InverseTimeDecay', 'initialLearningRate', args.initialLearningRate);
    positive('InverseTimeDecay', 'decaySteps', args.decaySteps);
    nonNegative('InverseTimeDecay', 'decayRate', args.decayRate);
  }
  call(step: number): number {
    const { initialLearningRate, decaySteps, decayRate, staircase = false } = this.args;
    const p = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
    return initialLearningRate / (1 + decayRate * p);
  }
  getConfig(): Record<string, unknown> { return { staircase: false, ...this.args }; }
}

export interface PolynomialDecayArgs { initialLearningRate: number; decaySteps: number; endLearningRate?: number; power?: number; cycle?: boolean }

/** (lr0 - end) (1 - step / decaySteps)^power + end; with cycle the horizon grows in decaySteps. */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  constructor(readonly args: PolynomialDecayArgs) {
    super();
    checkScheduleOptions('PolynomialDecay', args, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle']);
    positive('PolynomialDecay', 'initialLearningRate', args.initialLearningRate);
    positive('PolynomialDecay', 'decaySteps', args.decaySteps);
  }
  call(step: number): number {
    const { initialLearningRate, decaySteps, endLearningRate = 0.0001, power = 1, cycle = false } = this.args;
    let horizon = decaySteps, s = step;
    if (cycle) horizon = decaySteps * (step === 0 ? 1 : Math.ceil(step / decaySteps));
    else s = Math.min(step, decaySteps);
    return (initialLearningRate - endLearningRate) * (1 - s / horizon) ** power + endLearningRate;
  }
  getConfig(): Record<string, unknown> { return { endLearningRate: 0.0001, power: 1, cycle: false, ...this.args }; }
}

export interface CosineDecayArgs { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number | null; warmupSteps?: number }

/**
 * Linear warmup from lr0 to warmupTarget over warmupSteps (when a target is given), then
 * cosine decay from there to alpha times it over decaySteps.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  constructor(readonly args: CosineDecayArgs) {
    super();
    checkScheduleOptions('CosineDecay', args, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps']);
    nonNegative('CosineDecay', 'initialLearningRate', args.initialLearningRate);
    positive('CosineDecay', 'decaySteps', args.decaySteps);
    nonNegative('CosineDecay', 'warmupSteps', args.warmupSteps ?? 0);
  }
  call(step: number): number {
    const { initialLearningRate, decaySteps, alpha = 0, warmupTarget = null, warmupSteps = 0 } = this.args;
    const decay = (s: number, from: number): number => {
      const fraction = Math.min(s, decaySteps) / decaySteps;
      return from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * fraction)) + alpha);
    };
    if (warmupTarget === null) return decay(step, initialLearningRate);
    if (step < warmupSteps) return initialLearningRate + (step / warmupSteps) * (warmupTarget - initialLearningRate);
    return decay(step - warmupSteps, warmupTarget);
  }
  getConfig(): Record<string, unknown> { return { alpha: 0, warmupTarget: null, warmupSteps: 0, ...this.args }; }
}

export interface CosineDecayRestartsArgs { initialLearningRate: number; firstDecaySteps: number; tMul?: number; mMul?: number; alpha?: number }

/** SGDR: cosine decays restarted after firstDecaySteps, each period tMul times longer and mMul times higher. */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className = 'CosineDecayRestarts';
  constructor(readonly args: CosineDecayRestartsArgs) {
    super();
    checkScheduleOptions('CosineDecayRestarts', args, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha']);
    positive('CosineDecayRestarts', 'initialLearningRate', args.initialLearningRate);
    positive('CosineDecayRestarts', 'firstDecaySteps', args.firstDecaySteps);
    positive('CosineDecayRestarts', 'tMul', args.tMul ?? 2);
  }
  call(step: number): number {
    const { initialLearningRate, firstDecaySteps, tMul = 2, mMul = 1, alpha = 0 } = this.args;
    let fraction = step / firstDecaySteps, restart: number;
    if (tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      restart = Math.floor(Math.log(1 - fraction * (1 - tMul)) / Math.log(tMul));
      const done = (1 - tMul ** restart) / (1 - tMul);
      fraction = (fraction - done) / tMul ** restart;
    }
    const cosine = 0.5 * mMul ** restart * (1 + Math.cos(Math.PI * fraction));
    return initialLearningRate * ((1 - alpha) * cosine + alpha);
  }
  getConfig(): Record<string, unknown> { return { tMul: 2, mMul: 1, alpha: 0, ...this.args }; }
}

type ScheduleClass = new (args: never) => LearningRateSchedule;
const SCHEDULES: Record<string, ScheduleClass> = {
  ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay, PolynomialDecay, CosineDecay, CosineDecayRestarts,
};

/** Rebuilds a schedule from {className, config} (its toJSON), naming the known ones when unknown. */
export function scheduleFromConfig(c: ScheduleConfig | { class_name?: string; config?: Record<string, unknown> }): LearningRateSchedule {
  const name = (c as ScheduleConfig).className ?? (c as { class_name?: string }).class_name;
  const cls = name ? SCHEDULES[name] : undefined;
  if (!cls) throw new Error(`unknown learning-rate schedule '${String(name)}', expected one of ${Object.keys(SCHEDULES).join(', ')}`);
  return new cls((c.config ?? {}) as never);
}
