// Ctrl-C during fit: the current batch finishes, the progress bar gives the terminal its cursor
// back, onTrainEnd callbacks run (a checkpoint can save), then one line says what happened and
// the process exits with 130, as an interrupted program does. Where the program has SIGINT
// handlers of its own, fit only stops and returns: those handlers decide what happens next.
import type { Model } from '../models/model.ts';

const hasSignals = typeof process !== 'undefined' && typeof process.on === 'function' && typeof process.listenerCount === 'function';
/** How often fit lets the event loop run (signals are delivered there), in ms. */
const YIELD_EVERY_MS = 50;

export class InterruptGuard {
  interrupted = false;
  private readonly exitAfter: boolean;
  private lastYield = performance.now();
  private readonly onSigint = (): void => {
    if (this.interrupted) process.exit(130); // a second Ctrl-C: now
    this.interrupted = true;
    this.model.stopTraining = true;
  };

  constructor(private readonly model: Model) {
    this.exitAfter = hasSignals && process.listenerCount('SIGINT') === 0;
    if (hasSignals) process.on('SIGINT', this.onSigint);
  }

  /** Lets pending signals through now and then (awaiting callbacks alone never reaches the event loop). */
  async yieldSometimes(): Promise<void> {
    const now = performance.now();
    if (!hasSignals || now - this.lastYield < YIELD_EVERY_MS) return;
    this.lastYield = now;
    await new Promise((resolve) => setImmediate(resolve));
  }

  release(): void {
    if (hasSignals) process.off('SIGINT', this.onSigint);
  }

  /** After onTrainEnd: the closing line, and the exit when nobody else handles SIGINT. */
  finish(epoch: number, batch: number): void {
    this.release();
    if (!this.interrupted) return;
    const line = `fit interrupted (Ctrl-C) in epoch ${epoch + 1} after batch ${batch + 1}: stopped after that batch; onTrainEnd callbacks ran.`;
    if (this.exitAfter) {
      process.stderr.write(`\n${line} Exiting.\n`);
      process.exit(130);
    }
    console.warn(line);
  }
}
