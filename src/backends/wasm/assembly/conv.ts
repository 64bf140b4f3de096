// Convolutions, forward: im2col panels feeding the GEMM (few input channels), the direct
// kernel on zero-bordered image copies (8+ input channels), both fused with 2x2 max pooling,
// and a pooled kernel for one-channel 3x3 first layers. The gradients are in conv-grad.ts.
import { PANEL, initial, madd, copyFloats, zeroFloats } from './common';
import { gemm } from './gemm';
import { gemmWide } from './gemm-wide';

// Rows [row0, row1) of the im2col matrix of an NHWC input, row row0 written at `out`: row
// (n, oh, ow) holds the kh*kw*c input values under the kernel (taps dH, dW pixels apart),
// zeros where it hangs over the padding.
export function im2colInto(x: usize, out: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC;
  const cBytes = <usize>inC << 2;
  const runBytes = <usize>(kW * inC) << 2;
  for (let row = row0; row < row1; row++) {
    const ow = row % outW, t = row / outW;
    const oh = t % outH, n = t / outH;
    const ih0 = oh * sH - padTop, iw0 = ow * sW - padLeft;
    let dst = out + (<usize>(row - row0) * <usize>K << 2);
    if (dW == 1 && iw0 >= 0 && iw0 + kW <= inW) {
      // In NHWC, one kernel row's pixels sit side by side: one run of kW*inC floats per row.
      for (let kh = 0; kh < kH; kh++) {
        const ih = ih0 + kh * dH;
        if (<u32>ih >= <u32>inH) zeroFloats(dst, runBytes);
        else copyFloats(dst, x + (<usize>(((n * inH + ih) * inW + iw0) * inC) << 2), runBytes);
        dst += runBytes;
      }
      continue;
    }
    for (let kh = 0; kh < kH; kh++) {
      const ih = ih0 + kh * dH;
      for (let kw = 0; kw < kW; kw++) {
        const iw = iw0 + kw * dW;
        if (<u32>ih >= <u32>inH || <u32>iw >= <u32>inW) zeroFloats(dst, cBytes);
        else copyFloats(dst, x + (<usize>(((n * inH + ih) * inW + iw) * inC) << 2), cBytes);
        dst += cBytes;
      }
    }
  }
}

// Forward: out = act(im2col(x) @ w (+ bias)), output rows [row0, row1); wide: the GEMM by
// gemmWide's 2x16 tile (assembly/gemm-wide.ts, which leaves outC % 16 != 0 to gemm).
export function convGemm(x: usize, w: usize, bias: usize, out: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, wide: bool, chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC;
  const panel = panels + (<usize>((row0 / chunk) * PANEL * K) << 2);
  for (let p0 = row0; p0 < row1; p0 += PANEL) {
    const rows = min(PANEL, row1 - p0);
    im2colInto(x, panel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, dH, dW, p0, p0 + rows);
    const dst = out + (<usize>(p0 * outC) << 2);
    if (wide) gemmWide(panel, K, w, dst, K, outC, bias, 0, rows);
    else gemm(panel, K, 1, w, dst, rows, K, outC, bias, 0, rows);
    if (act) activate(dst, rows * outC, act); // while the rows are still in cache
  }
}

// The epilogue activations (act codes: 1 relu, 2 relu6), in place over n floats.
export function activate(p: usize, n: i32, act: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = p + (<usize>i << 2); v128.store(o, epilogue(v128.load(o), act, zero)); }
  for (; i < n; i++) { const o = p + (<usize>i << 2); store<f32>(o, epilogue1(load<f32>(o), act)); }
}

// One vector through the activation act (0: none, 1: relu, 2: relu6 = min(relu, 6)) as the
// unfused relu and relu6 kernels give it, NaN included (a fused plan must not hide a NaN the
// eager run shows): pmax(v, 0) is 0 where v < 0, else v (NaN too), one instruction where IEEE
// max takes several; only a -0 stays -0 (the unfused kernels write 0: equal as numbers).
// @ts-ignore: decorator
@inline export function epilogue(v: v128, act: i32, zero: v128): v128 {
  if (act == 0) return v;
  const y = f32x4.pmax(v, zero);
  return act == 2 ? f32x4.pmin(y, f32x4.splat(6)) : y;
}

