// Batch normalization over [rows, C] (channels last), split over rows between threads. The
// statistics are summed in f64 per chunk of rows (partials[chunk * 2C + c]) and combined by
// the caller, so long sums lose nothing and any split gives the same result up to f64 rounding.

// out[r, c] = a[c] * u[r, c] + b[c] * v[r, c] + d[c] (v may be 0: then out = a u + d), f32.
// channelAffine (a = scale, d = shift): the inference fold of batch normalization.
export function affineRows(u: usize, v: usize, a: usize, b: usize, d: usize, out: usize, C: i32, row0: i32, row1: i32): void {
  const c4 = C & ~3;
  for (let r = row0; r < row1; r++) {
    const o = <usize>(r * C) << 2;
    let c = 0;
    for (; c < c4; c += 4) {
      const k = <usize>c << 2;
      let y = f32x4.add(f32x4.mul(v128.load(a + k), v128.load(u + o + k)), d ? v128.load(d + k) : f32x4.splat(0));
      if (v) y = f32x4.add(y, f32x4.mul(v128.load(b + k), v128.load(v + o + k)));
      v128.store(out + o + k, y);
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      let y = load<f32>(a + k) * load<f32>(u + o + k) + (d ? load<f32>(d + k) : 0);
      if (v) y += load<f32>(b + k) * load<f32>(v + o + k);
      store<f32>(out + o + k, y);
    }
  }
}

// One pass of the statistics: partials[chunk * 4C + c] += sum of d, partials[chunk * 4C + C + c]
// += sum of d^2 with d = x - shift[c] (shift an f32[C]: the first row of x, so that the sums
// stay small where the mean is large against the spread). Channels four at a time walk a
// block of rows that stays in L1 (its first group brings the lines in), summing in f32 over
// four rows at a time in registers and flushing each block's sums into the f64 partials:
// f32 only ever adds up to a few terms. (Measured faster than rows in order with the sums in
// L1, which the gradient's three-array sums use: there the column walk was the slower one.)
export function bnShiftedSums(x: usize, shift: usize, partials: usize, C: i32, chunk: i32, row0: i32, row1: i32): void {
  const p = partials + <usize>(row0 / chunk) * 32 * <usize>C, q = p + (<usize>C << 3); // PARTIALS = 4 f64 per channel
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  const c4 = C & ~3, stride = <usize>C << 2;
  const block = min(32, max(4, 4096 / C));
  for (let b0 = row0; b0 < row1; b0 += block) {
    const b1 = min(b0 + block, row1);
    for (let c = 0; c < c4; c += 4) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      const sh = v128.load(shift + k);
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
      let px = x + <usize>b0 * stride + k, r = b0;
      for (; r + 4 <= b1; r += 4) {
        const d0 = f32x4.sub(v128.load(px), sh), d1 = f32x4.sub(v128.load(px + stride), sh);
        const d2 = f32x4.sub(v128.load(px + 2 * stride), sh), d3 = f32x4.sub(v128.load(px + 3 * stride), sh);
        s0 = f32x4.add(s0, d0); t0 = f32x4.add(t0, f32x4.mul(d0, d0));
        s1 = f32x4.add(s1, d1); t1 = f32x4.add(t1, f32x4.mul(d1, d1));
        s2 = f32x4.add(s2, d2); t2 = f32x4.add(t2, f32x4.mul(d2, d2));
        s3 = f32x4.add(s3, d3); t3 = f32x4.add(t3, f32x4.mul(d3, d3));
        px += 4 * stride;
      }
      for (; r < b1; r++) {
        const d = f32x4.sub(v128.load(px), sh);
        s0 = f32x4.add(s0, d); t0 = f32x4.add(t0, f32x4.mul(d, d));
        px += stride;
      }
      addToF64(p + k8, f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
      addToF64(q + k8, f32x4.add(f32x4.add(t0, t1), f32x4.add(t2, t3)));
    }
    for (let c = c4; c < C; c++) {
      const sh = <f64>load<f32>(shift + (<usize>c << 2));
      let s: f64 = 0, t: f64 = 0;
      for (let r = b0; r < b1; r++) {
        const d = <f64>load<f32>(x + <usize>r * stride + (<usize>c << 2)) - sh;
        s += d; t += d * d;
      }
      store<f64>(p + (<usize>c << 3), load<f64>(p + (<usize>c << 3)) + s);
      store<f64>(q + (<usize>c << 3), load<f64>(q + (<usize>c << 3)) + t);
    }
  }
}

// f64 at..at+32 += the four lanes of v.
// @ts-ignore: decorator
@inline export function addToF64(at: usize, v: v128): void {
  v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(v)));
  v128.store(at, f64x2.add(v128.load(at, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/** Rows per f32 block of the gradient's column sums (then flushed into f64). */
export const BLOCK = 16;
