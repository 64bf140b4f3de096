// Batch normalization's training kernels in SIMD, optionally fused with the activation behind
// it: the backward column sums (dy masked by the activation's gradient where there is one) and
// the per-channel affine map with the mask or the activation applied as each row is written.
// f64 sums per chunk of rows, combined by the caller (as in norm.ts). The activation codes
// (ACT in wasm/norm-train.ts) are read in two places only: activate() and gradMask().
import { addToF64 } from './norm';

// The activation on four lanes: 1 relu (NaN becomes 0, as the reference's x > 0 ? x : 0).
// @ts-ignore: decorator
@inline function activate(y: v128, act: i32): v128 {
  if (act == 1) return f32x4.pmax(f32x4.splat(0), y);
  return y;
}
// @ts-ignore: decorator
@inline function activate1(y: f32, act: i32): f32 {
  if (act == 1) return y > 0 ? y : 0;
  return y;
}
// g where the activation's output r passes a gradient (1 relu: r > 0), 0 elsewhere.
// @ts-ignore: decorator
@inline function gradMask(g: v128, r: v128, act: i32): v128 {
  if (act == 1) return v128.and(g, f32x4.gt(r, f32x4.splat(0)));
  return g;
}
// @ts-ignore: decorator
@inline function gradMask1(g: f32, r: f32, act: i32): f32 {
  if (act == 1) return r > 0 ? g : 0;
  return g;
}

// partials[chunk * 2C + c] += g, partials[chunk * 2C + C + c] += g * (x - mean) * inv, with
// g = dy, or gradMask(dy, r, act) when r != 0 (r: the activation's output). f64 mean and inv.
// As bnShiftedSums: four channels walk an L1-sized block of rows with f32 sums of two rows at a
// time in registers (g * (x - m) with m the mean rounded to f32), flushed per block into f64:
// sum g (x - mean) = sum g (x - m) + (m - mean) sum g, times inv.
export function bnGradSumsMasked(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, act: i32, row0: i32, row1: i32): void {
  if (!r) gradSums(x, dy, 0, mean, inv, partials, C, chunk, false, 0, row0, row1);
  else if (act == 1) gradSums(x, dy, r, mean, inv, partials, C, chunk, true, 1, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// @ts-ignore: decorator
@inline function gradSums(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, masked: bool, act: i32, row0: i32, row1: i32): void {
  const p = partials + (<usize>((row0 / chunk) * 2 * C) << 3), q = p + (<usize>C << 3);
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  const c4 = C & ~3, stride = <usize>C << 2;
  const block = min(32, max(4, 4096 / C));
  for (let b0 = row0; b0 < row1; b0 += block) {
    const b1 = min(b0 + block, row1);
    for (let c = 0; c < c4; c += 4) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      const mLo = v128.load(mean + k8), mHi = v128.load(mean + k8, 16);
      const m = i32x4.shuffle(f32x4.demote_f64x2_zero(mLo), f32x4.demote_f64x2_zero(mHi), 0, 1, 4, 5);
      let s0 = f32x4.splat(0), s1 = s0, t0 = s0, t1 = s0;
      let o = <usize>b0 * stride + k, row = b0;
      for (; row + 2 <= b1; row += 2) {
        let g0 = v128.load(dy + o), g1 = v128.load(dy + o + stride);
        if (masked) { g0 = gradMask(g0, v128.load(r + o), act); g1 = gradMask(g1, v128.load(r + o + stride), act); }
        s0 = f32x4.add(s0, g0); t0 = f32x4.add(t0, f32x4.mul(g0, f32x4.sub(v128.load(x + o), m)));
        s1 = f32x4.add(s1, g1); t1 = f32x4.add(t1, f32x4.mul(g1, f32x4.sub(v128.load(x + o + stride), m)));
        o += 2 * stride;
      }
      if (row < b1) {
        let g0 = v128.load(dy + o);
        if (masked) g0 = gradMask(g0, v128.load(r + o), act);
        s0 = f32x4.add(s0, g0); t0 = f32x4.add(t0, f32x4.mul(g0, f32x4.sub(v128.load(x + o), m)));
      }
      const s = f32x4.add(s0, s1), t = f32x4.add(t0, t1);
      const sLo = f64x2.promote_low_f32x4(s), sHi = f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
      const tLo = f64x2.promote_low_f32x4(t), tHi = f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1));
      const mdLo = f64x2.sub(f64x2.promote_low_f32x4(m), mLo), mdHi = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(m, m, 2, 3, 0, 1)), mHi);
      v128.store(p + k8, f64x2.add(v128.load(p + k8), sLo));
      v128.store(p + k8, f64x2.add(v128.load(p + k8, 16), sHi), 16);
      v128.store(q + k8, f64x2.add(v128.load(q + k8), f64x2.mul(f64x2.add(tLo, f64x2.mul(mdLo, sLo)), v128.load(inv + k8))));
      v128.store(q + k8, f64x2.add(v128.load(q + k8, 16), f64x2.mul(f64x2.add(tHi, f64x2.mul(mdHi, sHi)), v128.load(inv + k8, 16))), 16);
    }
    for (let c = c4; c < C; c++) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      const mc = load<f64>(mean + k8);
      let s: f64 = 0, t: f64 = 0;
      for (let row = b0; row < b1; row++) {
        const o = <usize>row * stride + k;
        let g = load<f32>(dy + o);
        if (masked) g = gradMask1(g, load<f32>(r + o), act);
        s += <f64>g;
        t += <f64>g * (<f64>load<f32>(x + o) - mc);
      }
      store<f64>(p + k8, load<f64>(p + k8) + s);
      store<f64>(q + k8, load<f64>(q + k8) + t * load<f64>(inv + k8));
    }
  }
}

