// The filter gradient of a 3x3, stride-1 convolution by Winograd F(2x2, 3x3). The forward
// pass per tile is y = A^T [U (.) V] A with U = G g G^T and V = B^T d B (assembly/winograd.ts),
// so the transformed kernel's gradient is dU[e] = sum over tiles of V[e] dM[e] with
// dM = A dY A^T (dY the tile's 2x2 output gradient, zero past the output's edge): for each of
// the 16 elements e a GEMM [C, tiles] x [tiles, F], 16 multiply-adds per tile and channel pair
// instead of the direct gradient's 36. Then dW = G^T dU G for every (c, f).
// Tiles go a panel at a time: both transforms write the panel's 16 matrices packed for the
// 4x8 register tile (V[e] as strips [tiles, 4] of four channels, dM[e] as strips [tiles, 8]
// of eight filters), so each product reads two contiguous streams, as the packed direct
// kernel (conv-filter-grad.ts) does. Needs C % 4 == 0 and F % 4 == 0.
import { madd, panelTile4x8 } from './common';

// Four channels of input pixel (r, s) of an image, or zeros outside it.
// @ts-ignore: decorator
@inline function pixel(img: usize, r: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32): v128 {
  if (<u32>r >= <u32>inH || <u32>s >= <u32>inW) return f32x4.splat(0);
  return v128.load(img + (<usize>((r * inW + s) * C + c) << 2));
}

// Rows of B^T: (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
// @ts-ignore: decorator
@inline function bt0(d0: v128, d2: v128): v128 { return f32x4.sub(d0, d2); }
// @ts-ignore: decorator
@inline function bt1(d1: v128, d2: v128): v128 { return f32x4.add(d1, d2); }
// @ts-ignore: decorator
@inline function bt2(d1: v128, d2: v128): v128 { return f32x4.sub(d2, d1); }
// @ts-ignore: decorator
@inline function bt3(d1: v128, d3: v128): v128 { return f32x4.sub(d1, d3); }

// Bytes from one of a panel's 16 planes to the next: rows * width floats and one cache line
// more, so that the planes (16 streams written at once) do not all fall on the same cache
// sets, as they would at 4 KiB multiples.
// @ts-ignore: decorator
@inline export function planeBytes(rows: i32, width: i32): usize { return (<usize>(rows * width) << 2) + 64; }

