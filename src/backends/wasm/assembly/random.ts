// The random kernel: Philox4x32-10, counter-based, so value i depends only on the key, the
// counter and i, and threads fill any ranges they like with the same numbers as the reference
// backend (src/backends/js/random.ts, which documents the layout). Arithmetic is f64 as there.

let r0: u32 = 0, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;

// @ts-ignore: decorator
@inline function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let i = 0; i < 10; i++) {
    const p0 = <u64>0xd2511f53 * <u64>c0, p1 = <u64>0xcd9e8d57 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0, n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1; c3 = <u32>p0; c0 = n0; c2 = n2;
    k0 += 0x9e3779b9; k1 += 0xbb67ae85;
  }
  r0 = c0; r1 = c1; r2 = c2; r3 = c3;
}

// @ts-ignore: decorator
@inline function block(j: i64, round: u32, k0: u32, k1: u32, lo: u32, hi: u32): void {
  const c = <u64>lo + <u64>j;
  philox(<u32>c, hi + <u32>(c >> 32), round, 0, k0, k1);
}

// @ts-ignore: decorator
@inline function unit(u: u32): f64 { return <f64>(u >>> 8) * 5.9604644775390625e-8; }
// @ts-ignore: decorator
@inline function unitOpen(u: u32): f64 { return <f64>((u >>> 8) + 1) * 5.9604644775390625e-8; }
// @ts-ignore: decorator
@inline function word(k: i32): u32 { return k == 0 ? r0 : k == 1 ? r1 : k == 2 ? r2 : r3; }
// @ts-ignore: decorator
@inline function boxMuller(pair: i32): f64 {
  return pair == 0
    ? Math.sqrt(-2 * Math.log(unitOpen(r0))) * Math.cos(2 * Math.PI * unit(r1))
    : Math.sqrt(-2 * Math.log(unitOpen(r2))) * Math.cos(2 * Math.PI * unit(r3));
}

// The high 32 bits of the unsigned products of four lanes by m.
// @ts-ignore: decorator
@inline function mulHi4(c: v128, m: v128): v128 {
  const low = i64x2.extmul_low_i32x4_u(c, m), high = i64x2.extmul_high_i32x4_u(c, m);
  return i8x16.shuffle(low, high, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
}

// Four Philox blocks at once (blocks j .. j+3 of round 0, one per lane), their words
// transposed so that w0..w3 hold values 16 j .. 16 j + 15 in order, four per vector.
let w0 = f32x4.splat(0), w1 = f32x4.splat(0), w2 = f32x4.splat(0), w3 = f32x4.splat(0);
// @ts-ignore: decorator
@inline function philox4(j: i64, k0: u32, k1: u32, lo: u32, hi: u32): void {
  const m0 = i32x4.splat(<i32>0xd2511f53), m1 = i32x4.splat(<i32>0xcd9e8d57);
  const base = <u64>lo + <u64>j;
  // Counter words 0 and 1 of each lane: lo + j + lane, with its carry into hi.
  let c0 = i32x4.splat(0), c1 = i32x4.splat(0);
  c0 = i32x4.replace_lane(c0, 0, <i32>base); c1 = i32x4.replace_lane(c1, 0, <i32>(hi + <u32>(base >> 32)));
  c0 = i32x4.replace_lane(c0, 1, <i32>(base + 1)); c1 = i32x4.replace_lane(c1, 1, <i32>(hi + <u32>((base + 1) >> 32)));
  c0 = i32x4.replace_lane(c0, 2, <i32>(base + 2)); c1 = i32x4.replace_lane(c1, 2, <i32>(hi + <u32>((base + 2) >> 32)));
  c0 = i32x4.replace_lane(c0, 3, <i32>(base + 3)); c1 = i32x4.replace_lane(c1, 3, <i32>(hi + <u32>((base + 3) >> 32)));
  let c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  let key0 = k0, key1 = k1;
  for (let r = 0; r < 10; r++) {
    const n0 = v128.xor(v128.xor(mulHi4(c2, m1), c1), i32x4.splat(<i32>key0));
    const n2 = v128.xor(v128.xor(mulHi4(c0, m0), c3), i32x4.splat(<i32>key1));
    c1 = i32x4.mul(c2, m1); c3 = i32x4.mul(c0, m0); c0 = n0; c2 = n2;
    key0 += 0x9e3779b9; key1 += 0xbb67ae85;
  }
  // c_k holds word k of four blocks; the output wants each block's four words together.
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7), t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  w0 = i64x2.shuffle(t0, t1, 0, 2); w1 = i64x2.shuffle(t0, t1, 1, 3);
  w2 = i64x2.shuffle(t2, t3, 0, 2); w3 = i64x2.shuffle(t2, t3, 1, 3);
}

// Uniform in [a, b) of four words as the scalar path computes it: u = (w >>> 8) 2^-24, then
// a + (b - a) u in f64, rounded to f32 (so every backend draws the same numbers).
// @ts-ignore: decorator
@inline function uniform4(w: v128, a: v128, span: v128): v128 {
  const m = i32x4.shr_u(w, 8), scale = f64x2.splat(5.9604644775390625e-8);
  const lo = f64x2.add(a, f64x2.mul(span, f64x2.mul(f64x2.convert_low_i32x4_u(m), scale)));
  const hi = f64x2.add(a, f64x2.mul(span, f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(m, m, 2, 3, 0, 1)), scale)));
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// The largest float32 below b (as src/backends/js/random.ts#float32Below): uniform draws of
// [a, b) that round onto b in float32 become it.
function float32Below(b: f64): f32 {
  const f = <f32>b;
  if (<f64>f < b) return f;
  const bits = reinterpret<i32>(f);
  return reinterpret<f32>(f > 0 ? bits - 1 : f < 0 ? bits + 1 : <i32>0x80000001);
}

