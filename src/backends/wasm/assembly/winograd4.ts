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
import { gemmWide } from './gemm-wide';
import { epilogue } from './conv';
import { copyFloats, zeroFloats } from './common';

// Floats of per-chunk scratch for the transforms' intermediates besides the input's 6x6 blocks
// (36 * C floats: 36 vectors per four channels): the output's 4x6 and 4x4 (40 vectors).
export const WINOGRAD4_TMP = 160;

// Floats between consecutive matrices V[e] (and M[e]): without them, rows * C floats apart
// is often a multiple of 4 KB, and the 36 matrices a transform reads or writes together
// would fall in one set of the 8-way L1 cache.
export const WINOGRAD4_SKEW = 16;

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

// Four channels of input pixel (r, s) of an image, zeros outside it.
// @ts-ignore: decorator
@inline function pixel(img: usize, r: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32): v128 {
  if (<u32>r >= <u32>inH || <u32>s >= <u32>inW) return f32x4.splat(0);
  return v128.load(img + (<usize>((r * inW + s) * C + c) << 2));
}

// B^T down column s of a block hanging over the image's border, into tmp column j.
// @ts-ignore: decorator
@inline function edgeColumn(img: usize, r0: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32, dst: usize): void {
  bt(pixel(img, r0, s, inH, inW, C, c), pixel(img, r0 + 1, s, inH, inW, C, c), pixel(img, r0 + 2, s, inH, inW, C, c),
    pixel(img, r0 + 3, s, inH, inW, C, c), pixel(img, r0 + 4, s, inH, inW, C, c), pixel(img, r0 + 5, s, inH, inW, C, c), dst, 96);
}

// B^T down the column of six pixels at p (rs bytes apart) inside the image, into tmp column j.
// @ts-ignore: decorator
@inline function column(p: usize, rs: usize, dst: usize): void {
  bt(v128.load(p), v128.load(p + rs), v128.load(p + 2 * rs), v128.load(p + 3 * rs), v128.load(p + 4 * rs), v128.load(p + 5 * rs), dst, 96);
}

// B^T along row i of tmp, into V[6i .. 6i + 5] (at o, plane bytes apart): the row's six
// vectors at row + j0 .. j5 (its columns in the order of the block's).
// @ts-ignore: decorator
@inline function row6(row: usize, o: usize, plane: usize, j0: usize, j1: usize, j2: usize, j3: usize, j4: usize, j5: usize): void {
  bt(v128.load(row + j0), v128.load(row + j1), v128.load(row + j2), v128.load(row + j3), v128.load(row + j4), v128.load(row + j5), o, plane);
}

// The row pass over a block's six rows in tmp, its column j at byte offset jj (constants at
// each call: the three rotations of the column slots).
// @ts-ignore: decorator
@inline function rows(tmp: usize, o: usize, plane: usize, j0: usize, j1: usize, j2: usize, j3: usize, j4: usize, j5: usize): void {
  row6(tmp, o, plane, j0, j1, j2, j3, j4, j5); row6(tmp + 96, o + 6 * plane, plane, j0, j1, j2, j3, j4, j5);
  row6(tmp + 192, o + 12 * plane, plane, j0, j1, j2, j3, j4, j5); row6(tmp + 288, o + 18 * plane, plane, j0, j1, j2, j3, j4, j5);
  row6(tmp + 384, o + 24 * plane, plane, j0, j1, j2, j3, j4, j5); row6(tmp + 480, o + 30 * plane, plane, j0, j1, j2, j3, j4, j5);
}

