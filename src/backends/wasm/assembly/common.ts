// Pieces every kernel file uses: the panel size, accumulator start values, fused multiply-add,
// short copies.

// Rows of im2col (or of its gradient) handled at a time by the fused convolution kernels:
// 256 rows of up to a few hundred floats stay in the core's L2 cache between the two halves.
export const PANEL = 256;

// Where an accumulator starts: the bias (when there is one) for columns [j, j + 4), else zero.
// @ts-ignore: decorator
@inline export function initial(bias: usize, j: i32): v128 {
  return bias ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0);
}

// a * b + c: one fused instruction where the runtime has relaxed SIMD (decided when compiling).
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// a where the mask lane is all ones, else b, for masks from a compare (every lane all ones or
// all zeros, where relaxed SIMD's lane select is exact): one blend instruction where the
// runtime has relaxed SIMD, else the three-instruction bit select.
// @ts-ignore: decorator
@inline export function select(a: v128, b: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_laneselect<i32>(a, b, mask);
  return v128.bitselect(a, b, mask);
}

// @ts-ignore: decorator
@inline export function zeroFloats(dst: usize, bytes: usize): void {
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, f32x4.splat(0));
  for (; o < bytes; o += 4) store<f32>(dst + o, 0);
}

// Copies a short run of floats: vectors while 4 remain, then singles (memory.copy costs more
// than the copy itself at these sizes).
// @ts-ignore: decorator
@inline export function copyFloats(dst: usize, src: usize, bytes: usize): void {
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

// One 4x8 tile of C (+)= A^T B over packed panels, the filter gradients' inner product (packed
// and Winograd): A as [k, 4] rows from pa to aEnd, B as [k, 8] rows from pb, C's kRows rows of 8
// floats at pc, rowBytes apart (kRows < 4 at a ragged end); `first`: C starts at 0, not loaded.
// @ts-ignore: decorator
@inline export function panelTile4x8(pa: usize, aEnd: usize, pb: usize, pc: usize, rowBytes: usize, kRows: i32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (!first) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    if (kRows > 1) { c10 = v128.load(pc + rowBytes); c11 = v128.load(pc + rowBytes, 16); }
    if (kRows > 2) { c20 = v128.load(pc + 2 * rowBytes); c21 = v128.load(pc + 2 * rowBytes, 16); }
    if (kRows > 3) { c30 = v128.load(pc + 3 * rowBytes); c31 = v128.load(pc + 3 * rowBytes, 16); }
  }
  while (pa < aEnd) {
    const v0 = v128.load(pb), v1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa, 4);
    const a2 = v128.load32_splat(pa, 8), a3 = v128.load32_splat(pa, 12);
    c00 = madd(a0, v0, c00); c01 = madd(a0, v1, c01);
    c10 = madd(a1, v0, c10); c11 = madd(a1, v1, c11);
    c20 = madd(a2, v0, c20); c21 = madd(a2, v1, c21);
    c30 = madd(a3, v0, c30); c31 = madd(a3, v1, c31);
    pa += 16;
    pb += 32;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  if (kRows > 1) { v128.store(pc + rowBytes, c10); v128.store(pc + rowBytes, c11, 16); }
  if (kRows > 2) { v128.store(pc + 2 * rowBytes, c20); v128.store(pc + 2 * rowBytes, c21, 16); }
  if (kRows > 3) { v128.store(pc + 3 * rowBytes, c30); v128.store(pc + 3 * rowBytes, c31, 16); }
}