// One float through the activation act, as epilogue does.
// @ts-ignore: decorator
@inline export function epilogue1(v: f32, act: i32): f32 {
  if (act == 0) return v;
  const y: f32 = v > 0 || v != v ? v : 0;
  return act == 2 && y > 6 ? 6 : y;
}

// Direct convolution (for inC >= 8, where it beats im2col) of output rows [r0, r1) of the
// batch*outH rows of all images: the input rows they read, of each image met, are copied
// into this chunk's zero-bordered scratch (so every window is in bounds), then computed by
// convRows. Chunks of whole images copy each image once; smaller ones (a batch smaller than
// the threads) split an image's rows between threads, each copying the rows it reads.
export function convDirect(x: usize, w: usize, wp: usize, bias: usize, out: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, chunk: i32, r0: i32, r1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const xp = pads + (<usize>((r0 / chunk) * Hp * Wp * inC) << 2);
  // Windows that all lie inside the image (no padding, a 1x1 kernel): read it in place.
  const inPlace = padTop == 0 && padLeft == 0 && Hp <= inH && Wp <= inW;
  for (let r = r0; r < r1;) {
    const n = r / outH, oh0 = r % outH, oh1 = min(outH, oh0 + r1 - r);
    const image = x + (<usize>(n * inH * inW * inC) << 2);
    if (!inPlace) padImageRows(image, xp, inH, inW, inC, Hp, Wp, padTop, padLeft, oh0 * sH, paddedRowsEnd(oh1, kH, sH, dH));
    convRows(inPlace ? image : xp, inPlace ? inW : Wp, w, wp, bias, out + (<usize>((n * outH + oh0) * outW * outC) << 2), inC, outW, outC, kH, kW, sH, sW, dH, dW, act, oh0, oh1);
    r += oh1 - oh0;
  }
}

// Rows and columns of the zero-bordered copy of an image that the windows of outN outputs
// reach (k taps, d pixels apart).
// @ts-ignore: decorator
@inline export function paddedSize(outN: i32, k: i32, stride: i32, d: i32): i32 { return (outN - 1) * stride + (k - 1) * d + 1; }

// Bytes of weights (one block of output channels, all taps) that convRows keeps hot while it
// sweeps every pixel of its rows: half of this core's L1 data cache. Bigger kernels (a 3x3
// 128 -> 128 one is 590 KB, more than the 512 KB L2) are swept a block of columns at a time,
// so they are read from memory once per call instead of once per four pixels.
const WEIGHT_BLOCK_BYTES = 16 << 10;

// Output channels per block for convRows: a multiple of 8 whose taps fit WEIGHT_BLOCK_BYTES
// (at least 8), or all of them when the whole kernel is small enough to stay in L2 anyway and
// is read in place (packed panels are read a block at a time either way).
// @ts-ignore: decorator
@inline function columnBlock(taps: i32, outC: i32, packed: bool): i32 {
  const n8 = outC & ~7;
  if (!packed && <i64>taps * outC * 4 <= 128 << 10) return max(n8, 8);
  return max(8, (WEIGHT_BLOCK_BYTES / (taps * 4 * 8)) * 8);
}

