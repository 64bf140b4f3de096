// Filter gradient of a 3x3 depthwise convolution at stride 1 or 2 (dilation 1) with one filter
// per channel, read in place (no zero-bordered copy): dW[kh, kw, f] = sum over output pixels
// of x[oh*s - padTop + kh, ow*s - padLeft + kw, f] * dy[oh, ow, f]. For each output row and
// kernel row, one sweep along the input row per four channels. Stride 1: input column j meets
// the gradients of columns j + padLeft - kw, kept in three registers that roll along, so a
// column costs one input load, one gradient load (shared by two kernel rows) and three
// multiply-adds per row. Stride 2: output column ow meets input columns 2ow - padLeft + kw, the
// last of which is the next one's first (kept in a register).
import { madd } from './common';

// Images [n0, n1) into partial dW number n0 / chunk ([9, C]; the caller sums the partials);
// stride s (1 or 2, both ways).
export function dwFilterGrad3x3InPlace(x: usize, dy: usize, partials: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  s: i32, padTop: i32, padLeft: i32, chunk: i32, n0: i32, n1: i32): void {
  const px = <usize>C << 2, C4 = C & ~3;
  // Output columns [lo, hi) read all three of their input columns inside the row (stride 2).
  const lo = min(outW, (padLeft + 1) >> 1), reach = inW - 3 + padLeft;
  const hi = max(lo, reach < 0 ? 0 : min(outW, (reach >> 1) + 1));
  const dw = partials + <usize>(n0 / chunk) * <usize>9 * px;
  memory.fill(dw, 0, 9 * px);
  for (let n = n0; n < n1; n++) {
    const image = x + <usize>(n * inH) * <usize>inW * px, grads = dy + <usize>(n * outH) * <usize>outW * px;
    for (let oh = 0; oh < outH; oh++) {
      const g = grads + <usize>oh * <usize>outW * px;
      // Kernel rows whose input row lies inside the image: in pairs sharing the gradient loads, then alone.
      let kh = 0;
      while (kh < 3) {
        const ih = oh * s - padTop + kh;
        if (ih < 0 || ih >= inH) { kh++; continue; }
        const a = image + <usize>ih * <usize>inW * px;
        const pair = kh < 2 && ih + 1 < inH;
        for (let f = 0; f < C4; f += 4) {
          const fo = <usize>f << 2;
          const b = pair ? a + <usize>inW * px : a, acc = dw + <usize>(3 * kh) * px + fo;
          if (s == 1 && pair) rowSweep(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, px, true);
          else if (s == 1) rowSweep(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, px, false);
          else if (pair) rowSweep2(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, lo, hi, px, true);
          else rowSweep2(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, lo, hi, px, false);
        }
        const end = pair ? kh + 2 : kh + 1;
        for (let f = C4; f < C; f++) {
          const fo = <usize>f << 2;
          for (let k = kh; k < end; k++) {
            const xr = image + <usize>(oh * s - padTop + k) * <usize>inW * px;
            for (let kw = 0; kw < 3; kw++) {
              let sum: f32 = 0;
              for (let ow = 0; ow < outW; ow++) {
                const iw = ow * s - padLeft + kw;
                if (iw >= 0 && iw < inW) sum += load<f32>(xr + <usize>iw * px + fo) * load<f32>(g + <usize>ow * px + fo);
              }
              const p = dw + <usize>(3 * k + kw) * px + fo;
              store<f32>(p, load<f32>(p) + sum);
            }
          }
        }
        kh = end;
      }
    }
  }
}

