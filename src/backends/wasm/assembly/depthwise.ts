// Depthwise convolution (groups == input channels): each of the C input channels has its own
// M = outC / C filters, and output channel c*M + m reads input channel c only. Each image is
// first copied into a zero-bordered scratch image with every value repeated M times, so that
// output channel f reads channel f of that copy and four channels are one vector: the forward
// pass, the filter gradient and the input gradient are then plain per-channel multiply-adds,
// for any stride and dilation. Threads split by image. The kernel is [kH, kW, 1, C*M].
import { initial, madd, copyFloats } from './common';
import { paddedSize, epilogue, epilogue1 } from './conv';

// Copies an [inH, inW, C] image into a zeroed [Hp, Wp, C*M] one at (padTop, padLeft), each
// value repeated M times, cut to fit.
export function padExpand(src: usize, dst: usize, inH: i32, inW: i32, C: i32, M: i32, Hp: i32, Wp: i32, padTop: i32, padLeft: i32): void {
  const F = C * M;
  memory.fill(dst, 0, <usize>(Hp * Wp * F) << 2);
  const cols = min(inW, Wp - padLeft);
  if (cols <= 0) return;
  for (let i = 0; i < inH; i++) {
    const r = i + padTop;
    if (r >= Hp) break;
    const d = dst + (<usize>((r * Wp + padLeft) * F) << 2), s = src + (<usize>(i * inW * C) << 2);
    if (M == 1) { copyFloats(d, s, <usize>(cols * C) << 2); continue; }
    for (let j = 0; j < cols * C; j++) {
      const v = load<f32>(s + (<usize>j << 2));
      for (let m = 0; m < M; m++) store<f32>(d + (<usize>(j * M + m) << 2), v);
    }
  }
}

// Forward, output rows [r0, r1) of the batch*outH rows of all images (as convDirect: whole
// images per chunk, or an image's rows split between threads): out = act(depthwise(x, w) +
// bias). Four output pixels by four channels at a time (four independent chains; one weight
// load for four multiply-adds).
export function dwConv(x: usize, w: usize, bias: usize, out: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, chunk: i32, r0: i32, r1: i32): void {
  const F = outC, M = outC / inC;
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const xp = pads + (<usize>((r0 / chunk) * Hp * Wp * F) << 2);
  const px = <usize>F << 2, pixStep = <usize>sW * px, kRow = <usize>Wp * px, tapW = <usize>dW * px, tapH = <usize>dH * kRow;
  const F4 = F & ~3, zero = f32x4.splat(0);
  for (let r = r0; r < r1;) {
    const n = r / outH, oh0 = r % outH, oh1 = min(outH, oh0 + r1 - r);
    r += oh1 - oh0;
    padExpand(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, M, Hp, Wp, padTop, padLeft);
    const o = out + (<usize>(n * outH * outW * F) << 2);
    for (let oh = oh0; oh < oh1; oh++) {
      const rowBase = xp + <usize>(oh * sH) * kRow;
      const d = o + <usize>(oh * outW) * px;
      let ow = 0;
      for (; ow + 4 <= outW; ow += 4) {
        const pa = rowBase + <usize>ow * pixStep;
        for (let f = 0; f < F4; f += 4) {
          const b = initial(bias, f);
          let c0 = b, c1 = b, c2 = b, c3 = b;
          let pw = w + (<usize>f << 2);
          for (let kh = 0; kh < kH; kh++) {
            let p = pa + <usize>kh * tapH + (<usize>f << 2);
            for (let kw = 0; kw < kW; kw++) {
              const wv = v128.load(pw);
              c0 = madd(v128.load(p), wv, c0);
              c1 = madd(v128.load(p + pixStep), wv, c1);
              c2 = madd(v128.load(p + 2 * pixStep), wv, c2);
              c3 = madd(v128.load(p + 3 * pixStep), wv, c3);
              p += tapW;
              pw += px;
            }
          }
          const pc = d + <usize>ow * px + (<usize>f << 2);
          v128.store(pc, epilogue(c0, act, zero)); v128.store(pc + px, epilogue(c1, act, zero));
          v128.store(pc + 2 * px, epilogue(c2, act, zero)); v128.store(pc + 3 * px, epilogue(c3, act, zero));
        }
        for (let r = 0; r < 4; r++) dwPixel(pa + <usize>r * pixStep, w, bias, d + <usize>(ow + r) * px, F, kH, kW, tapH, tapW, act, F4);
      }
      for (; ow < outW; ow++) dwPixel(rowBase + <usize>ow * pixStep, w, bias, d + <usize>ow * px, F, kH, kW, tapH, tapW, act, 0);
    }
  }
}

