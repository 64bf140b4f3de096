// Winograd F(2x2, 3x3) for 3x3, stride-1 convolutions: each 2x2 output tile costs 16
// multiply-adds per channel pair instead of 36. Tiles are taken a panel at a time: the input
// transform writes the panel's 16 matrices V[e] ([tiles, C]), the products M[e] = V[e] U[e]
// ([tiles, F]) are 16 GEMMs by the transformed kernel U ([16, C, F]), and the output transform
// writes the 2x2 tiles (+ bias, activation). A panel's V and M stay in cache; with many tiles
// per panel the GEMMs are large enough for the 4x8 register tile. Needs C and F % 4 == 0.
import { gemm } from './gemm';
import { epilogue } from './conv';

// Tiles per panel (GEMM rows per product).
export const WINOGRAD_PANEL = 64;

// One row of four vectors through B^T (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
// @ts-ignore: decorator
@inline function bt0(d0: v128, d2: v128): v128 { return f32x4.sub(d0, d2); }
// @ts-ignore: decorator
@inline function bt1(d1: v128, d2: v128): v128 { return f32x4.add(d1, d2); }
// @ts-ignore: decorator
@inline function bt2(d1: v128, d2: v128): v128 { return f32x4.sub(d2, d1); }
// @ts-ignore: decorator
@inline function bt3(d1: v128, d3: v128): v128 { return f32x4.sub(d1, d3); }

// Four channels of input pixel (r, s) of an image, or zeros outside it.
// @ts-ignore: decorator
@inline function pixel(img: usize, r: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32): v128 {
  if (<u32>r >= <u32>inH || <u32>s >= <u32>inW) return f32x4.splat(0);
  return v128.load(img + (<usize>((r * inW + s) * C + c) << 2));
}

// The input transform of tiles [t0, t1) into v ([16][rows][C], rows = t1 - t0).
function inputTransform(x: usize, v: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, t0: i32, t1: i32): void {
  const rows = t1 - t0, plane = <usize>(rows * C) << 2;
  for (let t = t0; t < t1; t++) {
    const tw = t % tilesW, th = (t / tilesW) % tilesH, n = t / (tilesW * tilesH);
    const img = x + (<usize>(n * inH * inW * C) << 2);
    const r0 = 2 * th - padTop, s0 = 2 * tw - padLeft;
    const out = v + (<usize>((t - t0) * C) << 2);
    for (let c = 0; c < C; c += 4) {
      // B^T d: four rows (each four pixels), then each row's four values through B.
      let a0 = pixel(img, r0, s0, inH, inW, C, c), a1 = pixel(img, r0, s0 + 1, inH, inW, C, c);
      let a2 = pixel(img, r0, s0 + 2, inH, inW, C, c), a3 = pixel(img, r0, s0 + 3, inH, inW, C, c);
      let b0 = pixel(img, r0 + 1, s0, inH, inW, C, c), b1 = pixel(img, r0 + 1, s0 + 1, inH, inW, C, c);
      let b2 = pixel(img, r0 + 1, s0 + 2, inH, inW, C, c), b3 = pixel(img, r0 + 1, s0 + 3, inH, inW, C, c);
      let e0 = pixel(img, r0 + 2, s0, inH, inW, C, c), e1 = pixel(img, r0 + 2, s0 + 1, inH, inW, C, c);
      let e2 = pixel(img, r0 + 2, s0 + 2, inH, inW, C, c), e3 = pixel(img, r0 + 2, s0 + 3, inH, inW, C, c);
      let g0 = pixel(img, r0 + 3, s0, inH, inW, C, c), g1 = pixel(img, r0 + 3, s0 + 1, inH, inW, C, c);
      let g2 = pixel(img, r0 + 3, s0 + 2, inH, inW, C, c), g3 = pixel(img, r0 + 3, s0 + 3, inH, inW, C, c);
      // Rows of B^T d (row k mixes pixel rows): k0 = a - e, k1 = b + e, k2 = e - b, k3 = b - g.
      const k00 = bt0(a0, e0), k01 = bt0(a1, e1), k02 = bt0(a2, e2), k03 = bt0(a3, e3);
      const k10 = bt1(b0, e0), k11 = bt1(b1, e1), k12 = bt1(b2, e2), k13 = bt1(b3, e3);
      const k20 = bt2(b0, e0), k21 = bt2(b1, e1), k22 = bt2(b2, e2), k23 = bt2(b3, e3);
      const k30 = bt3(b0, g0), k31 = bt3(b1, g1), k32 = bt3(b2, g2), k33 = bt3(b3, g3);
      const o = out + (<usize>c << 2);
      v128.store(o, bt0(k00, k02)); v128.store(o + plane, bt1(k01, k02)); v128.store(o + 2 * plane, bt2(k01, k02)); v128.store(o + 3 * plane, bt3(k01, k03));
      v128.store(o + 4 * plane, bt0(k10, k12)); v128.store(o + 5 * plane, bt1(k11, k12)); v128.store(o + 6 * plane, bt2(k11, k12)); v128.store(o + 7 * plane, bt3(k11, k13));
      v128.store(o + 8 * plane, bt0(k20, k22)); v128.store(o + 9 * plane, bt1(k21, k22)); v128.store(o + 10 * plane, bt2(k21, k22)); v128.store(o + 11 * plane, bt3(k21, k23));
      v128.store(o + 12 * plane, bt0(k30, k32)); v128.store(o + 13 * plane, bt1(k31, k32)); v128.store(o + 14 * plane, bt2(k31, k32)); v128.store(o + 15 * plane, bt3(k31, k33));
    }
  }
}

