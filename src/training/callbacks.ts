// Keras's callbacks: early stopping, checkpoints, learning-rate control, logging, NaN guard.
import type { Model } from '../models/model.ts';
import { Callback, maximizes, type CallbackHooks, type Logs } from './callback-base.ts';
import { Progbar, defaultOutput, formatValue } from './progbar.ts';
import { pyFloat, pyFormat } from './py-format.ts';

export { Callback, CallbackList, History, type CallbackHooks, type Logs } from './callback-base.ts';
export { BackupAndRestore, type BackupAndRestoreArgs } from './backup.ts';

/** Node's fs, loaded only where a callback writes files (browser bundles never need it). */
const nodeFs = (): typeof import('node:fs') => process.getBuiltinModule('node:fs');

export interface ModelCheckpointArgs {
  /** Where to save: Python's format fields, `{epoch}` (1-based), `{batch}` (with an integer saveFreq) and any log (`{val_loss:.2f}`). */
  filepath: string;
  monitor?: string;
  verbose?: number;
  /** Save only when the monitored value improves on the best so far. */
  saveBestOnly?: boolean;
  /** Only the weights (model.saveWeights): a '.weights.h5' file or a TF.js weights directory. */
  saveWeightsOnly?: boolean;
  mode?: 'min' | 'max' | 'auto';
  /** 'epoch' (after every epoch), or a number of batches. */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly: the value to beat before the first save. */
  initialValueThreshold?: number | null;
  /** Save the optimizer's state too (for resuming with fit's initialEpoch). Default true. */
  includeOptimizer?: boolean;
}

const CHECKPOINT_OPTIONS = ['filepath', 'monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold', 'includeOptimizer'];

/** Saves the model after every epoch (or every saveFreq batches), or only when it improves (Keras's ModelCheckpoint). */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  /** The best monitored value so far (kept across fits, as Keras keeps it). */
  best?: number;
  private readonly maximize: boolean;
  private readonly saveFreq: 'epoch' | number;
  private epoch = 0;
  private batchesSinceSave = 0;
  private lastBatch?: number;
  constructor(private readonly args: ModelCheckpointArgs) {
    super();
    if (!args?.filepath) throw new Error('ModelCheckpoint: filepath is required');
    checkCallbackOptions('ModelCheckpoint', args, CHECKPOINT_OPTIONS);
    const { filepath, monitor = 'val_loss', verbose = 0, saveBestOnly = false, saveWeightsOnly = false, saveFreq = 'epoch', initialValueThreshold = null, includeOptimizer } = args;
    if (typeof filepath !== 'string') throw new Error(`ModelCheckpoint: filepath must be a string, got ${shown(filepath)}`);
    checkMonitor('ModelCheckpoint', monitor);
    checkCount('ModelCheckpoint', 'verbose', verbose);
    checkBoolean('ModelCheckpoint', 'saveBestOnly', saveBestOnly);
    checkBoolean('ModelCheckpoint', 'saveWeightsOnly', saveWeightsOnly);
    if (saveFreq !== 'epoch' && !(Number.isInteger(saveFreq) && saveFreq > 0)) throw new Error(`ModelCheckpoint: saveFreq must be 'epoch' or a positive integer (batches), got ${shown(saveFreq)}`);
    if (initialValueThreshold !== null) checkFinite('ModelCheckpoint', 'initialValueThreshold', initialValueThreshold, 'or null');
    if (includeOptimizer !== undefined) checkBoolean('ModelCheckpoint', 'includeOptimizer', includeOptimizer);
    if (saveWeightsOnly && includeOptimizer) throw new Error('ModelCheckpoint: includeOptimizer applies to whole-model saves; saveWeightsOnly writes the weights alone');
    this.filepath = filepath;
    this.monitor = monitor;
    this.maximize = maximizes(monitor, args.mode ?? 'auto', 'ModelCheckpoint');
    this.saveFreq = saveFreq;
    this.best = initialValueThreshold ?? undefined;
  }
  onEpochBegin(epoch: number): void { this.epoch = epoch; }
  /** Keras's _should_save_on_batch: batch numbers restart each epoch. */
  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave += this.lastBatch === undefined || batch <= this.lastBatch ? batch + 1 : batch - this.lastBatch;
    this.lastBatch = batch;
    if (this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.save(this.epoch, batch, logs);
  }
  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> { if (this.saveFreq === 'epoch') await this.save(epoch, undefined, logs); }

  private async save(epoch: number, batch: number | undefined, logs: Logs): Promise<void> {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== undefined) values.batch = batch + 1; // 1-based as Keras (the logs' own batch is TF.js's 0-based)
    const path = pyFormat(this.filepath, values, ['epoch', 'batch', 'size'], 'ModelCheckpoint filepath');
    const verbose = (this.args.verbose ?? 0) > 0;
    if (this.args.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(`ModelCheckpoint: can save the best model only with '${this.monitor}' available; the logs have ${Object.keys(logs).join(', ') || '(none)'}. Saving anyway.`);
      } else {
        const best = this.best === undefined ? 'None' : this.best.toFixed(5);
        if (!this.improves(current)) {
          if (verbose) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${best}`);
          return;
        }
        if (verbose) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${best} to ${current.toFixed(5)}, saving model to ${path}`);
        this.best = current;
      }
    } else if (verbose) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    if (this.args.saveWeightsOnly) await this.model!.saveWeights(path);
    else await this.model!.save(path, { includeOptimizer: this.args.includeOptimizer ?? true });
  }
  private improves(v: number): boolean { return this.best === undefined || (this.maximize ? v > this.best : v < this.best); }
}

