// Average pooling and nearest/bilinear resizing (NHWC), four channels per vector. The forward
// passes run over a range of output rows of all images (batch * outH: one image's rows split
// between threads at batch 1), the backward ones over images [n0, n1), so that threads never
// add to the same pixels.

// The mean of each window over its pixels inside the input (TensorFlow's rule for 'same'); [n0, n1): output rows.
// From 32 channels each output pixel's sums build in place tap by tap (the input pixel's
// channels read contiguously, the sums in L1), then are scaled: the same additions in the same
// order as the per-quad loop below it, so the same sums bit for bit, without an address
// recomputed per load (1.05-1.9x at 32-256 channels, bench/avgpool-ab.ts); fewer keep that loop (16: 0.92x).
export function avgPool(x: usize, out: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3, pixel = <usize>C << 2;
  for (let r0 = n0; r0 < n1; r0++) {
    const n = r0 / outH, oh = r0 - n * outH;
    const h0 = max(oh * sH - padTop, 0), h1 = min(oh * sH - padTop + pH, inH);
    for (let ow = 0; ow < outW; ow++) {
      const w0 = max(ow * sW - padLeft, 0), w1 = min(ow * sW - padLeft + pW, inW);
      const inv: f32 = 1 / <f32>((h1 - h0) * (w1 - w0));
      const o = out + (<usize>(((n * outH + oh) * outW + ow) * C) << 2);
      if (C >= 32) {
        memory.fill(o, 0, pixel);
        for (let ih = h0; ih < h1; ih++) {
          let p = x + (<usize>(((n * inH + ih) * inW + w0) * C) << 2);
          for (let iw = w0; iw < w1; iw++, p += pixel) {
            let c = 0;
            for (; c < c4; c += 4) {
              const a = o + (<usize>c << 2);
              v128.store(a, f32x4.add(v128.load(a), v128.load(p + (<usize>c << 2))));
            }
            for (; c < C; c++) {
              const a = o + (<usize>c << 2);
              store<f32>(a, load<f32>(a) + load<f32>(p + (<usize>c << 2)));
            }
          }
        }
        const scale = f32x4.splat(inv);
        let c = 0;
        for (; c < c4; c += 4) { const a = o + (<usize>c << 2); v128.store(a, f32x4.mul(v128.load(a), scale)); }
        for (; c < C; c++) { const a = o + (<usize>c << 2); store<f32>(a, load<f32>(a) * inv); }
        continue;
      }
      let c = 0;
      for (; c < c4; c += 4) {
        let s = f32x4.splat(0);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) s = f32x4.add(s, v128.load(x + (<usize>(((n * inH + ih) * inW + iw) * C + c) << 2)));
        }
        v128.store(o + (<usize>c << 2), f32x4.mul(s, f32x4.splat(inv)));
      }
      for (; c < C; c++) {
        let s: f32 = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += load<f32>(x + (<usize>(((n * inH + ih) * inW + iw) * C + c) << 2));
        store<f32>(o + (<usize>c << 2), s * inv);
      }
    }
  }
}

// dx (zeroed here for images [n0, n1)) receives each output gradient / window size over its window.
export function avgPoolBackward(dy: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3;
  memory.fill(dx + (<usize>(n0 * inH * inW * C) << 2), 0, <usize>((n1 - n0) * inH * inW * C) << 2);
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const h0 = max(oh * sH - padTop, 0), h1 = min(oh * sH - padTop + pH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = max(ow * sW - padLeft, 0), w1 = min(ow * sW - padLeft + pW, inW);
        const inv: f32 = 1 / <f32>((h1 - h0) * (w1 - w0));
        const g = dy + (<usize>(((n * outH + oh) * outW + ow) * C) << 2);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = dx + (<usize>(((n * inH + ih) * inW + iw) * C) << 2);
            let c = 0;
            for (; c < c4; c += 4) {
              const p = d + (<usize>c << 2);
              v128.store(p, f32x4.add(v128.load(p), f32x4.mul(v128.load(g + (<usize>c << 2)), f32x4.splat(inv))));
            }
            for (; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(d + (<usize>c << 2)) + load<f32>(g + (<usize>c << 2)) * inv);
          }
        }
      }
    }
  }
}