// V = B^T d B of tiles [t0, t0 + rows) into vp: plane e (rows * C floats, planeBytes apart)
// holds C / 4 strips [rows, 4]. Channel groups outside, tiles inside, so the 16 stores of a
// tile go to 16 streams; the tile's place is stepped, not divided out.
function packInput(x: usize, vp: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, C), imageFloats = inH * inW * C, px = <usize>C << 2, rowStep = <usize>(inW * C) << 2;
  for (let c = 0; c < C; c += 4) {
    let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
    let o = vp + (<usize>(c * rows) << 2);
    for (let r = 0; r < rows; r++) {
      const img = x + (<usize>(n * imageFloats) << 2);
      const r0 = 2 * th - padTop, s0 = 2 * tw - padLeft;
      let a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128;
      let e0: v128, e1: v128, e2: v128, e3: v128, g0: v128, g1: v128, g2: v128, g3: v128;
      if (r0 >= 0 && s0 >= 0 && r0 + 4 <= inH && s0 + 4 <= inW) {
        // Inside the image (most tiles): 16 loads at fixed steps, no bounds checks.
        let p = img + (<usize>((r0 * inW + s0) * C + c) << 2);
        a0 = v128.load(p); a1 = v128.load(p + px); a2 = v128.load(p + 2 * px); a3 = v128.load(p + 3 * px); p += rowStep;
        b0 = v128.load(p); b1 = v128.load(p + px); b2 = v128.load(p + 2 * px); b3 = v128.load(p + 3 * px); p += rowStep;
        e0 = v128.load(p); e1 = v128.load(p + px); e2 = v128.load(p + 2 * px); e3 = v128.load(p + 3 * px); p += rowStep;
        g0 = v128.load(p); g1 = v128.load(p + px); g2 = v128.load(p + 2 * px); g3 = v128.load(p + 3 * px);
      } else {
        a0 = pixel(img, r0, s0, inH, inW, C, c); a1 = pixel(img, r0, s0 + 1, inH, inW, C, c);
        a2 = pixel(img, r0, s0 + 2, inH, inW, C, c); a3 = pixel(img, r0, s0 + 3, inH, inW, C, c);
        b0 = pixel(img, r0 + 1, s0, inH, inW, C, c); b1 = pixel(img, r0 + 1, s0 + 1, inH, inW, C, c);
        b2 = pixel(img, r0 + 1, s0 + 2, inH, inW, C, c); b3 = pixel(img, r0 + 1, s0 + 3, inH, inW, C, c);
        e0 = pixel(img, r0 + 2, s0, inH, inW, C, c); e1 = pixel(img, r0 + 2, s0 + 1, inH, inW, C, c);
        e2 = pixel(img, r0 + 2, s0 + 2, inH, inW, C, c); e3 = pixel(img, r0 + 2, s0 + 3, inH, inW, C, c);
        g0 = pixel(img, r0 + 3, s0, inH, inW, C, c); g1 = pixel(img, r0 + 3, s0 + 1, inH, inW, C, c);
        g2 = pixel(img, r0 + 3, s0 + 2, inH, inW, C, c); g3 = pixel(img, r0 + 3, s0 + 3, inH, inW, C, c);
      }
      // Rows of B^T d (pixel rows a, b, e, g mixed), then each row's four values through B.
      const k00 = bt0(a0, e0), k01 = bt0(a1, e1), k02 = bt0(a2, e2), k03 = bt0(a3, e3);
      const k10 = bt1(b0, e0), k11 = bt1(b1, e1), k12 = bt1(b2, e2), k13 = bt1(b3, e3);
      const k20 = bt2(b0, e0), k21 = bt2(b1, e1), k22 = bt2(b2, e2), k23 = bt2(b3, e3);
      const k30 = bt3(b0, g0), k31 = bt3(b1, g1), k32 = bt3(b2, g2), k33 = bt3(b3, g3);
      v128.store(o, bt0(k00, k02)); v128.store(o + plane, bt1(k01, k02)); v128.store(o + 2 * plane, bt2(k01, k02)); v128.store(o + 3 * plane, bt3(k01, k03));
      v128.store(o + 4 * plane, bt0(k10, k12)); v128.store(o + 5 * plane, bt1(k11, k12)); v128.store(o + 6 * plane, bt2(k11, k12)); v128.store(o + 7 * plane, bt3(k11, k13));
      v128.store(o + 8 * plane, bt0(k20, k22)); v128.store(o + 9 * plane, bt1(k21, k22)); v128.store(o + 10 * plane, bt2(k21, k22)); v128.store(o + 11 * plane, bt3(k21, k23));
      v128.store(o + 12 * plane, bt0(k30, k32)); v128.store(o + 13 * plane, bt1(k31, k32)); v128.store(o + 14 * plane, bt2(k31, k32)); v128.store(o + 15 * plane, bt3(k31, k33));
      o += 16;
      if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    }
  }
}

// Four filters of output-gradient pixel (h, w), or zeros past the output.
// @ts-ignore: decorator
@inline function grad(img: usize, h: i32, w: i32, outH: i32, outW: i32, F: i32, f: i32): v128 {
  if (h >= outH || w >= outW) return f32x4.splat(0);
  return v128.load(img + (<usize>((h * outW + w) * F + f) << 2));
}

