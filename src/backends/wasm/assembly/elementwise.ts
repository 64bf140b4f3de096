// Bias add, its gradient (column sums) and the optimizers' updates (Adam, SGD, RMSprop).

// out[r, c] = x[r, c] + bias[c] for rows [row0, row1) of a [rows, cols] matrix.
export function addRow(x: usize, bias: usize, out: usize, cols: i32, row0: i32, row1: i32): void {
  const c4 = cols & ~3;
  for (let r = row0; r < row1; r++) {
    const px = x + (<usize>(r * cols) << 2), po = out + (<usize>(r * cols) << 2);
    let j = 0;
    for (; j < c4; j += 4) v128.store(po + (<usize>j << 2), f32x4.add(v128.load(px + (<usize>j << 2)), v128.load(bias + (<usize>j << 2))));
    for (; j < cols; j++) store<f32>(po + (<usize>j << 2), load<f32>(px + (<usize>j << 2)) + load<f32>(bias + (<usize>j << 2)));
  }
}

// out[c] = sum over rows of x[r, c], for columns [col0, col1) (col0 a multiple of 4).
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, col0: i32, col1: i32): void {
  let j = col0;
  for (; j + 4 <= col1; j += 4) {
    let acc = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) { acc = f32x4.add(acc, v128.load(p)); p += <usize>cols << 2; }
    v128.store(out + (<usize>j << 2), acc);
  }
  for (; j < col1; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(x + (<usize>(r * cols + j) << 2));
    store<f32>(out + (<usize>j << 2), s);
  }
}

// The bias gradient for threads over rows: partials[chunk * C + c] = sum over rows [row0, row1)
// of x[r, c] in f64. Four columns at a time walk an L1-sized block of rows (its first group
// brings the lines in) with four f32 chains in registers, flushed into f64 per block; the
// caller adds the chunks. (sumRows walks one column group down all rows: every line is read
// once per group, and threads can only split the columns.)
export function columnSums(x: usize, partials: usize, C: i32, chunk: i32, row0: i32, row1: i32): void {
  const p = partials + (<usize>((row0 / chunk) * C) << 3);
  for (let c = 0; c < C; c++) store<f64>(p + (<usize>c << 3), 0);
  const c4 = C & ~3, stride = <usize>C << 2, block = min(32, max(4, 4096 / C));
  for (let b0 = row0; b0 < row1; b0 += block) {
    const b1 = min(b0 + block, row1);
    for (let c = 0; c < c4; c += 4) {
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let px = x + <usize>b0 * stride + (<usize>c << 2), r = b0;
      for (; r + 4 <= b1; r += 4) {
        s0 = f32x4.add(s0, v128.load(px)); s1 = f32x4.add(s1, v128.load(px + stride));
        s2 = f32x4.add(s2, v128.load(px + 2 * stride)); s3 = f32x4.add(s3, v128.load(px + 3 * stride));
        px += 4 * stride;
      }
      for (; r < b1; r++) { s0 = f32x4.add(s0, v128.load(px)); px += stride; }
      const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), pc = p + (<usize>c << 3);
      v128.store(pc, f64x2.add(v128.load(pc), f64x2.promote_low_f32x4(s)));
      v128.store(pc, f64x2.add(v128.load(pc, 16), f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1))), 16);
    }
    for (let c = c4; c < C; c++) {
      let s: f64 = 0;
      for (let r = b0; r < b1; r++) s += <f64>load<f32>(x + <usize>r * stride + (<usize>c << 2));
      store<f64>(p + (<usize>c << 3), load<f64>(p + (<usize>c << 3)) + s);
    }
  }
}

// Adam, in place: m, v updated, then w -= lr * (m / c1) / (sqrt(v / c2) + epsilon), with
// c1 = 1 - beta1^t and c2 = 1 - beta2^t (TensorFlow.js's form).
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), nb1 = f32x4.splat(1 - beta1), nb2 = f32x4.splat(1 - beta2);
  const ic1 = f32x4.splat(1 / c1), ic2 = f32x4.splat(1 / c2), eps = f32x4.splat(epsilon), rate = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(nb1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(nb2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const step = f32x4.div(f32x4.mul(rate, f32x4.mul(mv, ic1)), f32x4.add(f32x4.sqrt(f32x4.mul(vv, ic2)), eps));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) - (lr * (mv / c1)) / (Mathf.sqrt(vv / c2) + epsilon));
  }
}

