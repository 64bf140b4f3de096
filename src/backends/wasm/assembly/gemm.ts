// Matrix products: the register-tiled GEMM and the A^T·B block of filter gradients.
import { initial, madd } from './common';

// C[m, n] = A[m, k] * B[k, n] (+ bias[n] when bias != 0), with A read through strides:
// A(i, p) = a[i*ars + p*acs]. B and C are row-major. Rows [row0, row1) only, so threads can
// split the work.
export function gemm(a: usize, ars: i32, acs: i32, b: usize, c: usize, m: i32, k: i32, n: i32, bias: usize, row0: i32, row1: i32): void {
  const n8 = n & ~7;
  const n4 = n & ~3;
  const aStep = <usize>acs << 2;
  const bStep = <usize>n << 2;
  let i = row0;
  // 4 rows x 8 columns at a time: 8 accumulators, 2 B vectors and 4 A splats fit V8's 16 registers.
  for (; i + 4 <= row1; i += 4) {
    const pa = a + (<usize>(i * ars) << 2);
    const rs = <usize>ars << 2;
    for (let j = 0; j < n8; j += 8) {
      const i0 = initial(bias, j), i1 = initial(bias, j + 4);
      let c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
      let pb = b + (<usize>j << 2);
      let p0 = pa;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const a0 = v128.load32_splat(p0);
        const a1 = v128.load32_splat(p0 + rs);
        const a2 = v128.load32_splat(p0 + 2 * rs);
        const a3 = v128.load32_splat(p0 + 3 * rs);
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
        c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
        pb += bStep;
        p0 += aStep;
      }
      const pc = c + (<usize>(i * n + j) << 2);
      const cs = <usize>n << 2;
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + cs, c10); v128.store(pc + cs, c11, 16);
      v128.store(pc + 2 * cs, c20); v128.store(pc + 2 * cs, c21, 16);
      v128.store(pc + 3 * cs, c30); v128.store(pc + 3 * cs, c31, 16);
    }
    // Only with columns left over: four calls that do nothing cost as much as a third of the
    // multiply-adds at k = 16 (Winograd F(4x4)'s GEMMs at 16 channels).
    if (n8 < n) for (let r = 0; r < 4; r++) gemmTail(a, ars, acs, b, c, k, n, bias, i + r, n8);
  }
  for (; i < row1; i++) {
    // One row: 4 columns per vector.
    const pa = a + (<usize>(i * ars) << 2);
    for (let j = 0; j < n4; j += 4) {
      let acc = initial(bias, j);
      let pb = b + (<usize>j << 2);
      let p0 = pa;
      for (let p = 0; p < k; p++) {
        acc = madd(v128.load32_splat(p0), v128.load(pb), acc);
        pb += bStep;
        p0 += aStep;
      }
      v128.store(c + (<usize>(i * n + j) << 2), acc);
    }
    gemmTail(a, ars, acs, b, c, k, n, bias, i, n4);
  }
}

// gemm for fewer than four rows (a Dense layer at batch 1), where its 4-row tiles do not apply:
// column quads [q0, q1) of the ceil(n / 4) of C, so that threads can split the columns. Each
// column's products are summed in gemm's one-row order (the same results); four quads at a
// time share each A splat, and their four sums are independent chains.
export function gemmColumns(a: usize, ars: i32, acs: i32, b: usize, c: usize, m: i32, k: i32, n: i32, bias: usize, q0: i32, q1: i32): void {
  const n4 = n & ~3, j1 = min(n4, q1 << 2);
  const aStep = <usize>acs << 2, bStep = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const pa = a + (<usize>(i * ars) << 2);
    let j = q0 << 2;
    for (; j + 16 <= j1; j += 16) {
      let c0 = initial(bias, j), c1 = initial(bias, j + 4), c2 = initial(bias, j + 8), c3 = initial(bias, j + 12);
      let pb = b + (<usize>j << 2), p0 = pa;
      for (let p = 0; p < k; p++) {
        const s = v128.load32_splat(p0);
        c0 = madd(s, v128.load(pb), c0); c1 = madd(s, v128.load(pb, 16), c1);
        c2 = madd(s, v128.load(pb, 32), c2); c3 = madd(s, v128.load(pb, 48), c3);
        pb += bStep;
        p0 += aStep;
      }
      const pc = c + (<usize>(i * n + j) << 2);
      v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32); v128.store(pc, c3, 48);
    }
    // The last (up to three) quads and, where this range ends the row, the (up to three) columns
    // past the last whole quad, in one pass: each is a chain of k dependent sums, so run one
    // after another they cost k multiply-add latencies each (a Dense layer's 1600 x 10 at batch
    // 1: four chains, ~6 us); side by side, about one.
    const tail = q1 << 2 > n4 ? n - n4 : 0;
    if (j < j1 || tail > 0) columnsLeft(pa, acs, b, c + (<usize>(i * n) << 2), k, n, bias, j, (j1 - j) >> 2, n4, tail);
  }
}

