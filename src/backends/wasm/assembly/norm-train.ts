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
// g where the activation's output r passes a gradient (1 relu: r > 0; 2 relu6: 0 < r < 6), 0 elsewhere.
// @ts-ignore: decorator
@inline function gradMask(g: v128, r: v128, act: i32): v128 {
  if (act == 1) return v128.and(g, f32x4.gt(r, f32x4.splat(0)));
  if (act == 2) return v128.and(g, v128.and(f32x4.gt(r, f32x4.splat(0)), f32x4.lt(r, f32x4.splat(6))));
  return g;
}
// @ts-ignore: decorator
@inline function gradMask1(g: f32, r: f32, act: i32): f32 {
  if (act == 1) return r > 0 ? g : 0;
  if (act == 2) return r > 0 && r < 6 ? g : 0;
  return g;
}

// partials[chunk * 4C + c] += g, partials[chunk * 4C + C + c] += g * (x - mean) * inv, with
// g = dy, or gradMask(dy, r, act) when r != 0 (r: the activation's output). f64 mean and inv.
// Rows in order (each array read as one stream) into sums in L1: g in f64 (dbeta is a sum
// that often cancels: f32 partials showed), g (x - m) in f32 with m the mean rounded to f32,
// flushed every BLOCK rows into the f64 partials: sum g (x - mean) = sum g (x - m)
// + (m - mean) sum g, times inv.
export function bnGradSumsMasked(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, act: i32, row0: i32, row1: i32): void {
  if (!r) gradSums(x, dy, 0, mean, inv, partials, C, chunk, false, 0, row0, row1);
  else if (act == 1) gradSums(x, dy, r, mean, inv, partials, C, chunk, true, 1, row0, row1);
  else if (act == 2) gradSums(x, dy, r, mean, inv, partials, C, chunk, true, 2, row0, row1);
  else unreachable(); // the glue passes only known codes
}

// @ts-ignore: decorator
@inline function gradSums(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, masked: bool, act: i32, row0: i32, row1: i32): void {
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
      let c = 0;
      for (; c < c4; c += 4) {
        const k = <usize>c << 2, k8 = <usize>c << 3;
        let g = v128.load(dy + o + k);
        if (masked) g = gradMask(g, v128.load(r + o + k), act);
        v128.store(s + k8, f64x2.add(v128.load(s + k8), f64x2.promote_low_f32x4(g)));
        v128.store(s + k8, f64x2.add(v128.load(s + k8, 16), f64x2.promote_low_f32x4(i32x4.shuffle(g, g, 2, 3, 0, 1))), 16);
        v128.store(t + k, f32x4.add(v128.load(t + k), f32x4.mul(g, f32x4.sub(v128.load(x + o + k), v128.load(m + k)))));
      }
      for (; c < C; c++) {
        const k = <usize>c << 2, k8 = <usize>c << 3;
        let g = load<f32>(dy + o + k);
        if (masked) g = gradMask1(g, load<f32>(r + o + k), act);
        store<f64>(s + k8, load<f64>(s + k8) + <f64>g);
        store<f32>(t + k, load<f32>(t + k) + g * (load<f32>(x + o + k) - load<f32>(m + k)));
      }
    }
    for (let c = 0; c < C; c++) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      const sg = load<f64>(s + k8);
      store<f64>(p + k8, load<f64>(p + k8) + sg);
      store<f64>(q + k8, load<f64>(q + k8) + (<f64>load<f32>(t + k) + (<f64>load<f32>(m + k) - load<f64>(mean + k8)) * sg) * load<f64>(inv + k8));
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
    else if (act == 2) affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 2, row0, row1);
    else affineLoop(0, 0, v, a, b, d, m, out, C, false, false, 0, row0, row1);
  } else if (!r) affineLoop(u, 0, v, a, b, d, m, out, C, true, false, 0, row0, row1);
  else if (act == 1) affineLoop(u, r, v, a, b, d, m, out, C, true, true, 1, row0, row1);
  else if (act == 2) affineLoop(u, r, v, a, b, d, m, out, C, true, true, 2, row0, row1);
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

// out[row, c] = activate(b[c] * (v[row, c] - m[c]) + d[c] + res[row, c], act): batch
// normalization, a residual added and the activation in one pass (a residual block's tail:
// batchNorm -> add -> relu). Each sum rounds to f32 as the unfused kernels' stored results do.
export function affineRowsResidual(res: usize, v: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  if (act == 1) residualLoop(res, v, b, d, m, out, C, 1, row0, row1);
  else if (act == 2) residualLoop(res, v, b, d, m, out, C, 2, row0, row1);
  else residualLoop(res, v, b, d, m, out, C, 0, row0, row1);
}

// @ts-ignore: decorator
@inline function residualLoop(res: usize, v: usize, b: usize, d: usize, m: usize, out: usize, C: i32, act: i32, row0: i32, row1: i32): void {
  const c4 = C & ~3;
  for (let row = row0; row < row1; row++) {
    const o = <usize>(row * C) << 2;
    let c = 0;
    for (; c < c4; c += 4) {
      const k = <usize>c << 2;
      const y = f32x4.add(f32x4.mul(v128.load(b + k), f32x4.sub(v128.load(v + o + k), v128.load(m + k))), v128.load(d + k));
      v128.store(out + o + k, activate(f32x4.add(y, v128.load(res + o + k)), act));
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      const y = load<f32>(b + k) * (load<f32>(v + o + k) - load<f32>(m + k)) + load<f32>(d + k);
      store<f32>(out + o + k, activate1(y + load<f32>(res + o + k), act));
    }
  }
}
