// The filter gradient of a three-channel first layer (RGB stems: VGG's, ResNet-20's and
// MobileNet's), where the packed GEMM gathers im2col columns of K = 27 and the im2col panels
// run at a third of the multiply-add limit. Each image is copied into a zero-bordered scratch
// image, so the three channels of one tap are three consecutive floats of its pixel; then
// per output row, per tap and per 8 filters, a 3x8 tile of dW (the tap's three channels by
// eight filters: six accumulators) sweeps the row's pixels: three broadcasts of x and two
// vectors of dy per six multiply-adds, the row's dy (outW * F floats) and x's rows in L1.
// The sums run over a chunk's images, pixels in order, into the chunk's partial dW.
import { madd } from './common';
import { padImage, paddedSize } from './conv';

// dW rows of one tap (its three channels) by eight filters += the row's pixels: x at pa (aStep
// per pixel), dy at pb (bStep per pixel), dW at q (bStep per row). Six accumulators: twelve
// (two taps at once) or nine (three taps by four filters) measured 1.3-2x slower (spills).
// @ts-ignore: decorator
@inline function tapRun(pa: usize, pb: usize, q: usize, aStep: usize, bStep: usize, outW: i32): void {
  let c00 = v128.load(q), c01 = v128.load(q, 16), c10 = v128.load(q + bStep), c11 = v128.load(q + bStep, 16);
  let c20 = v128.load(q + 2 * bStep), c21 = v128.load(q + 2 * bStep, 16);
  const end = pb + <usize>outW * bStep;
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    pa += aStep;
    pb += bStep;
  }
  v128.store(q, c00); v128.store(q, c01, 16); v128.store(q + bStep, c10); v128.store(q + bStep, c11, 16);
  v128.store(q + 2 * bStep, c20); v128.store(q + 2 * bStep, c21, 16);
}

// Images [n0, n1) into partial dW [kH * kW * 3, outC] number n0 / chunk (zeroed here; the
// caller sums the partials). outC % 8 == 0; any kernel size, stride, dilation and padding.
export function convFilterGradC3(x: usize, dy: usize, partials: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, chunk: i32, n0: i32, n1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const slot = n0 / chunk, K = kH * kW * 3;
  const xp = pads + (<usize>(slot * Hp * Wp * 3) << 2);
  const dw = partials + (<usize>(slot * K * outC) << 2);
  memory.fill(dw, 0, <usize>(K * outC) << 2);
  const kRow = <usize>(Wp * 3) << 2, aStep = <usize>(sW * 3) << 2, tapStep = <usize>(dW * 3) << 2, bStep = <usize>outC << 2;
  for (let n = n0; n < n1; n++) {
    padImage(x + (<usize>(n * inH * inW * 3) << 2), xp, inH, inW, 3, Hp, Wp, padTop, padLeft);
    for (let oh = 0; oh < outH; oh++) {
      const dyRow = dy + (<usize>((n * outH + oh) * outW * outC) << 2);
      for (let kh = 0; kh < kH; kh++) {
        const xRow = xp + <usize>(oh * sH + kh * dH) * kRow;
        for (let kw = 0; kw < kW; kw++) {
          const xTap = xRow + <usize>kw * tapStep, pc = dw + (<usize>((kh * kW + kw) * 3 * outC) << 2);
          for (let j = 0; j < outC; j += 8) tapRun(xTap, dyRow + (<usize>j << 2), pc + (<usize>j << 2), aStep, bStep, outW);
        }
      }
    }
  }
}