// Quads j, j + 4, .. (`quads` <= 3 of them) and the columns n4 .. n4 + tail - 1 (tail <= 3) of
// one row of C (at c), every column summed as gemm's one-row pass sums it: the quads by
// vector multiply-adds, the tail columns as gemmTail (a multiply, then an add). Absent quads
// and columns read a present one (never past B), and are not stored.
function columnsLeft(pa: usize, acs: i32, b: usize, c: usize, k: i32, n: i32, bias: usize, j: i32, quads: i32, n4: i32, tail: i32): void {
  const aStep = <usize>acs << 2, bStep = <usize>n << 2;
  // Where each chain reads (byte offsets in a row of B): absent ones repeat the first present column.
  const first = quads > 0 ? j : n4;
  const v0 = <usize>first << 2, v1 = <usize>(quads > 1 ? j + 4 : first) << 2, v2 = <usize>(quads > 2 ? j + 8 : first) << 2;
  const t0 = <usize>(tail > 0 ? n4 : first) << 2, t1 = <usize>(tail > 1 ? n4 + 1 : first) << 2, t2 = <usize>(tail > 2 ? n4 + 2 : first) << 2;
  let c0 = quads > 0 ? initial(bias, j) : f32x4.splat(0), c1 = quads > 1 ? initial(bias, j + 4) : c0, c2 = quads > 2 ? initial(bias, j + 8) : c0;
  let s0: f32 = tail > 0 && bias ? load<f32>(bias + t0) : 0, s1: f32 = tail > 1 && bias ? load<f32>(bias + t1) : 0, s2: f32 = tail > 2 && bias ? load<f32>(bias + t2) : 0;
  let pb = b, p0 = pa;
  if (quads > 0) {
    for (let p = 0; p < k; p++) {
      const x = v128.load32_splat(p0), xs = f32x4.extract_lane(x, 0);
      c0 = madd(x, v128.load(pb + v0), c0); c1 = madd(x, v128.load(pb + v1), c1); c2 = madd(x, v128.load(pb + v2), c2);
      s0 += xs * load<f32>(pb + t0); s1 += xs * load<f32>(pb + t1); s2 += xs * load<f32>(pb + t2);
      pb += bStep;
      p0 += aStep;
    }
    v128.store(c + v0, c0);
    if (quads > 1) v128.store(c + v1, c1);
    if (quads > 2) v128.store(c + v2, c2);
  } else {
    for (let p = 0; p < k; p++) {
      const xs = load<f32>(p0);
      s0 += xs * load<f32>(pb + t0); s1 += xs * load<f32>(pb + t1); s2 += xs * load<f32>(pb + t2);
      pb += bStep;
      p0 += aStep;
    }
  }
  if (tail > 0) store<f32>(c + t0, s0);
  if (tail > 1) store<f32>(c + t1, s1);
  if (tail > 2) store<f32>(c + t2, s2);
}

