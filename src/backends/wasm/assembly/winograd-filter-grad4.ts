// The filter gradient of a 3x3, stride-1 convolution by Winograd F(4x4, 3x3): 6x6 input
// tiles, 4x4 output tiles, 36 transformed-kernel elements, so 36 multiply-adds per 16 outputs
// and channel pair (the direct gradient's 144; F(2x2, 3x3)'s 64). As winograd-filter-grad.ts:
// per panel of tiles V = B^T d B and dM = A dY A^T packed for the 4x8 register tile, 36 GEMMs
// accumulate dU [36, C, F] over tiles, then dW = G^T dU G. The transforms' 1-D steps go
// through a per-chunk scratch of 36 vectors (a tile's 6x6 values do not fit in registers).
// Both transforms go tile by tile, each tile's channel quads together (packInputByTiles,
// packGradByTiles: in a step x and dy come from memory, and a pass per quad read their lines
// again and again), or quad by quad (trainTuning.winogradFilterGradTilesOuter 0; the same bits).
// Needs C % 4 == 0 and F % 4 == 0.
import { planeBytes, productPlane } from './winograd-filter-grad';

// @ts-ignore: decorator
@inline function pixel(img: usize, r: i32, s: i32, inH: i32, inW: i32, C: i32, c: i32): v128 {
  if (<u32>r >= <u32>inH || <u32>s >= <u32>inW) return f32x4.splat(0);
  return v128.load(img + (<usize>((r * inW + s) * C + c) << 2));
}

// @ts-ignore: decorator
@inline function grad(img: usize, h: i32, w: i32, outH: i32, outW: i32, F: i32, f: i32): v128 {
  if (h >= outH || w >= outW) return f32x4.splat(0);
  return v128.load(img + (<usize>((h * outW + w) * F + f) << 2));
}

// @ts-ignore: decorator
@inline function times(a: v128, k: f32): v128 { return f32x4.mul(a, f32x4.splat(k)); }

// B^T x for six values: 4x0 - 5x2 + x4, -4(x1 + x2) + x3 + x4, 4(x1 - x2) - x3 + x4,
// 2(x3 - x1) - x2 + x4, -2(x3 - x1) - x2 + x4, 4x1 - 5x3 + x5; output k at dst + k * step.
// @ts-ignore: decorator
@inline function bt6(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, dst: usize, step: usize): void {
  const m = f32x4.sub(x4, x2), d31 = times(f32x4.sub(x3, x1), 2);
  v128.store(dst, f32x4.add(times(f32x4.sub(x0, x2), 4), m));
  v128.store(dst + step, f32x4.sub(f32x4.add(x3, x4), times(f32x4.add(x1, x2), 4)));
  v128.store(dst + 2 * step, f32x4.add(f32x4.sub(x4, x3), times(f32x4.sub(x1, x2), 4)));
  v128.store(dst + 3 * step, f32x4.add(m, d31));
  v128.store(dst + 4 * step, f32x4.sub(m, d31));
  v128.store(dst + 5 * step, f32x4.add(times(f32x4.sub(x1, x3), 4), f32x4.sub(x5, x3)));
}

// A y for four values (A = (A^T)^T, 6x4): y0, y0 + y1 + y2 + y3, y0 - y1 + y2 - y3,
// y0 + 2y1 + 4y2 + 8y3, y0 - 2y1 + 4y2 - 8y3, y3; output k at dst + k * step.
// @ts-ignore: decorator
@inline function a6(y0: v128, y1: v128, y2: v128, y3: v128, dst: usize, step: usize): void {
  const p = f32x4.add(y0, y2), q = f32x4.add(y1, y3);
  const r = f32x4.add(y0, times(y2, 4)), s = f32x4.add(times(y1, 2), times(y3, 8));
  v128.store(dst, y0);
  v128.store(dst + step, f32x4.add(p, q));
  v128.store(dst + 2 * step, f32x4.sub(p, q));
  v128.store(dst + 3 * step, f32x4.add(r, s));
  v128.store(dst + 4 * step, f32x4.sub(r, s));
  v128.store(dst + 5 * step, y3);
}