// The output transform of m ([16][rows][F]) into the 2x2 output tiles of tiles [t0, t1).
function outputTransform(m: usize, bias: usize, out: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, act: i32, t0: i32, t1: i32): void {
  const rows = t1 - t0, plane = <usize>(rows * F) << 2, zero = f32x4.splat(0);
  for (let t = t0; t < t1; t++) {
    const tw = t % tilesW, th = (t / tilesW) % tilesH, n = t / (tilesW * tilesH);
    const oh = 2 * th, ow = 2 * tw;
    const src = m + (<usize>((t - t0) * F) << 2);
    const img = out + (<usize>(n * outH * outW * F) << 2);
    const right = ow + 1 < outW, below = oh + 1 < outH;
    for (let f = 0; f < F; f += 4) {
      const s = src + (<usize>f << 2);
      const m0 = v128.load(s), m1 = v128.load(s + plane), m2 = v128.load(s + 2 * plane), m3 = v128.load(s + 3 * plane);
      const m4 = v128.load(s + 4 * plane), m5 = v128.load(s + 5 * plane), m6 = v128.load(s + 6 * plane), m7 = v128.load(s + 7 * plane);
      const m8 = v128.load(s + 8 * plane), m9 = v128.load(s + 9 * plane), m10 = v128.load(s + 10 * plane), m11 = v128.load(s + 11 * plane);
      const m12 = v128.load(s + 12 * plane), m13 = v128.load(s + 13 * plane), m14 = v128.load(s + 14 * plane), m15 = v128.load(s + 15 * plane);
      // A^T m: row 0 = m_0 + m_1 + m_2, row 1 = m_1 - m_2 - m_3 (rows of four), then A on each.
      const p0 = f32x4.add(f32x4.add(m0, m4), m8), p1 = f32x4.add(f32x4.add(m1, m5), m9);
      const p2 = f32x4.add(f32x4.add(m2, m6), m10), p3 = f32x4.add(f32x4.add(m3, m7), m11);
      const q0 = f32x4.sub(f32x4.sub(m4, m8), m12), q1 = f32x4.sub(f32x4.sub(m5, m9), m13);
      const q2 = f32x4.sub(f32x4.sub(m6, m10), m14), q3 = f32x4.sub(f32x4.sub(m7, m11), m15);
      const b = bias ? v128.load(bias + (<usize>f << 2)) : zero;
      const y00 = f32x4.add(f32x4.add(f32x4.add(p0, p1), p2), b), y01 = f32x4.add(f32x4.sub(f32x4.sub(p1, p2), p3), b);
      const y10 = f32x4.add(f32x4.add(f32x4.add(q0, q1), q2), b), y11 = f32x4.add(f32x4.sub(f32x4.sub(q1, q2), q3), b);
      const d = img + (<usize>((oh * outW + ow) * F + f) << 2), row = <usize>(outW * F) << 2, px = <usize>F << 2;
      v128.store(d, epilogue(y00, act, zero));
      if (right) v128.store(d + px, epilogue(y01, act, zero));
      if (below) {
        v128.store(d + row, epilogue(y10, act, zero));
        if (right) v128.store(d + row + px, epilogue(y11, act, zero));
      }
    }
  }
}

// The convolution of tiles [t0, t1) (of batch * tilesH * tilesW), a panel at a time, with this
// chunk's scratch (16 * WINOGRAD_PANEL * (C + F) floats) at scratch + (t0 / chunk) * that.
// u: the transformed kernel [16][C][F].
export function winogradConv(x: usize, u: usize, bias: usize, out: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, act: i32, chunk: i32, t0: i32, t1: i32): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const v = scratch + (<usize>((t0 / chunk) * 16 * WINOGRAD_PANEL * (C + F)) << 2);
  const m = v + (<usize>(16 * WINOGRAD_PANEL * C) << 2);
  for (let p0 = t0; p0 < t1; p0 += WINOGRAD_PANEL) {
    const p1 = min(t1, p0 + WINOGRAD_PANEL), rows = p1 - p0;
    inputTransform(x, v, inH, inW, C, tilesH, tilesW, padTop, padLeft, p0, p1);
    for (let e = 0; e < 16; e++) {
      gemm(v + (<usize>(e * rows * C) << 2), C, 1, u + (<usize>(e * C * F) << 2), m + (<usize>(e * rows * F) << 2), rows, C, F, 0, 0, rows);
    }
    outputTransform(m, bias, out, outH, outW, F, tilesH, tilesW, act, p0, p1);
  }
}