// C[m, n] (=, or += unless first) A^T B for one block of `rows` rows of A [rows, m] and B [rows, n].
export function atbBlock(a: usize, b: usize, c: usize, m: i32, n: i32, rows: i32, first: bool): void {
  const n8 = n & ~7;
  const aStep = <usize>m << 2, bStep = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    for (let j = 0; j < n8; j += 8) {
      const pc = c + (<usize>(i * n + j) << 2);
      let c00 = first ? f32x4.splat(0) : v128.load(pc), c01 = first ? f32x4.splat(0) : v128.load(pc, 16);
      let c10 = first ? f32x4.splat(0) : v128.load(pc + bStep), c11 = first ? f32x4.splat(0) : v128.load(pc + bStep, 16);
      let c20 = first ? f32x4.splat(0) : v128.load(pc + 2 * bStep), c21 = first ? f32x4.splat(0) : v128.load(pc + 2 * bStep, 16);
      let c30 = first ? f32x4.splat(0) : v128.load(pc + 3 * bStep), c31 = first ? f32x4.splat(0) : v128.load(pc + 3 * bStep, 16);
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < rows; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa, 4);
        const a2 = v128.load32_splat(pa, 8), a3 = v128.load32_splat(pa, 12);
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
        c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
        pa += aStep;
        pb += bStep;
      }
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + bStep, c10); v128.store(pc + bStep, c11, 16);
      v128.store(pc + 2 * bStep, c20); v128.store(pc + 2 * bStep, c21, 16);
      v128.store(pc + 3 * bStep, c30); v128.store(pc + 3 * bStep, c31, 16);
    }
    for (let r = 0; r < 4; r++) atbTail(a, b, c, m, n, i + r, n8, 0, rows, first);
  }
  for (; i < m; i++) atbTail(a, b, c, m, n, i, 0, 0, rows, first);
}

// Row i of C over columns [j0, n): eight columns per step in two vectors, then singles.
function atbTail(a: usize, b: usize, c: usize, m: i32, n: i32, i: i32, j0: i32, p0: i32, p1: i32, first: bool): void {
  const aStep = <usize>m << 2, bStep = <usize>n << 2;
  let j = j0;
  for (; j + 8 <= n; j += 8) {
    const pc = c + (<usize>(i * n + j) << 2);
    let c0 = first ? f32x4.splat(0) : v128.load(pc), c1 = first ? f32x4.splat(0) : v128.load(pc, 16);
    let pa = a + (<usize>(p0 * m + i) << 2), pb = b + (<usize>(p0 * n + j) << 2);
    for (let p = p0; p < p1; p++) {
      const av = v128.load32_splat(pa);
      c0 = madd(av, v128.load(pb), c0); c1 = madd(av, v128.load(pb, 16), c1);
      pa += aStep;
      pb += bStep;
    }
    v128.store(pc, c0); v128.store(pc, c1, 16);
  }
  for (; j < n; j++) {
    const pc = c + (<usize>(i * n + j) << 2);
    let s: f32 = first ? 0 : load<f32>(pc);
    for (let p = p0; p < p1; p++) s += load<f32>(a + (<usize>(p * m + i) << 2)) * load<f32>(b + (<usize>(p * n + j) << 2));
    store<f32>(pc, s);
  }
}

// Columns [j0, n) of row i, one at a time.
function gemmTail(a: usize, ars: i32, acs: i32, b: usize, c: usize, k: i32, n: i32, bias: usize, i: i32, j0: i32): void {
  for (let j = j0; j < n; j++) {
    let s: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let p = 0; p < k; p++) s += load<f32>(a + (<usize>(i * ars + p * acs) << 2)) * load<f32>(b + (<usize>(p * n + j) << 2));
    store<f32>(c + (<usize>(i * n + j) << 2), s);
  }
}

// The machine's multiply-add limit with 128-bit vectors, for bench/kernels.ts: rounds of ten
// independent multiply-adds (enough chains to hide their latency), nothing else; `rounds`
// per unit of [start, end).
export function fmaPeak(rounds: i32, start: i32, end: i32): f32 {
  const n = rounds * (end - start);
  const a = f32x4.splat(0.999), b = f32x4.splat(0.001);
  let c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b;
  for (let i = 0; i < n; i++) {
    c0 = madd(c0, a, b); c1 = madd(c1, a, b); c2 = madd(c2, a, b); c3 = madd(c3, a, b); c4 = madd(c4, a, b);
    c5 = madd(c5, a, b); c6 = madd(c6, a, b); c7 = madd(c7, a, b); c8 = madd(c8, a, b); c9 = madd(c9, a, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)), f32x4.add(c8, c9)));
  return f32x4.extract_lane(s, 0);
}
