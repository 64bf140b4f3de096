// 3x3 depthwise convolution with one filter per channel (outC == inC), read straight from the
// image (no zero-bordered copy). Each output row is swept in groups of four neighbouring
// outputs, and in each group over all channels, four at a time (so a sweep reads consecutive
// cache lines): each input vector is loaded once per group and multiplied into every output
// of the group it meets, and the outputs whose taps all lie inside the image take no checks.
// Taps above or below the image read a row of zeros; the pixels at the left and right edges
// take the taps inside only. Any stride, dilation and padding >= 0; the kernel is [3, 3, 1, C].
// V8 issues a block's loads first, so the loops keep few vectors live per block: bigger
// unrolled blocks (nine weights in registers, eight outputs) spilled and ran 1.2-1.5x slower.
import { madd } from './common';
import { epilogue, epilogue1 } from './conv';

// Output rows [r0, r1) of the batch*outH rows of all images: out = act(depthwise(x, w) + bias).
// `zeros` holds inW*C zero floats at least.
export function dwConv3x3(x: usize, w: usize, bias: usize, out: usize, zeros: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, r0: i32, r1: i32): void {
  const px = <usize>C << 2, tW = <usize>dW * px, step = <usize>sW * px;
  const C4 = C & ~3;
  // Outputs [lo, hi) of a row have all three column taps inside the image.
  const lo = min(outW, (padLeft + sW - 1) / sW);
  const reach = inW - 1 - 2 * dW + padLeft;
  const hi = max(lo, reach < 0 ? 0 : min(outW, reach / sW + 1));
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r % outH;
    const image = x + <usize>(n * inH) * <usize>inW * px;
    const ih = oh * sH - padTop;
    const row0 = rowAt(image, zeros, ih, inH, inW, px), row1 = rowAt(image, zeros, ih + dH, inH, inW, px), row2 = rowAt(image, zeros, ih + 2 * dH, inH, inW, px);
    const o = out + <usize>r * <usize>outW * px;
    // The interior: groups of four outputs at stride 1 or 2 (dilation 1), the last group of a
    // row moved back to end at hi (its first outputs written twice, alike); one activation per
    // copy of the loop (the epilogue's branch out of it). Otherwise (strides 3+, dilations,
    // rows shorter than a group) one output at a time with the nine weights in registers.
    const first = <usize>(lo * sW - padLeft) * px;
    const grouped = dW == 1 && sW <= 2 && hi - lo >= 4;
    if (grouped) {
      if (act == 0) interior(row0, row1, row2, w, bias, o, px, step, first, lo, hi, sW, C4, 0);
      else if (act == 1) interior(row0, row1, row2, w, bias, o, px, step, first, lo, hi, sW, C4, 1);
      else interior(row0, row1, row2, w, bias, o, px, step, first, lo, hi, sW, C4, 2);
    }
    for (let f = 0; f < C4 && !grouped; f += 4) {
      const fo = <usize>f << 2;
      const b = bias ? v128.load(bias + fo) : f32x4.splat(0);
      const pw = w + fo;
      const w0 = v128.load(pw), w1 = v128.load(pw + px), w2 = v128.load(pw + 2 * px);
      const w3 = v128.load(pw + 3 * px), w4 = v128.load(pw + 4 * px), w5 = v128.load(pw + 5 * px);
      const w6 = v128.load(pw + 6 * px), w7 = v128.load(pw + 7 * px), w8 = v128.load(pw + 8 * px);
      const zero = f32x4.splat(0);
      let a = row0 + first + fo, c = row1 + first + fo, e = row2 + first + fo;
      let d = o + <usize>lo * px + fo;
      for (let ow = lo; ow < hi; ow++) {
        let s0 = madd(v128.load(a), w0, b), t0 = f32x4.mul(v128.load(c), w3), u0 = f32x4.mul(v128.load(e), w6);
        s0 = madd(v128.load(a + tW), w1, s0); t0 = madd(v128.load(c + tW), w4, t0); u0 = madd(v128.load(e + tW), w7, u0);
        s0 = madd(v128.load(a + 2 * tW), w2, s0); t0 = madd(v128.load(c + 2 * tW), w5, t0); u0 = madd(v128.load(e + 2 * tW), w8, u0);
        v128.store(d, epilogue(f32x4.add(s0, f32x4.add(t0, u0)), act, zero));
        a += step; c += step; e += step; d += px;
      }
    }
    if (C4 < C) {
      for (let ow = lo; ow < hi; ow++) {
        const at = <usize>(ow * sW - padLeft) * px;
        singles(row0 + at, row1 + at, row2 + at, w, bias, o + <usize>ow * px, C, C4, tW, px, act, 7);
      }
    }
    for (let ow = 0; ow < outW; ow++) {
      if (ow == lo) ow = hi;
      if (ow >= outW) break;
      border(row0, row1, row2, w, bias, o + <usize>ow * px, C, inW, ow * sW - padLeft, dW, px, act);
    }
  }
}

