// 1x1 stride-1 convolutions as one GEMM over the pixels of the whole batch: out[P, N] =
// act(A[P, K] B[K, N] + bias + residual), A the NHWC input seen as rows of K channels, B the
// weights packed in panels of 8 columns ([N / 8][K][8], packPanels in conv.ts, or
// packPanelsTransposed here for the input gradient's W^T). The register tile is 6 rows x 8
// columns: 12 accumulators, which keep both multiply-add pipes busy through the 4-cycle
// latency where the direct kernel's 4x8 tile (8 accumulators) just covers it. V8 keeps this
// loop in registers (15 of the 16 xmm, checked with node --print-wasm-code) only as written:
// unrolled over k, V8 issues the loads first and spills. The epilogue goes on the registers as
// they are stored: the bias as the sums' start, the activation as a clamp to [lo, hi] (relu:
// [0, +inf], relu6: [0, 6], none: [-inf, +inf]), branch-free and with bounds V8 cannot build
// before the loop (see clampBounds): with a test of the activation per accumulator, or constant
// bounds (built once ahead and held in registers through the loop), V8 spills four
// accumulators inside the loop. A residual is added by `finish`, a pass over the stored block (in L1).
import { initial, madd } from './common';
import { epilogue, epilogue1 } from './conv';

// Rows [r0, r1) of the product (a thread's share, r0 a multiple of 6 except at the last
// chunk's start), in blocks of `rowBlock` rows (their A rows stay in L2) and, within one, of
// `colBlock` columns (their panels of B stay in L1): each 6-row tile of the block meets every
// panel of the column block in turn (its A rows in L1), so an output row's columns of the
// block are written together, whole cache lines at once. The first N & ~7 columns come from
// the packed panels at bp; the rest (N % 8) from the unpacked B at b, element (k, n) at
// b + 4 * (k * kStride + n * nStride). residual: 0 or an [P, N] array added before the
// activation act (0 none, 1 relu, 2 relu6).
export function pointwiseGemm(a: usize, bp: usize, b: usize, kStride: i32, nStride: i32, bias: usize, residual: usize, out: usize,
  K: i32, N: i32, act: i32, rowBlock: i32, colBlock: i32, r0: i32, r1: i32): void {
  const n8 = N & ~7, aStep = <usize>K << 2, cStep = <usize>N << 2;
  // The tiles' clamp (the residual's pass applies act after the sum instead).
  const lo = residual || act == 0 ? MINUS_INF_BITS : 0, hi = residual || act != 2 ? INF_BITS : SIX_BITS;
  for (let b0 = r0; b0 < r1; b0 += rowBlock) {
    const b1 = min(r1, b0 + rowBlock);
    for (let j0 = 0; j0 < n8; j0 += colBlock) {
      const j1 = min(n8, j0 + colBlock);
      let r = b0;
      // Each tile is called at two sites (with a residual and without) so that binaryen does not
      // inline it here: inlined into this loop nest, V8 spills its accumulators.
      for (; r + 6 <= b1; r += 6) {
        const pa = a + <usize>r * aStep;
        for (let j = j0; j < j1; j += 8) {
          const o = <usize>(r * N + j) << 2, pb = bp + (<usize>(j * K) << 2);
          if (residual) tile6x8(pa, aStep, pb, bias, residual + o, out + o, cStep, K, act, lo, hi, j);
          else tile6x8(pa, aStep, pb, bias, 0, out + o, cStep, K, act, lo, hi, j);
        }
      }
      if (r + 4 <= b1) {
        const pa = a + <usize>r * aStep;
        for (let j = j0; j < j1; j += 8) {
          const o = <usize>(r * N + j) << 2, pb = bp + (<usize>(j * K) << 2);
          if (residual) tile4x8(pa, aStep, pb, bias, residual + o, out + o, cStep, K, act, lo, hi, j);
          else tile4x8(pa, aStep, pb, bias, 0, out + o, cStep, K, act, lo, hi, j);
        }
        r += 4;
      }
      if (r < b1) {
        const pa = a + <usize>r * aStep;
        for (let j = j0; j < j1; j += 8) {
          const o = <usize>(r * N + j) << 2, pb = bp + (<usize>(j * K) << 2);
          if (residual) tile3x8(pa, aStep, pb, bias, residual + o, out + o, cStep, K, act, lo, hi, j, b1 - r);
          else tile3x8(pa, aStep, pb, bias, 0, out + o, cStep, K, act, lo, hi, j, b1 - r);
        }
      }
    }
    if (n8 < N) for (let r = b0; r < b1; r++) tailColumns(a + <usize>r * aStep, b, kStride, nStride, bias, residual, out, r, K, N, n8, act);
  }
}

