// Convolutions with a single output channel (an image-shaped output: the last layer of an
// autoencoder or a segmentation mask). The direct kernel's tile runs over 8 output channels
// at a time and fell to scalar code here (about 2 GFLOP/s); this kernel instead vectorizes
// each window's dot product over the input channels, with four accumulator chains. Output
// rows [r0, r1) of the batch * outH rows; any stride, dilation and padding.
import { madd } from './common';
import { epilogue1 } from './conv';

export function convOneFilter(x: usize, w: usize, bias: usize, out: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, r0: i32, r1: i32): void {
  const b: f32 = bias ? load<f32>(bias) : 0;
  const C16 = C & ~15, C4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r % outH;
    const img = x + (<usize>(n * inH * inW) * <usize>C << 2);
    for (let ow = 0; ow < outW; ow++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let s: f32 = 0;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - padTop + kh * dH;
        if (<u32>ih >= <u32>inH) continue;
        for (let kw = 0; kw < kW; kw++) {
          const iw = ow * sW - padLeft + kw * dW;
          if (<u32>iw >= <u32>inW) continue;
          const px = img + (<usize>(ih * inW + iw) * <usize>C << 2), pw = w + (<usize>(kh * kW + kw) * <usize>C << 2);
          let c = 0;
          for (; c < C16; c += 16) {
            const o = <usize>c << 2;
            a0 = madd(v128.load(px + o), v128.load(pw + o), a0);
            a1 = madd(v128.load(px + o, 16), v128.load(pw + o, 16), a1);
            a2 = madd(v128.load(px + o, 32), v128.load(pw + o, 32), a2);
            a3 = madd(v128.load(px + o, 48), v128.load(pw + o, 48), a3);
          }
          for (; c < C4; c += 4) a0 = madd(v128.load(px + (<usize>c << 2)), v128.load(pw + (<usize>c << 2)), a0);
          for (; c < C; c++) s += load<f32>(px + (<usize>c << 2)) * load<f32>(pw + (<usize>c << 2));
        }
      }
      const t = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      const v = b + s + ((f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1)) + (f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3)));
      store<f32>(out + (<usize>(r * outW + ow) << 2), epilogue1(v, act));
    }
  }
}
