// Hooks into fit(): the progress bar, the history and user code all plug in here.
import type { Model } from '../models/model.ts';

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

/** Records the epoch logs; fit() returns it (Keras's History). `params` holds fit's epochs, steps, batchSize and verbose. */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'];

/** fit's callbacks option as a list: an array, or (as TF.js allows) one callback; anything else names what it got. */
export function callbackList(callbacks: unknown, where: string): CallbackHooks[] {
  const list = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
  list.forEach((cb, i) => {
    if (typeof cb !== 'object' || cb === null) {
      throw new Error(`${where}: callbacks must be a callback or an array of them (objects with hooks such as onEpochEnd), got ${Array.isArray(callbacks) ? `${String(cb)} at index ${i}` : String(cb)}`);
    }
    for (const hook of HOOKS) {
      const f = (cb as Record<string, unknown>)[hook];
      if (f !== undefined && typeof f !== 'function') throw new Error(`${where}: callback ${i}'s ${hook} must be a function, got ${typeof f}`);
    }
  });
  return list as CallbackHooks[];
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

/** Whether larger is better for a monitored log (Keras's 'auto' mode: accuracies and AUC go up). */
export function maximizes(monitor: string, mode: 'min' | 'max' | 'auto', where: string): boolean {
  if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new Error(`${where}: mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
  if (mode !== 'auto') return mode === 'max';
  // Losses go down whatever their output is called ('accuracy_head_loss'), as Keras's 'loss' rule.
  const name = monitor.replace(/^val_/, '');
  return !(name === 'loss' || name.endsWith('_loss')) && /acc|auc|precision|recall|f1|iou/.test(name);
}