/** The monitored value, or undefined with Keras's warning when the logs lack it this epoch. */
function monitored(where: string, monitor: string, logs: Logs): number | undefined {
  const v = logs[monitor];
  if (v === undefined) console.warn(`${where}: '${monitor}' is not in the logs this epoch; available: ${Object.keys(logs).join(', ') || '(none)'}`);
  return v;
}

export interface EarlyStoppingArgs {
  monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: 'min' | 'max' | 'auto';
  /** Training stops unless the monitored value beats this within patience epochs. */
  baseline?: number | null;
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (warm-up). */
  startFromEpoch?: number;
}

/** TF.js's tf.callbacks.earlyStopping(args): an EarlyStopping. */
export const earlyStopping = (args: EarlyStoppingArgs = {}): EarlyStopping => new EarlyStopping(args);

/** Stops training when the monitored value has stopped improving for `patience` epochs (Keras 3's logic). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly verbose: number;
  private readonly sign: number;
  private readonly baseline: number | null;
  private readonly restoreBestWeights: boolean;
  private readonly startFromEpoch: number;
  private best = Infinity;
  private wait = 0;
  private bestWeights?: ReturnType<Model['getWeights']>;
  bestEpoch = 0;
  stoppedEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    checkCallbackOptions('EarlyStopping', args, ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch']);
    const { monitor = 'val_loss', minDelta = 0, patience = 0, verbose = 0, mode = 'auto', baseline = null, restoreBestWeights = false, startFromEpoch = 0 } = args;
    checkMonitor('EarlyStopping', monitor);
    checkCount('EarlyStopping', 'patience', patience);
    checkCount('EarlyStopping', 'startFromEpoch', startFromEpoch);
    checkCount('EarlyStopping', 'verbose', verbose);
    checkFinite('EarlyStopping', 'minDelta', minDelta);
    if (baseline !== null) checkFinite('EarlyStopping', 'baseline', baseline, 'or null');
    checkBoolean('EarlyStopping', 'restoreBestWeights', restoreBestWeights);
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.verbose = verbose;
    this.sign = maximizes(monitor, mode, 'EarlyStopping') ? -1 : 1;
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.startFromEpoch = startFromEpoch;
  }
  /** Keras's _is_improvement: better than the reference by more than minDelta. */
  private improves(value: number, reference: number): boolean { return this.sign * value + this.minDelta < this.sign * reference; }
  onTrainBegin(): void { this.best = this.sign * Infinity; this.wait = 0; this.stoppedEpoch = 0; this.bestEpoch = 0; this.bestWeights = undefined; }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const value = monitored('EarlyStopping', this.monitor, logs);
    if (value === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && !this.bestWeights) { this.bestWeights = this.model!.getWeights(); this.bestEpoch = epoch; }
    this.wait++;
    if (this.improves(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      if (this.baseline === null || this.improves(value, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }
  /** As Keras 3: the best weights come back when training ends, stopped early or not. */
  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model!.setWeights(this.bestWeights);
    }
  }
}

