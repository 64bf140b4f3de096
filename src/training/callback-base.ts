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
  return mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall|f1|iou/.test(monitor));
}
