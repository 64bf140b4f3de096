// Batch normalization's training kernels in SIMD, optionally fused with the activation behind
// it: the backward column sums (dy masked by the activation's gradient where there is one) and
// the per-channel affine map with the mask or the activation applied as each row is written.
// f64 sums per chunk of rows, combined by the caller (as in norm.ts). The activation codes
// (ACT in wasm/norm-train.ts) are read in two places only: activate() and gradMask().
import { BLOCK } from './norm';
import { epilogue, epilogue1 } from './conv';

// The activation on four lanes, as the convolutions' epilogue (assembly/conv.ts): 1 relu,
// 2 relu6; NaN stays NaN.
// @ts-ignore: decorator
@inline function activate(y: v128, act: i32): v128 {
  return act == 0 ? y : epilogue(y, act, f32x4.splat(0));
}
// @ts-ignore: decorator
@inline function activate1(y: f32, act: i32): f32 {
  return act == 0 ? y : epilogue1(y, act);
}
// g times 1 where the activation's output r passes a gradient (1 relu: r > 0; 2 relu6: 0 < r < 6),
// times 0 elsewhere: a product, as the unfused reluGrad / relu6Grad and the js reference, so an
// infinite or NaN dy under a closed mask gives NaN there, not 0.
// @ts-ignore: decorator
@inline function gradMask(g: v128, r: v128, act: i32): v128 {
  if (act == 1) return f32x4.mul(g, v128.and(f32x4.splat(1), f32x4.gt(r, f32x4.splat(0))));
  if (act == 2) return f32x4.mul(g, v128.and(f32x4.splat(1), v128.and(f32x4.gt(r, f32x4.splat(0)), f32x4.lt(r, f32x4.splat(6)))));
  return g;
}
// @ts-ignore: decorator
@inline function gradMask1(g: f32, r: f32, act: i32): f32 {
  if (act == 1) return g * (r > 0 ? 1 : 0);
  if (act == 2) return g * (r > 0 && r < 6 ? 1 : 0);
  return g;
}