/** Throws for an option a callback does not know. */
function checkCallbackOptions(where: string, args: object | undefined, known: readonly string[]): void {
  for (const key of Object.keys(args ?? {})) {
    if (!known.includes(key)) throw new Error(`${where}: unknown option '${key}'. Valid options are: ${[...known].sort().join(', ')}`);
  }
}

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
function checkMonitor(where: string, monitor: unknown): void {
  if (typeof monitor !== 'string' || monitor === '') throw new Error(`${where}: monitor must be the name of a log such as 'val_loss', got ${shown(monitor)}`);
}
function checkCount(where: string, name: string, v: unknown): void {
  if (!(Number.isInteger(v) && (v as number) >= 0)) throw new Error(`${where}: ${name} must be an integer >= 0, got ${shown(v)}`);
}
function checkFinite(where: string, name: string, v: unknown, alt = ''): void {
  if (!(typeof v === 'number' && Number.isFinite(v))) throw new Error(`${where}: ${name} must be a finite number${alt ? ` ${alt}` : ''}, got ${shown(v)}`);
}
function checkBoolean(where: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${shown(v)}`);
}

function optimizerOf(cb: Callback, where: string): NonNullable<Model['optimizer']> {
  const o = cb.model?.optimizer;
  if (!o) throw new Error(`${where}: the model has no optimizer (call compile() first)`);
  return o;
}

/** Sets the optimizer's rate; its refusal (a schedule's rate is not settable, as in Keras) names the callback. */
function setRate(where: string, optimizer: NonNullable<Model['optimizer']>, lr: number): void {
  try { optimizer.learningRate = lr; } catch (e) { throw new Error(`${where}: cannot set the learning rate to ${lr}: ${(e as Error).message}`); }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string; factor?: number; patience?: number; verbose?: number; mode?: 'min' | 'max' | 'auto';
  minDelta?: number; cooldown?: number; minLr?: number;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement; logs it as learning_rate. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly verbose: number;
  private readonly sign: number;
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private best = Infinity;
  private wait = 0;
  private cooldownCounter = 0;
  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    checkCallbackOptions('ReduceLROnPlateau', args, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr']);
    const { monitor = 'val_loss', factor = 0.1, patience = 10, verbose = 0, mode = 'auto', minDelta = 1e-4, cooldown = 0, minLr = 0 } = args;
    checkMonitor('ReduceLROnPlateau', monitor);
    if (!(typeof factor === 'number' && factor > 0 && factor < 1)) throw new Error(`ReduceLROnPlateau: factor must be in (0, 1), got ${shown(factor)}`);
    checkCount('ReduceLROnPlateau', 'patience', patience);
    checkCount('ReduceLROnPlateau', 'cooldown', cooldown);
    checkCount('ReduceLROnPlateau', 'verbose', verbose);
    checkFinite('ReduceLROnPlateau', 'minDelta', minDelta);
    if (!(typeof minLr === 'number' && minLr >= 0 && Number.isFinite(minLr))) throw new Error(`ReduceLROnPlateau: minLr must be a finite number >= 0, got ${shown(minLr)}`);
    this.monitor = monitor; this.factor = factor; this.patience = patience; this.verbose = verbose;
    this.sign = maximizes(monitor, mode, 'ReduceLROnPlateau') ? -1 : 1;
    this.minDelta = Math.abs(minDelta); this.cooldown = cooldown; this.minLr = minLr; // Keras takes |minDelta|
  }
  onTrainBegin(): void { this.best = this.sign * Infinity; this.wait = 0; this.cooldownCounter = 0; }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const optimizer = optimizerOf(this, 'ReduceLROnPlateau');
    logs.learning_rate = optimizer.learningRate;
    const value = monitored('ReduceLROnPlateau', this.monitor, logs);
    if (value === undefined) return;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.wait = 0; }
    if (this.sign * value < this.sign * this.best - this.minDelta) {
      this.best = value;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0 && ++this.wait >= this.patience) {
      const old = optimizer.learningRate;
      if (old > this.minLr) {
        const next = Math.max(old * this.factor, this.minLr);
        setRate('ReduceLROnPlateau', optimizer, next);
        if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pyFloat(next)}.`);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch to schedule(epoch, currentRate); logs it as learning_rate. */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number, private readonly verbose = 0) {
    super();
    if (typeof schedule !== 'function') throw new Error('LearningRateScheduler: schedule must be a function (epoch, lr) => lr');
    checkCount('LearningRateScheduler', 'verbose', verbose);
  }
  onEpochBegin(epoch: number): void {
    const optimizer = optimizerOf(this, 'LearningRateScheduler');
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw new Error(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; it must return a positive number`);
    }
    setRate('LearningRateScheduler', optimizer, lr);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pyFloat(lr)}.`);
  }
  onEpochEnd(_epoch: number, logs: Logs = {}): void { logs.learning_rate = optimizerOf(this, 'LearningRateScheduler').learningRate; }
}