// One tile's channel quad c (top-left pixel r0, s0 of image img): B^T down its six pixel columns
// into tmp (6x6 vectors; read in place when the tile lies inside the image, else pixel by pixel
// with the border's zeros), then along each row of tmp into the 36 planes at o.
@inline function transformTile(img: usize, o: usize, tmp: usize, inH: i32, inW: i32, C: i32, c: i32, r0: i32, s0: i32, inside: bool, plane: usize): void {
  if (inside) {
    const px = <usize>C << 2, rowStep = <usize>(inW * C) << 2;
    let p = img + (<usize>((r0 * inW + s0) * C + c) << 2);
    for (let j = 0; j < 6; j++) {
      bt6(v128.load(p), v128.load(p + rowStep), v128.load(p + 2 * rowStep), v128.load(p + 3 * rowStep), v128.load(p + 4 * rowStep), v128.load(p + 5 * rowStep),
        tmp + (<usize>j << 4), 96);
      p += px;
    }
  } else {
    for (let j = 0; j < 6; j++) {
      const s = s0 + j;
      bt6(pixel(img, r0, s, inH, inW, C, c), pixel(img, r0 + 1, s, inH, inW, C, c), pixel(img, r0 + 2, s, inH, inW, C, c),
        pixel(img, r0 + 3, s, inH, inW, C, c), pixel(img, r0 + 4, s, inH, inW, C, c), pixel(img, r0 + 5, s, inH, inW, C, c), tmp + (<usize>j << 4), 96);
    }
  }
  for (let i = 0; i < 6; i++) {
    const t = tmp + <usize>i * 96;
    bt6(v128.load(t), v128.load(t, 16), v128.load(t, 32), v128.load(t, 48), v128.load(t, 64), v128.load(t, 80), o + <usize>(6 * i) * plane, plane);
  }
}

// V = B^T d B of tiles [t0, t0 + rows) into vp (36 planes of C / 4 strips [rows, 4]): B^T down
// each of the tile's six pixel columns into tmp (6x6 vectors), then along each row of tmp.
function packInput(x: usize, vp: usize, tmp: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, C), imageFloats = inH * inW * C;
  for (let c = 0; c < C; c += 4) {
    let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
    let o = vp + (<usize>(c * rows) << 2);
    for (let r = 0; r < rows; r++) {
      const img = x + (<usize>(n * imageFloats) << 2);
      const r0 = 4 * th - padTop, s0 = 4 * tw - padLeft;
      transformTile(img, o, tmp, inH, inW, C, c, r0, s0, r0 >= 0 && s0 >= 0 && r0 + 6 <= inH && s0 + 6 <= inW, plane);
      o += 16;
      if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    }
  }
}

// packInput with the loops swapped: per tile all channel quads (each pixel's cache lines read
// once, in one pass over the image, rather than once per quad).
function packInputByTiles(x: usize, vp: usize, tmp: usize, inH: i32, inW: i32, C: i32, tilesH: i32, tilesW: i32, padTop: i32, padLeft: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, C), imageFloats = inH * inW * C, strip = <usize>rows << 4;
  let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
  for (let r = 0; r < rows; r++) {
    const img = x + (<usize>(n * imageFloats) << 2);
    const r0 = 4 * th - padTop, s0 = 4 * tw - padLeft;
    const inside = r0 >= 0 && s0 >= 0 && r0 + 6 <= inH && s0 + 6 <= inW;
    let o = vp + (<usize>r << 4);
    for (let c = 0; c < C; c += 4) {
      transformTile(img, o, tmp, inH, inW, C, c, r0, s0, inside, plane);
      o += strip;
    }
    if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
  }
}

