// Hooks into fit(): the progress bar, the history and user code all plug in here.
import type { Model } from '../models/model.ts';
import { refuseKerasFileName } from '../models/file-names.ts';

export type Logs = Record<string, number>;

/** Any subset of these methods; each may be async (fit awaits it). */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

export abstract class Callback {
  model?: Model;
  params: Record<string, unknown> = {};
  setModel(model: Model): void { this.model = model; }
  setParams(params: Record<string, unknown>): void { this.params = params; }
}

/** Records the epoch logs; fit() returns it (Keras's History). */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

export interface EarlyStoppingArgs { monitor?: string; minDelta?: number; patience?: number; mode?: 'min' | 'max' | 'auto'; restoreBestWeights?: boolean }

/** Stops training when the monitored value has stopped improving for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly sign: number;
  private readonly restoreBestWeights: boolean;
  private best = Infinity;
  private wait = 0;
  private bestWeights?: ReturnType<Model['getWeights']>;
  stoppedEpoch = -1;

  constructor({ monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', restoreBestWeights = false }: EarlyStoppingArgs = {}) {
    super();
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    const maximize = mode === 'max' || (mode === 'auto' && /acc|auc/.test(monitor));
    this.sign = maximize ? -1 : 1;
    this.restoreBestWeights = restoreBestWeights;
  }
  onTrainBegin(): void { this.best = Infinity; this.wait = 0; this.stoppedEpoch = -1; }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const value = logs[this.monitor];
    if (value === undefined) throw new Error(`EarlyStopping: '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')})`);
    if (this.sign * value < this.best - this.minDelta) {
      this.best = this.sign * value;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
    } else if (++this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
      if (this.bestWeights) this.model!.setWeights(this.bestWeights);
    }
  }
}

/** Calls every callback's hook in order, awaiting each. */
export class CallbackList {
  constructor(readonly callbacks: CallbackHooks[]) {}
  async call<K extends keyof CallbackHooks>(hook: K, ...args: Parameters<NonNullable<CallbackHooks[K]>>): Promise<void> {
    for (const cb of this.callbacks) {
      const f = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (f) await f.apply(cb, args);
    }
  }
}

export interface ModelCheckpointArgs {
  /** Where to save; `{epoch}` (1-based) and any log name (`{val_loss}`) are filled in. */
  filepath: string;
  monitor?: string;
  /** Save only when the monitored value improves on the best so far. */
  saveBestOnly?: boolean;
  mode?: 'min' | 'max' | 'auto';
  /** Save the optimizer's state too (for resuming with fit's initialEpoch). Default true. */
  includeOptimizer?: boolean;
}

/** Saves the model after every epoch, or only when it improves (Keras's ModelCheckpoint). */
export class ModelCheckpoint extends Callback {
  private best = Infinity;
  private readonly sign: number;
  constructor(private readonly args: ModelCheckpointArgs) {
    super();
    if (!args?.filepath) throw new Error('ModelCheckpoint: filepath is required');
    refuseKerasFileName(args.filepath, 'ModelCheckpoint');
    const monitor = args.monitor ?? 'val_loss';
    this.sign = args.mode === 'max' || (args.mode !== 'min' && /acc|auc/.test(monitor)) ? -1 : 1;
  }
  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const monitor = this.args.monitor ?? 'val_loss';
    if (this.args.saveBestOnly) {
      const value = logs[monitor];
      if (value === undefined) throw new Error(`ModelCheckpoint: '${monitor}' is not in the logs (${Object.keys(logs).join(', ')})`);
      if (!(this.sign * value < this.best)) return;
      this.best = this.sign * value;
    }
    const path = this.args.filepath.replace(/\{(\w+)(?::[^}]*)?\}/g, (m, key: string) =>
      key === 'epoch' ? String(epoch + 1) : key in logs ? logs[key].toFixed(4) : m);
    await this.model!.save(path, { includeOptimizer: this.args.includeOptimizer ?? true });
  }
}
