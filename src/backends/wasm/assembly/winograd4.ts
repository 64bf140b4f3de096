// Winograd F(4x4, 3x3) for 3x3, stride-1 convolutions: each 4x4 output tile costs 36
// multiply-adds per channel pair instead of 144 (F(2x2): 64 for the same outputs). Points
// 0, 1, -1, 1/2, -2 (and infinity) rather than the usual 0, +-1, +-2: in a float32
// simulation at 128 input channels they had a third of the usual points' worst error
// (6e-5 against 1.8e-4 relative), for a few more additions in the transforms
// (test/winograd4.test.ts prints the kernel's error next to the direct one's). A panel of tiles at a time: the input transform
// writes the panel's 36 matrices V[e] ([rows, C]), the 36 GEMMs M[e] = V[e] U[e] ([rows, F])
// use the 4x8 register tile, and the output transform writes the 4x4 tiles (+ bias, + an
// optional residual, activation). Needs C and F % 4 == 0.
import { gemm } from './gemm';
import { epilogue } from './conv';

// Floats of per-chunk scratch for the transforms' intermediates: the input's 6x6 (36 vectors
// of four channels), or the output's 4x6 and 4x4 (40).
export const WINOGRAD4_TMP = 160;

// B^T applied to six vectors (one column or row of a 6x6 input block), written to dst at
// `step`-byte intervals: rows (1, -3/2, -2, 3/2, 1, 0), (0, -1, 1/2, 5/2, 1, 0),
// (0, 1, -5/2, 1/2, 1, 0), (0, -2, -1, 2, 1, 0), (0, 1/2, -1, -1/2, 1, 0), (0, 1, -3/2, -2, 3/2, 1)
// (points 0, 1, -1, 1/2, -2), with c = d4 - d2 and q = d3 - d1 shared.
// @ts-ignore: decorator
@inline function bt(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, step: usize): void {
  const half = f32x4.splat(0.5), two = f32x4.splat(2), threeHalves = f32x4.splat(1.5), fiveHalves = f32x4.splat(2.5);
  const c = f32x4.sub(d4, d2), q = f32x4.sub(d3, d1);
  v128.store(dst, f32x4.add(f32x4.add(f32x4.sub(d0, d2), c), f32x4.mul(threeHalves, q)));
  v128.store(dst + step, f32x4.add(f32x4.sub(d4, d1), f32x4.add(f32x4.mul(half, d2), f32x4.mul(fiveHalves, d3))));
  v128.store(dst + 2 * step, f32x4.add(f32x4.add(d4, d1), f32x4.sub(f32x4.mul(half, d3), f32x4.mul(fiveHalves, d2))));
  v128.store(dst + 3 * step, f32x4.add(c, f32x4.mul(two, q)));
  v128.store(dst + 4 * step, f32x4.sub(c, f32x4.mul(half, q)));
  v128.store(dst + 5 * step, f32x4.add(f32x4.sub(f32x4.add(d5, d1), f32x4.mul(two, d3)), f32x4.mul(threeHalves, c)));
}

// Four channels of input pixel (r, s) of an image, zeros outside it (checked unless inside).
// @ts-ignore: decorator
@inline function pixel(img: usize, r: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32, inside: bool): v128 {
  if (!inside && (<u32>r >= <u32>inH || <u32>s >= <u32>inW)) return f32x4.splat(0);
  return v128.load(img + (<usize>((r * inW + s) * C + c) << 2));
}