// Six rows (aStep bytes apart from pa) times the panel's 8 columns, K deep.
function tile6x8(pa: usize, aStep: usize, pb: usize, bias: usize, res: usize, pc: usize, cStep: usize, K: i32, act: i32, lo: i32, hi: i32, j: i32): void {
  let c00 = initial(bias, j), c01 = initial(bias, j + 4), c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00, c51 = c01;
  const s2 = 2 * aStep, s3 = 3 * aStep, s4 = 4 * aStep, s5 = 5 * aStep;
  let p = pa;
  const end = pa + (<usize>K << 2);
  while (p < end) {
    const v0 = v128.load(pb), v1 = v128.load(pb, 16);
    let x = v128.load32_splat(p); c00 = madd(x, v0, c00); c01 = madd(x, v1, c01);
    x = v128.load32_splat(p + aStep); c10 = madd(x, v0, c10); c11 = madd(x, v1, c11);
    x = v128.load32_splat(p + s2); c20 = madd(x, v0, c20); c21 = madd(x, v1, c21);
    x = v128.load32_splat(p + s3); c30 = madd(x, v0, c30); c31 = madd(x, v1, c31);
    x = v128.load32_splat(p + s4); c40 = madd(x, v0, c40); c41 = madd(x, v1, c41);
    x = v128.load32_splat(p + s5); c50 = madd(x, v0, c50); c51 = madd(x, v1, c51);
    pb += 32; p += 4;
  }
  if (lo == MINUS_INF_BITS && hi == INF_BITS) { // no clamp (training's plain forward, the input gradient)
    v128.store(pc + 5 * cStep, c51, 16); v128.store(pc + 5 * cStep, c50);
    v128.store(pc + 4 * cStep, c41, 16); v128.store(pc + 4 * cStep, c40);
    v128.store(pc + 3 * cStep, c31, 16); v128.store(pc + 3 * cStep, c30);
    v128.store(pc + 2 * cStep, c21, 16); v128.store(pc + 2 * cStep, c20);
    v128.store(pc + cStep, c11, 16); v128.store(pc + cStep, c10);
    v128.store(pc, c01, 16); v128.store(pc, c00);
  } else {
    const vlo = clampBounds(p, end, lo), vhi = clampBounds(p, end, hi);
    v128.store(pc + 5 * cStep, clamp(c51, vlo, vhi), 16); v128.store(pc + 5 * cStep, clamp(c50, vlo, vhi));
    v128.store(pc + 4 * cStep, clamp(c41, vlo, vhi), 16); v128.store(pc + 4 * cStep, clamp(c40, vlo, vhi));
    v128.store(pc + 3 * cStep, clamp(c31, vlo, vhi), 16); v128.store(pc + 3 * cStep, clamp(c30, vlo, vhi));
    v128.store(pc + 2 * cStep, clamp(c21, vlo, vhi), 16); v128.store(pc + 2 * cStep, clamp(c20, vlo, vhi));
    v128.store(pc + cStep, clamp(c11, vlo, vhi), 16); v128.store(pc + cStep, clamp(c10, vlo, vhi));
    v128.store(pc, clamp(c01, vlo, vhi), 16); v128.store(pc, clamp(c00, vlo, vhi));
  }
  if (res) finish(pc, cStep, 6, res, act);
}

// Four rows times the panel's 8 columns (after a block's 6-row tiles): the direct kernel's 4x8 tile.
function tile4x8(pa: usize, aStep: usize, pb: usize, bias: usize, res: usize, pc: usize, cStep: usize, K: i32, act: i32, lo: i32, hi: i32, j: i32): void {
  let c00 = initial(bias, j), c01 = initial(bias, j + 4), c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  const s2 = 2 * aStep, s3 = 3 * aStep;
  let p = pa;
  const end = pa + (<usize>K << 2);
  while (p < end) {
    const v0 = v128.load(pb), v1 = v128.load(pb, 16);
    let x = v128.load32_splat(p); c00 = madd(x, v0, c00); c01 = madd(x, v1, c01);
    x = v128.load32_splat(p + aStep); c10 = madd(x, v0, c10); c11 = madd(x, v1, c11);
    x = v128.load32_splat(p + s2); c20 = madd(x, v0, c20); c21 = madd(x, v1, c21);
    x = v128.load32_splat(p + s3); c30 = madd(x, v0, c30); c31 = madd(x, v1, c31);
    pb += 32; p += 4;
  }
  const vlo = clampBounds(p, end, lo), vhi = clampBounds(p, end, hi);
  v128.store(pc, clamp(c00, vlo, vhi)); v128.store(pc, clamp(c01, vlo, vhi), 16);
  v128.store(pc + cStep, clamp(c10, vlo, vhi)); v128.store(pc + cStep, clamp(c11, vlo, vhi), 16);
  v128.store(pc + 2 * cStep, clamp(c20, vlo, vhi)); v128.store(pc + 2 * cStep, clamp(c21, vlo, vhi), 16);
  v128.store(pc + 3 * cStep, clamp(c30, vlo, vhi)); v128.store(pc + 3 * cStep, clamp(c31, vlo, vhi), 16);
  if (res) finish(pc, cStep, 4, res, act);
}

