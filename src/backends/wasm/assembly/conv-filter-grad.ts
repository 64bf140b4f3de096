// The filter gradient of an ungrouped convolution as a packed GEMM: dW [K, F] = A^T B, with
// A [P, K] the im2col windows and B [P, F] = dy, the reduction running over P (all output
// pixels of a chunk). A block of Pc pixels at a time: B's rows are packed into panels of 8
// columns ([Pc, 8] contiguous) and, for every 4 values of K, A's [Pc, 4] columns are gathered
// from x (zeros in the padding), so the 4x8 register tile reads two contiguous streams. The
// unpacked direct kernel (conv-grad.ts) reads dy and x at strides of F and inC floats, powers
// of two that fold onto a few cache sets, and walks whole images per tile: at 32x32 pixels
// and 32-128 channels it ran at a third of the multiply-add limit. Any kernel size, stride,
// dilation and padding; any inC and F (tails of K and F are handled, slower).
import { madd, panelTile4x8 } from './common';

// Pixels [p0, p1) of the batch*outH*outW output pixels go into the partial dW number
// p0 / chunk (the caller sums the partials). `block` pixels per packed block (a multiple of
// 4); `packs` holds, per chunk, block*F floats for B and block*4 for A.
export function convFilterGradPacked(x: usize, dy: usize, partials: usize, packs: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, block: i32, chunk: i32, p0: i32, p1: i32): void {
  const K = kH * kW * inC, F = outC, F8 = F & ~7;
  const slot = p0 / chunk;
  const dw = partials + (<usize>(slot * K * F) << 2);
  const bPack = packs + (<usize>(slot * block * (F + 4)) << 2), aPack = bPack + (<usize>(block * F) << 2);
  const rowBytes = <usize>F << 2;
  for (let b0 = p0; b0 < p1; b0 += block) {
    const rows = min(block, p1 - b0), first = b0 == p0;
    packRows(dy + (<usize>(b0 * F) << 2), bPack, rows, F8, F);
    for (let k0 = 0; k0 < K; k0 += 4) {
      packWindows(x, aPack, inH, inW, inC, outH, outW, kW, sH, sW, padTop, padLeft, dH, dW, K, k0, b0, rows);
      const kRows = min(4, K - k0);
      for (let j = 0; j < F8; j += 8) {
        panelTile4x8(aPack, aPack + (<usize>rows << 4), bPack + (<usize>(j * rows) << 2), dw + (<usize>(k0 * F + j) << 2), rowBytes, kRows, first);
      }
      // Columns past the last multiple of 8 (F = 1 in an image-out layer): the four values of
      // K in one vector, dy's value for the column splatted.
      for (let j = F8; j < F; j++) {
        let c = f32x4.splat(0);
        let pa = aPack, pd = dy + (<usize>(b0 * F + j) << 2);
        const end = aPack + (<usize>rows << 4);
        while (pa < end) { c = madd(v128.load(pa), v128.load32_splat(pd), c); pa += 16; pd += rowBytes; }
        for (let r = 0; r < kRows; r++) {
          const at = dw + (<usize>((k0 + r) * F + j) << 2);
          const v = r == 0 ? f32x4.extract_lane(c, 0) : r == 1 ? f32x4.extract_lane(c, 1) : r == 2 ? f32x4.extract_lane(c, 2) : f32x4.extract_lane(c, 3);
          store<f32>(at, first ? v : load<f32>(at) + v);
        }
      }
    }
  }
}

// dy's rows [rows, F] (at src) into panels of 8 columns: panel j/8 is [rows, 8] at dst + j*rows floats.
function packRows(src: usize, dst: usize, rows: i32, F8: i32, F: i32): void {
  const rowBytes = <usize>F << 2;
  for (let j = 0; j < F8; j += 8) {
    let s = src + (<usize>j << 2), d = dst + (<usize>(j * rows) << 2);
    for (let r = 0; r < rows; r++) {
      v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
      s += rowBytes;
      d += 32;
    }
  }
}

// Columns [k0, k0 + 4) of the im2col matrix for pixels [p, p + rows), as [rows, 4] at dst
// (zeros in the padding and past K). Column k is channel k % inC of tap k / inC.
function packWindows(x: usize, dst: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, kW: i32,
  sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, K: i32, k0: i32, p: i32, rows: i32): void {
  if (inC % 4 != 0) return packWindowsScalar(x, dst, inH, inW, inC, outH, outW, kW, sH, sW, padTop, padLeft, dH, dW, K, k0, p, rows);
  // The four columns are four channels of one tap: one vector per pixel, a run of pixels of
  // one output row at a time (its pixels inside the image a strided copy, the rest zeros).
  const tap = k0 / inC, c0 = k0 % inC, kh = tap / kW, kw = tap % kW;
  const step = <usize>(sW * inC) << 2, zero = f32x4.splat(0);
  let d = dst;
  for (let r = 0; r < rows;) {
    const q = p + r, ow0 = q % outW, t = q / outW;
    const oh = t % outH, n = t / outH;
    const count = min(rows - r, outW - ow0);
    const ih = oh * sH - padTop + kh * dH;
    // Pixels ow of this row whose tap column lies inside: lo <= ow < hi.
    const off = kw * dW - padLeft;
    let lo = 0, hi = 0;
    if (<u32>ih < <u32>inH) {
      lo = off >= 0 ? 0 : (-off + sW - 1) / sW;
      hi = inW - off <= 0 ? 0 : (inW - off + sW - 1) / sW;
    }
    // Both ends inside this run of count pixels: a tap column that starts past the run's end
    // (dilated taps at a block's last pixel) must not write zeros beyond it, into the next
    // chunk's packed panels (on two threads that chunk is being packed at the same time).
    lo = min(max(lo, ow0), ow0 + count); hi = min(hi, ow0 + count); if (hi < lo) hi = lo;
    let ow = ow0;
    for (; ow < lo; ow++) { v128.store(d, zero); d += 16; }
    if (ow < hi) {
      let src = x + (<usize>(((n * inH + ih) * inW + ow * sW + off) * inC + c0) << 2);
      for (; ow < hi; ow++) { v128.store(d, v128.load(src)); d += 16; src += step; }
    }
    for (; ow < ow0 + count; ow++) { v128.store(d, zero); d += 16; }
    r += count;
  }
}