// The input transform V = B^T d B of tiles [t0, t1) into v ([36][rows][C], rows = t1 - t0),
// through tmp (36 vectors): B^T down each of the block's six columns, then along each row.
function inputTransform(x: usize, v: usize, tmp: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, t0: i32, t1: i32): void {
  const plane = <usize>((t1 - t0) * C) << 2;
  for (let t = t0; t < t1; t++) {
    const tw = t % tilesW, th = (t / tilesW) % tilesH, n = t / (tilesW * tilesH);
    const img = x + (<usize>(n * inH * inW * C) << 2);
    const r0 = 4 * th - padTop, s0 = 4 * tw - padLeft;
    const inside = r0 >= 0 && s0 >= 0 && r0 + 6 <= inH && s0 + 6 <= inW;
    const out = v + (<usize>((t - t0) * C) << 2);
    for (let c = 0; c < C; c += 4) {
      for (let j = 0; j < 6; j++) {
        const s = s0 + j;
        bt(pixel(img, r0, s, inH, inW, C, c, inside), pixel(img, r0 + 1, s, inH, inW, C, c, inside), pixel(img, r0 + 2, s, inH, inW, C, c, inside),
          pixel(img, r0 + 3, s, inH, inW, C, c, inside), pixel(img, r0 + 4, s, inH, inW, C, c, inside), pixel(img, r0 + 5, s, inH, inW, C, c, inside),
          tmp + (<usize>j << 4), 96); // tmp[i][j] at (i * 6 + j) * 16 bytes
      }
      const o = out + (<usize>c << 2);
      for (let i = 0; i < 6; i++) {
        const row = tmp + <usize>(i * 96);
        bt(v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80), o + <usize>(6 * i) * plane, plane);
      }
    }
  }
}

// A^T applied to six vectors: rows (1, 1, 1, 1, 1, 0), (0, 1, -1, 1/2, -2, 0),
// (0, 1, 1, 1/4, 4, 0), (0, 1, -1, 1/8, -8, 1), written to dst at `step`-byte intervals.
// @ts-ignore: decorator
@inline function atRow(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, step: usize): void {
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), f32x4.add(m3, m4)));
  v128.store(dst + step, f32x4.add(d12, f32x4.sub(f32x4.mul(f32x4.splat(0.5), m3), f32x4.mul(f32x4.splat(2), m4))));
  v128.store(dst + 2 * step, f32x4.add(s12, f32x4.add(f32x4.mul(f32x4.splat(0.25), m3), f32x4.mul(f32x4.splat(4), m4))));
  v128.store(dst + 3 * step, f32x4.add(f32x4.add(d12, f32x4.sub(f32x4.mul(f32x4.splat(0.125), m3), f32x4.mul(f32x4.splat(8), m4))), m5));
}

// The output transform Y = A^T m A of m ([36][rows][F]) into the 4x4 output tiles of tiles
// [t0, t1), through tmp: A^T down each of the six columns (4 x 6 values), then along the
// four rows into y (4 x 4), + bias, + the residual image (res != 0), activation act; the
// pixels past outH / outW (edge tiles) are not written.
function outputTransform(m: usize, tmp: usize, bias: usize, res: usize, out: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, act: i32, t0: i32, t1: i32): void {
  const plane = <usize>((t1 - t0) * F) << 2, zero = f32x4.splat(0);
  const y = tmp + 96 * 4; // the 4 x 4 results after tmp's 4 x 6
  for (let t = t0; t < t1; t++) {
    const tw = t % tilesW, th = (t / tilesW) % tilesH, n = t / (tilesW * tilesH);
    const oh = 4 * th, ow = 4 * tw, rowsOut = min(4, outH - oh), colsOut = min(4, outW - ow);
    const src = m + (<usize>((t - t0) * F) << 2);
    const at = (<usize>((n * outH + oh) * outW + ow) * F) << 2, rowBytes = <usize>(outW * F) << 2, px = <usize>F << 2;
    for (let f = 0; f < F; f += 4) {
      const s = src + (<usize>f << 2);
      for (let j = 0; j < 6; j++) {
        const c = s + <usize>j * plane;
        atRow(v128.load(c), v128.load(c + 6 * plane), v128.load(c + 12 * plane), v128.load(c + 18 * plane), v128.load(c + 24 * plane), v128.load(c + 30 * plane),
          tmp + (<usize>j << 4), 96); // tmp[i][j] at (i * 6 + j) * 16 bytes
      }
      for (let i = 0; i < 4; i++) {
        const row = tmp + <usize>(i * 96);
        atRow(v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80), y + <usize>(i * 64), 16);
      }
      const b = bias ? v128.load(bias + (<usize>f << 2)) : zero;
      const d = at + (<usize>f << 2);
      for (let i = 0; i < rowsOut; i++) {
        for (let k = 0; k < colsOut; k++) {
          const o = d + <usize>i * rowBytes + <usize>k * px;
          let val = f32x4.add(v128.load(y + <usize>(i * 64 + k * 16)), b);
          if (res) val = f32x4.add(val, v128.load(res + o));
          v128.store(out + o, epilogue(val, act, zero));
        }
      }
    }
  }
}

