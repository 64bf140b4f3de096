// Convolution gradients: the filter gradient (im2col + AᵀB panels, or direct on zero-bordered
// image copies), the input gradient (GEMM + col2im panels, or tiles added straight into dx),
// and the filter gradient of one-channel 3x3 first layers, optionally unpooling a 2x2 max
// pooling's gradient on the fly. (At stride 1 the backend computes the input gradient as a
// forward convolution by the flipped kernel instead: see ../index.ts.)
import { PANEL, madd } from './common';
import { gemm, atbBlock } from './gemm';
import { im2colInto, padImage, paddedSize } from './conv';

// Adds rows [row0, row1) of an im2col-shaped gradient (row row0 at `src`) onto dx.
function col2imFrom(src: usize, dx: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, row0: i32, row1: i32): void {
  const c4 = inC & ~3;
  for (let row = row0; row < row1; row++) {
    const ow = row % outW, t = row / outW;
    const oh = t % outH, n = t / outH;
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - padTop + kh * dH;
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - padLeft + kw * dW;
        if (<u32>ih < <u32>inH && <u32>iw < <u32>inW) {
          const dst = dx + (<usize>(((n * inH + ih) * inW + iw) * inC) << 2);
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const o = <usize>ch << 2;
            v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
          }
          for (; ch < inC; ch++) {
            const o = <usize>ch << 2;
            store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
          }
        }
        src += <usize>inC << 2;
      }
    }
  }
}

// --- Fused convolution kernels: im2col and GEMM (or GEMM and col2im) a panel of rows at a
// time, so the column matrix never leaves the cache. `panels` holds one panel per thread;
// a share's thread is its start / chunk.

// Filter gradient: partial dW [K, outC] += im2col(x)^T @ dy over rows [row0, row1), written
// at partials + thread * K * outC floats (the caller sums the partials).
export function convFilterGrad(x: usize, dy: usize, partials: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC, t = row0 / chunk;
  const panel = panels + (<usize>(t * PANEL * K) << 2), dw = partials + (<usize>(t * K * outC) << 2);
  for (let p0 = row0; p0 < row1; p0 += PANEL) {
    const rows = min(PANEL, row1 - p0);
    im2colInto(x, panel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, dH, dW, p0, p0 + rows);
    atbBlock(panel, dy + (<usize>(p0 * outC) << 2), dw, K, outC, rows, p0 == row0);
  }
}

// Input gradient for images [n0, n1): dx = col2im(dy @ W^T), a panel of rows at a time.
// wT is the kernel transposed to [outC, K].
export function convInputGrad(dy: usize, wT: usize, dx: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const K = kH * kW * inC;
  const panel = panels + (<usize>((n0 / chunk) * PANEL * K) << 2);
  const image = <usize>(inH * inW * inC) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const r1 = n1 * outH * outW;
  for (let p0 = n0 * outH * outW; p0 < r1; p0 += PANEL) {
    const rows = min(PANEL, r1 - p0);
    gemm(dy + (<usize>(p0 * outC) << 2), outC, 1, wT, panel, rows, outC, K, 0, 0, rows);
    col2imFrom(panel, dx, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, dH, dW, p0, p0 + rows);
  }
}