// dM = A dY A^T of tiles [t0, t0 + rows) into mp: plane e (rows * F floats) holds F / 8 strips
// [rows, 8], then a strip [rows, 4] when F % 8 == 4. A dY's rows are y0, y0 + y1, y0 - y1,
// -y1; each row (a, b) through A^T: a, a + b, a - b, -b.
function packGrad(dy: usize, mp: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, F), imageFloats = outH * outW * F, F8 = F & ~7, px = <usize>F << 2, rowStep = <usize>(outW * F) << 2;
  for (let f = 0; f < F; f += 4) {
    let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
    const wide = f < F8;
    let o = mp + (<usize>(wide ? (f >> 3) * rows * 8 + (f & 7) : F8 * rows) << 2);
    const step: usize = wide ? 32 : 16;
    for (let r = 0; r < rows; r++) {
      const img = dy + (<usize>(n * imageFloats) << 2);
      const h = 2 * th, w = 2 * tw;
      let y00: v128, y01: v128, y10: v128, y11: v128;
      if (h + 1 < outH && w + 1 < outW) {
        const p = img + (<usize>((h * outW + w) * F + f) << 2);
        y00 = v128.load(p); y01 = v128.load(p + px); y10 = v128.load(p + rowStep); y11 = v128.load(p + rowStep + px);
      } else {
        y00 = grad(img, h, w, outH, outW, F, f); y01 = grad(img, h, w + 1, outH, outW, F, f);
        y10 = grad(img, h + 1, w, outH, outW, F, f); y11 = grad(img, h + 1, w + 1, outH, outW, F, f);
      }
      const s0 = f32x4.add(y00, y10), s1 = f32x4.add(y01, y11);
      const d0 = f32x4.sub(y00, y10), d1 = f32x4.sub(y01, y11);
      v128.store(o, y00); v128.store(o + plane, f32x4.add(y00, y01)); v128.store(o + 2 * plane, f32x4.sub(y00, y01)); v128.store(o + 3 * plane, f32x4.neg(y01));
      v128.store(o + 4 * plane, s0); v128.store(o + 5 * plane, f32x4.add(s0, s1)); v128.store(o + 6 * plane, f32x4.sub(s0, s1)); v128.store(o + 7 * plane, f32x4.neg(s1));
      v128.store(o + 8 * plane, d0); v128.store(o + 9 * plane, f32x4.add(d0, d1)); v128.store(o + 10 * plane, f32x4.sub(d0, d1)); v128.store(o + 11 * plane, f32x4.neg(d1));
      const n10 = f32x4.neg(y10);
      v128.store(o + 12 * plane, n10); v128.store(o + 13 * plane, f32x4.sub(n10, y11)); v128.store(o + 14 * plane, f32x4.sub(y11, y10)); v128.store(o + 15 * plane, y11);
      o += step;
      if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    }
  }
}

// du[C, F] (+)= the packed va^T vb over `rows` tiles: va C / 4 strips [rows, 4], vb as packGrad writes a plane.
export function productPlane(va: usize, vb: usize, du: usize, rows: i32, C: i32, F: i32, first: bool): void {
  const F8 = F & ~7, rowBytes = <usize>F << 2, aStrip = <usize>rows << 4;
  for (let c = 0; c < C; c += 4) {
    const a0p = va + <usize>(c >> 2) * aStrip, aEnd = a0p + aStrip;
    for (let j = 0; j < F8; j += 8) {
      panelTile4x8(a0p, aEnd, vb + (<usize>(j * rows) << 2), du + (<usize>(c * F + j) << 2), rowBytes, 4, first);
    }
    if (F8 < F) {
      // The last four filters (F % 8 == 4): a 4x4 tile on the [rows, 4] strip.
      const pc = du + (<usize>(c * F + F8) << 2);
      let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
      if (!first) { c0 = v128.load(pc); c1 = v128.load(pc + rowBytes); c2 = v128.load(pc + 2 * rowBytes); c3 = v128.load(pc + 3 * rowBytes); }
      let pa = a0p, pb = vb + (<usize>(F8 * rows) << 2);
      while (pa < aEnd) {
        const v = v128.load(pb);
        c0 = madd(v128.load32_splat(pa), v, c0); c1 = madd(v128.load32_splat(pa, 4), v, c1);
        c2 = madd(v128.load32_splat(pa, 8), v, c2); c3 = madd(v128.load32_splat(pa, 12), v, c3);
        pa += 16;
        pb += 16;
      }
      v128.store(pc, c0); v128.store(pc + rowBytes, c1); v128.store(pc + 2 * rowBytes, c2); v128.store(pc + 3 * rowBytes, c3);
    }
  }
}

