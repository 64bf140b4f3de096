// Batch normalization over [rows, C] (channels last), split over rows between threads. The
// statistics are summed in f64 per chunk of rows (partials[chunk * C + c]) and combined by
// the caller, so long sums lose nothing and any split gives the same result up to f64 rounding.

// partials += column sums of x (mean == 0), or of (x - mean)^2 with mean an f64[C] (pass 2).
export function bnMoments(x: usize, mean: usize, partials: usize, C: i32, chunk: i32, row0: i32, row1: i32): void {
  const p = partials + (<usize>((row0 / chunk) * C) << 3);
  for (let c = 0; c < C; c++) store<f64>(p + (<usize>c << 3), 0);
  const c4 = C & ~3;
  for (let r = row0; r < row1; r++) {
    const px = x + (<usize>(r * C) << 2);
    let c = 0;
    for (; c < c4; c += 4) {
      const v = v128.load(px + (<usize>c << 2));
      let lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      const pc = p + (<usize>c << 3);
      if (mean) {
        lo = f64x2.sub(lo, v128.load(mean + (<usize>c << 3)));
        hi = f64x2.sub(hi, v128.load(mean + (<usize>c << 3) + 16));
        lo = f64x2.mul(lo, lo); hi = f64x2.mul(hi, hi);
      }
      v128.store(pc, f64x2.add(v128.load(pc), lo));
      v128.store(pc + 16, f64x2.add(v128.load(pc + 16), hi));
    }
    for (; c < C; c++) {
      let d = <f64>load<f32>(px + (<usize>c << 2));
      if (mean) { d -= load<f64>(mean + (<usize>c << 3)); d *= d; }
      const pc = p + (<usize>c << 3);
      store<f64>(pc, load<f64>(pc) + d);
    }
  }
}

// partials[chunk * 2C + c] += dy, partials[chunk * 2C + C + c] += dy * (x - mean) * inv (f64 mean, inv).
export function bnGradSums(x: usize, dy: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, row0: i32, row1: i32): void {
  const p = partials + (<usize>((row0 / chunk) * 2 * C) << 3);
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  for (let r = row0; r < row1; r++) {
    const o = <usize>(r * C) << 2;
    for (let c = 0; c < C; c++) {
      const g = <f64>load<f32>(dy + o + (<usize>c << 2));
      const xhat = (<f64>load<f32>(x + o + (<usize>c << 2)) - load<f64>(mean + (<usize>c << 3))) * load<f64>(inv + (<usize>c << 3));
      const ps = p + (<usize>c << 3), pq = p + (<usize>(C + c) << 3);
      store<f64>(ps, load<f64>(ps) + g);
      store<f64>(pq, load<f64>(pq) + g * xhat);
    }
  }
}

// out[r, c] = a[c] * u[r, c] + b[c] * v[r, c] + d[c] (v may be 0: then out = a u + d), f32.
// The inference normalization (a = scale, d = shift) and the input gradient (u = dy, v = x).
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
