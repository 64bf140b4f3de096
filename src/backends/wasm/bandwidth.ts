// The measured memory-bandwidth limit (assembly/bandwidth.ts), the memory-bound kernels'
// counterpart of fmaPeakGflops: GB/s of a stream that reads `reads` arrays (1-3) and writes
// `writes` (0 or 1) of `bytes` each, on all threads, each thread over its own contiguous part
// (so arrays that fit the threads' caches are timed there). Bytes counted: each array read
// once and written once per pass (no write-allocate reads).
import type { WasmBackend } from './index.ts';

export interface StreamShape { reads: 1 | 2 | 3; writes: 0 | 1; bytes: number }

/** GB/s of the stream; clock in ms (wall time, or a CPU-time clock on one thread). */
export function streamGBs(b: WasmBackend, { reads, writes, bytes }: StreamShape, clock: () => number = () => performance.now()): number {
  if (!(reads >= 1 && reads <= 3 && (writes === 0 || writes === 1) && bytes > 0)) throw new Error(`streamGBs: expected 1-3 reads, 0-1 writes and bytes > 0, got ${reads}, ${writes}, ${bytes}`);
  const lines = Math.max(b.threads, Math.round(bytes / 64 / b.threads) * b.threads), size = lines * 64;
  const mark = b.mem.mark();
  try {
    const arrays = Array.from({ length: reads + writes }, () => b.mem.reserve(size + 64));
    for (const at of arrays) b.mem.f32(at, size / 4).fill(1); // touch every page before timing
    const [a, pb = 0, pc = 0] = arrays.slice(0, reads), dst = writes ? arrays[reads] : 0;
    const moved = (reads + writes) * size, reps = Math.max(1, Math.ceil((64 << 20) / moved));
    const run = (): number => { const t = clock(); b.par('streamLimit', [a, pb, pc, dst, reads, reps], lines, 1, lines / b.threads); return clock() - t; };
    run();
    const ms = Math.min(run(), run(), run());
    return (moved * reps) / ms / 1e6;
  } finally {
    b.mem.release(mark);
  }
}