// One 4x4 output tile's filter quad f (top-left h, w of dy's image img): A down its four columns
// into tmp (6x4 vectors; read in place inside the map, else value by value with zeros past it),
// then along each row of tmp into the 36 planes at o.
@inline function transformGradTile(img: usize, o: usize, tmp: usize, outH: i32, outW: i32, F: i32, f: i32, h: i32, w: i32, inside: bool, plane: usize): void {
  if (inside) {
    const px = <usize>F << 2, rowStep = <usize>(outW * F) << 2;
    let p = img + (<usize>((h * outW + w) * F + f) << 2);
    for (let j = 0; j < 4; j++) {
      a6(v128.load(p), v128.load(p + rowStep), v128.load(p + 2 * rowStep), v128.load(p + 3 * rowStep), tmp + (<usize>j << 4), 64);
      p += px;
    }
  } else {
    for (let j = 0; j < 4; j++) {
      a6(grad(img, h, w + j, outH, outW, F, f), grad(img, h + 1, w + j, outH, outW, F, f), grad(img, h + 2, w + j, outH, outW, F, f),
        grad(img, h + 3, w + j, outH, outW, F, f), tmp + (<usize>j << 4), 64);
    }
  }
  for (let k = 0; k < 6; k++) {
    const t = tmp + <usize>k * 64;
    a6(v128.load(t), v128.load(t, 16), v128.load(t, 32), v128.load(t, 48), o + <usize>(6 * k) * plane, plane);
  }
}

// dM = A dY A^T of tiles [t0, t0 + rows) into mp (36 planes laid out as winograd-filter-grad.ts's
// packGrad): A down each of the 4x4 output tile's columns into tmp (6x4 vectors), then along each row.
function packGrad(dy: usize, mp: usize, tmp: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, F), imageFloats = outH * outW * F, F8 = F & ~7;
  for (let f = 0; f < F; f += 4) {
    let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
    const wide = f < F8;
    let o = mp + (<usize>(wide ? (f >> 3) * rows * 8 + (f & 7) : F8 * rows) << 2);
    const step: usize = wide ? 32 : 16;
    for (let r = 0; r < rows; r++) {
      const img = dy + (<usize>(n * imageFloats) << 2);
      const h = 4 * th, w = 4 * tw;
      transformGradTile(img, o, tmp, outH, outW, F, f, h, w, h + 4 <= outH && w + 4 <= outW, plane);
      o += step;
      if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
    }
  }
}

// packGrad with the loops swapped: per tile all filter quads (dy's rows read in one pass).
function packGradByTiles(dy: usize, mp: usize, tmp: usize, outH: i32, outW: i32, F: i32, tilesH: i32, tilesW: i32, t0: i32, rows: i32): void {
  const plane = planeBytes(rows, F), imageFloats = outH * outW * F, F8 = F & ~7;
  let tw = t0 % tilesW, th = (t0 / tilesW) % tilesH, n = t0 / (tilesW * tilesH);
  for (let r = 0; r < rows; r++) {
    const img = dy + (<usize>(n * imageFloats) << 2);
    const h = 4 * th, w = 4 * tw, inside = h + 4 <= outH && w + 4 <= outW;
    for (let f = 0; f < F; f += 4) {
      const wide = f < F8;
      const o = mp + (<usize>(wide ? (f >> 3) * rows * 8 + (f & 7) + r * 8 : F8 * rows + r * 4) << 2);
      transformGradTile(img, o, tmp, outH, outW, F, f, h, w, inside, plane);
    }
    if (++tw == tilesW) { tw = 0; if (++th == tilesH) { th = 0; n++; } }
  }
}

