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

// dist: 0 uniform in [a, b), 1 normal(a, b), 2 normal(a, b) truncated at 2 stddev, 3 bernoulli(a).
// Fills f32 out[start, end). a and b are two f64 at `params` (job arguments travel to worker
// threads as i32, so numbers that are not integers go through memory).
export function randomFill(dist: i32, k0: u32, k1: u32, lo: u32, hi: u32, out: usize, params: usize, start: i32, end: i32): void {
  const a = load<f64>(params), b = load<f64>(params, 8);
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
    store<f32>(out + (<usize>i << 2), <f32>v);
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
