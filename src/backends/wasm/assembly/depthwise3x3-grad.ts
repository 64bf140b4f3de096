// Filter gradient of a 3x3 depthwise convolution at stride 1 or 2 (dilation 1) with one filter
// per channel, read in place (no zero-bordered copy): dW[kh, kw, f] = sum over output pixels
// of x[oh*s - padTop + kh, ow*s - padLeft + kw, f] * dy[oh, ow, f], each product one the
// reference has (the row ends add none with a missing output, so infinities land as there).
// For each output row and kernel row, one sweep along the input row per four channels, two
// kernel rows at once where both lie inside the image (their sums share the gradient loads).
// Stride 1: input column j meets the gradients of columns j + padLeft - kw, kept in three
// registers that roll along. Stride 2: output column ow meets input columns 2ow - padLeft +
// kw, the last of which is the next one's first (kept in a register). On rows of 8 KiB and
// more the next output row's data is first read once in address order: in a step the arrays
// come from memory, and the quads' strided sweeps waited on each line. (A sweep of all three
// kernel rows, nine sums in registers, measured no faster than the pairs with the read-ahead.)
import { madd } from './common';

// Images [n0, n1) into partial dW number n0 / chunk ([9, C]; the caller sums the partials);
// stride s (1 or 2, both ways).
// readAhead: 1 to read the next row's data in address order first, 0 not.
export function dwFilterGrad3x3InPlace(x: usize, dy: usize, partials: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  s: i32, padTop: i32, padLeft: i32, readAhead: i32, chunk: i32, n0: i32, n1: i32): void {
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
      const ih = oh * s - padTop;
      if (readAhead) {
        // The next output row's new input rows and its gradient row, one load per cache line in
        // address order: a sequential read that the prefetchers follow, where the quads' sweeps
        // read a row from memory in C / 16 strided passes.
        const rowBytes = <usize>inW * px;
        const first = max(ih + 3, 0), last = min(ih + s + 3, inH);
        if (first < last) touch(image + <usize>first * rowBytes, <usize>(last - first) * rowBytes);
        if (oh + 1 < outH) touch(g + <usize>outW * px, <usize>outW * px);
        else if (n + 1 < n1) {
          // The next image's first output row: its input rows inside the image and its gradient row.
          const rows = min(inH, max(0, 3 - padTop));
          touch(image + <usize>inH * rowBytes, <usize>rows * rowBytes);
          touch(grads + <usize>outH * <usize>outW * px, <usize>outW * px);
        }
      }
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
          if (s == 1) pairSweep1(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, px, pair ? 2 : 1);
          else if (pair) rowSweep2(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, lo, hi, px, true);
          else rowSweep2(a + fo, b + fo, g + fo, acc, inW, outW, padLeft, lo, hi, px, false);
        }
        const end = pair ? kh + 2 : kh + 1;
        tailChannels(image, g, dw, oh, s, padTop, padLeft, kh, end, inW, outW, px, C4, C);
        kh = end;
      }
    }
  }
}

// Stride 1: four channels of one or two kernel rows (input rows a and b) for the gradient row
// g, their taps' sums at acc: sweep1 on two rows or one.
function pairSweep1(a: usize, b: usize, g: usize, acc: usize, inW: i32, outW: i32, padLeft: i32, px: usize, rows: i32): void {
  if (rows < 0) return pairSweep1(a, b, g, acc, inW, outW, padLeft, px, -rows); // never taken: a second call site keeps it out of line
  if (rows == 2) sweep1(a, b, g, acc, inW, outW, padLeft, px, true);
  else sweep1(a, a, g, acc, inW, outW, padLeft, px, false);
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

// Where touch() leaves the bits it read (so the loads stay).
let touched: i32 = 0;

// One 4-byte load per 64-byte line of [p, p + bytes).
function touch(p: usize, bytes: usize): void {
  let t = touched;
  for (let o: usize = 0; o < bytes; o += 64) t ^= load<i32>(p + o);
  touched = t;
}

// Channels [C4, C) of kernel rows [k0, k1) for output row oh, one float at a time.
function tailChannels(image: usize, g: usize, dw: usize, oh: i32, s: i32, padTop: i32, padLeft: i32, k0: i32, k1: i32, inW: i32, outW: i32, px: usize, C4: i32, C: i32): void {
  for (let f = C4; f < C; f++) {
    const fo = <usize>f << 2;
    for (let k = k0; k < k1; k++) {
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
}

// Stride 1: input column j meets output columns j + padLeft - kw (tap kw) inside dy; the
// columns that meet all three roll their gradients in registers (g0, g1, g2), the few at the
// row's ends add only the taps whose output exists (as the reference: no product with a
// missing output, so infinities stay where they are).
// @ts-ignore: decorator
@inline function sweep1(xa: usize, xb: usize, g: usize, acc: usize, inW: i32, outW: i32, padLeft: i32, px: usize, two: bool): void {
  let a0 = v128.load(acc), a1 = v128.load(acc + px), a2 = v128.load(acc + 2 * px);
  let b0 = a0, b1 = a0, b2 = a0;
  if (two) { b0 = v128.load(acc + 3 * px); b1 = v128.load(acc + 4 * px); b2 = v128.load(acc + 5 * px); }
  // Columns [mid0, mid1) meet all three outputs.
  const mid0 = min(inW, max(0, 2 - padLeft)), mid1 = max(mid0, min(inW, outW - padLeft));
  for (let j = 0; j < inW; j++) {
    if (j == mid0 && mid0 < mid1) {
      let g1 = v128.load(g + <usize>(j + padLeft - 1) * px), g2 = v128.load(g + <usize>(j + padLeft - 2) * px);
      let pg = g + <usize>(j + padLeft) * px, o = <usize>j * px;
      const end = <usize>mid1 * px;
      for (; o < end; o += px) {
        const g0 = v128.load(pg);
        let v = v128.load(xa + o);
        a0 = madd(v, g0, a0); a1 = madd(v, g1, a1); a2 = madd(v, g2, a2);
        if (two) { v = v128.load(xb + o); b0 = madd(v, g0, b0); b1 = madd(v, g1, b1); b2 = madd(v, g2, b2); }
        g2 = g1; g1 = g0; pg += px;
      }
      j = mid1 - 1;
      continue;
    }
    const o = <usize>j * px, va = v128.load(xa + o), vb = two ? v128.load(xb + o) : va;
    const ow = j + padLeft;
    if (ow < outW) { const gv = v128.load(g + <usize>ow * px); a0 = madd(va, gv, a0); b0 = madd(vb, gv, b0); }
    if (ow >= 1 && ow - 1 < outW) { const gv = v128.load(g + <usize>(ow - 1) * px); a1 = madd(va, gv, a1); b1 = madd(vb, gv, b1); }
    if (ow >= 2 && ow - 2 < outW) { const gv = v128.load(g + <usize>(ow - 2) * px); a2 = madd(va, gv, a2); b2 = madd(vb, gv, b2); }
  }
  v128.store(acc, a0); v128.store(acc + px, a1); v128.store(acc + 2 * px, a2);
  if (two) { v128.store(acc + 3 * px, b0); v128.store(acc + 4 * px, b1); v128.store(acc + 5 * px, b2); }
}