// Adam over elements [start, end) for threads: params = f32 [lr, beta1, beta2, epsilon, c1, c2]
// (job arguments reach workers as i32). start a multiple of 4, so every element takes the same
// (vector or scalar) path as in one call over all of them.
export function adamRange(w: usize, g: usize, m: usize, v: usize, params: usize, start: i32, end: i32): void {
  const o = <usize>start << 2;
  adam(w + o, g + o, m + o, v + o, end - start, load<f32>(params), load<f32>(params, 4), load<f32>(params, 8), load<f32>(params, 12), load<f32>(params, 16), load<f32>(params, 20));
}

// SGD, in place: w -= lr * g, or with momentum (velocity != 0) v = momentum * v - lr * g and
// w += v (Nesterov: w += momentum * v - lr * g).
export function sgd(w: usize, g: usize, velocity: usize, n: i32, lr: f32, momentum: f32, nesterov: bool): void {
  const rate = f32x4.splat(lr), mom = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const step = f32x4.mul(rate, v128.load(g + o));
    if (!velocity) { v128.store(w + o, f32x4.sub(v128.load(w + o), step)); continue; }
    const v = f32x4.sub(f32x4.mul(mom, v128.load(velocity + o)), step);
    v128.store(velocity + o, v);
    v128.store(w + o, f32x4.add(v128.load(w + o), nesterov ? f32x4.sub(f32x4.mul(mom, v), step) : v));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step = lr * load<f32>(g + o);
    if (!velocity) { store<f32>(w + o, load<f32>(w + o) - step); continue; }
    const v = momentum * load<f32>(velocity + o) - step;
    store<f32>(velocity + o, v);
    store<f32>(w + o, load<f32>(w + o) + (nesterov ? momentum * v - step : v));
  }
}

// RMSprop, in place: ms = rho * ms + (1 - rho) g^2; increment = lr * g / sqrt(ms + epsilon);
// w -= increment, or with momentum (moment != 0) mom = momentum * mom + increment, w -= mom.
export function rmsprop(w: usize, g: usize, ms: usize, moment: usize, n: i32, lr: f32, rho: f32, momentum: f32, epsilon: f32): void {
  const r = f32x4.splat(rho), nr = f32x4.splat(1 - rho), rate = f32x4.splat(lr), mom = f32x4.splat(momentum), eps = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const msv = f32x4.add(f32x4.mul(r, v128.load(ms + o)), f32x4.mul(nr, f32x4.mul(gv, gv)));
    v128.store(ms + o, msv);
    let inc = f32x4.div(f32x4.mul(rate, gv), f32x4.sqrt(f32x4.add(msv, eps)));
    if (moment) { inc = f32x4.add(f32x4.mul(mom, v128.load(moment + o)), inc); v128.store(moment + o, inc); }
    v128.store(w + o, f32x4.sub(v128.load(w + o), inc));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const msv = rho * load<f32>(ms + o) + (1 - rho) * gv * gv;
    store<f32>(ms + o, msv);
    let inc = (lr * gv) / Mathf.sqrt(msv + epsilon);
    if (moment) { inc = momentum * load<f32>(moment + o) + inc; store<f32>(moment + o, inc); }
    store<f32>(w + o, load<f32>(w + o) - inc);
  }
}

// One input of a concatenation: rows [row0, row1) of x ([rows, xBytes]) go to byte `offset` of
// the rows of out ([rows, outBytes]). Bytes, so any dtype; bulk-memory copies.
export function concatRows(x: usize, out: usize, xBytes: i32, outBytes: i32, offset: i32, row0: i32, row1: i32): void {
  for (let r = row0; r < row1; r++) {
    memory.copy(out + <usize>r * <usize>outBytes + <usize>offset, x + <usize>r * <usize>xBytes, <usize>xBytes);
  }
}