// The last n (1-3) rows times the panel's 8 columns: three rows summed (a missing one repeats
// the row before: three independent pairs of sums keep the pipes busy where one row's two
// would wait on each other), n stored.
function tile3x8(pa: usize, aStep: usize, pb: usize, bias: usize, res: usize, pc: usize, cStep: usize, K: i32, act: i32, lo: i32, hi: i32, j: i32, n: i32): void {
  let c00 = initial(bias, j), c01 = initial(bias, j + 4), c10 = c00, c11 = c01, c20 = c00, c21 = c01;
  const s1 = n > 1 ? aStep : 0, s2 = n > 2 ? 2 * aStep : s1;
  let p = pa;
  const end = pa + (<usize>K << 2);
  while (p < end) {
    const v0 = v128.load(pb), v1 = v128.load(pb, 16);
    let x = v128.load32_splat(p); c00 = madd(x, v0, c00); c01 = madd(x, v1, c01);
    x = v128.load32_splat(p + s1); c10 = madd(x, v0, c10); c11 = madd(x, v1, c11);
    x = v128.load32_splat(p + s2); c20 = madd(x, v0, c20); c21 = madd(x, v1, c21);
    pb += 32; p += 4;
  }
  const vlo = clampBounds(p, end, lo), vhi = clampBounds(p, end, hi);
  v128.store(pc, clamp(c00, vlo, vhi)); v128.store(pc, clamp(c01, vlo, vhi), 16);
  if (n > 1) { v128.store(pc + cStep, clamp(c10, vlo, vhi)); v128.store(pc + cStep, clamp(c11, vlo, vhi), 16); }
  if (n > 2) { v128.store(pc + 2 * cStep, clamp(c20, vlo, vhi)); v128.store(pc + 2 * cStep, clamp(c21, vlo, vhi), 16); }
  if (res) finish(pc, cStep, n, res, act);
}

// Columns [n8, N) of row r, one dot product each, from the unpacked B.
function tailColumns(pa: usize, b: usize, kStride: i32, nStride: i32, bias: usize, residual: usize, out: usize, r: i32, K: i32, N: i32, n8: i32, act: i32): void {
  for (let n = n8; n < N; n++) {
    let acc: f32 = bias ? load<f32>(bias + (<usize>n << 2)) : 0;
    let pb = b + (<usize>(n * nStride) << 2);
    const step = <usize>kStride << 2;
    for (let k = 0; k < K; k++) { acc += load<f32>(pa + (<usize>k << 2)) * load<f32>(pb); pb += step; }
    const o = <usize>(r * N + n) << 2;
    if (residual) acc += load<f32>(residual + o);
    store<f32>(out + o, epilogue1(acc, act));
  }
}

// Packs the transpose of a [N, K] matrix w (the input gradient's W^T of a [C, F] kernel: K = F,
// N = C) into panels of 8 of its N rows as columns, [N / 8][K][8] (panels [start, end)): the
// layout pointwiseGemm reads, as packPanels gives for an untransposed [K, N].
export function packPanelsTransposed(w: usize, wp: usize, K: i32, N: i32, start: i32, end: i32): void {
  const row = <usize>K << 2;
  for (let p = start; p < end; p++) {
    const src = w + <usize>(8 * p) * row;
    let dst = wp + (<usize>(p * K) << 5);
    for (let k = 0; k < K; k++) {
      const s = src + (<usize>k << 2);
      for (let i = 0; i < 8; i++) store<f32>(dst + (<usize>i << 2), load<f32>(s + <usize>i * row));
      dst += 32;
    }
  }
}

// The residual and the activation on rows rows of 8 outputs at pc (cStep bytes apart, the sums
// from the bias stored), in place.
function finish(pc: usize, cStep: usize, rows: i32, res: usize, act: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const c0 = f32x4.add(v128.load(pc), v128.load(res)), c1 = f32x4.add(v128.load(pc, 16), v128.load(res, 16));
    v128.store(pc, epilogue(c0, act, zero)); v128.store(pc, epilogue(c1, act, zero), 16);
    pc += cStep; res += cStep;
  }
}

// The clamp's bounds as float bits: -inf, 0 (relu's low), 6 (relu6's high), +inf.
const MINUS_INF_BITS: i32 = 0xff800000, SIX_BITS: i32 = 0x40c00000, INF_BITS: i32 = 0x7f800000;

// Four floats of the given bits, built from a tile loop's end (p == end there, which the
// compilers cannot know): V8 then builds them after the loop, not before it.
// @ts-ignore: decorator
@inline function clampBounds(p: usize, end: usize, bits: i32): v128 {
  return i32x4.splat(bits + <i32>(p - end));
}

// v clamped to [lo, hi] as conv.ts#epilogue's relu / relu6 are (pmax then pmin: NaN stays NaN;
// against -inf and +inf every value, -0 and NaN included, passes unchanged).
// @ts-ignore: decorator
@inline function clamp(v: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, lo), hi);
}

