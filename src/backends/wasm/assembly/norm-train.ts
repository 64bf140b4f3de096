// Batch normalization's training kernels in SIMD, optionally fused with the relu (or relu6)
// behind it: the backward column sums (dy masked by the activation's output where there is
// one) and the per-channel affine map with the mask or the activation applied as each row is
// written. f64 sums per chunk of rows, combined by the caller (as in norm.ts).
import { epilogue, epilogue1 } from './conv';

// Mask and activation codes: 1 relu (mask r > 0), 2 relu6 (mask 0 < r < 6).

// @ts-ignore: decorator
@inline function mask4(g: v128, r: v128, mask: i32): v128 {
  g = v128.and(g, f32x4.gt(r, f32x4.splat(0)));
  return mask == 2 ? v128.and(g, f32x4.lt(r, f32x4.splat(6))) : g;
}
// @ts-ignore: decorator
@inline function mask1(g: f32, r: f32, mask: i32): f32 {
  return r > 0 && (mask != 2 || r < 6) ? g : 0;
}

// partials[chunk * 2C + c] += g, partials[chunk * 2C + C + c] += g * (x - mean) * inv, with
// g = dy, or dy masked by r when r != 0 (the activation's gradient: r is its output, mask its
// code). f64 mean and inv.
export function bnGradSumsMasked(x: usize, dy: usize, r: usize, mean: usize, inv: usize, partials: usize, C: i32, chunk: i32, mask: i32, row0: i32, row1: i32): void {
  const p = partials + (<usize>((row0 / chunk) * 2 * C) << 3), q = p + (<usize>C << 3);
  for (let c = 0; c < 2 * C; c++) store<f64>(p + (<usize>c << 3), 0);
  const c4 = C & ~3;
  for (let row = row0; row < row1; row++) {
    const o = <usize>(row * C) << 2;
    let c = 0;
    for (; c < c4; c += 4) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      let g = v128.load(dy + o + k);
      if (r) g = mask4(g, v128.load(r + o + k), mask);
      const v = v128.load(x + o + k);
      const gLo = f64x2.promote_low_f32x4(g), gHi = f64x2.promote_low_f32x4(i32x4.shuffle(g, g, 2, 3, 0, 1));
      const xLo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(mean + k8)), v128.load(inv + k8));
      const xHi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), v128.load(mean + k8, 16)), v128.load(inv + k8, 16));
      v128.store(p + k8, f64x2.add(v128.load(p + k8), gLo));
      v128.store(p + k8, f64x2.add(v128.load(p + k8, 16), gHi), 16);
      v128.store(q + k8, f64x2.add(v128.load(q + k8), f64x2.mul(gLo, xLo)));
      v128.store(q + k8, f64x2.add(v128.load(q + k8, 16), f64x2.mul(gHi, xHi)), 16);
    }
    for (; c < C; c++) {
      const k = <usize>c << 2, k8 = <usize>c << 3;
      let g = <f64>load<f32>(dy + o + k);
      if (r) g = mask1(<f32>g, load<f32>(r + o + k), mask);
      const xhat = (<f64>load<f32>(x + o + k) - load<f64>(mean + k8)) * load<f64>(inv + k8);
      store<f64>(p + k8, load<f64>(p + k8) + g);
      store<f64>(q + k8, load<f64>(q + k8) + g * xhat);
    }
  }
}

// out[row, c] = a[c] * g + b[c] * v[row, c] + d[c] with g = u[row, c], or u masked by r (code
// mask) when r != 0 (v may be 0: then out = a g + d); act 1 / 2: relu / relu6 on the result
// (NaN stays NaN, as in the unfused kernels). The fused forward (u = x, act) and input
// gradient (u = dy, v = x, mask).
export function affineRowsMasked(u: usize, r: usize, v: usize, a: usize, b: usize, d: usize, out: usize, C: i32, act: i32, mask: i32, row0: i32, row1: i32): void {
  const c4 = C & ~3, zero = f32x4.splat(0);
  for (let row = row0; row < row1; row++) {
    const o = <usize>(row * C) << 2;
    let c = 0;
    for (; c < c4; c += 4) {
      const k = <usize>c << 2;
      let g = v128.load(u + o + k);
      if (r) g = mask4(g, v128.load(r + o + k), mask);
      let y = f32x4.add(f32x4.mul(v128.load(a + k), g), v128.load(d + k));
      if (v) y = f32x4.add(y, f32x4.mul(v128.load(b + k), v128.load(v + o + k)));
      y = epilogue(y, act, zero);
      v128.store(out + o + k, y);
    }
    for (; c < C; c++) {
      const k = <usize>c << 2;
      let g = load<f32>(u + o + k);
      if (r) g = mask1(g, load<f32>(r + o + k), mask);
      let y = load<f32>(a + k) * g + load<f32>(d + k);
      if (v) y += load<f32>(b + k) * load<f32>(v + o + k);
      y = epilogue1(y, act);
      store<f32>(out + o + k, y);
    }
  }
}
