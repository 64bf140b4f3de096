import { select } from './common';
// Max pooling and its gradient.

// The common 2x2 window at stride 2 with every window inside the image (no padding), C a
// multiple of 4: the four taps are four loads at fixed offsets, taken in maxPool's order (the
// first tap always, then each one larger than the best so far), so results and argmax are
// maxPool's, NaN included; no per-tap index arithmetic or window bounds.
function maxPool2x2(x: usize, out: usize, argmax: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, r0: i32, r1: i32): void {
  // The argmax as the window's top-left index plus the chosen tap's offset (0, right, down or
  // diag), selected as constants and added once; the top-left indices run in a vector.
  const four = i32x4.splat(4), right = i32x4.splat(C), down = i32x4.splat(inW * C), diag = i32x4.splat(inW * C + C);
  const rowBytes = <usize>(inW * C) << 2, cBytes = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r - n * outH;
    const top = (n * inH + 2 * oh) * inW * C;
    let idx = i32x4.add(i32x4.splat(top), i32x4(0, 1, 2, 3));
    let o = <usize>(((n * outH + oh) * outW) * C) << 2, px = x + (<usize>top << 2);
    for (let ow = 0; ow < outW; ow++) {
      for (let c = 0; c < C; c += 4) {
        let best = v128.load(px);
        const v1 = v128.load(px + cBytes), v2 = v128.load(px + rowBytes), v3 = v128.load(px + rowBytes + cBytes);
        let take = f32x4.gt(v1, best);
        best = select(v1, best, take); let at = v128.and(right, take);
        take = f32x4.gt(v2, best);
        best = select(v2, best, take); at = select(down, at, take);
        take = f32x4.gt(v3, best);
        best = select(v3, best, take); at = select(diag, at, take);
        v128.store(out + o, best);
        v128.store(argmax + o, i32x4.add(idx, at));
        idx = i32x4.add(idx, four);
        px += 16; o += 16;
      }
      // The next window starts two pixels on: skip the right-hand pixel's channels.
      idx = i32x4.add(idx, right); px += cBytes;
    }
  }
}

// Max pooling over output rows [r0, r1) of all images (batch * outH: one image's rows split
// between threads at batch 1); argmax (i32) keeps the flat input index of each max.
// Four channels at a time: a compare mask selects both the larger values and their indices.
export function maxPool(x: usize, out: usize, argmax: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, r0: i32, r1: i32): void {
  // ('same' padding of an odd size has no top or left padding but a last window past the image: not this path.)
  if (pH == 2 && pW == 2 && sH == 2 && sW == 2 && padTop == 0 && padLeft == 0 && 2 * outH <= inH && 2 * outW <= inW && (C & 3) == 0) {
    maxPool2x2(x, out, argmax, inH, inW, C, outH, outW, r0, r1);
    return;
  }
  const c4 = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r - n * outH;
    {
      const h0 = max(oh * sH - padTop, 0), h1 = min(oh * sH - padTop + pH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = max(ow * sW - padLeft, 0), w1 = min(ow * sW - padLeft + pW, inW);
        const o = ((n * outH + oh) * outW + ow) * C;
        let c = 0;
        for (; c < c4; c += 4) {
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(-1);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const xi = ((n * inH + ih) * inW + iw) * C + c;
              const v = v128.load(x + (<usize>xi << 2));
              // Take v where it is larger, or where nothing was taken yet (NaN and -Infinity inputs).
              const take = v128.or(f32x4.gt(v, best), i32x4.eq(at, i32x4.splat(-1)));
              best = v128.bitselect(v, best, take);
              at = v128.bitselect(i32x4.add(i32x4.splat(xi), lanes), at, take);
            }
          }
          v128.store(out + (<usize>(o + c) << 2), best);
          v128.store(argmax + (<usize>(o + c) << 2), at);
        }
        for (; c < C; c++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const xi = ((n * inH + ih) * inW + iw) * C + c;
              const v = load<f32>(x + (<usize>xi << 2));
              if (v > best || at < 0) { best = v; at = xi; }
            }
          }
          store<f32>(out + (<usize>(o + c) << 2), best);
          store<i32>(argmax + (<usize>(o + c) << 2), at);
        }
      }
    }
  }
}