// Source rows (or columns) of a resize, TF2's half-pixel rule: lo, hi and the weight of hi.
// Written by the caller into taps (i32 lo, i32 hi, f32 frac per output index).
// Forward: out = lerp(lerp(a, b, fx), lerp(c, d, fx), fy), channels in vectors; [n0, n1): output rows.
export function resize(x: usize, out: usize, rows: usize, cols: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, nearest: bool, n0: i32, n1: i32): void {
  if (nearest) return resizeNearest(x, out, rows, cols, inH, inW, C, outH, outW, n0, n1);
  const c4 = C & ~3;
  for (let r0 = n0; r0 < n1; r0++) {
    const n = r0 / outH, oh = r0 - n * outH;
    {
      const r = rows + (<usize>oh * 12);
      const top = (n * inH + load<i32>(r)) * inW, bottom = (n * inH + load<i32>(r, 4)) * inW;
      const fy = load<f32>(r, 8), vfy = f32x4.splat(fy);
      for (let ow = 0; ow < outW; ow++) {
        const q = cols + (<usize>ow * 12);
        const l = load<i32>(q), rr = load<i32>(q, 4), fx = load<f32>(q, 8), vfx = f32x4.splat(fx);
        const pa = x + (<usize>((top + l) * C) << 2), pb = x + (<usize>((top + rr) * C) << 2);
        const pc = x + (<usize>((bottom + l) * C) << 2), pd = x + (<usize>((bottom + rr) * C) << 2);
        const po = out + (<usize>(((n * outH + oh) * outW + ow) * C) << 2);
        let c = 0;
        for (; c < c4; c += 4) {
          const o = <usize>c << 2;
          const a = v128.load(pa + o), c0 = v128.load(pc + o);
          const t = f32x4.add(a, f32x4.mul(f32x4.sub(v128.load(pb + o), a), vfx));
          const b = f32x4.add(c0, f32x4.mul(f32x4.sub(v128.load(pd + o), c0), vfx));
          v128.store(po + o, f32x4.add(t, f32x4.mul(f32x4.sub(b, t), vfy)));
        }
        for (; c < C; c++) {
          const o = <usize>c << 2;
          const a = load<f32>(pa + o), c0 = load<f32>(pc + o);
          const t = a + (load<f32>(pb + o) - a) * fx, b = c0 + (load<f32>(pd + o) - c0) * fx;
          store<f32>(po + o, t + (b - t) * fy);
        }
      }
    }
  }
}

// dx (zeroed here for images [n0, n1)) receives each output gradient on its four sources (nearest: on its one).
export function resizeBackward(dy: usize, dx: usize, rows: usize, cols: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, nearest: bool, n0: i32, n1: i32): void {
  const c4 = C & ~3;
  memory.fill(dx + (<usize>(n0 * inH * inW * C) << 2), 0, <usize>((n1 - n0) * inH * inW * C) << 2);
  if (nearest) return resizeNearestBackward(dy, dx, rows, cols, inH, inW, C, outH, outW, n0, n1);
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const r = rows + (<usize>oh * 12);
      const top = (n * inH + load<i32>(r)) * inW, bottom = (n * inH + load<i32>(r, 4)) * inW;
      const fy = load<f32>(r, 8);
      for (let ow = 0; ow < outW; ow++) {
        const q = cols + (<usize>ow * 12);
        const l = load<i32>(q), rr = load<i32>(q, 4), fx = load<f32>(q, 8);
        const one: f32 = 1;
        const wa = (one - fy) * (one - fx), wb = (one - fy) * fx, wc = fy * (one - fx), wd = fy * fx;
        const pa = dx + (<usize>((top + l) * C) << 2), pb = dx + (<usize>((top + rr) * C) << 2);
        const pc = dx + (<usize>((bottom + l) * C) << 2), pd = dx + (<usize>((bottom + rr) * C) << 2);
        const pg = dy + (<usize>(((n * outH + oh) * outW + ow) * C) << 2);
        let c = 0;
        for (; c < c4; c += 4) {
          const o = <usize>c << 2;
          const g = v128.load(pg + o);
          // One source after the other: with nearest (or at borders) they may be the same pixel.
          v128.store(pa + o, f32x4.add(v128.load(pa + o), f32x4.mul(g, f32x4.splat(wa))));
          v128.store(pb + o, f32x4.add(v128.load(pb + o), f32x4.mul(g, f32x4.splat(wb))));
          v128.store(pc + o, f32x4.add(v128.load(pc + o), f32x4.mul(g, f32x4.splat(wc))));
          v128.store(pd + o, f32x4.add(v128.load(pd + o), f32x4.mul(g, f32x4.splat(wd))));
        }
        for (; c < C; c++) {
          const o = <usize>c << 2;
          const g = load<f32>(pg + o);
          store<f32>(pa + o, load<f32>(pa + o) + g * wa);
          store<f32>(pb + o, load<f32>(pb + o) + g * wb);
          store<f32>(pc + o, load<f32>(pc + o) + g * wc);
          store<f32>(pd + o, load<f32>(pd + o) + g * wd);
        }
      }
    }
  }
}

