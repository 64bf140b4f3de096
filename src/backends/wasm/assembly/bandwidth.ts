// The memory-bandwidth limit the memory-bound kernels are measured against (as fmaPeak is the
// multiply-add limit): streams of 128-bit loads over `reads` arrays (1-3), and, when dst != 0,
// their sum stored into dst (one write stream); nothing else. [start, end) counts 64-byte lines
// of each array; `reps` passes over the range, so a range that fits a cache is timed there.
export function streamLimit(a: usize, b: usize, c: usize, dst: usize, reads: i32, reps: i32, start: i32, end: i32): void {
  const lo = <usize>start << 6, hi = <usize>end << 6;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let rep = 0; rep < reps; rep++) {
    if (dst) {
      for (let o = lo; o < hi; o += 64) {
        let v0 = v128.load(a + o), v1 = v128.load(a + o, 16), v2 = v128.load(a + o, 32), v3 = v128.load(a + o, 48);
        if (reads > 1) {
          v0 = f32x4.add(v0, v128.load(b + o)); v1 = f32x4.add(v1, v128.load(b + o, 16));
          v2 = f32x4.add(v2, v128.load(b + o, 32)); v3 = f32x4.add(v3, v128.load(b + o, 48));
        }
        if (reads > 2) {
          v0 = f32x4.add(v0, v128.load(c + o)); v1 = f32x4.add(v1, v128.load(c + o, 16));
          v2 = f32x4.add(v2, v128.load(c + o, 32)); v3 = f32x4.add(v3, v128.load(c + o, 48));
        }
        v128.store(dst + o, v0); v128.store(dst + o, v1, 16); v128.store(dst + o, v2, 32); v128.store(dst + o, v3, 48);
      }
    } else {
      for (let o = lo; o < hi; o += 64) {
        s0 = f32x4.add(s0, v128.load(a + o)); s1 = f32x4.add(s1, v128.load(a + o, 16));
        s2 = f32x4.add(s2, v128.load(a + o, 32)); s3 = f32x4.add(s3, v128.load(a + o, 48));
        if (reads > 1) {
          s0 = f32x4.add(s0, v128.load(b + o)); s1 = f32x4.add(s1, v128.load(b + o, 16));
          s2 = f32x4.add(s2, v128.load(b + o, 32)); s3 = f32x4.add(s3, v128.load(b + o, 48));
        }
        if (reads > 2) {
          s0 = f32x4.add(s0, v128.load(c + o)); s1 = f32x4.add(s1, v128.load(c + o, 16));
          s2 = f32x4.add(s2, v128.load(c + o, 32)); s3 = f32x4.add(s3, v128.load(c + o, 48));
        }
      }
    }
  }
  // The sums are kept (in the first line of a, which the read-only streams never write) so
  // the loads cannot be dropped as dead code.
  if (!dst && start == 0) v128.store(a, f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}