// Four neighbouring outputs at stride 1 (dilation 1), four channels: per input row three
// weights and six vectors, each loaded once and multiplied into the (up to three) outputs it
// meets. Few enough live vectors that V8 keeps them all in registers (no spills).
// @ts-ignore: decorator
@inline function row4(r0: usize, r1: usize, r2: usize, w: usize, b: v128, d: usize, px: usize, act: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b;
  // The rows by pointer steps (r1 - r0, then r2 - r1: wrapping where one is the zero row), not
  // picked by k: V8 keeps this loop (one block per row, few vectors live: unrolled, it issues
  // all 27 loads first and spills) and picked rows cost it selects and a multiply per row.
  let p = r0, pw = w, step = r1 - r0;
  const step2 = r2 - r1, wStep = 3 * px;
  for (let k = 0; k < 3; k++) {
    const w0 = v128.load(pw), w1 = v128.load(pw + px), w2 = v128.load(pw + 2 * px);
    let v = v128.load(p); a0 = madd(v, w0, a0);
    v = v128.load(p + px); a0 = madd(v, w1, a0); a1 = madd(v, w0, a1);
    v = v128.load(p + 2 * px); a0 = madd(v, w2, a0); a1 = madd(v, w1, a1); a2 = madd(v, w0, a2);
    v = v128.load(p + 3 * px); a1 = madd(v, w2, a1); a2 = madd(v, w1, a2); a3 = madd(v, w0, a3);
    v = v128.load(p + 4 * px); a2 = madd(v, w2, a2); a3 = madd(v, w1, a3);
    v = v128.load(p + 5 * px); a3 = madd(v, w2, a3);
    p += step; step = step2; pw += wStep;
  }
  const zero = f32x4.splat(0);
  v128.store(d, epilogue(a0, act, zero)); v128.store(d + px, epilogue(a1, act, zero));
  v128.store(d + 2 * px, epilogue(a2, act, zero)); v128.store(d + 3 * px, epilogue(a3, act, zero));
}

// Four neighbouring outputs at stride 2 (dilation 1), four channels: nine vectors per input row,
// the even ones shared by two outputs.
// @ts-ignore: decorator
@inline function row4s2(r0: usize, r1: usize, r2: usize, w: usize, b: v128, d: usize, px: usize, act: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b;
  // The rows by pointer steps (r1 - r0, then r2 - r1: wrapping where one is the zero row), not
  // picked by k: V8 keeps this loop (one block per row, few vectors live: unrolled, it issues
  // all 27 loads first and spills) and picked rows cost it selects and a multiply per row.
  let p = r0, pw = w, step = r1 - r0;
  const step2 = r2 - r1, wStep = 3 * px;
  for (let k = 0; k < 3; k++) {
    const w0 = v128.load(pw), w1 = v128.load(pw + px), w2 = v128.load(pw + 2 * px);
    let v = v128.load(p); a0 = madd(v, w0, a0);
    v = v128.load(p + px); a0 = madd(v, w1, a0);
    v = v128.load(p + 2 * px); a0 = madd(v, w2, a0); a1 = madd(v, w0, a1);
    v = v128.load(p + 3 * px); a1 = madd(v, w1, a1);
    v = v128.load(p + 4 * px); a1 = madd(v, w2, a1); a2 = madd(v, w0, a2);
    v = v128.load(p + 5 * px); a2 = madd(v, w1, a2);
    v = v128.load(p + 6 * px); a2 = madd(v, w2, a2); a3 = madd(v, w0, a3);
    v = v128.load(p + 7 * px); a3 = madd(v, w1, a3);
    v = v128.load(p + 8 * px); a3 = madd(v, w2, a3);
    p += step; step = step2; pw += wStep;
  }
  const zero = f32x4.splat(0);
  v128.store(d, epilogue(a0, act, zero)); v128.store(d + px, epilogue(a1, act, zero));
  v128.store(d + 2 * px, epilogue(a2, act, zero)); v128.store(d + 3 * px, epilogue(a3, act, zero));
}

