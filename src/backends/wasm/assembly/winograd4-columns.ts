// Winograd F(4x4, 3x3) split by output channels instead of tiles, for the few tiles of one
// image (batch 1: 4 tiles on an 8x8 map, 9 on 11x11, 16 on 16x16). Split by tiles, each
// thread's GEMMs would read the whole transformed kernel U ([36][C][F], 36 * C * F floats)
// for 4 rows of V, as many reads as one thread doing every tile; split by output channels,
// each thread reads only its columns of U, for every tile. Each thread transforms all the
// tiles' inputs itself (4-16 tiles: a small part of the work) into its own scratch, so
// there is one job, not two. Every output is the same sum in the same order as
// winograd4Conv's (its GEMM starts at zero and adds the products in k's order; the output
// transform is per tile and channel), so any split gives the same bits.
import { madd } from './common';
import { inputTransform, outputTransform, WINOGRAD4_SKEW, WINOGRAD4_TMP } from './winograd4';

// C[i, j0..j1) = A[i, :] B[:, j0..j1) for rows [0, rows), B's rows and C's rows ldb and ldc
// floats apart; j0 and j1 multiples of 16. The 2x16 register tile of gemm-wide.ts with its
// strides apart (a slice of B's columns), the same arithmetic in the same order.
function gemmWideColumns(a: usize, ars: i32, b: usize, ldb: i32, c: usize, ldc: i32, k: i32, rows: i32, j0: i32, j1: i32): void {
  const bStep = <usize>ldb << 2, rs = <usize>ars << 2, cs = <usize>ldc << 2, kBytes = <usize>k << 2;
  let i = 0;
  for (; i + 2 <= rows; i += 2) {
    const pa = a + (<usize>(i * ars) << 2), pc = c + (<usize>(i * ldc) << 2);
    for (let j = j0; j < j1; j += 16) {
      const z = f32x4.splat(0);
      let c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
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
  if (i < rows) { // an odd last row
    const pa = a + (<usize>(i * ars) << 2), pc = c + (<usize>(i * ldc) << 2);
    for (let j = j0; j < j1; j += 16) {
      const z = f32x4.splat(0);
      let c0 = z, c1 = z, c2 = z, c3 = z;
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

// The convolution of all `tiles` tiles for output channels [f0, f1) (multiples of 16; F % 16
// == 0), `panel` tiles at a time, with this chunk's scratch (the layout of winograd4Conv's:
// 36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP floats) at
// scratch + (f0 / chunk) * that. Arguments otherwise as winograd4Conv's.
export function winograd4ConvColumns(x: usize, u: usize, bias: usize, res: usize, out: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, act: i32, panel: i32, tiles: i32, chunk: i32, reuse: bool, gather: bool, f0: i32, f1: i32): void {
  const tilesH = (outH + 3) >> 2, tilesW = (outW + 3) >> 2;
  const v = scratch + (<usize>((f0 / chunk) * (36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP)) << 2);
  const m = v + (<usize>(36 * (panel * C + WINOGRAD4_SKEW)) << 2), tmp = m + (<usize>(36 * (panel * F + WINOGRAD4_SKEW)) << 2);
  const blk = tmp + (<usize>(36 * C + WINOGRAD4_TMP) << 2); // an edge tile's 6x6 block, gathered (as winograd4Conv's)
  for (let p0 = 0; p0 < tiles; p0 += panel) {
    const p1 = min(tiles, p0 + panel), rows = p1 - p0;
    inputTransform(x, v, tmp, blk, inH, inW, C, tilesH, tilesW, padTop, padLeft, reuse, gather, p0, p1);
    const vPlane = rows * C + WINOGRAD4_SKEW, mPlane = rows * F + WINOGRAD4_SKEW;
    for (let e = 0; e < 36; e++) {
      gemmWideColumns(v + (<usize>(e * vPlane) << 2), C, u + (<usize>(e * C * F) << 2), F, m + (<usize>(e * mPlane) << 2), F, C, rows, f0, f1);
    }
    outputTransform(m, tmp, bias, res, out, outH, outW, F, tilesH, tilesW, act, p0, p1, f0, f1);
  }
}