// Nearest: each output pixel is a copy of its source pixel (the taps' lo; no lerp, whose
// (b - a) * 0 made an infinity NaN and -0 +0), one source row per output row.
function resizeNearest(x: usize, out: usize, rows: usize, cols: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3, bytes = <usize>C << 2, rowBytes = <usize>outW * bytes;
  for (let r0 = n0; r0 < n1; r0++) {
    const n = r0 / outH, oh = r0 - n * outH;
    {
      const ih = load<i32>(rows + (<usize>oh * 12));
      let po = out + <usize>((n * outH + oh) * outW) * bytes;
      // The row above (written by this call) had the same source: one bulk copy of it.
      if (r0 > n0 && oh > 0 && load<i32>(rows + (<usize>(oh - 1) * 12)) == ih) { memory.copy(po, po - rowBytes, rowBytes); continue; }
      const src = x + (<usize>((n * inH + ih) * inW) * bytes);
      for (let ow = 0; ow < outW; ow++) {
        const pa = src + <usize>load<i32>(cols + (<usize>ow * 12)) * bytes;
        let c = 0;
        for (; c < c4; c += 4) v128.store(po + (<usize>c << 2), v128.load(pa + (<usize>c << 2)));
        for (; c < C; c++) store<f32>(po + (<usize>c << 2), load<f32>(pa + (<usize>c << 2)));
        po += bytes;
      }
    }
  }
}

// Nearest's gradient: each output gradient added to its source pixel of dx (zeroed by the caller), in output order.
function resizeNearestBackward(dy: usize, dx: usize, rows: usize, cols: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3, bytes = <usize>C << 2;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const dst = dx + (<usize>((n * inH + load<i32>(rows + (<usize>oh * 12))) * inW) * bytes);
      let pg = dy + <usize>((n * outH + oh) * outW) * bytes;
      for (let ow = 0; ow < outW; ow++) {
        const pa = dst + <usize>load<i32>(cols + (<usize>ow * 12)) * bytes;
        let c = 0;
        for (; c < c4; c += 4) { const o = <usize>c << 2; v128.store(pa + o, f32x4.add(v128.load(pa + o), v128.load(pg + o))); }
        for (; c < C; c++) { const o = <usize>c << 2; store<f32>(pa + o, load<f32>(pa + o) + load<f32>(pg + o)); }
        pg += bytes;
      }
    }
  }
}