// The grouped interior of one output row, hi - lo >= 4 (act a constant where inlined).
// @ts-ignore: decorator
@inline function interior(row0: usize, row1: usize, row2: usize, w: usize, bias: usize, o: usize, px: usize, step: usize, first: usize, lo: i32, hi: i32, sW: i32, C4: i32, act: i32): void {
  for (let ow = lo; ow < hi; ow += 4) {
    const at = min(ow, hi - 4);
    const p = <usize>(at - lo) * step + first, d = o + <usize>at * px;
    for (let f = 0; f < C4; f += 4) {
      const fo = <usize>f << 2;
      const b = bias ? v128.load(bias + fo) : f32x4.splat(0);
      if (sW == 1) row4(row0 + p + fo, row1 + p + fo, row2 + p + fo, w + fo, b, d + fo, px, act);
      else row4s2(row0 + p + fo, row1 + p + fo, row2 + p + fo, w + fo, b, d + fo, px, act);
    }
  }
}

// Row ih of the image, or the zero row where ih lies outside it.
// @ts-ignore: decorator
@inline function rowAt(image: usize, zeros: usize, ih: i32, inH: i32, inW: i32, px: usize): usize {
  return ih >= 0 && ih < inH ? image + <usize>ih * <usize>inW * px : zeros;
}

// One output pixel whose window's column taps start at column iw (some outside the image):
// the taps inside, for every channel.
function border(row0: usize, row1: usize, row2: usize, w: usize, bias: usize, d: usize, C: i32, inW: i32, iw: i32, dW: i32, px: usize, act: i32): void {
  let mask = 0;
  for (let k = 0; k < 3; k++) { const col = iw + k * dW; if (col >= 0 && col < inW) mask |= 1 << k; }
  const at = <usize>iw * px; // wraps for iw < 0; only taps inside are read
  const tW = <usize>dW * px, C4 = C & ~3, zero = f32x4.splat(0);
  // The usual edges of a 'same' convolution: the first two or the last two column taps.
  if (mask == 6) edge(row0 + at + tW, row1 + at + tW, row2 + at + tW, w + px, bias, d, C4, tW, px, act);
  else if (mask == 3) edge(row0 + at, row1 + at, row2 + at, w, bias, d, C4, tW, px, act);
  else {
    for (let f = 0; f < C4; f += 4) {
      const fo = <usize>f << 2;
      let s = bias ? v128.load(bias + fo) : f32x4.splat(0);
      for (let k = 0; k < 3; k++) {
        if (!(mask & (1 << k))) continue;
        const p = at + <usize>k * tW + fo, pw = w + <usize>k * px + fo;
        s = madd(v128.load(row0 + p), v128.load(pw), s);
        s = madd(v128.load(row1 + p), v128.load(pw + 3 * px), s);
        s = madd(v128.load(row2 + p), v128.load(pw + 6 * px), s);
      }
      v128.store(d + fo, epilogue(s, act, zero));
    }
  }
  singles(row0 + at, row1 + at, row2 + at, w, bias, d, C, C4, tW, px, act, mask);
}

// Channels [0, C4) of one output pixel from two neighbouring column taps (the weights of the
// first at w), six multiply-adds per vector.
function edge(a: usize, c: usize, e: usize, w: usize, bias: usize, d: usize, C4: i32, tW: usize, px: usize, act: i32): void {
  const zero = f32x4.splat(0);
  for (let f = 0; f < C4; f += 4) {
    const fo = <usize>f << 2, pw = w + fo;
    const s0 = madd(v128.load(a + fo), v128.load(pw), bias ? v128.load(bias + fo) : zero);
    const s1 = f32x4.add(f32x4.mul(v128.load(a + tW + fo), v128.load(pw + px)), f32x4.mul(v128.load(c + fo), v128.load(pw + 3 * px)));
    const s2 = f32x4.add(f32x4.mul(v128.load(c + tW + fo), v128.load(pw + 4 * px)), f32x4.mul(v128.load(e + fo), v128.load(pw + 6 * px)));
    v128.store(d + fo, epilogue(f32x4.add(f32x4.add(s0, s1), madd(v128.load(e + tW + fo), v128.load(pw + 7 * px), s2)), act, zero));
  }
}

// Channels [f0, C) of one output pixel, one float at a time, the column taps in `mask`.
function singles(a: usize, c: usize, e: usize, w: usize, bias: usize, d: usize, C: i32, f0: i32, tW: usize, px: usize, act: i32, mask: i32): void {
  for (let f = f0; f < C; f++) {
    const fo = <usize>f << 2;
    let s: f32 = bias ? load<f32>(bias + fo) : 0;
    for (let k = 0; k < 3; k++) {
      if (!(mask & (1 << k))) continue;
      const p = <usize>k * tW + fo, pw = w + <usize>k * px + fo;
      s += load<f32>(a + p) * load<f32>(pw);
      s += load<f32>(c + p) * load<f32>(pw + 3 * px);
      s += load<f32>(e + p) * load<f32>(pw + 6 * px);
    }
    store<f32>(d + fo, epilogue1(s, act));
  }
}