// Output rows [oh0, oh1) of one image from its zero-bordered copy xp ([Hp, Wp, C]), written
// row-major at dst. The GEMM's 4x8 register tile, with four neighbouring windows as its four A
// rows: for one kernel row their taps and channels are one contiguous run of kW*C floats each
// (without dilation; with it, kW runs of C floats dW pixels apart), evenly spaced, so the
// inner loop is the GEMM's own. Output channels go in blocks (columnBlock) swept over all the
// rows' pixels, so that a block's weights are read once from memory and then from cache.
// act: the epilogue activation (see epilogue).
export function convRows(xp: usize, Wp: i32, w: usize, wp: usize, bias: usize, dst: usize, C: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, dH: i32, dW: i32, act: i32, oh0: i32, oh1: i32, jLo: i32 = 0, jHi: i32 = i32.MAX_VALUE): void {
  const n8 = outC & ~7, run = kW * C;
  const aStep = <usize>(sW * C) << 2, kRow = <usize>(Wp * C) << 2;
  // A kernel row as `segs` contiguous runs of `seg` floats, segStep bytes apart.
  const segs = dW == 1 ? 1 : kW, seg = dW == 1 ? run : C, segStep = <usize>(dW * C) << 2, tapRow = <usize>dH * kRow;
  const block = columnBlock(kH * run, outC, wp != 0), jEnd = min(n8, jHi), tail = jHi >= outC && n8 < outC;
  if (outW >= 4) for (let j0 = jLo; j0 < jEnd; j0 += block) {
    const j1 = min(jEnd, j0 + block);
    for (let oh = oh0; oh < oh1; oh++) {
      const rowBase = xp + <usize>(oh * sH) * kRow;
      const d = dst + (<usize>((oh - oh0) * outW * outC) << 2);
      // Four pixels at a time; a row's last four end at its end (overlapping the previous four
      // where outW % 4 != 0: computing a few pixels twice costs less than a one-pixel tail).
      for (let g = 0; g < outW; g += 4) {
        const ow = min(g, outW - 4);
        for (let j = j0; j < j1; j += 8) {
          // Packed: panel j / 8 holds the block's 8 weights of each tap side by side.
          const pb = wp ? wp + (<usize>(j * kH * run) << 2) : w + (<usize>j << 2);
          convTile(rowBase + <usize>ow * aStep, aStep, tapRow, pb, wp ? 32 : <usize>outC << 2, bias, d + (<usize>(ow * outC + j) << 2), outC, kH, segs, seg, segStep, act, j);
        }
      }
    }
  }
  for (let oh = oh0; oh < oh1; oh++) {
    const rowBase = xp + <usize>(oh * sH) * kRow;
    const d = dst + (<usize>((oh - oh0) * outW * outC) << 2);
    if (outW < 4) {
      // Columns [jLo, jHi): the panels' channels a vector of 4 at a time, then the tail's.
      for (let ow = 0; ow < outW; ow++) {
        const p = rowBase + <usize>ow * aStep, o = d + (<usize>(ow * outC) << 2);
        if (jLo < jEnd) convPixel(p, tapRow, w, bias, o, segs, seg, segStep, jEnd, outC, kH, act, jLo);
        if (tail) convPixel(p, tapRow, w, bias, o, segs, seg, segStep, outC, outC, kH, act, n8);
      }
    } else if (tail) for (let ow = 0; ow < outW; ow++) convPixel(rowBase + <usize>ow * aStep, tapRow, w, bias, d + (<usize>(ow * outC) << 2), segs, seg, segStep, outC, outC, kH, act, n8);
  }
}

// One 4x8 tile of convRows: output channels [j, j + 8) of four pixels whose windows start at
// pa, pa + aStep, ..., written at pc (pixels outC floats apart); the tap's 8 weights at pb,
// the next tap's bStep bytes on.

// Packs the kernel's [K, outC] weights into panels of 8 output channels, [outC / 8][K][8]
// (panels [start, end)): convRows then reads one tap's 8 weights from one half cache line,
// the next tap's right after, instead of outC floats apart (which at 128+ channels maps
// every tap into the same few cache sets).
export function packPanels(w: usize, wp: usize, K: i32, outC: i32, start: i32, end: i32): void {
  const rowBytes = <usize>outC << 2;
  for (let p = start; p < end; p++) {
    let src = w + (<usize>(8 * p) << 2), dst = wp + (<usize>(p * K) << 5);
    for (let k = 0; k < K; k++) {
      v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
      src += rowBytes; dst += 32;
    }
  }
}
function convTile(pa: usize, aStep: usize, tapRow: usize, pb: usize, bStep: usize, bias: usize, pc: usize, outC: i32, kH: i32, segs: i32, seg: i32, segStep: usize, act: i32, j: i32): void {
  const wStep = <usize>outC << 2;
  const zero = f32x4.splat(0);
  const i0 = initial(bias, j), i1 = initial(bias, j + 4);
  let c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
  for (let kh = 0; kh < kH; kh++) {
    for (let sg = 0; sg < segs; sg++) {
      let p = pa + <usize>kh * tapRow + <usize>sg * segStep;
      for (let t = 0; t < seg; t++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const a0 = v128.load32_splat(p), a1 = v128.load32_splat(p + aStep);
        const a2 = v128.load32_splat(p + 2 * aStep), a3 = v128.load32_splat(p + 3 * aStep);
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
        c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
        pb += bStep;
        p += 4;
      }
    }
  }
  if (act) {
    c00 = epilogue(c00, act, zero); c01 = epilogue(c01, act, zero); c10 = epilogue(c10, act, zero); c11 = epilogue(c11, act, zero);
    c20 = epilogue(c20, act, zero); c21 = epilogue(c21, act, zero); c30 = epilogue(c30, act, zero); c31 = epilogue(c31, act, zero);
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + wStep, c10); v128.store(pc + wStep, c11, 16);
  v128.store(pc + 2 * wStep, c20); v128.store(pc + 2 * wStep, c21, 16);
  v128.store(pc + 3 * wStep, c30); v128.store(pc + 3 * wStep, c31, 16);
}

