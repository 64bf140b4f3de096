// The Winograd F(4x4) GEMMs M[e] = V[e] U[e] (and the im2col GEMM of convolutions with few
// input channels: the stems) with a 2-row x 16-column register tile where the output has a
// multiple of 16 columns. Against gemm's 4x8 tile (same 8 accumulators, same six
// loads per eight multiply-adds) it measured 1.20-1.24x at [64,16]x[16,16], [40,32]x[32,32] and
// [20,64]x[64,64] (the panels of ResNet-20's 16-, 32- and 64-channel convolutions; one thread,
// CPU time, alternating): V8 keeps its four B vectors and two splats in registers better than
// the 4x8 tile's four splats. Other column counts go to gemm.
import { initial, madd } from './common';
import { gemm } from './gemm';

// C[m, n] = A[m, k] B[k, n] (+ bias[n] when bias != 0), A and C row-major with rows [row0, row1);
// A's rows ars floats apart. Each sum starts at the bias and adds the products in k's order, as gemm's.
export function gemmWide(a: usize, ars: i32, b: usize, c: usize, k: i32, n: i32, bias: usize, row0: i32, row1: i32): void {
  if (n & 15) { gemm(a, ars, 1, b, c, row1, k, n, bias, row0, row1); return; }
  const bStep = <usize>n << 2, rs = <usize>ars << 2, cs = <usize>n << 2, kBytes = <usize>k << 2;
  let i = row0;
  for (; i + 2 <= row1; i += 2) {
    const pa = a + (<usize>(i * ars) << 2), pc = c + (<usize>(i * n) << 2);
    for (let j = 0; j < n; j += 16) {
      const i0 = initial(bias, j), i1 = initial(bias, j + 4), i2 = initial(bias, j + 8), i3 = initial(bias, j + 12);
      let c00 = i0, c01 = i1, c02 = i2, c03 = i3, c10 = i0, c11 = i1, c12 = i2, c13 = i3;
      let pb = b + (<usize>j << 2);
      for (let p = pa, end = pa + kBytes; p < end; p += 4) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
        const a0 = v128.load32_splat(p);
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01); c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
        const a1 = v128.load32_splat(p + rs);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11); c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
        pb += bStep;
      }
      const o = pc + (<usize>j << 2);
      v128.store(o, c00); v128.store(o, c01, 16); v128.store(o, c02, 32); v128.store(o, c03, 48);
      v128.store(o + cs, c10); v128.store(o + cs, c11, 16); v128.store(o + cs, c12, 32); v128.store(o + cs, c13, 48);
    }
  }
  if (i < row1) { // an odd last row: one row x 16 columns
    const pa = a + (<usize>(i * ars) << 2), pc = c + (<usize>(i * n) << 2);
    for (let j = 0; j < n; j += 16) {
      let c0 = initial(bias, j), c1 = initial(bias, j + 4), c2 = initial(bias, j + 8), c3 = initial(bias, j + 12);
      let pb = b + (<usize>j << 2);
      for (let p = pa, end = pa + kBytes; p < end; p += 4) {
        const a0 = v128.load32_splat(p);
        c0 = madd(a0, v128.load(pb), c0); c1 = madd(a0, v128.load(pb, 16), c1);
        c2 = madd(a0, v128.load(pb, 32), c2); c3 = madd(a0, v128.load(pb, 48), c3);
        pb += bStep;
      }
      const o = pc + (<usize>j << 2);
      v128.store(o, c0); v128.store(o, c1, 16); v128.store(o, c2, 32); v128.store(o, c3, 48);
    }
  }
}