// Input gradient of a 3x3 stride-2 (dilation 1) depthwise convolution, one filter per channel:
// rows [r0, r1) of the batch*inH rows of dx, each pixel gathered from the outputs that read
// it (a split by rows needs no partial sums). Pixel (ih, iw) meets tap kh of output row
// (ih + padTop - kh) / 2 where that is whole: taps 0 and 2 or tap 1 alone, by parity, and
// alike for columns, so a pixel sums 4, 2 or 1 products (2.25 on average). Outputs outside dy
// read `zeros` (outW*C zero floats at least) with their tap's weights, so no pixel branches
// inside its channel loop.
export function dwInputGrad3x3s2(dy: usize, w: usize, dx: usize, zeros: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  padTop: i32, padLeft: i32, r0: i32, r1: i32): void {
  const px = <usize>C << 2, C4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const n = r / inH, ih = r % inH;
    const grads = dy + <usize>(n * outH) * <usize>outW * px;
    const d = dx + <usize>r * <usize>inW * px;
    // The dy rows this row meets (the second, when there is one: tap 2 of the row above).
    const q = ih + padTop, even = (q & 1) == 0;
    const khA = even ? 0 : 1, ohA = (q - khA) >> 1, ohB = ohA - 1;
    const rowA = ohA >= 0 && ohA < outH ? grads + <usize>ohA * <usize>outW * px : zeros;
    const rowB = even && ohB >= 0 && ohB < outH ? grads + <usize>ohB * <usize>outW * px : zeros;
    const wA = w + <usize>(3 * khA) * px, wB = w + <usize>6 * px;
    for (let iw = 0; iw < inW; iw++) {
      const c = iw + padLeft, evenC = (c & 1) == 0;
      const kwA = evenC ? 0 : 1, owA = (c - kwA) >> 1, owB = owA - 1;
      const inA = owA >= 0 && owA < outW, inB = evenC && owB >= 0 && owB < outW;
      // Column offsets in a dy row; an output outside reads the zero row instead.
      const oA = <usize>owA * px, oB = <usize>owB * px;
      const aa = inA ? rowA + oA : zeros, ab = inB ? rowA + oB : zeros;
      const ba = inA && rowB != zeros ? rowB + oA : zeros, bb = inB && rowB != zeros ? rowB + oB : zeros;
      const wAa = wA + <usize>kwA * px, wBa = wB + <usize>kwA * px;
      const o = d + <usize>iw * px;
      if (even && evenC) gather4(aa, ab, ba, bb, wAa, wAa + 2 * px, wBa, wBa + 2 * px, o, C4);
      else if (even) gather2(aa, ba, wAa, wBa, o, C4);
      else if (evenC) gather2(aa, ab, wAa, wAa + 2 * px, o, C4);
      else gather1(aa, wAa, o, C4);
      for (let f = C4; f < C; f++) {
        const fo = <usize>f << 2;
        let s: f32 = load<f32>(aa + fo) * load<f32>(wAa + fo);
        if (evenC) s += load<f32>(ab + fo) * load<f32>(wAa + 2 * px + fo);
        if (even) {
          s += load<f32>(ba + fo) * load<f32>(wBa + fo);
          if (evenC) s += load<f32>(bb + fo) * load<f32>(wBa + 2 * px + fo);
        }
        store<f32>(o + fo, s);
      }
    }
  }
}

// d[f] = sum of the products g_i[f] * w_i[f] over channels [0, C4), for 4, 2 or 1 pairs.
function gather4(g0: usize, g1: usize, g2: usize, g3: usize, w0: usize, w1: usize, w2: usize, w3: usize, d: usize, C4: i32): void {
  for (let o: usize = 0; o < (<usize>C4 << 2); o += 16) {
    const s = f32x4.add(f32x4.mul(v128.load(g0 + o), v128.load(w0 + o)), f32x4.mul(v128.load(g1 + o), v128.load(w1 + o)));
    v128.store(d + o, f32x4.add(s, f32x4.add(f32x4.mul(v128.load(g2 + o), v128.load(w2 + o)), f32x4.mul(v128.load(g3 + o), v128.load(w3 + o)))));
  }
}
function gather2(g0: usize, g1: usize, w0: usize, w1: usize, d: usize, C4: i32): void {
  for (let o: usize = 0; o < (<usize>C4 << 2); o += 16) {
    v128.store(d + o, f32x4.add(f32x4.mul(v128.load(g0 + o), v128.load(w0 + o)), f32x4.mul(v128.load(g1 + o), v128.load(w1 + o))));
  }
}
function gather1(g0: usize, w0: usize, d: usize, C4: i32): void {
  for (let o: usize = 0; o < (<usize>C4 << 2); o += 16) v128.store(d + o, f32x4.mul(v128.load(g0 + o), v128.load(w0 + o)));
}