// Output channels [j0, j1) of one output pixel whose window starts at p (kernel rows tapRow
// bytes apart, each `segs` runs of `seg` floats segStep bytes apart).
function convPixel(p: usize, tapRow: usize, w: usize, bias: usize, d: usize, segs: i32, seg: i32, segStep: usize, j1: i32, outC: i32, kH: i32, act: i32, j0: i32): void {
  const wStep = <usize>outC << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    let acc = initial(bias, j);
    let pb = w + (<usize>j << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let sg = 0; sg < segs; sg++) {
        let pa = p + <usize>kh * tapRow + <usize>sg * segStep;
        for (let t = 0; t < seg; t++) { acc = madd(v128.load32_splat(pa), v128.load(pb), acc); pa += 4; pb += wStep; }
      }
    }
    v128.store(d + (<usize>j << 2), epilogue(acc, act, f32x4.splat(0)));
  }
  for (; j < j1; j++) {
    let acc: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
    let pb = w + (<usize>j << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let sg = 0; sg < segs; sg++) {
        let pa = p + <usize>kh * tapRow + <usize>sg * segStep;
        for (let t = 0; t < seg; t++) { acc += load<f32>(pa) * load<f32>(pb); pa += 4; pb += wStep; }
      }
    }
    store<f32>(d + (<usize>j << 2), epilogue1(acc, act));
  }
}

// Convolution fused with 2x2, stride-2 max pooling: the convolution's output is computed a few
// row pairs at a time into this thread's scratch and pooled from there, never written out.
// argmax holds flat indices into that (unstored) output, as maxPool's do. Needs outH, outW
// even and outC % 4 == 0. This is the im2col version, over conv output rows [row0, row1)
// (whole row pairs); convPoolDirect is the direct one.
export function convPool(x: usize, w: usize, bias: usize, pooled: usize, argmax: usize, panels: usize,
  inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32,
  dH: i32, dW: i32, chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC, pair = 2 * outW;
  const R = max(1, PANEL / pair) * pair;
  const outPanel = panels + (<usize>((row0 / chunk) * R * (outC + K)) << 2);
  const colPanel = outPanel + (<usize>(R * outC) << 2);
  for (let p0 = row0; p0 < row1; p0 += R) {
    const rows = min(R, row1 - p0);
    im2colInto(x, colPanel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, dH, dW, p0, p0 + rows);
    gemm(colPanel, K, 1, w, outPanel, rows, K, outC, bias, 0, rows);
    for (let r = p0; r < p0 + rows; r += pair) poolRowPair(outPanel + (<usize>((r - p0) * outC) << 2), pooled, argmax, r, outH, outW, outC);
  }
}

// convPool for inC >= 8, over pooled rows (pairs of output rows) [p0, p1) of all images
// (batch * outH / 2): the input rows they read, of each image met, are copied into this
// chunk's zero-bordered scratch, and its rows computed (convRows) and pooled a row pair at a time. Chunks of whole images copy each
// image once; smaller ones (a batch smaller than the threads) split an image's rows.
export function convPoolDirect(x: usize, w: usize, wp: usize, bias: usize, pooled: usize, argmax: usize, pads: usize,
  inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32,
  dH: i32, dW: i32, pairs: i32, chunk: i32, p0: i32, p1: i32): void {
  // `pairs` row pairs at a time (scratch for 2 * pairs rows): each sweep over the weights
  // serves that many rows (at small maps, the whole image).
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW), row = outW * outC, half = outH >> 1;
  const xp = pads + (<usize>((p0 / chunk) * (Hp * Wp * inC + 2 * pairs * row)) << 2);
  const pairOut = xp + (<usize>(Hp * Wp * inC) << 2);
  for (let p = p0; p < p1;) {
    const n = p / half, q0 = p - n * half, q1 = min(half, q0 + p1 - p);
    padImageRows(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, Hp, Wp, padTop, padLeft, 2 * q0 * sH, paddedRowsEnd(2 * q1, kH, sH, dH));
    for (let q = q0; q < q1; q += pairs) {
      const oh = 2 * q, oh1 = 2 * min(q1, q + pairs);
      convRows(xp, Wp, w, wp, bias, pairOut, inC, outW, outC, kH, kW, sH, sW, dH, dW, 0, oh, oh1);
      for (let r = oh; r < oh1; r += 2) poolRowPair(pairOut + (<usize>((r - oh) * row) << 2), pooled, argmax, (n * outH + r) * outW, outH, outW, outC);
    }
    p += q1 - q0;
  }
}