// Nearest's gradient as a gather over input rows [r0, r1) of all images (batch * inH): each dx
// pixel is 0 plus the output gradients of the pixels that copied it, added in output order
// (rows, then columns: the order of the scatter above, so the sums are the same bit for bit),
// written once (no zeroing pass, no read-modify-write of dx in memory). rowSpans / colSpans:
// i32 [first, end) of the output rows (columns) whose source is each input row (column).
export function resizeNearestGather(dy: usize, dx: usize, rowSpans: usize, colSpans: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, r0: i32, r1: i32): void {
  const c4 = C & ~3, bytes = <usize>C << 2, zero = f32x4.splat(0), outRow = <usize>outW * bytes;
  for (let r = r0; r < r1; r++) {
    const n = r / inH, ih = r - n * inH;
    const oh0 = load<i32>(rowSpans + (<usize>ih << 3)), oh1 = load<i32>(rowSpans + (<usize>ih << 3), 4);
    const rowStart = dy + <usize>((n * outH + oh0) * outW) * bytes;
    let pd = dx + <usize>(r * inW) * bytes;
    for (let iw = 0; iw < inW; iw++) {
      const ow0 = load<i32>(colSpans + (<usize>iw << 3)), ow1 = load<i32>(colSpans + (<usize>iw << 3), 4);
      const pg = rowStart + <usize>ow0 * bytes;
      let c = 0;
      if (oh1 - oh0 == 2 && ow1 - ow0 == 2) {
        // A 2x2 block (UpSampling2D's factor 2): four loads per vector, summed in output order.
        for (; c < c4; c += 4) {
          const o = <usize>c << 2;
          const s = f32x4.add(f32x4.add(f32x4.add(zero, v128.load(pg + o)), v128.load(pg + bytes + o)), v128.load(pg + outRow + o));
          v128.store(pd + o, f32x4.add(s, v128.load(pg + outRow + bytes + o)));
        }
      } else {
        for (; c < c4; c += 4) {
          const o = <usize>c << 2;
          let s = zero, row = pg; // no span (a shrinking resize's unused source): +0
          for (let oh = oh0; oh < oh1; oh++) {
            for (let ow = ow0; ow < ow1; ow++) s = f32x4.add(s, v128.load(row + <usize>(ow - ow0) * bytes + o));
            row += outRow;
          }
          v128.store(pd + o, s);
        }
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        let s: f32 = 0, row = pg;
        for (let oh = oh0; oh < oh1; oh++) {
          for (let ow = ow0; ow < ow1; ow++) s += load<f32>(row + <usize>(ow - ow0) * bytes + o);
          row += outRow;
        }
        store<f32>(pd + o, s);
      }
      pd += bytes;
    }
  }
}

// Average pooling's gradient by input rows [r0, r1) of all images (batch * inH): each row of dx
// is zeroed, then receives dy / window size from every window over it, windows in output order
// (the order of avgPoolBackward's scatter, so the sums are the same bit for bit), while the row
// is in L1 (no zeroing pass over the whole of dx first). Threads own whole rows, so one image's
// rows split between threads and any split writes the same values.
export function avgPoolGather(dy: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, r0: i32, r1: i32): void {
  const c4 = C & ~3, bytes = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const n = r / inH, ih = r - n * inH;
    // Windows oh with oh sH - padTop <= ih < oh sH - padTop + pH.
    const lowH = ih + padTop - pH + 1, oh0 = lowH <= 0 ? 0 : (lowH + sH - 1) / sH, oh1 = min((ih + padTop) / sH + 1, outH);
    const pr = dx + <usize>(r * inW) * bytes;
    memory.fill(pr, 0, <usize>inW * bytes);
    for (let oh = oh0; oh < oh1; oh++) {
      const hh = min(oh * sH - padTop + pH, inH) - max(oh * sH - padTop, 0);
      const row = dy + <usize>((n * outH + oh) * outW) * bytes;
      for (let ow = 0; ow < outW; ow++) {
        const w0 = max(ow * sW - padLeft, 0), w1 = min(ow * sW - padLeft + pW, inW);
        const inv: f32 = 1 / <f32>(hh * (w1 - w0)), vinv = f32x4.splat(inv), pg = row + <usize>ow * bytes;
        for (let iw = w0; iw < w1; iw++) {
          const pd = pr + <usize>iw * bytes;
          let c = 0;
          for (; c < c4; c += 4) { const o = <usize>c << 2; v128.store(pd + o, f32x4.add(v128.load(pd + o), f32x4.mul(v128.load(pg + o), vinv))); }
          for (; c < C; c++) { const o = <usize>c << 2; store<f32>(pd + o, load<f32>(pd + o) + load<f32>(pg + o) * inv); }
        }
      }
    }
  }
}
