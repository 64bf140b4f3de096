// Winograd F(2x2, 3x3)'s kernel transform U = G g G^T ([16, C, F] from the [3, 3, C, F]
// kernel), for columns [k0, k1) of the C * F channel pairs, four at a time (C * F % 4 == 0).
// It runs for every call (the kernel changes between training steps): in wasm on all threads
// rather than in JavaScript, where at batch 1 it cost more than the convolution.

// @ts-ignore: decorator
@inline function tap(g: usize, t: i32, CF: i32, k: i32): v128 { return v128.load(g + (<usize>(t * CF + k) << 2)); }

// One row (a, b, c) of G g through G: a, (a + b + c) / 2, (a - b + c) / 2, c, at rows r*4 .. r*4+3.
// @ts-ignore: decorator
@inline function row(u: usize, r: i32, CF: i32, k: i32, a: v128, b: v128, c: v128): void {
  const half = f32x4.splat(0.5), plane = <usize>CF << 2, at = u + (<usize>(r * 4 * CF + k) << 2);
  v128.store(at, a);
  v128.store(at + plane, f32x4.mul(f32x4.add(f32x4.add(a, b), c), half));
  v128.store(at + 2 * plane, f32x4.mul(f32x4.add(f32x4.sub(a, b), c), half));
  v128.store(at + 3 * plane, c);
}

export function winogradWeights(g: usize, u: usize, CF: i32, k0: i32, k1: i32): void {
  const half = f32x4.splat(0.5);
  for (let k = k0; k < k1; k += 4) {
    const g00 = tap(g, 0, CF, k), g01 = tap(g, 1, CF, k), g02 = tap(g, 2, CF, k);
    const g10 = tap(g, 3, CF, k), g11 = tap(g, 4, CF, k), g12 = tap(g, 5, CF, k);
    const g20 = tap(g, 6, CF, k), g21 = tap(g, 7, CF, k), g22 = tap(g, 8, CF, k);
    // G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 (each three taps wide).
    row(u, 0, CF, k, g00, g01, g02);
    row(u, 1, CF, k, f32x4.mul(f32x4.add(f32x4.add(g00, g10), g20), half), f32x4.mul(f32x4.add(f32x4.add(g01, g11), g21), half), f32x4.mul(f32x4.add(f32x4.add(g02, g12), g22), half));
    row(u, 2, CF, k, f32x4.mul(f32x4.add(f32x4.sub(g00, g10), g20), half), f32x4.mul(f32x4.add(f32x4.sub(g01, g11), g21), half), f32x4.mul(f32x4.add(f32x4.sub(g02, g12), g22), half));
    row(u, 3, CF, k, g20, g21, g22);
  }
}
