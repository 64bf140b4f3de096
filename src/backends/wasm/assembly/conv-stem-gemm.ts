// First layers with few input channels (RGB stems: 3x3, 3 -> 16 or 32, stride 1 or 2) as
// convGemm computes them, without its im2col copy and activation pass: the rows a chunk reads
// are copied into a zero-bordered scratch image (every window in bounds), and two neighbouring
// outputs of a row, sW * C floats apart there, are the two rows of gemmWide's 2x16 tile read
// in place: per kernel row one run of kW * C floats (NHWC puts a kernel row's taps side by
// side). Bias first, the products in im2col's order (kh, kw, c), the activation on the
// registers as they are stored: the same floats as convGemm + activate. im2col (four integer
// divisions and three short copies per pixel) and the activation pass were 37-52% of
// convGemm's time on the zoo's stems, the GEMM itself ~90% of the multiply-add limit; this
// kernel 1.24-1.63x convGemm (bench/stem-gemm.ts, one thread, load 14). Needs dilation 1 and outC % 16 == 0.
import { initial, madd } from './common';
import { epilogue, padImageRows, paddedSize } from './conv';

// Output rows [r0, r1) of the batch*outH rows of all images: out = act(conv(x, w) + bias).
export function convStemGemm(x: usize, w: usize, bias: usize, out: usize, pads: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, chunk: i32, r0: i32, r1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const xp = pads + (<usize>((r0 / chunk) * Hp * Wp * inC) << 2);
  const rowBytes = <usize>(Wp * inC) << 2, run = <usize>(kW * inC) << 2, step = <usize>(sW * inC) << 2;
  for (let r = r0; r < r1;) {
    const n = r / outH, oh0 = r % outH, oh1 = min(outH, oh0 + r1 - r);
    padImageRows(x + (<usize>(n * inH * inW * inC) << 2), xp, inH, inW, inC, Hp, Wp, padTop, padLeft, oh0 * sH, (oh1 - 1) * sH + kH);
    for (let oh = oh0; oh < oh1; oh++) {
      const top = xp + <usize>(oh * sH) * rowBytes, o = out + (<usize>((n * outH + oh) * outW * outC) << 2);
      if (act == 0) stemRow(top, rowBytes, run, step, kH, w, bias, o, outW, outC, 0);
      else if (act == 1) stemRow(top, rowBytes, run, step, kH, w, bias, o, outW, outC, 1);
      else stemRow(top, rowBytes, run, step, kH, w, bias, o, outW, outC, 2);
    }
    r += oh1 - oh0;
  }
}

// One output row: pairs of outputs by tile2x16, an odd last one by tile1x16 (act a constant where inlined).
// @ts-ignore: decorator
@inline function stemRow(top: usize, rowBytes: usize, run: usize, step: usize, kH: i32, w: usize, bias: usize, o: usize, outW: i32, outC: i32, act: i32): void {
  const cs = <usize>outC << 2;
  let ow = 0;
  for (; ow + 2 <= outW; ow += 2) {
    const pa = top + <usize>ow * step, pc = o + <usize>ow * cs;
    for (let j = 0; j < outC; j += 16) tile2x16(pa, step, rowBytes, run, kH, w + (<usize>j << 2), cs, bias, j, pc + (<usize>j << 2), cs, act);
  }
  if (ow < outW) {
    const pa = top + <usize>ow * step, pc = o + <usize>ow * cs;
    for (let j = 0; j < outC; j += 16) tile1x16(pa, rowBytes, run, kH, w + (<usize>j << 2), cs, bias, j, pc + (<usize>j << 2), act);
  }
}

// Two outputs (their windows aStep bytes apart from pa) times 16 output channels: kH runs of
// `run` bytes, rowBytes apart, against B's rows (bStep bytes apart from pb). gemmWide's loop.
function tile2x16(pa: usize, aStep: usize, rowBytes: usize, run: usize, kH: i32, pb: usize, bStep: usize, bias: usize, j: i32, pc: usize, cs: usize, act: i32): void {
  const i0 = initial(bias, j), i1 = initial(bias, j + 4), i2 = initial(bias, j + 8), i3 = initial(bias, j + 12);
  let c00 = i0, c01 = i1, c02 = i2, c03 = i3, c10 = i0, c11 = i1, c12 = i2, c13 = i3;
  for (let kh = 0; kh < kH; kh++) {
    for (let p = pa + <usize>kh * rowBytes, end = p + run; p < end; p += 4) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
      const a0 = v128.load32_splat(p);
      c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01); c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
      const a1 = v128.load32_splat(p + aStep);
      c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11); c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
      pb += bStep;
    }
  }
  const zero = f32x4.splat(0);
  v128.store(pc, epilogue(c00, act, zero)); v128.store(pc, epilogue(c01, act, zero), 16);
  v128.store(pc, epilogue(c02, act, zero), 32); v128.store(pc, epilogue(c03, act, zero), 48);
  v128.store(pc + cs, epilogue(c10, act, zero)); v128.store(pc + cs, epilogue(c11, act, zero), 16);
  v128.store(pc + cs, epilogue(c12, act, zero), 32); v128.store(pc + cs, epilogue(c13, act, zero), 48);
}

// One output times 16 output channels (a row's odd last output).
function tile1x16(pa: usize, rowBytes: usize, run: usize, kH: i32, pb: usize, bStep: usize, bias: usize, j: i32, pc: usize, act: i32): void {
  let c0 = initial(bias, j), c1 = initial(bias, j + 4), c2 = initial(bias, j + 8), c3 = initial(bias, j + 12);
  for (let kh = 0; kh < kH; kh++) {
    for (let p = pa + <usize>kh * rowBytes, end = p + run; p < end; p += 4) {
      const a0 = v128.load32_splat(p);
      c0 = madd(a0, v128.load(pb), c0); c1 = madd(a0, v128.load(pb, 16), c1);
      c2 = madd(a0, v128.load(pb, 32), c2); c3 = madd(a0, v128.load(pb, 48), c3);
      pb += bStep;
    }
  }
  const zero = f32x4.splat(0);
  v128.store(pc, epilogue(c0, act, zero)); v128.store(pc, epilogue(c1, act, zero), 16);
  v128.store(pc, epilogue(c2, act, zero), 32); v128.store(pc, epilogue(c3, act, zero), 48);
}