// packWindows for any inC: each value found on its own.
function packWindowsScalar(x: usize, dst: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, kW: i32,
  sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, K: i32, k0: i32, p: i32, rows: i32): void {
  let ow = p % outW, t = p / outW;
  let oh = t % outH, n = t / outH;
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>r << 4);
    for (let q = 0; q < 4; q++) {
      const k = k0 + q;
      let v: f32 = 0;
      if (k < K) {
        const tq = k / inC, c = k % inC;
        const ih = oh * sH - padTop + (tq / kW) * dH, iw = ow * sW - padLeft + (tq % kW) * dW;
        if (<u32>ih < <u32>inH && <u32>iw < <u32>inW) v = load<f32>(x + (<usize>(((n * inH + ih) * inW + iw) * inC + c) << 2));
      }
      store<f32>(d + (<usize>q << 2), v);
    }
    if (++ow == outW) { ow = 0; if (++oh == outH) { oh = 0; n++; } }
  }
}

// The filter gradient for fewer than 8 output channels (an image-out layer's F = 1), inC % 4
// == 0: too few columns for the 4x8 tile, so the vectors run along the input channels
// instead. For each tap, 32 channels' sums (eight vectors) stay in registers while every
// pixel of output rows [r0, r1) (of batch * outH) adds its window's channels times its dy
// value, read straight from x (a strided run per row; taps over the padding skipped).
// Partial dW number r0 / chunk ([kH, kW, inC, F]; the caller sums the partials).
export function convFilterGradNarrow(x: usize, dy: usize, partials: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, r0: i32, r1: i32): void {
  const F = outC, dw = partials + (<usize>((r0 / chunk) * kH * kW * inC * F) << 2);
  const step = <usize>(sW * inC) << 2, dyStep = <usize>F << 2;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const off = kw * dW - padLeft;
      const lo = off >= 0 ? 0 : (-off + sW - 1) / sW;
      const hi = min(outW, inW - off <= 0 ? 0 : (inW - off + sW - 1) / sW);
      for (let j = 0; j < F; j++) {
        for (let c = 0; c < inC;) {
          const wide = inC - c >= 32;
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
          for (let r = r0; r < r1; r++) {
            const n = r / outH, oh = r % outH, ih = oh * sH - padTop + kh * dH;
            if (<u32>ih >= <u32>inH || lo >= hi) continue;
            let src = x + (<usize>(((n * inH + ih) * inW + lo * sW + off) * inC + c) << 2);
            let g = dy + (<usize>((r * outW + lo) * F + j) << 2);
            const end = g + <usize>(hi - lo) * dyStep;
            if (wide) {
              while (g < end) {
                const v = v128.load32_splat(g);
                a0 = madd(v128.load(src), v, a0); a1 = madd(v128.load(src, 16), v, a1);
                a2 = madd(v128.load(src, 32), v, a2); a3 = madd(v128.load(src, 48), v, a3);
                a4 = madd(v128.load(src, 64), v, a4); a5 = madd(v128.load(src, 80), v, a5);
                a6 = madd(v128.load(src, 96), v, a6); a7 = madd(v128.load(src, 112), v, a7);
                src += step;
                g += dyStep;
              }
            } else {
              while (g < end) { a0 = madd(v128.load(src), v128.load32_splat(g), a0); src += step; g += dyStep; }
            }
          }
          // dW[kh, kw, c.., j]: one float per channel, F apart.
          const at = dw + (<usize>(((kh * kW + kw) * inC + c) * F + j) << 2);
          storeColumn(at, a0, dyStep);
          if (wide) {
            storeColumn(at + 4 * dyStep, a1, dyStep); storeColumn(at + 8 * dyStep, a2, dyStep); storeColumn(at + 12 * dyStep, a3, dyStep);
            storeColumn(at + 16 * dyStep, a4, dyStep); storeColumn(at + 20 * dyStep, a5, dyStep); storeColumn(at + 24 * dyStep, a6, dyStep);
            storeColumn(at + 28 * dyStep, a7, dyStep);
          }
          c += wide ? 32 : 4;
        }
      }
    }
  }
}

// The four lanes of v at p, p + step, p + 2 step, p + 3 step.
// @ts-ignore: decorator
@inline function storeColumn(p: usize, v: v128, step: usize): void {
  store<f32>(p, f32x4.extract_lane(v, 0)); store<f32>(p + step, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * step, f32x4.extract_lane(v, 2)); store<f32>(p + 3 * step, f32x4.extract_lane(v, 3));
}