// Filter gradient without im2col, for inC % 4 == 0 and outC % 8 == 0: for kernel row kh,
// dW[kh] ([kW*inC, outC]) = sum over pixels of (the pixel's window row) x (its dy row), the
// window row being one contiguous run of the zero-bordered image. Each 4x8 tile of dW[kh]
// stays in registers over all pixels of an image. Images [n0, n1) go into partial dW number
// n0 / chunk (the caller sums the partials).
export function convFilterGradDirect(x: usize, dy: usize, partials: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW), run = kW * inC;
  const slot = n0 / chunk;
  const xp = pads + (<usize>(slot * Hp * Wp * inC) << 2);
  const dw = partials + (<usize>(slot * kH * run * outC) << 2);
  const aStep = <usize>(sW * inC) << 2, kRow = <usize>(Wp * inC) << 2, bStep = <usize>outC << 2;
  for (let n = n0; n < n1; n++) {
    padImage(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, Hp, Wp, padTop, padLeft);
    const pdy = dy + (<usize>(n * outH * outW * outC) << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let t = 0; t < run; t += 4) {
        for (let j = 0; j < outC; j += 8) {
          const pc = dw + (<usize>((kh * run + t) * outC + j) << 2);
          let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
          if (n > n0) {
            c00 = v128.load(pc); c01 = v128.load(pc, 16); c10 = v128.load(pc + bStep); c11 = v128.load(pc + bStep, 16);
            c20 = v128.load(pc + 2 * bStep); c21 = v128.load(pc + 2 * bStep, 16); c30 = v128.load(pc + 3 * bStep); c31 = v128.load(pc + 3 * bStep, 16);
          }
          for (let oh = 0; oh < outH; oh++) {
            // Float t of the kernel row is channel t % inC of tap t / inC, dW pixels per tap.
            let pa = xp + <usize>(oh * sH + kh * dH) * kRow + (<usize>((t / inC) * dW * inC + t % inC) << 2);
            let pb = pdy + (<usize>(oh * outW * outC + j) << 2);
            for (let ow = 0; ow < outW; ow++) {
              const b0 = v128.load(pb), b1 = v128.load(pb, 16);
              const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa, 4);
              const a2 = v128.load32_splat(pa, 8), a3 = v128.load32_splat(pa, 12);
              c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
              c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
              c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
              c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
              pa += aStep;
              pb += bStep;
            }
          }
          v128.store(pc, c00); v128.store(pc, c01, 16); v128.store(pc + bStep, c10); v128.store(pc + bStep, c11, 16);
          v128.store(pc + 2 * bStep, c20); v128.store(pc + 2 * bStep, c21, 16); v128.store(pc + 3 * bStep, c30); v128.store(pc + 3 * bStep, c31, 16);
        }
      }
    }
  }
}

// Input gradient without im2col, for inC % 8 == 0: dx = sum over taps of shift(dy @ W_tap^T).
// Each 4x8 register tile of one tap's product (four output pixels, eight input channels) starts
// from the dx values it adds to and is stored straight back, so no column panel is written
// and read again. Over units [u0, u1) of (image, block of cb input channels), cb a multiple of
// 8: threads split by images, or at batch 1 by channel blocks of one image, so that no two add
// to the same dx value (and each value sums its terms in the same order however it is split).
// wT is the kernel transposed to [outC, K].
export function convInputGradDirect(dy: usize, wT: usize, dx: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, cb: i32, u0: i32, u1: i32): void {
  const blocks = (inC + cb - 1) / cb;
  for (let u = u0; u < u1;) {
    const n = u / blocks, b0 = u - n * blocks, b1 = min(blocks, b0 + u1 - u);
    inputGradChannels(dy, wT, dx, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft, dH, dW, n, b0 * cb, min(inC, b1 * cb));
    u += b1 - b0;
  }
}

// convInputGradDirect's input channels [j0, j1) of image n.
function inputGradChannels(dy: usize, wT: usize, dx: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, n: i32, j0: i32, j1: i32): void {
  const K = kH * kW * inC, HW = outH * outW;
  const image = <usize>(inH * inW * inC) << 2;
  const base = dx + <usize>n * image;
  if (j0 == 0 && j1 == inC) memory.fill(base, 0, image);
  else for (let p = 0; p < inH * inW; p++) memory.fill(base + (<usize>(p * inC + j0) << 2), 0, <usize>(j1 - j0) << 2);
  const bStep = <usize>K << 2, aRow = <usize>outC << 2;
  {
    let r = 0;
    for (; r + 4 <= HW; r += 4) {
      const pa = dy + (<usize>((n * HW + r) * outC) << 2);
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          // Where each of the four pixels' products land in dx (0: in the padding, dropped).
          const t0 = target(base, r, kh, kw, inH, inW, inC, outW, sH, sW, padTop, padLeft, dH, dW);
          const t1 = target(base, r + 1, kh, kw, inH, inW, inC, outW, sH, sW, padTop, padLeft, dH, dW);
          const t2 = target(base, r + 2, kh, kw, inH, inW, inC, outW, sH, sW, padTop, padLeft, dH, dW);
          const t3 = target(base, r + 3, kh, kw, inH, inW, inC, outW, sH, sW, padTop, padLeft, dH, dW);
          if ((t0 | t1 | t2 | t3) == 0) continue;
          const wt = wT + (<usize>((kh * kW + kw) * inC) << 2);
          for (let j = j0; j < j1; j += 8) {
            const o = <usize>j << 2;
            let c00 = acc(t0, o), c01 = acc(t0, o + 16), c10 = acc(t1, o), c11 = acc(t1, o + 16);
            let c20 = acc(t2, o), c21 = acc(t2, o + 16), c30 = acc(t3, o), c31 = acc(t3, o + 16);
            let pb = wt + o, p0 = pa;
            for (let p = 0; p < outC; p++) {
              const b0 = v128.load(pb), b1 = v128.load(pb, 16);
              const a0 = v128.load32_splat(p0), a1 = v128.load32_splat(p0 + aRow);
              const a2 = v128.load32_splat(p0 + 2 * aRow), a3 = v128.load32_splat(p0 + 3 * aRow);
              c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
              c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
              c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
              c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
              pb += bStep;
              p0 += 4;
            }
            if (t0) { v128.store(t0 + o, c00); v128.store(t0 + o, c01, 16); }
            if (t1) { v128.store(t1 + o, c10); v128.store(t1 + o, c11, 16); }
            if (t2) { v128.store(t2 + o, c20); v128.store(t2 + o, c21, 16); }
            if (t3) { v128.store(t3 + o, c30); v128.store(t3 + o, c31, 16); }
          }
        }
      }
    }
    for (; r < HW; r++) {
      const pa = dy + (<usize>((n * HW + r) * outC) << 2);
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          const t = target(base, r, kh, kw, inH, inW, inC, outW, sH, sW, padTop, padLeft, dH, dW);
          if (t == 0) continue;
          const wt = wT + (<usize>((kh * kW + kw) * inC) << 2);
          for (let j = j0; j < j1; j += 4) {
            const o = <usize>j << 2;
            let c = v128.load(t + o), pb = wt + o;
            for (let p = 0; p < outC; p++) { c = madd(v128.load32_splat(pa + (<usize>p << 2)), v128.load(pb), c); pb += bStep; }
            v128.store(t + o, c);
          }
        }
      }
    }
  }
}