// The convolution of tiles [t0, t1) (of batch * tilesH * tilesW), `panel` tiles at a time,
// with this chunk's scratch (36 * panel * (C + F) + WINOGRAD4_TMP floats) at
// scratch + (t0 / chunk) * that. u: the transformed kernel [36][C][F]; res: a residual
// image added before the activation (0: none).
export function winograd4Conv(x: usize, u: usize, bias: usize, res: usize, out: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, act: i32, panel: i32, chunk: i32, t0: i32, t1: i32): void {
  const tilesH = (outH + 3) >> 2, tilesW = (outW + 3) >> 2;
  const v = scratch + (<usize>((t0 / chunk) * (36 * panel * (C + F) + WINOGRAD4_TMP)) << 2);
  const m = v + (<usize>(36 * panel * C) << 2), tmp = m + (<usize>(36 * panel * F) << 2);
  for (let p0 = t0; p0 < t1; p0 += panel) {
    const p1 = min(t1, p0 + panel), rows = p1 - p0;
    inputTransform(x, v, tmp, inH, inW, C, tilesH, tilesW, padTop, padLeft, p0, p1);
    for (let e = 0; e < 36; e++) {
      gemm(v + (<usize>(e * rows * C) << 2), C, 1, u + (<usize>(e * C * F) << 2), m + (<usize>(e * rows * F) << 2), rows, C, F, 0, 0, rows);
    }
    outputTransform(m, tmp, bias, res, out, outH, outW, F, tilesH, tilesW, act, p0, p1);
  }
}

// The kernel transform U = G g G^T ([36, C, F] from the [3, 3, C, F] kernel) for columns
// [k0, k1) of the C * F channel pairs, four at a time (C * F % 4 == 0). G's rows: (1, 0, 0),
// (1, 1, 1)/3, -(1, -1, 1)/3, -(16, 8, 4)/15, (1, -2, 4)/15, (0, 0, 1).
// @ts-ignore: decorator
@inline function gRow(g0: v128, g1: v128, g2: v128, dst: usize, step: usize): void {
  const third = f32x4.splat(<f32>(1.0 / 3)), fifteenth = f32x4.splat(<f32>(1.0 / 15)), two = f32x4.splat(2), four = f32x4.splat(4);
  const s = f32x4.add(g0, g2);
  v128.store(dst, g0);
  v128.store(dst + step, f32x4.mul(f32x4.add(s, g1), third));
  v128.store(dst + 2 * step, f32x4.mul(f32x4.sub(g1, s), third));
  v128.store(dst + 3 * step, f32x4.neg(f32x4.mul(f32x4.mul(four, f32x4.add(f32x4.mul(four, g0), f32x4.add(f32x4.mul(two, g1), g2))), fifteenth)));
  v128.store(dst + 4 * step, f32x4.mul(f32x4.add(f32x4.sub(g0, f32x4.mul(two, g1)), f32x4.mul(four, g2)), fifteenth));
  v128.store(dst + 5 * step, g2);
}

// @ts-ignore: decorator
@inline function tap(g: usize, t: i32, CF: i32, k: i32): v128 { return v128.load(g + (<usize>(t * CF + k) << 2)); }

// tmp: this chunk's 18 vectors of scratch (at tmp + (k0 / chunk) * 72 floats).
export function winograd4Weights(g: usize, u: usize, tmp: usize, CF: i32, chunk: i32, k0: i32, k1: i32): void {
  const t = tmp + (<usize>((k0 / chunk) * 72) << 2), plane = <usize>CF << 2;
  for (let k = k0; k < k1; k += 4) {
    // G down each of the kernel's three columns: t[i][j] at (i * 3 + j) * 16 bytes.
    for (let j = 0; j < 3; j++) gRow(tap(g, j, CF, k), tap(g, 3 + j, CF, k), tap(g, 6 + j, CF, k), t + (<usize>j << 4), 48);
    // Then along each of the six rows: U[i * 6 + l].
    const o = u + (<usize>k << 2);
    for (let i = 0; i < 6; i++) {
      const row = t + <usize>(i * 48);
      gRow(v128.load(row), v128.load(row, 16), v128.load(row, 32), o + <usize>(6 * i) * plane, plane);
    }
  }
}