// Bernoulli(a) of four words: 1 where (w >>> 8) 2^-24 < a, i.e. (w >>> 8) < ceil(a 2^24).
// @ts-ignore: decorator
@inline function bernoulli4(w: v128, threshold: v128): v128 {
  return v128.and(i32x4.lt_u(i32x4.shr_u(w, 8), threshold), f32x4.splat(1));
}

// Uniform (dist 0) or Bernoulli (dist 3) values [start, end) of whole 16-value groups, four
// blocks per Philox call in SIMD.
function fill16(dist: i32, k0: u32, k1: u32, lo: u32, hi: u32, out: usize, a: f64, b: f64, start: i32, end: i32): void {
  const av = f64x2.splat(a), span = f64x2.splat(b - a);
  // A float32 above `below` is b or more: it becomes `below` (only when b > a, as the reference).
  const clamp = b > a, below = f32x4.splat(clamp ? float32Below(b) : 0);
  const t = !(a > 0) ? 0 : a >= 1 ? 16777216 : <u32>Math.ceil(a * 16777216); // NaN: never 1, as u < NaN
  const threshold = i32x4.splat(<i32>t);
  for (let i = start; i < end; i += 16) {
    philox4(<i64>(i >> 2), k0, k1, lo, hi);
    const o = out + (<usize>i << 2);
    if (dist == 0) {
      let u0 = uniform4(w0, av, span), u1 = uniform4(w1, av, span), u2 = uniform4(w2, av, span), u3 = uniform4(w3, av, span);
      if (clamp) {
        u0 = v128.bitselect(below, u0, f32x4.gt(u0, below)); u1 = v128.bitselect(below, u1, f32x4.gt(u1, below));
        u2 = v128.bitselect(below, u2, f32x4.gt(u2, below)); u3 = v128.bitselect(below, u3, f32x4.gt(u3, below));
      }
      v128.store(o, u0); v128.store(o + 16, u1); v128.store(o + 32, u2); v128.store(o + 48, u3);
    } else {
      v128.store(o, bernoulli4(w0, threshold)); v128.store(o + 16, bernoulli4(w1, threshold));
      v128.store(o + 32, bernoulli4(w2, threshold)); v128.store(o + 48, bernoulli4(w3, threshold));
    }
  }
}

// dist: 0 uniform in [a, b), 1 normal(a, b), 2 normal(a, b) truncated at 2 stddev, 3 bernoulli(a).
// Fills f32 out[start, end). a and b are two f64 at `params` (job arguments travel to worker
// threads as i32, so numbers that are not integers go through memory).
export function randomFill(dist: i32, k0: u32, k1: u32, lo: u32, hi: u32, out: usize, params: usize, start: i32, end: i32): void {
  const a = load<f64>(params), b = load<f64>(params, 8);
  if (dist == 0 || dist == 3) {
    // Whole groups of 16 values in SIMD; the ragged ends by the scalar loop below.
    const s16 = (start + 15) & ~15, e16 = end & ~15;
    if (s16 < e16) {
      scalarFill(dist, k0, k1, lo, hi, out, a, b, start, s16);
      fill16(dist, k0, k1, lo, hi, out, a, b, s16, e16);
      scalarFill(dist, k0, k1, lo, hi, out, a, b, e16, end);
      return;
    }
  }
  scalarFill(dist, k0, k1, lo, hi, out, a, b, start, end);
}

function scalarFill(dist: i32, k0: u32, k1: u32, lo: u32, hi: u32, out: usize, a: f64, b: f64, start: i32, end: i32): void {
  for (let i = start; i < end; i++) {
    let v: f64;
    if (dist == 0 || dist == 3) {
      if (i == start || (i & 3) == 0) block(i >> 2, 0, k0, k1, lo, hi);
      const u = unit(word(i & 3));
      v = dist == 0 ? a + (b - a) * u : u < a ? 1 : 0;
    } else if (dist == 1) {
      if (i == start || (i & 1) == 0) block(i >> 1, 0, k0, k1, lo, hi);
      v = a + b * boxMuller(i & 1);
    } else {
      let z: f64 = 0;
      for (let round: u32 = 0; round < 64; round++) {
        block(i, round, k0, k1, lo, hi);
        z = boxMuller(0);
        if (Math.abs(z) <= 2) break;
        z = boxMuller(1);
        if (Math.abs(z) <= 2) break;
      }
      v = a + b * Math.max(-2, Math.min(2, z));
    }
    let v32 = <f32>v;
    if (dist == 0 && b > a && <f64>v32 >= b) v32 = float32Below(b); // stays below b, as the SIMD path
    store<f32>(out + (<usize>i << 2), v32);
  }
}

// v = v * momentum + x * (1 - momentum) over [start, end).
export function movingAverage(v: usize, x: usize, momentum: f32, start: i32, end: i32): void {
  const m = f32x4.splat(momentum), n = f32x4.splat(1 - momentum);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(v + o, f32x4.add(f32x4.mul(v128.load(v + o), m), f32x4.mul(v128.load(x + o), n)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(v + o, load<f32>(v + o) * momentum + load<f32>(x + o) * (1 - momentum));
  }
}