// out[row, c] = a[c] * g + b[c] * (v[row, c] - m[c]) + d[c], with g = u[row, c], or
// gradMask(u, r, act) when r != 0: the input gradient (u = dy, v = x, m the mean rounded to
// f32, so a mean large against the spread does not cancel in f32; r the activation's output).
// u == 0: out = activate(b[c] * (v - m[c]) + d[c], act), the forward (v = x).
export function affineRowsMasked(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  // Each case its own loop (the flags are constants after inlining): no tests per vector.
  if (!u) {
    if (act == 1) affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 1, row0, row1);
    else affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 0, row0, row1);
  } else if (!r) affineLoop(u, 0, v, a, b, d, m, out, C, true, false, 0, row0, row1);
  else if (act == 1) affineLoop(u, r, v, a, b, d, m, out, C, true, true, 1, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// @ts-ignore: decorator
@inline function affineLoop(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, m: usize, out: usize, C: i32, hasU: bool, masked: bool, act: i32, row0: i32, row1: i32): void {
  const c4 = C & ~3;
  for (let row = row0; row < row1; row++) {
    const o = <usize>(row * C) << 2;
    let c = 0;
    for (; c < c4; c += 4) {
      const k = <usize>c << 2;
      let y = f32x4.add(f32x4.mul(v128.load(b + k), f32x4.sub(v128.load(v + o + k), v128.load(m + k))), v128.load(d + k));
      if (hasU) {
        let g = v128.load(u + o + k);
        if (masked) g = gradMask(g, v128.load(r + o + k), act);
        y = f32x4.add(y, f32x4.mul(v128.load(a + k), g));
      } else y = activate(y, act);
      v128.store(out + o + k, y);
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      let y = load<f32>(b + k) * (load<f32>(v + o + k) - load<f32>(m + k)) + load<f32>(d + k);
      if (hasU) {
        let g = load<f32>(u + o + k);
        if (masked) g = gradMask1(g, load<f32>(r + o + k), act);
        y += load<f32>(a + k) * g;
      } else y = activate1(y, act);
      store<f32>(out + o + k, y);
    }
  }
}
