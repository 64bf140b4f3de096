// How much backend memory a compiled step needs, before it is compiled. A step's trace takes
// every buffer it makes at once (the plan later packs them), plus each kernel's scratch, and
// both grow linearly with the batch once the thread pool's chunks are all used; so two traces
// of small batches give the line, and the batch that fits the backend's limit follows from it.
import { backend } from '../core/engine.ts';
import { MemoryLimitError, formatBytes } from '../core/errors.ts';
import { memoryOf } from './plan.ts';

export interface Footprint {
  /** Bytes a step needs whatever the batch (weights excluded: they are already placed). */
  fixed: number;
  perSample: number;
  /** Bytes free under the limit, and the limit. */
  free: number;
  limit: number;
}

/**
 * Peak memory of `trace(batch)` at two batch sizes, as a line; undefined where the active
 * backend has no memory limit. The small batches keep every thread's chunk in use (256 / 255
 * chunks at most), so per-chunk scratch does not grow past them.
 */
export function measureFootprint(trace: (batch: number) => void, small = 256, large = 512): Footprint | undefined {
  const memory = memoryOf(backend());
  if (!memory.usage || !memory.resetPeak) return undefined;
  const { used: base, limit } = memory.usage();
  const peakOf = (batch: number): number => {
    memory.resetPeak!();
    trace(batch);
    return memory.usage!().peak - base;
  };
  // Where even the probes do not fit, smaller ones (below the pool's chunk count they overstate
  // the per-chunk scratch, which errs on the safe side).
  let p1: number, p2: number;
  for (;;) {
    try {
      p1 = peakOf(small); p2 = peakOf(large);
      break;
    } catch (e) {
      if (!(e instanceof MemoryLimitError) || small <= 1) throw e;
      [small, large] = [Math.max(1, small >> 3), Math.max(2, large >> 3)];
    }
  }
  const perSample = Math.max(1, (p2 - p1) / (large - small));
  return { fixed: Math.max(0, p1 - perSample * small), perSample, free: limit - base, limit };
}

export const bytesFor = (f: Footprint, batch: number): number => f.fixed + f.perSample * batch;

/** The largest batch whose step fits, with 5% to spare for what the line does not see. */
export const largestBatch = (f: Footprint): number => Math.max(0, Math.floor((0.95 * f.free - f.fixed) / f.perSample));

/** Refuses, before any is copied, weights (and optimizer slots) that the backend's memory cannot hold. */
export function checkWeightsFit(model: string, bytes: number): void {
  const usage = memoryOf(backend()).usage?.();
  if (!usage || bytes <= usage.limit - usage.used) return;
  throw new MemoryLimitError(bytes, usage.limit - usage.used, usage.limit,
    `Model "${model}": its weights and optimizer state (${formatBytes(bytes)}) do not fit the ${formatBytes(usage.limit - usage.used)} of ` +
    `WebAssembly memory that are free (the wasm backend's limit is ${formatBytes(usage.limit)}). Use a smaller model, or setBackend('js').`);
}