// Four channels of one or two kernel rows (input rows a and, if two, b; the gradient row g)
// added into their nine-tap partial sums at acc ([3 or 6 taps] x px apart).
// @ts-ignore: decorator
@inline function rowSweep(a: usize, b: usize, g: usize, acc: usize, inW: i32, outW: i32, padLeft: i32, px: usize, two: bool): void {
  const zero = f32x4.splat(0);
  let a0 = v128.load(acc), a1 = v128.load(acc + px), a2 = v128.load(acc + 2 * px);
  let b0 = two ? v128.load(acc + 3 * px) : zero, b1 = two ? v128.load(acc + 4 * px) : zero, b2 = two ? v128.load(acc + 5 * px) : zero;
  // g0, g1, g2: the gradients of output columns j + padLeft, j + padLeft - 1, j + padLeft - 2 (zero outside).
  let g1 = padLeft - 1 >= 0 && padLeft - 1 < outW ? v128.load(g + <usize>(padLeft - 1) * px) : zero;
  let g2 = padLeft - 2 >= 0 && padLeft - 2 < outW ? v128.load(g + <usize>(padLeft - 2) * px) : zero;
  const full = min(inW, max(0, outW - padLeft)); // columns whose g0 lies inside dy
  let j = 0;
  for (; j < full; j++) {
    const g0 = v128.load(g + <usize>(j + padLeft) * px), o = <usize>j * px;
    const xa = v128.load(a + o);
    a0 = madd(xa, g0, a0); a1 = madd(xa, g1, a1); a2 = madd(xa, g2, a2);
    if (two) { const xb = v128.load(b + o); b0 = madd(xb, g0, b0); b1 = madd(xb, g1, b1); b2 = madd(xb, g2, b2); }
    g2 = g1; g1 = g0;
  }
  for (; j < inW; j++) {
    const o = <usize>j * px, xa = v128.load(a + o);
    a1 = madd(xa, g1, a1); a2 = madd(xa, g2, a2);
    if (two) { const xb = v128.load(b + o); b1 = madd(xb, g1, b1); b2 = madd(xb, g2, b2); }
    g2 = g1; g1 = zero;
  }
  v128.store(acc, a0); v128.store(acc + px, a1); v128.store(acc + 2 * px, a2);
  if (two) { v128.store(acc + 3 * px, b0); v128.store(acc + 4 * px, b1); v128.store(acc + 5 * px, b2); }
}

// Stride 2: four channels of one or two kernel rows; output columns [lo, hi) have their three
// input columns inside the row, the others (at most one each side) take the taps inside.
// @ts-ignore: decorator
@inline function rowSweep2(a: usize, b: usize, g: usize, acc: usize, inW: i32, outW: i32, padLeft: i32, lo: i32, hi: i32, px: usize, two: bool): void {
  const zero = f32x4.splat(0);
  let a0 = v128.load(acc), a1 = v128.load(acc + px), a2 = v128.load(acc + 2 * px);
  let b0 = two ? v128.load(acc + 3 * px) : zero, b1 = two ? v128.load(acc + 4 * px) : zero, b2 = two ? v128.load(acc + 5 * px) : zero;
  if (lo < hi) {
    let o = <usize>(2 * lo - padLeft) * px;
    let xa = v128.load(a + o), xb = two ? v128.load(b + o) : zero;
    for (let ow = lo; ow < hi; ow++) {
      const gv = v128.load(g + <usize>ow * px);
      const ya = v128.load(a + o + px), za = v128.load(a + o + 2 * px);
      a0 = madd(xa, gv, a0); a1 = madd(ya, gv, a1); a2 = madd(za, gv, a2);
      xa = za;
      if (two) {
        const yb = v128.load(b + o + px), zb = v128.load(b + o + 2 * px);
        b0 = madd(xb, gv, b0); b1 = madd(yb, gv, b1); b2 = madd(zb, gv, b2);
        xb = zb;
      }
      o += 2 * px;
    }
  }
  for (let ow = 0; ow < outW; ow++) {
    if (ow == lo) ow = hi;
    if (ow >= outW) break;
    const gv = v128.load(g + <usize>ow * px), j = 2 * ow - padLeft;
    for (let kw = 0; kw < 3; kw++) {
      if (j + kw < 0 || j + kw >= inW) continue;
      const o = <usize>(j + kw) * px, xa = v128.load(a + o), xb = two ? v128.load(b + o) : zero;
      if (kw == 0) { a0 = madd(xa, gv, a0); b0 = madd(xb, gv, b0); }
      else if (kw == 1) { a1 = madd(xa, gv, a1); b1 = madd(xb, gv, b1); }
      else { a2 = madd(xa, gv, a2); b2 = madd(xb, gv, b2); }
    }
  }
  v128.store(acc, a0); v128.store(acc + px, a1); v128.store(acc + 2 * px, a2);
  if (two) { v128.store(acc + 3 * px, b0); v128.store(acc + 4 * px, b1); v128.store(acc + 5 * px, b2); }
}