// Channels [f0, F) of one output pixel whose window starts at p: vectors, then singles.
function dwPixel(p: usize, w: usize, bias: usize, d: usize, F: i32, kH: i32, kW: i32, tapH: usize, tapW: usize, act: i32, f0: i32): void {
  const px = <usize>F << 2;
  let f = f0;
  for (; f + 4 <= F; f += 4) {
    let c = initial(bias, f), pw = w + (<usize>f << 2);
    for (let kh = 0; kh < kH; kh++) {
      let q = p + <usize>kh * tapH + (<usize>f << 2);
      for (let kw = 0; kw < kW; kw++) { c = madd(v128.load(q), v128.load(pw), c); q += tapW; pw += px; }
    }
    v128.store(d + (<usize>f << 2), epilogue(c, act, f32x4.splat(0)));
  }
  for (; f < F; f++) {
    let c: f32 = bias ? load<f32>(bias + (<usize>f << 2)) : 0;
    let pw = w + (<usize>f << 2);
    for (let kh = 0; kh < kH; kh++) {
      let q = p + <usize>kh * tapH + (<usize>f << 2);
      for (let kw = 0; kw < kW; kw++) { c += load<f32>(q) * load<f32>(pw); q += tapW; pw += px; }
    }
    store<f32>(d + (<usize>f << 2), epilogue1(c, act));
  }
}

// Filter gradient, images [n0, n1) into partial dW number n0 / chunk ([kH*kW, F]; the caller
// sums the partials): dW[tap, f] = sum over pixels of x'[pixel + tap, f] * dy[pixel, f], with
// sixteen channels (four chains) at a time.
export function dwFilterGrad(x: usize, dy: usize, partials: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const F = outC, M = outC / inC;
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const slot = n0 / chunk;
  const xp = pads + (<usize>(slot * Hp * Wp * F) << 2);
  const dw = partials + (<usize>(slot * kH * kW * F) << 2);
  const px = <usize>F << 2, pixStep = <usize>sW * px, kRow = <usize>Wp * px;
  for (let n = n0; n < n1; n++) {
    padExpand(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, M, Hp, Wp, padTop, padLeft);
    const pdy = dy + (<usize>(n * outH * outW * F) << 2);
    const first = n == n0;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const tap = xp + <usize>(kh * dH) * kRow + <usize>(kw * dW) * px;
        const pc = dw + <usize>(kh * kW + kw) * px;
        let f = 0;
        for (; f + 16 <= F; f += 16) {
          const o = <usize>f << 2;
          let c0 = first ? f32x4.splat(0) : v128.load(pc + o), c1 = first ? f32x4.splat(0) : v128.load(pc + o, 16);
          let c2 = first ? f32x4.splat(0) : v128.load(pc + o, 32), c3 = first ? f32x4.splat(0) : v128.load(pc + o, 48);
          for (let oh = 0; oh < outH; oh++) {
            let p = tap + <usize>(oh * sH) * kRow + o, q = pdy + <usize>(oh * outW) * px + o;
            for (let ow = 0; ow < outW; ow++) {
              c0 = madd(v128.load(p), v128.load(q), c0); c1 = madd(v128.load(p, 16), v128.load(q, 16), c1);
              c2 = madd(v128.load(p, 32), v128.load(q, 32), c2); c3 = madd(v128.load(p, 48), v128.load(q, 48), c3);
              p += pixStep; q += px;
            }
          }
          v128.store(pc + o, c0); v128.store(pc + o, c1, 16); v128.store(pc + o, c2, 32); v128.store(pc + o, c3, 48);
        }
        for (; f + 4 <= F; f += 4) {
          const o = <usize>f << 2;
          let c = first ? f32x4.splat(0) : v128.load(pc + o);
          for (let oh = 0; oh < outH; oh++) {
            let p = tap + <usize>(oh * sH) * kRow + o, q = pdy + <usize>(oh * outW) * px + o;
            for (let ow = 0; ow < outW; ow++) { c = madd(v128.load(p), v128.load(q), c); p += pixStep; q += px; }
          }
          v128.store(pc + o, c);
        }
        for (; f < F; f++) {
          const o = <usize>f << 2;
          let c: f32 = first ? 0 : load<f32>(pc + o);
          for (let oh = 0; oh < outH; oh++) {
            let p = tap + <usize>(oh * sH) * kRow + o, q = pdy + <usize>(oh * outW) * px + o;
            for (let ow = 0; ow < outW; ow++) { c += load<f32>(p) * load<f32>(q); p += pixStep; q += px; }
          }
          store<f32>(pc + o, c);
        }
      }
    }
  }
}

