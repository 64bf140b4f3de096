// Convolution fused with 2x2 max pooling for the 3x3, stride-1 convolution of a one-channel
// image (a first layer on grayscale pictures: the seed, the keras-io convnet, the autoencoder),
// where im2col rows are nine floats and a GEMM spends its time on bookkeeping. Over pooled rows
// [p0, p1) of all images (batch * outH / 2, so that one image's rows can be split between
// threads): the rows they read, of each image met, are copied into this chunk's zero-bordered
// scratch image; then per pooled row, four output channels at a time with their nine weight
// vectors in registers, each pooling window's 4x4 input patch is read once (16 broadcasts for
// its four pixels' 36 multiply-adds) and pooled in registers. A pooled row's outputs of all
// channels stay in L1 (channel groups outermost wrote the whole image's outputs once per group).
// Needs outH, outW even and outC % 4 == 0; argmax as convPool's, or 0: none written (an
// inference plan reads none; the index work was 12-32% of the call, bench/small-convs.ts
// --compare argmax).
import { initial, madd, select } from './common';
import { padImageRows } from './conv';

// Pools one window's four conv outputs (s[ab] at (2ph + a, 2pw + b)) in maxPool's scan order
// (the first maximum wins) and stores the maximum and, if wanted, its flat index: at + lane plus
// the offset of the pixel that won (steps: 0, outC, outW * outC, (outW + 1) * outC per lane).
// @ts-ignore: decorator
@inline function poolWindow(s00: v128, s01: v128, s10: v128, s11: v128, pooled: usize, argmax: usize, dst: usize, at: i32, step1: v128, step2: v128, step3: v128): void {
  const take1 = f32x4.gt(s01, s00);
  let best = select(s01, s00, take1);
  const take2 = f32x4.gt(s10, best);
  best = select(s10, best, take2);
  const take3 = f32x4.gt(s11, best);
  best = select(s11, best, take3);
  v128.store(pooled + dst, best);
  if (argmax) {
    let step = v128.and(step1, take1);
    step = select(step2, step, take2);
    step = select(step3, step, take3);
    v128.store(argmax + dst, i32x4.add(i32x4.add(i32x4.splat(at), i32x4(0, 1, 2, 3)), step));
  }
}

export function convPool3x3C1(x: usize, w: usize, bias: usize, pooled: usize, argmax: usize, pads: usize, inH: i32, inW: i32,
  outH: i32, outW: i32, outC: i32, padTop: i32, padLeft: i32, chunk: i32, p0: i32, p1: i32): void {
  const Hp = outH + 2, Wp = outW + 2, pH = outH >> 1, pW = outW >> 1;
  const pad = pads + (<usize>((p0 / chunk) * Hp * Wp) << 2);
  const row = <usize>Wp << 2, ws = <usize>outC << 2;
  const step1 = i32x4.splat(outC), step2 = i32x4.splat(outW * outC), step3 = i32x4.splat((outW + 1) * outC);
  for (let p0n = p0; p0n < p1;) {
    const n = p0n / pH, ph0 = p0n - n * pH, ph1 = min(pH, ph0 + p1 - p0n);
    p0n += ph1 - ph0;
    padImageRows(x + (<usize>(n * inH * inW) << 2), pad, inH, inW, 1, Hp, Wp, padTop, padLeft, 2 * ph0, 2 * ph1 + 2);
    for (let ph = ph0; ph < ph1; ph++) {
      const a0 = ((n * outH + 2 * ph) * outW) * outC, d0 = ((n * pH + ph) * pW) * outC;
      for (let c = 0; c < outC; c += 4) {
        const pw = w + (<usize>c << 2);
        const w0 = v128.load(pw), w1 = v128.load(pw + ws), w2 = v128.load(pw + 2 * ws);
        const w3 = v128.load(pw + 3 * ws), w4 = v128.load(pw + 4 * ws), w5 = v128.load(pw + 5 * ws);
        const w6 = v128.load(pw + 6 * ws), w7 = v128.load(pw + 7 * ws), w8 = v128.load(pw + 8 * ws);
        const b = initial(bias, c);
        for (let pwi = 0; pwi < pW; pwi++) {
          const p = pad + (<usize>(2 * ph * Wp + 2 * pwi) << 2);
          // s[ab]: the conv output at (2ph + a, 2pwi + b); taps added in (kh, kw) order.
          let s00 = b, s01 = b, s10 = b, s11 = b;
          let v = v128.load32_splat(p);
          s00 = madd(v, w0, s00);
          v = v128.load32_splat(p, 4); s00 = madd(v, w1, s00); s01 = madd(v, w0, s01);
          v = v128.load32_splat(p, 8); s00 = madd(v, w2, s00); s01 = madd(v, w1, s01);
          v = v128.load32_splat(p, 12); s01 = madd(v, w2, s01);
          const q = p + row;
          v = v128.load32_splat(q); s00 = madd(v, w3, s00); s10 = madd(v, w0, s10);
          v = v128.load32_splat(q, 4); s00 = madd(v, w4, s00); s01 = madd(v, w3, s01); s10 = madd(v, w1, s10); s11 = madd(v, w0, s11);
          v = v128.load32_splat(q, 8); s00 = madd(v, w5, s00); s01 = madd(v, w4, s01); s10 = madd(v, w2, s10); s11 = madd(v, w1, s11);
          v = v128.load32_splat(q, 12); s01 = madd(v, w5, s01); s11 = madd(v, w2, s11);
          const r = q + row;
          v = v128.load32_splat(r); s00 = madd(v, w6, s00); s10 = madd(v, w3, s10);
          v = v128.load32_splat(r, 4); s00 = madd(v, w7, s00); s01 = madd(v, w6, s01); s10 = madd(v, w4, s10); s11 = madd(v, w3, s11);
          v = v128.load32_splat(r, 8); s00 = madd(v, w8, s00); s01 = madd(v, w7, s01); s10 = madd(v, w5, s10); s11 = madd(v, w4, s11);
          v = v128.load32_splat(r, 12); s01 = madd(v, w8, s01); s11 = madd(v, w5, s11);
          const t = r + row;
          v = v128.load32_splat(t); s10 = madd(v, w6, s10);
          v = v128.load32_splat(t, 4); s10 = madd(v, w7, s10); s11 = madd(v, w6, s11);
          v = v128.load32_splat(t, 8); s10 = madd(v, w8, s10); s11 = madd(v, w7, s11);
          v = v128.load32_splat(t, 12); s11 = madd(v, w8, s11);
          poolWindow(s00, s01, s10, s11, pooled, argmax, <usize>(d0 + pwi * outC + c) << 2, a0 + 2 * pwi * outC + c, step1, step2, step3);
        }
      }
    }
  }
}