// The dx pixel that tap (kh, kw) of output pixel r (of one image) falls on, or 0 in the padding.
// @ts-ignore: decorator
@inline function target(base: usize, r: i32, kh: i32, kw: i32, inH: i32, inW: i32, inC: i32, outW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32,
  dH: i32, dW: i32): usize {
  const ih = (r / outW) * sH - padTop + kh * dH, iw = (r % outW) * sW - padLeft + kw * dW;
  if (<u32>ih >= <u32>inH || <u32>iw >= <u32>inW) return 0;
  return base + (<usize>((ih * inW + iw) * inC) << 2);
}

// An accumulator's start: the four floats at t + o, or zeros for a dropped pixel.
// @ts-ignore: decorator
@inline function acc(t: usize, o: usize): v128 {
  return t ? v128.load(t + o) : f32x4.splat(0);
}

// The filter gradient of a 3x3, stride-1 convolution of a one-channel image (a first layer
// on grayscale pictures), where the im2col GEMM has K = 9 and runs poorly. Images [n0, n1)
// are copied into zero-bordered scratch images (`chunk` per thread), then for every four
// output channels the nine taps' sums stay in registers over all their pixels. Writes
// partial dW [9, outC] at partials + (n0 / chunk) * 9 * outC floats (outC % 4 == 0).
// With argmax != 0 the convolution fed a 2x2 max pooling that tiles its output: dy is then
// the pooling's gradient, and each pixel's gradient is taken from it where that pixel was the
// window's max (the pooling's backward pass, fused: its output is never stored).
export function convFilterGrad3x3C1(x: usize, dy: usize, argmax: usize, partials: usize, pads: usize, inH: i32, inW: i32, outH: i32, outW: i32, outC: i32,
  padTop: i32, padLeft: i32, chunk: i32, n0: i32, n1: i32): void {
  const Hp = outH + 2, Wp = outW + 2;
  const lanes = i32x4(0, 1, 2, 3), pW = outW >> 1, pH = outH >> 1;
  const slot = n0 / chunk;
  const pad = pads + (<usize>(slot * chunk * Hp * Wp) << 2);
  const dw = partials + (<usize>(slot * 9 * outC) << 2);
  const row = <usize>Wp << 2;
  for (let n = n0; n < n1; n++) {
    padImage(x + (<usize>(n * inH * inW) << 2), pad + (<usize>((n - n0) * Hp * Wp) << 2), inH, inW, 1, Hp, Wp, padTop, padLeft);
  }
  for (let c = 0; c < outC; c += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
    for (let n = n0; n < n1; n++) {
      const img = pad + (<usize>((n - n0) * Hp * Wp) << 2);
      if (argmax) {
        // A pooling window at a time: its gradient goes to the pixel argmax names (per lane),
        // and its 4x4 input patch is read once for the four pixels' nine taps.
        for (let ph = 0; ph < pH; ph++) {
          for (let pwi = 0; pwi < pW; pwi++) {
            const at = <usize>(((n * pH + ph) * pW + pwi) * outC + c) << 2;
            const g = v128.load(dy + at), am = v128.load(argmax + at);
            const a = i32x4.add(i32x4.splat(((n * outH + 2 * ph) * outW + 2 * pwi) * outC + c), lanes);
            const g00 = v128.and(g, i32x4.eq(am, a));
            const g01 = v128.and(g, i32x4.eq(am, i32x4.add(a, i32x4.splat(outC))));
            const g10 = v128.and(g, i32x4.eq(am, i32x4.add(a, i32x4.splat(outW * outC))));
            const g11 = v128.and(g, i32x4.eq(am, i32x4.add(a, i32x4.splat((outW + 1) * outC))));
            const p = img + (<usize>(2 * ph * Wp + 2 * pwi) << 2);
            let v = v128.load32_splat(p);
            a0 = madd(v, g00, a0);
            v = v128.load32_splat(p, 4); a1 = madd(v, g00, a1); a0 = madd(v, g01, a0);
            v = v128.load32_splat(p, 8); a2 = madd(v, g00, a2); a1 = madd(v, g01, a1);
            v = v128.load32_splat(p, 12); a2 = madd(v, g01, a2);
            const q = p + row;
            v = v128.load32_splat(q); a3 = madd(v, g00, a3); a0 = madd(v, g10, a0);
            v = v128.load32_splat(q, 4); a4 = madd(v, g00, a4); a3 = madd(v, g01, a3); a1 = madd(v, g10, a1); a0 = madd(v, g11, a0);
            v = v128.load32_splat(q, 8); a5 = madd(v, g00, a5); a4 = madd(v, g01, a4); a2 = madd(v, g10, a2); a1 = madd(v, g11, a1);
            v = v128.load32_splat(q, 12); a5 = madd(v, g01, a5); a2 = madd(v, g11, a2);
            const r = q + row;
            v = v128.load32_splat(r); a6 = madd(v, g00, a6); a3 = madd(v, g10, a3);
            v = v128.load32_splat(r, 4); a7 = madd(v, g00, a7); a6 = madd(v, g01, a6); a4 = madd(v, g10, a4); a3 = madd(v, g11, a3);
            v = v128.load32_splat(r, 8); a8 = madd(v, g00, a8); a7 = madd(v, g01, a7); a5 = madd(v, g10, a5); a4 = madd(v, g11, a4);
            v = v128.load32_splat(r, 12); a8 = madd(v, g01, a8); a5 = madd(v, g11, a5);
            const t = r + row;
            v = v128.load32_splat(t); a6 = madd(v, g10, a6);
            v = v128.load32_splat(t, 4); a7 = madd(v, g10, a7); a6 = madd(v, g11, a6);
            v = v128.load32_splat(t, 8); a8 = madd(v, g10, a8); a7 = madd(v, g11, a7);
            v = v128.load32_splat(t, 12); a8 = madd(v, g11, a8);
          }
        }
        continue;
      }
      let pdy = dy + (<usize>(n * outH * outW * outC + c) << 2);
      for (let oh = 0; oh < outH; oh++) {
        let p = img + (<usize>(oh * Wp) << 2);
        for (let ow = 0; ow < outW; ow++) {
          const g = v128.load(pdy);
          a0 = madd(v128.load32_splat(p), g, a0); a1 = madd(v128.load32_splat(p, 4), g, a1); a2 = madd(v128.load32_splat(p, 8), g, a2);
          a3 = madd(v128.load32_splat(p + row), g, a3); a4 = madd(v128.load32_splat(p + row, 4), g, a4); a5 = madd(v128.load32_splat(p + row, 8), g, a5);
          a6 = madd(v128.load32_splat(p + 2 * row), g, a6); a7 = madd(v128.load32_splat(p + 2 * row, 4), g, a7); a8 = madd(v128.load32_splat(p + 2 * row, 8), g, a8);
          p += 4;
          pdy += <usize>outC << 2;
        }
      }
    }
    const o = dw + (<usize>c << 2), s = <usize>outC << 2;
    v128.store(o, a0); v128.store(o + s, a1); v128.store(o + 2 * s, a2);
    v128.store(o + 3 * s, a3); v128.store(o + 4 * s, a4); v128.store(o + 5 * s, a5);
    v128.store(o + 6 * s, a6); v128.store(o + 7 * s, a7); v128.store(o + 8 * s, a8);
  }
}
