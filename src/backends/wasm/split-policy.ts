// When a job is worth a second thread, and in what chunks (issue #15: batch-1 calls of 10-500
// us must split, tiny ones must not). A two-thread job costs the caller ~0.4-1 us more than
// running it alone when the workers spin (`bench/scaling.ts --dispatch`, fastest of 9 rounds
// of 3000 jobs, load 4-8: relu on 64 floats 0.08-0.15 -> 0.48-1.1 us in 2 chunks); a split
// gains half the work, so from ~2 us of work it breaks even and from ~20 us it nears 2x. The
// thresholds below follow from that estimate; they are not yet tuned on a quiet machine.

/**
 * Below this many multiply-adds a convolution runs on the calling thread alone (~5 us on one
 * thread at ~25 G multiply-adds/s). It was 2M (~80 us), which kept batch-1 stride-2, first-layer
 * and depthwise convolutions (0.13-1.2M) on one thread.
 */
export const CALLING_THREAD_MACS = 1 << 17;

/**
 * Floats a memory-bound job gives each chunk at least (~1.5 us at ~0.18 ns per float on one
 * thread, in cache): a job of fewer than two such chunks stays on the calling thread, one of a
 * few splits in two instead of the pool's four chunks per thread.
 */
export const MIN_CHUNK_FLOATS = 8192;

/**
 * The chunk size for a memory-bound job over n items of `cost` floats each, in multiples of
 * align: n itself (the calling thread) below two chunks of MIN_CHUNK_FLOATS, else as many
 * even chunks as the pool would cut, but no more than leave each MIN_CHUNK_FLOATS.
 */
export function elementChunk(poolChunk: (total: number, align: number) => number, n: number, cost = 1, align = 4): number {
  if (n * cost < 2 * MIN_CHUNK_FLOATS) return n;
  const chunks = Math.min(Math.ceil(n / poolChunk(n, align)), Math.floor((n * cost) / MIN_CHUNK_FLOATS));
  return chunks <= 1 ? n : Math.ceil(n / chunks / align) * align;
}