// Tiles [t0, t1) of batch * tilesH * tilesW into the partial dU number t0 / chunk
// ([16, C, F] at partials; the caller sums the partials and applies winogradFilterGradOutput).
// `panel` tiles at a time; each chunk's scratch holds 16 * (panel * (C + F) + 32) floats.
export function winogradFilterGrad(x: usize, dy: usize, partials: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, panel: i32, chunk: i32, t0: i32, t1: i32): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1, slot = t0 / chunk, CF = C * F;
  const du = partials + (<usize>(slot * 16 * CF) << 2);
  const vp = scratch + (<usize>slot) * (16 * (planeBytes(panel, C) + planeBytes(panel, F)));
  for (let p0 = t0; p0 < t1; p0 += panel) {
    const rows = min(panel, t1 - p0), aPlane = planeBytes(rows, C), bPlane = planeBytes(rows, F);
    const mp = vp + 16 * aPlane;
    packInput(x, vp, inH, inW, C, tilesH, tilesW, padTop, padLeft, p0, rows);
    packGrad(dy, mp, outH, outW, F, tilesH, tilesW, p0, rows);
    for (let e = 0; e < 16; e++) {
      productPlane(vp + <usize>e * aPlane, mp + <usize>e * bPlane, du + (<usize>(e * CF) << 2), rows, C, F, p0 == t0);
    }
  }
}

// One row (a, b, c, d) of a 4x4 through G: a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d.
// @ts-ignore: decorator
@inline function gt0(a: v128, b: v128, c: v128): v128 { return f32x4.add(a, f32x4.mul(f32x4.add(b, c), f32x4.splat(0.5))); }
// @ts-ignore: decorator
@inline function gt1(b: v128, c: v128): v128 { return f32x4.mul(f32x4.sub(b, c), f32x4.splat(0.5)); }
// @ts-ignore: decorator
@inline function gt2(b: v128, c: v128, d: v128): v128 { return f32x4.add(d, f32x4.mul(f32x4.add(b, c), f32x4.splat(0.5))); }

// dW = G^T dU G: du [16, C * F] into dw [3, 3, C * F] (as conv2dBackpropFilter writes
// [kH, kW, inC, outC]), for channel pairs [k0, k1), four at a time.
export function winogradFilterGradOutput(du: usize, dw: usize, CF: i32, k0: i32, k1: i32): void {
  const plane = <usize>CF << 2;
  for (let k = k0; k < k1; k += 4) {
    const s = du + (<usize>k << 2);
    const u0 = v128.load(s), u1 = v128.load(s + plane), u2 = v128.load(s + 2 * plane), u3 = v128.load(s + 3 * plane);
    const u4 = v128.load(s + 4 * plane), u5 = v128.load(s + 5 * plane), u6 = v128.load(s + 6 * plane), u7 = v128.load(s + 7 * plane);
    const u8 = v128.load(s + 8 * plane), u9 = v128.load(s + 9 * plane), u10 = v128.load(s + 10 * plane), u11 = v128.load(s + 11 * plane);
    const u12 = v128.load(s + 12 * plane), u13 = v128.load(s + 13 * plane), u14 = v128.load(s + 14 * plane), u15 = v128.load(s + 15 * plane);
    // G^T dU (rows of dU mixed: r0 = u_0 + (u_1 + u_2) / 2, ...), then each row through G.
    const r00 = gt0(u0, u4, u8), r01 = gt0(u1, u5, u9), r02 = gt0(u2, u6, u10), r03 = gt0(u3, u7, u11);
    const r10 = gt1(u4, u8), r11 = gt1(u5, u9), r12 = gt1(u6, u10), r13 = gt1(u7, u11);
    const r20 = gt2(u4, u8, u12), r21 = gt2(u5, u9, u13), r22 = gt2(u6, u10, u14), r23 = gt2(u7, u11, u15);
    const d = dw + (<usize>k << 2);
    v128.store(d, gt0(r00, r01, r02)); v128.store(d + plane, gt1(r01, r02)); v128.store(d + 2 * plane, gt2(r01, r02, r03));
    v128.store(d + 3 * plane, gt0(r10, r11, r12)); v128.store(d + 4 * plane, gt1(r11, r12)); v128.store(d + 5 * plane, gt2(r11, r12, r13));
    v128.store(d + 6 * plane, gt0(r20, r21, r22)); v128.store(d + 7 * plane, gt1(r21, r22)); v128.store(d + 8 * plane, gt2(r21, r22, r23));
  }
}