// Input gradient, images [n0, n1): each output pixel's dy, times each tap's weights, is added
// into a zero-bordered [Hp, Wp, F] scratch gradient at the pixel the tap read; then dx[c] is
// the sum of its M channels c*M .. c*M + M - 1 inside the image.
export function dwInputGrad(dy: usize, w: usize, dx: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const F = outC, M = outC / inC;
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const gp = pads + (<usize>((n0 / chunk) * Hp * Wp * F) << 2);
  const px = <usize>F << 2, pixStep = <usize>sW * px, kRow = <usize>Wp * px, tapW = <usize>dW * px, tapH = <usize>dH * kRow;
  for (let n = n0; n < n1; n++) {
    memory.fill(gp, 0, <usize>(Hp * Wp * F) << 2);
    const pdy = dy + (<usize>(n * outH * outW * F) << 2);
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const g = gp + <usize>(oh * sH) * kRow + <usize>ow * pixStep, q = pdy + <usize>(oh * outW + ow) * px;
        let f = 0;
        for (; f + 4 <= F; f += 4) {
          const o = <usize>f << 2, dv = v128.load(q + o);
          let pw = w + o;
          for (let kh = 0; kh < kH; kh++) {
            let p = g + <usize>kh * tapH + o;
            for (let kw = 0; kw < kW; kw++) { v128.store(p, madd(dv, v128.load(pw), v128.load(p))); p += tapW; pw += px; }
          }
        }
        for (; f < F; f++) {
          const o = <usize>f << 2, dv = load<f32>(q + o);
          let pw = w + o;
          for (let kh = 0; kh < kH; kh++) {
            let p = g + <usize>kh * tapH + o;
            for (let kw = 0; kw < kW; kw++) { store<f32>(p, load<f32>(p) + dv * load<f32>(pw)); p += tapW; pw += px; }
          }
        }
      }
    }
    // Back to the image: rows and columns of the scratch the image occupies, channels summed by M.
    const image = dx + (<usize>(n * inH * inW * inC) << 2);
    memory.fill(image, 0, <usize>(inH * inW * inC) << 2);
    const cols = min(inW, Wp - padLeft);
    for (let i = 0; i < inH; i++) {
      const r = i + padTop;
      if (r >= Hp || cols <= 0) break;
      const s = gp + (<usize>((r * Wp + padLeft) * F) << 2), d = image + (<usize>(i * inW * inC) << 2);
      if (M == 1) { copyFloats(d, s, <usize>(cols * F) << 2); continue; }
      for (let j = 0; j < cols * inC; j++) {
        let acc: f32 = 0;
        for (let m = 0; m < M; m++) acc += load<f32>(s + (<usize>(j * M + m) << 2));
        store<f32>(d + (<usize>j << 2), acc);
      }
    }
  }
}

// Copies `count` channels of each of rows [r0, r1): from channel srcOff of rows srcC wide to
// channel dstOff of rows dstC wide (a group's channels in and out of a grouped convolution).
export function copyChannels(src: usize, dst: usize, srcC: i32, srcOff: i32, dstC: i32, dstOff: i32, count: i32, r0: i32, r1: i32): void {
  const bytes = <usize>count << 2;
  for (let r = r0; r < r1; r++) {
    copyFloats(dst + (<usize>(r * dstC + dstOff) << 2), src + (<usize>(r * srcC + srcOff) << 2), bytes);
  }
}
