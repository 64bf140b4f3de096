// The filter gradient of a 3x3 depthwise convolution with the nine taps' sums of four channels
// in registers: each pixel's dy is loaded once for all nine taps (the general kernel in
// depthwise.ts loads dy again per tap, two loads per multiply-add).
import { madd } from './common';
import { paddedSize } from './conv';
import { padExpand } from './depthwise';

// Images [n0, n1) into partial dW number n0 / chunk ([9, F]; the caller sums the partials),
// F % 4 == 0; any stride and dilation.
export function dwFilterGrad3x3(x: usize, dy: usize, partials: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const F = outC, M = outC / inC;
  const Hp = paddedSize(outH, 3, sH, dH), Wp = paddedSize(outW, 3, sW, dW);
  const slot = n0 / chunk;
  const xp = pads + (<usize>(slot * Hp * Wp * F) << 2);
  const dw = partials + (<usize>(slot * 9 * F) << 2);
  const px = <usize>F << 2, pixStep = <usize>sW * px, kRow = <usize>Wp * px, tW = <usize>dW * px, tH = <usize>dH * kRow;
  for (let n = n0; n < n1; n++) {
    padExpand(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, M, Hp, Wp, padTop, padLeft);
    const pdy = dy + (<usize>(n * outH * outW * F) << 2);
    const first = n == n0;
    for (let f = 0; f < F; f += 4) {
      const o = <usize>f << 2, pc = dw + o;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
      if (!first) {
        a0 = v128.load(pc); a1 = v128.load(pc + px); a2 = v128.load(pc + 2 * px);
        a3 = v128.load(pc + 3 * px); a4 = v128.load(pc + 4 * px); a5 = v128.load(pc + 5 * px);
        a6 = v128.load(pc + 6 * px); a7 = v128.load(pc + 7 * px); a8 = v128.load(pc + 8 * px);
      }
      for (let oh = 0; oh < outH; oh++) {
        let p = xp + <usize>(oh * sH) * kRow + o, q = pdy + <usize>(oh * outW) * px + o;
        for (let ow = 0; ow < outW; ow++) {
          const g = v128.load(q);
          const r1 = p + tH, r2 = p + 2 * tH;
          a0 = madd(v128.load(p), g, a0); a1 = madd(v128.load(p + tW), g, a1); a2 = madd(v128.load(p + 2 * tW), g, a2);
          a3 = madd(v128.load(r1), g, a3); a4 = madd(v128.load(r1 + tW), g, a4); a5 = madd(v128.load(r1 + 2 * tW), g, a5);
          a6 = madd(v128.load(r2), g, a6); a7 = madd(v128.load(r2 + tW), g, a7); a8 = madd(v128.load(r2 + 2 * tW), g, a8);
          p += pixStep;
          q += px;
        }
      }
      v128.store(pc, a0); v128.store(pc + px, a1); v128.store(pc + 2 * px, a2);
      v128.store(pc + 3 * px, a3); v128.store(pc + 4 * px, a4); v128.store(pc + 5 * px, a5);
      v128.store(pc + 6 * px, a6); v128.store(pc + 7 * px, a7); v128.store(pc + 8 * px, a8);
    }
  }
}
