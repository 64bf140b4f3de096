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