// dx (zeroed here for images [n0, n1)) receives each output gradient at its argmax.
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, inSize: i32, outSize: i32, n0: i32, n1: i32): void {
  memory.fill(dx + (<usize>(n0 * inSize) << 2), 0, <usize>((n1 - n0) * inSize) << 2);
  for (let o = n0 * outSize; o < n1 * outSize; o++) {
    const at = <usize>load<i32>(argmax + (<usize>o << 2)) << 2;
    store<f32>(dx + at, load<f32>(dx + at) + load<f32>(dy + (<usize>o << 2)));
  }
}

// The same when the windows tile the input exactly (stride = pool size, no padding, C a
// multiple of 4): every input pixel belongs to one window, so dx is written once, in order,
// as 0 + dy where the argmax points and zero elsewhere (no zeroing pass, no scattered adds).
// [r0, r1): output rows of all images (batch * outH), each writing its own pH input rows, so
// one image's rows split between threads and any split writes the same values.
export function maxPoolBackwardTiled(dy: usize, argmax: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, r0: i32, r1: i32): void {
  if (pH == 2 && pW == 2) {
    maxPoolBackward2x2(dy, argmax, dx, inH, inW, C, outH, outW, r0, r1);
    return;
  }
  const lanes = i32x4(0, 1, 2, 3);
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r - n * outH;
    for (let ih = oh * pH; ih < oh * pH + pH; ih++) {
      for (let iw = 0; iw < inW; iw++) {
        const ow = iw / pW;
        const xi = ((n * inH + ih) * inW + iw) * C;
        const o = ((n * outH + oh) * outW + ow) * C;
        for (let c = 0; c < C; c += 4) {
          const hit = i32x4.eq(v128.load(argmax + (<usize>(o + c) << 2)), i32x4.add(i32x4.splat(xi + c), lanes));
          v128.store(dx + (<usize>(xi + c) << 2), v128.and(f32x4.add(v128.load(dy + (<usize>(o + c) << 2)), f32x4.splat(0)), hit)); // 0 + dy, as the reference
        }
      }
    }
  }
}

// maxPoolBackwardTiled for 2x2 windows: per output vector, dy and argmax read once and the
// window's four input vectors written from them (the general kernel reads them once per input
// pixel and divides to find the window).
function maxPoolBackward2x2(dy: usize, argmax: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, r0: i32, r1: i32): void {
  // The argmax minus the window's top-left index is the tap's offset: 0, right, down or diag.
  const four = i32x4.splat(4), right = i32x4.splat(C), down = i32x4.splat(inW * C), diag = i32x4.splat(inW * C + C), zero = i32x4.splat(0), fzero = f32x4.splat(0);
  const rowBytes = <usize>(inW * C) << 2, cBytes = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r - n * outH;
    const top = (n * inH + 2 * oh) * inW * C;
    let idx = i32x4.add(i32x4.splat(top), i32x4(0, 1, 2, 3));
    let o = <usize>(((n * outH + oh) * outW) * C) << 2, pd = dx + (<usize>top << 2);
    for (let ow = 0; ow < outW; ow++) {
      for (let c = 0; c < C; c += 4) {
        // 0 + dy: the reference's zero-filled dx plus dy (so -0 gives +0; NaN and infinities kept).
        const g = f32x4.add(v128.load(dy + o), fzero), tap = i32x4.sub(v128.load(argmax + o), idx);
        v128.store(pd, v128.and(g, i32x4.eq(tap, zero)));
        v128.store(pd + cBytes, v128.and(g, i32x4.eq(tap, right)));
        v128.store(pd + rowBytes, v128.and(g, i32x4.eq(tap, down)));
        v128.store(pd + rowBytes + cBytes, v128.and(g, i32x4.eq(tap, diag)));
        idx = i32x4.add(idx, four);
        pd += 16; o += 16;
      }
      idx = i32x4.add(idx, right); pd += cBytes;
    }
  }
}