// Tiles [t0, t1) of batch * tilesH * tilesW into the partial dU number t0 / chunk ([36, C, F]
// at partials; the caller sums the partials and applies winogradFilterGrad4Output). Each
// chunk's scratch: 36 planes of each transform (planeBytes for `panel` tiles) and 36 vectors.
export function winogradFilterGrad4(x: usize, dy: usize, partials: usize, scratch: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, F: i32,
  padTop: i32, padLeft: i32, panel: i32, tilesOuter: i32, chunk: i32, t0: i32, t1: i32): void {
  const tilesH = (outH + 3) >> 2, tilesW = (outW + 3) >> 2, slot = t0 / chunk, CF = C * F;
  const du = partials + (<usize>(slot * 36 * CF) << 2);
  const packs: usize = 36 * (planeBytes(panel, C) + planeBytes(panel, F));
  const vp = scratch + (<usize>slot) * (packs + 576), tmp = vp + packs;
  for (let p0 = t0; p0 < t1; p0 += panel) {
    const rows = min(panel, t1 - p0), aPlane = planeBytes(rows, C), bPlane = planeBytes(rows, F);
    const mp = vp + 36 * aPlane;
    if (tilesOuter & 1) packInputByTiles(x, vp, tmp, inH, inW, C, tilesH, tilesW, padTop, padLeft, p0, rows);
    else packInput(x, vp, tmp, inH, inW, C, tilesH, tilesW, padTop, padLeft, p0, rows);
    if (tilesOuter & 2) packGradByTiles(dy, mp, tmp, outH, outW, F, tilesH, tilesW, p0, rows);
    else packGrad(dy, mp, tmp, outH, outW, F, tilesH, tilesW, p0, rows);
    for (let e = 0; e < 36; e++) {
      productPlane(vp + <usize>e * aPlane, mp + <usize>e * bPlane, du + (<usize>(e * CF) << 2), rows, C, F, p0 == t0);
    }
  }
}

// Rows of G^T (3x6) applied to six values: u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24,
// (u2 - u1) / 6 + (u3 - u4) / 12, (u3 + u4 - u1 - u2) / 6 + u5.
// @ts-ignore: decorator
@inline function g0(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128): v128 {
  return f32x4.add(f32x4.sub(times(u0, 0.25), times(f32x4.add(u1, u2), <f32>(1.0 / 6))), times(f32x4.add(u3, u4), <f32>(1.0 / 24)));
}
// @ts-ignore: decorator
@inline function g1(u1: v128, u2: v128, u3: v128, u4: v128): v128 {
  return f32x4.add(times(f32x4.sub(u2, u1), <f32>(1.0 / 6)), times(f32x4.sub(u3, u4), <f32>(1.0 / 12)));
}
// @ts-ignore: decorator
@inline function g2(u1: v128, u2: v128, u3: v128, u4: v128, u5: v128): v128 {
  return f32x4.add(times(f32x4.sub(f32x4.add(u3, u4), f32x4.add(u1, u2)), <f32>(1.0 / 6)), u5);
}

// One row k of G^T dU (its six values at column j: row k of G^T down column j of dU).
// @ts-ignore: decorator
@inline function column(s: usize, plane: usize, j: i32, k: i32): v128 {
  const at = s + <usize>j * plane;
  const u0 = v128.load(at), u1 = v128.load(at + 6 * plane), u2 = v128.load(at + 12 * plane);
  const u3 = v128.load(at + 18 * plane), u4 = v128.load(at + 24 * plane), u5 = v128.load(at + 30 * plane);
  return k == 0 ? g0(u0, u1, u2, u3, u4) : k == 1 ? g1(u1, u2, u3, u4) : g2(u1, u2, u3, u4, u5);
}

// dW = G^T dU G: du [36, C * F] into dw [3, 3, C * F], channel pairs [k0, k1), four at a time.
export function winogradFilterGrad4Output(du: usize, dw: usize, CF: i32, k0: i32, k1: i32): void {
  const plane = <usize>CF << 2;
  for (let k = k0; k < k1; k += 4) {
    const s = du + (<usize>k << 2), d = dw + (<usize>k << 2);
    for (let r = 0; r < 3; r++) {
      const t0 = column(s, plane, 0, r), t1 = column(s, plane, 1, r), t2 = column(s, plane, 2, r);
      const t3 = column(s, plane, 3, r), t4 = column(s, plane, 4, r), t5 = column(s, plane, 5, r);
      const o = d + <usize>(3 * r) * plane;
      v128.store(o, g0(t0, t1, t2, t3, t4));
      v128.store(o + plane, g1(t1, t2, t3, t4));
      v128.store(o + 2 * plane, g2(t1, t2, t3, t4, t5));
    }
  }
}