// The 6x6 block at (r0, s0) of the image at img into blk ([6][6][C] floats), zeros where it
// hangs over the border: rows and runs of columns copied whole, so that an edge tile's
// transform is the inside one's (the same values, none of edgeColumn's per-pixel tests).
function gatherBlock(img: usize, r0: i32, s0: i32, inH: i32, inW: i32, C: i32, blk: usize): void {
  const px = <usize>C << 2, row = 6 * px;
  const c0 = max(0, -s0), c1 = min(6, inW - s0); // the block's columns inside the image: [c0, c1)
  for (let i = 0; i < 6; i++) {
    const d = blk + <usize>i * row, r = r0 + i;
    if (r < 0 || r >= inH || c1 <= c0) { zeroFloats(d, row); continue; }
    if (c0 > 0) zeroFloats(d, <usize>c0 * px);
    copyFloats(d + <usize>c0 * px, img + (<usize>((r * inW + s0 + c0) * C) << 2), <usize>(c1 - c0) * px);
    if (c1 < 6) zeroFloats(d + <usize>c1 * px, <usize>(6 - c1) * px);
  }
}

// The input transform V = B^T d B of tiles [t0, t1) into v ([36][rows][C], rows = t1 - t0,
// planes rows * C + WINOGRAD4_SKEW floats apart) through tmp (36 vectors per four channels,
// 36 * C floats: tmp[i][slot] at (6i + slot) * 16 bytes): B^T down each of the block's six
// columns, then along each row. Blocks inside the image load without bounds checks. With
// `reuse`, a tile right of the previous one (same image and tile row) takes that tile's last
// two columns as its first two (6x6 blocks 4 apart overlap by two columns): their slots
// rotate by four, and four columns of six are computed (the same values: bit-identical).
// (Unrolled: V8 keeps the offsets constant.)
export function inputTransform(x: usize, v: usize, tmp: usize, blk: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, reuse: bool, gather: bool, t0: i32, t1: i32): void {
  const plane = <usize>((t1 - t0) * C + WINOGRAD4_SKEW) << 2, px = <usize>C << 2, rs = <usize>(inW * C) << 2, blkRs = 6 * px;
  // The tile's column, row and image, stepped along (no divisions per tile).
  let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
  let base = 0; // the slot of the block's column 0 (0, 4 or 2)
  for (let t = t0; t < t1; t++, tw++) {
    if (tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    const next = reuse && t > t0 && tw > 0; // the previous tile is this one's left neighbour
    base = next ? (base == 0 ? 4 : base - 2) : 0;
    const k0 = <usize>base << 4, k1 = <usize>((base + 1) % 6) << 4, k2 = <usize>((base + 2) % 6) << 4;
    const k3 = <usize>((base + 3) % 6) << 4, k4 = <usize>((base + 4) % 6) << 4, k5 = <usize>((base + 5) % 6) << 4;
    const img = x + (<usize>(n * inH * inW * C) << 2);
    const r0 = 4 * th - padTop, s0 = 4 * tw - padLeft;
    const inside = r0 >= 0 && s0 >= 0 && r0 + 6 <= inH && s0 + 6 <= inW;
    if (!inside && gather) gatherBlock(img, r0, s0, inH, inW, C, blk);
    // Where the block's pixels are read: the image, or the gathered copy of an edge block.
    const from = inside ? img + (<usize>((r0 * inW + s0) * C) << 2) : blk, step = inside ? rs : blkRs;
    const out = v + (<usize>((t - t0) * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const tg = tmp + <usize>c * 144; // this group's 36 vectors
      if (inside || gather) {
        const p = from + (<usize>c << 2);
        if (!next) { column(p, step, tg + k0); column(p + px, step, tg + k1); }
        column(p + 2 * px, step, tg + k2); column(p + 3 * px, step, tg + k3);
        column(p + 4 * px, step, tg + k4); column(p + 5 * px, step, tg + k5);
      } else {
        if (!next) { edgeColumn(img, r0, s0, inH, inW, C, c, tg + k0); edgeColumn(img, r0, s0 + 1, inH, inW, C, c, tg + k1); }
        edgeColumn(img, r0, s0 + 2, inH, inW, C, c, tg + k2); edgeColumn(img, r0, s0 + 3, inH, inW, C, c, tg + k3);
        edgeColumn(img, r0, s0 + 4, inH, inW, C, c, tg + k4); edgeColumn(img, r0, s0 + 5, inH, inW, C, c, tg + k5);
      }
      const o = out + (<usize>c << 2);
      if (base == 0) rows(tg, o, plane, 0, 16, 32, 48, 64, 80);
      else if (base == 4) rows(tg, o, plane, 64, 80, 0, 16, 32, 48);
      else rows(tg, o, plane, 32, 48, 64, 80, 0, 16);
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

// A^T down column j of a tile's 6x6 M (at c, plane bytes apart), into tmp column j (4 x 6).
// @ts-ignore: decorator
@inline function atColumn(c: usize, plane: usize, dst: usize): void {
  atRow(v128.load(c), v128.load(c + plane), v128.load(c + 2 * plane), v128.load(c + 3 * plane), v128.load(c + 4 * plane), v128.load(c + 5 * plane), dst, 96);
}

// One output vector: + b, + the residual at the same offset (res != 0), the activation.
// @ts-ignore: decorator
@inline function finish(v: v128, b: v128, res: usize, o: usize, act: i32): v128 {
  let y = f32x4.add(v, b);
  if (res) y = f32x4.add(y, v128.load(res + o));
  return epilogue(y, act, f32x4.splat(0));
}

// A^T along row i of tmp (six vectors at row), then finish, stored at out + o (px bytes apart).
// @ts-ignore: decorator
@inline function outRow(row: usize, out: usize, res: usize, o: usize, px: usize, b: v128, act: i32): void {
  const m0 = v128.load(row), m1 = v128.load(row, 16), m2 = v128.load(row, 32), m3 = v128.load(row, 48), m4 = v128.load(row, 64), m5 = v128.load(row, 80);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  v128.store(out + o, finish(f32x4.add(f32x4.add(m0, s12), f32x4.add(m3, m4)), b, res, o, act));
  v128.store(out + o + px, finish(f32x4.add(d12, f32x4.sub(f32x4.mul(f32x4.splat(0.5), m3), f32x4.mul(f32x4.splat(2), m4))), b, res, o + px, act));
  v128.store(out + o + 2 * px, finish(f32x4.add(s12, f32x4.add(f32x4.mul(f32x4.splat(0.25), m3), f32x4.mul(f32x4.splat(4), m4))), b, res, o + 2 * px, act));
  v128.store(out + o + 3 * px, finish(f32x4.add(f32x4.add(d12, f32x4.sub(f32x4.mul(f32x4.splat(0.125), m3), f32x4.mul(f32x4.splat(8), m4))), m5), b, res, o + 3 * px, act));
}

// The output transform Y = A^T m A of m ([36][rows][F], planes rows * F + WINOGRAD4_SKEW
// floats apart) into the 4x4 output tiles of tiles [t0, t1), through tmp: A^T down each of
// the six columns (4 x 6 values), then along the four rows, + bias, + the residual image
// (res != 0), activation act. Whole tiles are stored straight from the row pass; edge tiles
// (past outH / outW) go through y (4 x 4 in tmp). Output channels [f0, f1) only (a multiple
// of four each; winograd4-columns.ts splits by them).
export function outputTransform(m: usize, tmp: usize, bias: usize, res: usize, out: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, act: i32, t0: i32, t1: i32, f0: i32, f1: i32): void {
  const plane = <usize>((t1 - t0) * F + WINOGRAD4_SKEW) << 2, zero = f32x4.splat(0);
  const six: usize = plane * 6;
  const y = tmp + 96 * 4; // the 4 x 4 results after tmp's 4 x 6
  const rowBytes = <usize>(outW * F) << 2, px = <usize>F << 2;
  let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
  for (let t = t0; t < t1; t++, tw++) {
    if (tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    const oh = 4 * th, ow = 4 * tw, rowsOut = min(4, outH - oh), colsOut = min(4, outW - ow);
    const whole = rowsOut == 4 && colsOut == 4;
    const src = m + (<usize>((t - t0) * F) << 2);
    const at = (<usize>((n * outH + oh) * outW + ow) * F) << 2;
    for (let f = f0; f < f1; f += 4) {
      const s = src + (<usize>f << 2);
      atColumn(s, six, tmp); atColumn(s + plane, six, tmp + 16); atColumn(s + 2 * plane, six, tmp + 32);
      atColumn(s + 3 * plane, six, tmp + 48); atColumn(s + 4 * plane, six, tmp + 64); atColumn(s + 5 * plane, six, tmp + 80);
      const b = bias ? v128.load(bias + (<usize>f << 2)) : zero;
      const d = at + (<usize>f << 2);
      if (whole) {
        outRow(tmp, out, res, d, px, b, act); outRow(tmp + 96, out, res, d + rowBytes, px, b, act);
        outRow(tmp + 192, out, res, d + 2 * rowBytes, px, b, act); outRow(tmp + 288, out, res, d + 3 * rowBytes, px, b, act);
        continue;
      }
      for (let i = 0; i < 4; i++) {
        const row = tmp + <usize>(i * 96);
        atRow(v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80), y + <usize>(i * 64), 16);
      }
      for (let i = 0; i < rowsOut; i++) {
        for (let k = 0; k < colsOut; k++) {
          const o = d + <usize>i * rowBytes + <usize>k * px;
          v128.store(out + o, finish(v128.load(y + <usize>(i * 64 + k * 16)), b, res, o, act));
        }
      }
    }
  }
}

// The convolution of tiles [t0, t1) (of batch * tilesH * tilesW), `panel` tiles at a time,
// with this chunk's scratch (36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP
// floats) at scratch + (t0 / chunk) * that. u: the transformed kernel [36][C][F]; res: a
// residual image added before the activation (0: none). wide: the GEMMs by gemmWide's 2x16
// tile (else gemm's 4x8); reuse: neighbouring tiles share two columns of the input transform;
// gather: edge blocks copied with their zeros first (else read pixel by pixel, bounds tested).
export function winograd4Conv(x: usize, u: usize, bias: usize, res: usize, out: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, act: i32, panel: i32, chunk: i32, wide: bool, reuse: bool, gather: bool, t0: i32, t1: i32): void {
  const tilesH = (outH + 3) >> 2, tilesW = (outW + 3) >> 2;
  const v = scratch + (<usize>((t0 / chunk) * (36 * (panel * (C + F) + 2 * WINOGRAD4_SKEW + 2 * C) + WINOGRAD4_TMP)) << 2);
  const m = v + (<usize>(36 * (panel * C + WINOGRAD4_SKEW)) << 2), tmp = m + (<usize>(36 * (panel * F + WINOGRAD4_SKEW)) << 2);
  const blk = tmp + (<usize>(36 * C + WINOGRAD4_TMP) << 2); // an edge tile's 6x6 block, gathered
  for (let p0 = t0; p0 < t1; p0 += panel) {
    const p1 = min(t1, p0 + panel), rows = p1 - p0;
    inputTransform(x, v, tmp, blk, inH, inW, C, tilesH, tilesW, padTop, padLeft, reuse, gather, p0, p1);
    const vPlane = rows * C + WINOGRAD4_SKEW, mPlane = rows * F + WINOGRAD4_SKEW;
    for (let e = 0; e < 36; e++) {
      const ve = v + (<usize>(e * vPlane) << 2), ue = u + (<usize>(e * C * F) << 2), me = m + (<usize>(e * mPlane) << 2);
      if (wide) gemmWide(ve, C, ue, me, C, F, 0, 0, rows);
      else gemm(ve, C, 1, ue, me, rows, C, F, 0, 0, rows);
    }
    outputTransform(m, tmp, bias, res, out, outH, outW, F, tilesH, tilesW, act, p0, p1, 0, F);
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