// Pools one pair of convolution output rows (starting at flat output row r, held at src) into
// pooled and argmax: the first maximum of each window, scanned in maxPool's order.
export function poolRowPair(src: usize, pooled: usize, argmax: usize, r: i32, outH: i32, outW: i32, outC: i32, c0: i32 = 0, c1: i32 = i32.MAX_VALUE): void {
  const cEnd = min(c1, outC);
  const lanes = i32x4(0, 1, 2, 3);
  const pH = outH >> 1, pW = outW >> 1, rowBytes = <usize>outC << 2;
  const n = r / (outH * outW), oh = (r / outW) % outH;
  for (let ow = 0; ow < outW; ow += 2) {
    const a = r + ow; // the window's top-left conv row; the others are +1, +outW, +outW+1
    const s = src + <usize>ow * rowBytes;
    const dst = <usize>(((n * pH + (oh >> 1)) * pW + (ow >> 1)) * outC) << 2;
    for (let c = c0; c < cEnd; c += 4) {
      const o = <usize>c << 2;
      let best = v128.load(s + o);
      let at = i32x4.add(i32x4.splat(a * outC + c), lanes);
      let v = v128.load(s + rowBytes + o);
      let take = f32x4.gt(v, best);
      best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + 1) * outC + c), lanes), at, take);
      v = v128.load(s + <usize>outW * rowBytes + o);
      take = f32x4.gt(v, best);
      best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + outW) * outC + c), lanes), at, take);
      v = v128.load(s + <usize>(outW + 1) * rowBytes + o);
      take = f32x4.gt(v, best);
      best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + outW + 1) * outC + c), lanes), at, take);
      v128.store(pooled + dst + o, best);
      v128.store(argmax + dst + o, at);
    }
  }
}

// Copies one [inH, inW, C] image into a zeroed [Hp, Wp, C] one at (padTop, padLeft), cut to fit.
export function padImage(src: usize, dst: usize, inH: i32, inW: i32, C: i32, Hp: i32, Wp: i32, padTop: i32, padLeft: i32): void {
  padImageRows(src, dst, inH, inW, C, Hp, Wp, padTop, padLeft, 0, Hp);
}

// padImage's rows [h0, h1) of the zero-bordered copy only: a chunk of some output rows of one
// image (batch 1, split between threads) reads just these, so each thread copies its share.
export function padImageRows(src: usize, dst: usize, inH: i32, inW: i32, C: i32, Hp: i32, Wp: i32, padTop: i32, padLeft: i32, h0: i32, h1: i32): void {
  const end = min(h1, Hp), rowFloats = Wp * C;
  memory.fill(dst + (<usize>(h0 * rowFloats) << 2), 0, <usize>((end - h0) * rowFloats) << 2);
  const cols = min(inW, Wp - padLeft), bytes = <usize>(cols * C) << 2;
  for (let i = max(0, h0 - padTop); i < inH; i++) {
    const r = i + padTop;
    if (r >= end) break;
    copyFloats(dst + (<usize>((r * Wp + padLeft) * C) << 2), src + (<usize>(i * inW * C) << 2), bytes);
  }
}

// The rows of the zero-bordered copy that output rows [oh0, oh1) read (k taps, d apart, stride s).
// @ts-ignore: decorator
@inline function paddedRowsEnd(oh1: i32, k: i32, s: i32, d: i32): i32 { return (oh1 - 1) * s + (k - 1) * d + 1; }