/** Stops training as soon as a batch's loss is NaN or infinite, naming the epoch and batch; with raiseError, fit rejects instead (Keras's raise_error). */
export class TerminateOnNaN extends Callback {
  private epoch = 0;
  readonly raiseError: boolean;
  /** Where training stopped: [epoch, batch] (0-based), once it has. */
  stoppedAt?: [number, number];
  constructor(args: { raiseError?: boolean } = {}) {
    super();
    checkCallbackOptions('TerminateOnNaN', args, ['raiseError']);
    this.raiseError = args.raiseError ?? false;
    checkBoolean('TerminateOnNaN', 'raiseError', this.raiseError);
  }
  onEpochBegin(epoch: number): void { this.epoch = epoch; }
  onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      if (this.raiseError) throw new Error(`TerminateOnNaN: NaN or Inf loss (${formatValue(loss)}) at epoch ${this.epoch + 1}, batch ${batch}; terminating training`);
      console.log(`Epoch ${this.epoch + 1}, batch ${batch}: invalid loss (${formatValue(loss)}), terminating training`);
      this.stoppedAt = [this.epoch, batch];
      this.model!.stopTraining = true;
    }
  }
}

// The hooks it is given become its methods (declaration merging types them).
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface LambdaCallback extends CallbackHooks {}
/** Hooks given as functions (Keras's LambdaCallback). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class LambdaCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    checkCallbackOptions('LambdaCallback', hooks, ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd']);
    Object.assign(this, hooks);
  }
}


export interface CSVLoggerArgs { filename: string; separator?: string; append?: boolean }

/**
 * Writes one row per epoch: epoch, then the logs in sorted key order (Keras's CSVLogger).
 * new CSVLogger('log.csv', ';', true) as Keras, or new CSVLogger({filename, separator, append}).
 */
export class CSVLogger extends Callback {
  private keys?: string[];
  private writeHeader = true;
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  constructor(filename: string | CSVLoggerArgs, separator = ',', append = false) {
    super();
    const args: CSVLoggerArgs = typeof filename === 'object' && filename !== null ? filename : { filename, separator, append };
    if (typeof filename === 'object' && filename !== null) checkCallbackOptions('CSVLogger', args, ['filename', 'separator', 'append']);
    if (typeof args.filename !== 'string' || args.filename === '') {
      throw new Error(`CSVLogger: filename must be a non-empty string (a path such as 'log.csv'), got ${args.filename === undefined ? 'none' : JSON.stringify(args.filename)}`);
    }
    this.filename = args.filename; this.separator = args.separator ?? ','; this.append = args.append ?? false;
    if (typeof this.separator !== 'string' || this.separator === '' || /[\r\n"]/.test(this.separator)) {
      throw new Error(`CSVLogger: separator must be a non-empty string without quotes or line breaks (',', ';', '\\t'), got ${shown(this.separator)}`);
    }
    checkBoolean('CSVLogger', 'append', this.append);
  }
  onTrainBegin(): void {
    const fs = nodeFs();
    this.keys = undefined;
    this.writeHeader = !(this.append && fs.existsSync(this.filename) && fs.statSync(this.filename).size > 0);
    if (!this.append) fs.writeFileSync(this.filename, '');
  }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      // Keras 3: without validation logs, val_ columns (NA) keep the file's layout for a later fit with validation.
      if (this.keys.length > 0 && !this.keys.some((k) => k.startsWith('val_'))) this.keys.push(...this.keys.map((k) => `val_${k}`));
    }
    const lines: string[] = [];
    if (this.writeHeader) { lines.push(['epoch', ...this.keys].join(this.separator)); this.writeHeader = false; }
    // Values as Python's csv module writes Keras's floats (repr: 1.0, 1e-05, nan).
    lines.push([String(epoch), ...this.keys.map((k) => (typeof logs[k] === 'number' ? pyFloat(logs[k]) : 'NA'))].join(this.separator));
    nodeFs().appendFileSync(this.filename, lines.join('\n') + '\n');
  }
}

/** Prints "Epoch i/n" and the progress bar (verbose 1) or one line per epoch (verbose 2). fit adds it when verbose > 0. */
export class ProgbarLogger extends Callback {
  private bar?: Progbar;
  onEpochBegin(epoch: number): void {
    const verbose = Number(this.params.verbose ?? 1), out = defaultOutput();
    out.write(`Epoch ${epoch + 1}/${String(this.params.epochs)}\n`);
    this.bar = new Progbar(Number(this.params.steps), out, verbose === 1 && Boolean(out.isTTY), verbose === 2);
  }
  onBatchEnd(batch: number, logs: Logs = {}): void {
    const { batch: _b, size: _s, ...values } = logs;
    this.bar?.update(batch + 1, values);
  }
  onEpochEnd(_epoch: number, logs: Logs = {}): void { this.bar?.finish({ ...logs }); this.bar = undefined; }
}