// partials[chunk * 4C + c] += g, partials[chunk * 4C + C + c] += g * (x - mean) * inv, with
// g = dy, or gradMask(dy, r, act) when r != 0 (r: the activation's output). f64 mean and inv.
// Up to WALK_CHANNELS channels, four channels at a time walk a block of BLOCK rows (three
// arrays of at most 2 KB: its first channel group brings the lines into L1), the sums in
// registers: g in f64 (dbeta is a sum that often cancels: f32 partials showed), g (x - m) in
// f32 with m the mean rounded to f32, two chains each (even and odd rows), flushed per block
// into the f64 partials: sum g (x - mean) = sum g (x - m) + (m - mean) sum g, times inv.
// (Rows in order with the sums in L1 waited on each sum's store and reload, once per row: with
// 16 channels that is four sums per row, 1.5-1.7x slower.) Wider rows: gradSumsRows.
// walk: 1 = the column walk, 0 = rows in order (the glue chooses by C: normTrainTuning).
export function bnGradSumsMasked(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, act: i32, walk: i32, row0: i32, row1: i32): void {
  if (!r) gradSums(x, dy, 0, 0, 0, mean, inv, partials, C, chunk, false, false, 0, walk, row0, row1);
  else if (act == 1) gradSums(x, dy, r, 0, 0, mean, inv, partials, C, chunk, true, false, 1, walk, row0, row1);
  else if (act == 2) gradSums(x, dy, r, 0, 0, mean, inv, partials, C, chunk, true, false, 2, walk, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// bnGradSumsMasked with the mask rebuilt from x instead of read from the activation's output:
// y = sc[c] * (x - m[c]) + sh[c], the forward's own f32 coefficients (sc its scale, sh its shift,
// its centre equal to m, the mean rounded to f32: the glue checks), so y is the forward's value
// bit for bit and gradMask(g, y) is gradMask(g, act(y)) (relu and relu6 pass exactly where y
// does). One array fewer to read.
export function bnGradSumsFromInput(x: usize, dy: usize, sc: usize, sh: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, act: i32, walk: i32, row0: i32, row1: i32): void {
  if (act == 1) gradSums(x, dy, 0, sc, sh, mean, inv, partials, C, chunk, true, true, 1, walk, row0, row1);
  else if (act == 2) gradSums(x, dy, 0, sc, sh, mean, inv, partials, C, chunk, true, true, 2, walk, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// @ts-ignore: decorator
@inline function gradSums(x: usize, dy: usize, r: usize, sc: usize, sh: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, masked: bool, fromX: bool, act: i32, walk: i32, row0: i32, row1: i32): void {
  if (walk) gradSumsWalk(x, dy, r, sc, sh, mean, inv, partials, C, chunk, masked, fromX, act, row0, row1);
  else gradSumsRows(x, dy, r, sc, sh, mean, inv, partials, C, chunk, masked, fromX, act, row0, row1);
}

// The mask's input for four lanes: the activation's output r, or the forward's pre-activation
// y = sc (x - m) + sh rebuilt from xm = x - m (the forward affine loop's operations in its order).
// @ts-ignore: decorator
@inline function maskInput(r: usize, at: usize, xm: v128, ss: v128, hh: v128, fromX: bool): v128 {
  return fromX ? f32x4.add(f32x4.mul(ss, xm), hh) : v128.load(r + at);
}
// @ts-ignore: decorator
@inline function maskInput1(r: usize, o: usize, k: usize, xm: f32, sc: usize, sh: usize, fromX: bool): f32 {
  return fromX ? load<f32>(sc + k) * xm + load<f32>(sh + k) : load<f32>(r + o + k);
}

// @ts-ignore: decorator
@inline function gradSumsWalk(x: usize, dy: usize, r: usize, sc: usize, sh: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, masked: bool, fromX: bool, act: i32, row0: i32, row1: i32): void {
  // The chunk's 4C f64: the 2C f64 partials, then m, the mean in f32 (C), as scratch.
  const p = partials + <usize>(row0 / chunk) * 32 * <usize>C, q = p + (<usize>C << 3), m = p + (<usize>C << 4);
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  for (let c = 0; c < C; c++) store<f32>(m + (<usize>c << 2), <f32>load<f64>(mean + (<usize>c << 3)));
  const c4 = C & ~3, stride = <usize>C << 2;
  for (let b0 = row0; b0 < row1; b0 += BLOCK) {
    const b1 = min(b0 + BLOCK, row1);
    for (let c = 0; c < c4; c += 4) {
      const k = <usize>c << 2, k8 = <usize>c << 3, mm = v128.load(m + k);
      const ss = fromX ? v128.load(sc + k) : mm, hh = fromX ? v128.load(sh + k) : mm;
      let sLo0 = f64x2.splat(0), sHi0 = sLo0, sLo1 = sLo0, sHi1 = sLo0, t0 = f32x4.splat(0), t1 = t0;
      let at = <usize>b0 * stride + k, row = b0;
      for (; row + 2 <= b1; row += 2) {
        let g0 = v128.load(dy + at), g1 = v128.load(dy + at + stride);
        const x0 = f32x4.sub(v128.load(x + at), mm), x1 = f32x4.sub(v128.load(x + at + stride), mm);
        if (masked) { g0 = gradMask(g0, maskInput(r, at, x0, ss, hh, fromX), act); g1 = gradMask(g1, maskInput(r, at + stride, x1, ss, hh, fromX), act); }
        sLo0 = f64x2.add(sLo0, f64x2.promote_low_f32x4(g0)); sHi0 = f64x2.add(sHi0, f64x2.promote_low_f32x4(i32x4.shuffle(g0, g0, 2, 3, 0, 1)));
        sLo1 = f64x2.add(sLo1, f64x2.promote_low_f32x4(g1)); sHi1 = f64x2.add(sHi1, f64x2.promote_low_f32x4(i32x4.shuffle(g1, g1, 2, 3, 0, 1)));
        t0 = f32x4.add(t0, f32x4.mul(g0, x0));
        t1 = f32x4.add(t1, f32x4.mul(g1, x1));
        at += 2 * stride;
      }
      if (row < b1) {
        let g = v128.load(dy + at);
        const x0 = f32x4.sub(v128.load(x + at), mm);
        if (masked) g = gradMask(g, maskInput(r, at, x0, ss, hh, fromX), act);
        sLo0 = f64x2.add(sLo0, f64x2.promote_low_f32x4(g)); sHi0 = f64x2.add(sHi0, f64x2.promote_low_f32x4(i32x4.shuffle(g, g, 2, 3, 0, 1)));
        t0 = f32x4.add(t0, f32x4.mul(g, x0));
      }
      flushGradSums(p + k8, q + k8, mean + k8, inv + k8, f64x2.add(sLo0, sLo1), f64x2.add(sHi0, sHi1), f32x4.add(t0, t1), mm);
    }
    for (let c = c4; c < C; c++) {
      const k = <usize>c << 2, k8 = <usize>c << 3, mc = load<f32>(m + k);
      let sg: f64 = 0, t: f32 = 0;
      for (let row = b0; row < b1; row++) {
        const o = <usize>row * stride;
        let g = load<f32>(dy + o + k);
        const xm = load<f32>(x + o + k) - mc;
        if (masked) g = gradMask1(g, maskInput1(r, o, k, xm, sc, sh, fromX), act);
        sg += <f64>g;
        t += g * xm;
      }
      store<f64>(p + k8, load<f64>(p + k8) + sg);
      store<f64>(q + k8, load<f64>(q + k8) + (<f64>t + meanCorrection(<f64>mc - load<f64>(mean + k8), sg)) * load<f64>(inv + k8));
    }
  }
}

// Rows in order (each array read as one stream), the sums in L1 (s, t below), flushed every
// BLOCK rows: for rows of more than WALK_CHANNELS channels, where each row has enough
// independent sums that waiting on their stores does not show, and the column walk measured slower.
// @ts-ignore: decorator
@inline function gradSumsRows(x: usize, dy: usize, r: usize, sc: usize, sh: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, masked: bool, fromX: bool, act: i32, row0: i32, row1: i32): void {
  // The chunk's 4C f64: the 2C f64 partials, then scratch: sum g in f64 (C), sum g (x - m) in f32 (C), m in f32 (C).
  const p = partials + <usize>(row0 / chunk) * 32 * <usize>C, q = p + (<usize>C << 3), s = p + (<usize>C << 4), t = s + (<usize>C << 3);
  const m = t + (<usize>C << 2);
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  for (let c = 0; c < C; c++) store<f32>(m + (<usize>c << 2), <f32>load<f64>(mean + (<usize>c << 3)));
  const c4 = C & ~3, stride = <usize>C << 2;
  for (let b0 = row0; b0 < row1; b0 += BLOCK) {
    const b1 = min(b0 + BLOCK, row1);
    for (let c = 0; c < C; c++) { store<f64>(s + (<usize>c << 3), 0); store<f32>(t + (<usize>c << 2), 0); }
    for (let row = b0; row < b1; row++) {
      const o = <usize>row * stride;
      for (let c = 0; c < c4; c += 4) {
        const k = <usize>c << 2, k8 = <usize>c << 3;
        let g = v128.load(dy + o + k);
        const mm = v128.load(m + k), xm = f32x4.sub(v128.load(x + o + k), mm);
        if (masked) g = gradMask(g, maskInput(r, o + k, xm, fromX ? v128.load(sc + k) : mm, fromX ? v128.load(sh + k) : mm, fromX), act);
        v128.store(s + k8, f64x2.add(v128.load(s + k8), f64x2.promote_low_f32x4(g)));
        v128.store(s + k8, f64x2.add(v128.load(s + k8, 16), f64x2.promote_low_f32x4(i32x4.shuffle(g, g, 2, 3, 0, 1))), 16);
        v128.store(t + k, f32x4.add(v128.load(t + k), f32x4.mul(g, xm)));
      }
      for (let c = c4; c < C; c++) gradSum1(x, dy, r, sc, sh, s, t, m, o, c, masked, fromX, act);
    }
    for (let c = 0; c < C; c++) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      const sg = load<f64>(s + k8);
      store<f64>(p + k8, load<f64>(p + k8) + sg);
      store<f64>(q + k8, load<f64>(q + k8) + (<f64>load<f32>(t + k) + meanCorrection(<f64>load<f32>(m + k) - load<f64>(mean + k8), sg)) * load<f64>(inv + k8));
    }
  }
}

// One float of gradSumsRows: channel c of the row at byte offset o into the block's sums s, t.
// @ts-ignore: decorator
@inline function gradSum1(x: usize, dy: usize, r: usize, sc: usize, sh: usize, s: usize, t: usize, m: usize, o: usize, c: i32, masked: bool, fromX: bool, act: i32): void {
  const k = <usize>c << 2, k8 = <usize>c << 3;
  let g = load<f32>(dy + o + k);
  const xm = load<f32>(x + o + k) - load<f32>(m + k);
  if (masked) g = gradMask1(g, maskInput1(r, o, k, xm, sc, sh, fromX), act);
  store<f64>(s + k8, load<f64>(s + k8) + <f64>g);
  store<f32>(t + k, load<f32>(t + k) + g * xm);
}

// The term (m - mean) sum g that moves sum g (x - m) to sum g (x - mean): nothing where sum g is
// not finite (an infinite dy), else 0 * Inf would turn the reference's +-Inf into NaN.
// @ts-ignore: decorator
@inline function meanCorrection(d: f64, sg: f64): f64 {
  return sg - sg == 0 ? d * sg : 0;
}
// @ts-ignore: decorator
@inline function meanCorrection2(d: v128, sg: v128): v128 {
  return v128.and(f64x2.mul(d, sg), f64x2.eq(f64x2.sub(sg, sg), f64x2.splat(0)));
}

// One block's sums of four channels into the f64 partials at p (sum g) and q (sum g (x - mean) inv):
// sLo, sHi the f64 sums of g (channels 0-1, 2-3), t the f32 sums of g (x - m).
// @ts-ignore: decorator
@inline function flushGradSums(p: usize, q: usize, mean: usize, inv: usize, sLo: v128, sHi: v128, t: v128, m: v128): void {
  v128.store(p, f64x2.add(v128.load(p), sLo));
  v128.store(p, f64x2.add(v128.load(p, 16), sHi), 16);
  const tLo = f64x2.promote_low_f32x4(t), tHi = f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1));
  const mLo = f64x2.promote_low_f32x4(m), mHi = f64x2.promote_low_f32x4(i32x4.shuffle(m, m, 2, 3, 0, 1));
  const dLo = f64x2.add(tLo, meanCorrection2(f64x2.sub(mLo, v128.load(mean)), sLo)), dHi = f64x2.add(tHi, meanCorrection2(f64x2.sub(mHi, v128.load(mean, 16)), sHi));
  v128.store(q, f64x2.add(v128.load(q), f64x2.mul(dLo, v128.load(inv))));
  v128.store(q, f64x2.add(v128.load(q, 16), f64x2.mul(dHi, v128.load(inv, 16))), 16);
}

// out[row, c] = a[c] * g + b[c] * (v[row, c] - m[c]) + d[c], with g = u[row, c], or
// gradMask(u, r, act) when r != 0: the input gradient (u = dy, v = x, m the mean rounded to
// f32, so a mean large against the spread does not cancel in f32; r the activation's output).
// u == 0: out = activate(b[c] * (v - m[c]) + d[c], act), the forward (v = x).
export function affineRowsMasked(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  // Each case its own loop (the flags are constants after inlining): no tests per vector.
  if (!u) {
    if (act == 1) affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 1, row0, row1);
    else if (act == 2) affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 2, row0, row1);
    else affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 0, row0, row1);
  } else if (!r) affineLoop(u, 0, v, a, b, d, m, out, C, true, false, 0, row0, row1);
  else if (act == 1) affineLoop(u, r, v, a, b, d, m, out, C, true, true, 1, row0, row1);
  else if (act == 2) affineLoop(u, r, v, a, b, d, m, out, C, true, true, 2, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// affineRowsMasked's input gradient with the mask rebuilt from v = x (bnGradSumsFromInput's
// y = sc (x - m) + sh, the forward's coefficients) instead of read from the activation's output.
export function affineRowsFromInput(u: usize, sc: usize, sh: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  if (act == 1) affineLoop(u, 0, v, a, b, d, m, out, C, true, true, 1, row0, row1, false, sc, sh, true);
  else if (act == 2) affineLoop(u, 0, v, a, b, d, m, out, C, true, true, 2, row0, row1, false, sc, sh, true);
  else unreachable(); // the glue passes only known codes
}

/** Up to this many channels affineLoop takes four rows at a time (wider rows, one at a time, measured faster). */
const QUAD_CHANNELS = 64;

// @ts-ignore: decorator
@inline function affineLoop(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, hasU: bool, masked: bool, act: i32, row0: i32, row1: i32,
  hasRes: bool = false, sc: usize = 0, sh: usize = 0, fromX: bool = false): void {
  if (C <= QUAD_CHANNELS) affineQuadLoop(u, r, v, a, b, d, m, out, C, hasU, masked, act, row0, row1, hasRes, sc, sh, fromX);
  else affineRowLoop(u, r, v, a, b, d, m, out, C, hasU, masked, act, row0, row1, hasRes, sc, sh, fromX);
}

// Four rows at a time: each channel group's coefficients are loaded once per four rows (for
// 16 channels a row is only four vectors: reloading them per row and per vector cost more than
// the data), and four rows of up to 64 channels are one contiguous run.
// @ts-ignore: decorator
@inline function affineQuadLoop(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, hasU: bool, masked: bool, act: i32, row0: i32, row1: i32,
  hasRes: bool, sc: usize, sh: usize, fromX: bool): void {
  const c4 = C & ~3, stride = <usize>C << 2;
  let row = row0;
  for (; row + 4 <= row1; row += 4) {
    const o = <usize>row * stride;
    for (let c = 0; c < c4; c += 4) {
      const k = <usize>c << 2, at = o + k;
      const aa = hasU ? v128.load(a + k) : f32x4.splat(0), bb = v128.load(b + k), dd = v128.load(d + k), mm = v128.load(m + k);
      const ss = fromX ? v128.load(sc + k) : mm, hh = fromX ? v128.load(sh + k) : mm;
      affineVec(u, r, v, out, at, aa, bb, dd, mm, hasU, masked, act, hasRes, ss, hh, fromX);
      affineVec(u, r, v, out, at + stride, aa, bb, dd, mm, hasU, masked, act, hasRes, ss, hh, fromX);
      affineVec(u, r, v, out, at + 2 * stride, aa, bb, dd, mm, hasU, masked, act, hasRes, ss, hh, fromX);
      affineVec(u, r, v, out, at + 3 * stride, aa, bb, dd, mm, hasU, masked, act, hasRes, ss, hh, fromX);
    }
    for (let q = 0; q < 4; q++) for (let c = c4; c < C; c++) affine1(u, r, v, a, b, d, m, out, o + <usize>q * stride, c, hasU, masked, act, hasRes, sc, sh, fromX);
  }
  affineRowLoop(u, r, v, a, b, d, m, out, C, hasU, masked, act, row, row1, hasRes, sc, sh, fromX);
}

// One vector of the affine loops at byte offset `at` of the rows, its channels' coefficients given.
// @ts-ignore: decorator
@inline function affineVec(u: usize, r: usize, v: usize, out: usize, at: usize, aa: v128, bb: v128, dd: v128, mm: v128, hasU: bool, masked: bool, act: i32, hasRes: bool,
  ss: v128, hh: v128, fromX: bool): void {
  const xm = f32x4.sub(v128.load(v + at), mm);
  let y = f32x4.add(f32x4.mul(bb, xm), dd);
  if (hasU) {
    let g = v128.load(u + at);
    if (masked) g = gradMask(g, maskInput(r, at, xm, ss, hh, fromX), act);
    y = f32x4.add(y, f32x4.mul(aa, g));
  } else y = activate(hasRes ? f32x4.add(y, v128.load(u + at)) : y, act);
  v128.store(out + at, y);
}

// One float of the affine loops: channel c of the row at byte offset o.
// @ts-ignore: decorator
@inline function affine1(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, o: usize, c: i32, hasU: bool, masked: bool, act: i32, hasRes: bool,
  sc: usize, sh: usize, fromX: bool): void {
  const k = <usize>c << 2;
  const xm = load<f32>(v + o + k) - load<f32>(m + k);
  let y = load<f32>(b + k) * xm + load<f32>(d + k);
  if (hasU) {
    let g = load<f32>(u + o + k);
    if (masked) g = gradMask1(g, maskInput1(r, o, k, xm, sc, sh, fromX), act);
    y += load<f32>(a + k) * g;
  } else y = activate1(hasRes ? y + load<f32>(u + o + k) : y, act);
  store<f32>(out + o + k, y);
}

// Rows one at a time (the tail of affineQuadLoop, and rows of more than QUAD_CHANNELS channels).
// @ts-ignore: decorator
@inline function affineRowLoop(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, hasU: bool, masked: bool, act: i32, row0: i32, row1: i32,
  hasRes: bool, sc: usize, sh: usize, fromX: bool): void {
  const c4 = C & ~3;
  for (let row = row0; row < row1; row++) {
    const o = <usize>(row * C) << 2;
    for (let c = 0; c < c4; c += 4) {
      const k = <usize>c << 2;
      const aa = hasU ? v128.load(a + k) : f32x4.splat(0), mm = v128.load(m + k);
      const ss = fromX ? v128.load(sc + k) : mm, hh = fromX ? v128.load(sh + k) : mm;
      affineVec(u, r, v, out, o + k, aa, v128.load(b + k), v128.load(d + k), mm, hasU, masked, act, hasRes, ss, hh, fromX);
    }
    for (let c = c4; c < C; c++) affine1(u, r, v, a, b, d, m, out, o, c, hasU, masked, act, hasRes, sc, sh, fromX);
  }
}

// out[row, c] = activate(b[c] * (v[row, c] - m[c]) + d[c] + res[row, c], act): batch
// normalization, a residual added and the activation in one pass (a residual block's tail:
// batchNorm -> add -> relu): the forward affine loop with the residual read where u is. Each
// sum rounds to f32 as the unfused kernels' stored results do.
export function affineRowsResidual(res: usize, v: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  if (act == 1) affineLoop(res, 0, v, 0, b, d, m, out, C, false, false, 1, row0, row1, true);
  else if (act == 2) affineLoop(res, 0, v, 0, b, d, m, out, C, false, false, 2, row0, row1, true);
  else affineLoop(res, 0, v, 0, b, d, m, out, C, false, false, 0, row0, row1, true);
}
