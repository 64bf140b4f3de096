// Keras's progress bar: "1875/1875 [==============================] - 9s 5ms/step - loss: 0.0729".
// On a terminal cli-progress redraws it in place; elsewhere only the finished line is printed
// (in a browser, to the console).
import type cliProgressTypes from 'cli-progress';

/** Where a bar writes: a Node stream, or anything with write() (isTTY decides redrawing). */
export interface OutputStream { write(text: string): unknown; isTTY?: boolean }

/** process.stdout in Node; elsewhere (a browser) one console line per write. */
export function defaultOutput(): OutputStream {
  if (typeof process !== 'undefined' && process.stdout) return process.stdout;
  return { write: (text: string) => console.log(text.replace(/\n$/, '')), isTTY: false };
}

// cli-progress is loaded only for a terminal (Node), so browser bundles never include it.
function loadCliProgress(): typeof cliProgressTypes {
  const { createRequire } = process.getBuiltinModule('node:module');
  return createRequire(import.meta.url)('cli-progress') as typeof cliProgressTypes;
}

const WIDTH = 30;

/** As Keras prints a value: 4 decimals, or 4 significant digits when tiny; nan and inf as Python writes them. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

function formatEta(s: number): string {
  s = Math.round(s);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/** The bar text for `current` of `target` steps after `elapsed` seconds (without the bar: Keras's verbose 2; target null: unknown, as Keras prints it). */
export function progressLine(current: number, target: number | null, elapsed: number, values: Record<string, number>, barless = false): string {
  if (target === null) {
    const perStep = current > 0 ? elapsed / current : 0;
    const metrics = Object.entries(values).map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join('');
    return `${String(current).padStart(7)}/Unknown - ${Math.round(elapsed)}s ${formatPerStep(perStep)}${metrics}`;
  }
  const digits = String(target).length;
  if (barless) {
    const metrics = Object.entries(values).map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join('');
    return `${String(current).padStart(digits)}/${target} - ${Math.round(elapsed)}s - ${formatPerStep(current > 0 ? elapsed / current : 0)}${metrics}`;
  }
  const filled = Math.floor((WIDTH * current) / target);
  const bar = filled > 0 ? '='.repeat(filled - 1) + (current < target ? '>' : '=') + '.'.repeat(WIDTH - filled) : '.'.repeat(WIDTH);
  const perStep = current > 0 ? elapsed / current : 0;
  const timing = current >= target
    ? `${Math.round(elapsed)}s ${formatPerStep(perStep)}`
    : `ETA: ${formatEta(perStep * (target - current))}`;
  const metrics = Object.entries(values).map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join('');
  return `${String(current).padStart(digits)}/${target} [${bar}] - ${timing}${metrics}`;
}

export class Progbar {
  private readonly start = performance.now();
  private readonly bar?: cliProgressTypes.SingleBar;
  private values: Record<string, number> = {};
  private done = false;

  /** Steps in all; null while unknown (a dataset of unknown length), set once the epoch has ended. */
  target: number | null;
  private current = 0;

  constructor(
    target: number | null,
    private readonly stream: OutputStream = defaultOutput(),
    interactive = Boolean(stream.isTTY),
    /** Only the final line, without the bar (Keras's verbose 2). */
    private readonly barless = false,
  ) {
    this.target = target;
    if (interactive && !barless) {
      const cliProgress = loadCliProgress();
      this.bar = new cliProgress.SingleBar({
        stream: stream as NodeJS.WritableStream,
        format: (_options, params) => progressLine(params.value, this.target, this.elapsed(), this.values),
        fps: 10,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        linewrap: false,
      });
      this.bar.start(target ?? 0, 0);
    }
  }

  private elapsed(): number { return (performance.now() - this.start) / 1000; }

  update(current: number, values: Record<string, number>): void {
    this.values = values;
    this.current = current;
    this.bar?.update(current);
  }

  /** Ends the bar where it is (an interrupted fit): the terminal gets its cursor back. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.bar?.stop();
  }

  /** Prints the final line, with any values added at the end (validation scores). */
  finish(values: Record<string, number> = this.values): void {
    if (this.done) return;
    this.done = true;
    this.values = values;
    this.target ??= this.current; // as Keras: the finished line of an epoch of unknown length shows the count
    if (this.bar) {
      this.bar.render();
      this.bar.stop();
    } else {
      this.stream.write(progressLine(this.target, this.target, this.elapsed(), this.values, this.barless) + '\n');
    }
  }
}
