// Convolutions with a single output channel (an image-shaped output: the last layer of an
// autoencoder or a segmentation mask). The direct kernel's tile runs over 8 output channels
// at a time and fell to scalar code here (about 2 GFLOP/s); this kernel instead vectorizes
// each window's dot product over the input channels. Output rows [r0, r1) of the batch * outH
// rows; any stride, dilation and padding. With quads set and C % 4 == 0, four neighbouring
// outputs whose taps all lie inside the row share each weight load (one weight vector, four
// pixel vectors: one pixel's dot product alone took two loads per multiply-add, and its
// horizontal sum and scalar store per output) and keep two sums each, eight chains in flight.
import { madd } from './common';
import { epilogue, epilogue1 } from './conv';

export function convOneFilter(x: usize, w: usize, bias: usize, out: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, dH: i32, dW: i32, act: i32, quads: i32, r0: i32, r1: i32): void {
  const b: f32 = bias ? load<f32>(bias) : 0;
  // Outputs [q0, q1) of a row take the four-pixel path (every tap of the four inside the row).
  let q0 = outW, q1 = outW;
  if (quads && (C & 3) == 0) {
    q0 = max(0, (padLeft + sW - 1) / sW); // first ow with ow * sW - padLeft >= 0
    const last = (inW - 1 + padLeft - (kW - 1) * dW); // ow * sW <= last for the last tap inside
    q1 = last < 0 ? 0 : min(outW, last / sW + 1);
    if (q1 - q0 < 4) { q0 = outW; q1 = outW; } else q1 = q0 + ((q1 - q0) & ~3);
  }
  const px4 = <usize>(sW * C) << 2; // bytes between neighbouring outputs' windows
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oh = r % outH;
    const img = x + (<usize>(n * inH * inW) * <usize>C << 2);
    const dst = out + (<usize>(r * outW) << 2);
    for (let ow = q0; ow < q1; ow += 4) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - padTop + kh * dH;
        if (<u32>ih >= <u32>inH) continue;
        for (let kw = 0; kw < kW; kw++) {
          const iw = ow * sW - padLeft + kw * dW;
          const p0 = img + (<usize>(ih * inW + iw) * <usize>C << 2), p1 = p0 + px4, p2 = p1 + px4, p3 = p2 + px4;
          const pw = w + (<usize>(kh * kW + kw) * <usize>C << 2);
          let c = 0;
          for (; c + 8 <= C; c += 8) {
            const o = <usize>c << 2;
            const u = v128.load(pw + o), t = v128.load(pw + o, 16);
            a0 = madd(v128.load(p0 + o), u, a0); a1 = madd(v128.load(p1 + o), u, a1);
            a2 = madd(v128.load(p2 + o), u, a2); a3 = madd(v128.load(p3 + o), u, a3);
            e0 = madd(v128.load(p0 + o, 16), t, e0); e1 = madd(v128.load(p1 + o, 16), t, e1);
            e2 = madd(v128.load(p2 + o, 16), t, e2); e3 = madd(v128.load(p3 + o, 16), t, e3);
          }
          if (c < C) {
            const o = <usize>c << 2, u = v128.load(pw + o);
            a0 = madd(v128.load(p0 + o), u, a0); a1 = madd(v128.load(p1 + o), u, a1);
            a2 = madd(v128.load(p2 + o), u, a2); a3 = madd(v128.load(p3 + o), u, a3);
          }
        }
      }
      a0 = f32x4.add(a0, e0); a1 = f32x4.add(a1, e1); a2 = f32x4.add(a2, e2); a3 = f32x4.add(a3, e3);
      // Lane sums of a0..a3 as one vector [sum a0, sum a1, sum a2, sum a3].
      const l = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7));
      const h = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 2, 4, 6), v128.shuffle<f32>(a2, a3, 1, 3, 5, 7));
      const s = f32x4.add(v128.shuffle<f32>(l, h, 0, 2, 4, 6), v128.shuffle<f32>(l, h, 1, 3, 5, 7));
      v128.store(dst + (<usize>ow << 2), epilogue(f32x4.add(f32x4.splat(b), s), act, f32x4.splat(0)));
    }
    for (let ow = 0; ow < outW; ow++) {
      if (ow == q0) { ow = q1 - 1; continue; }
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
          for (; c + 16 <= C; c += 16) {
            const o = <usize>c << 2;
            a0 = madd(v128.load(px + o), v128.load(pw + o), a0);
            a1 = madd(v128.load(px + o, 16), v128.load(pw + o, 16), a1);
            a2 = madd(v128.load(px + o, 32), v128.load(pw + o, 32), a2);
            a3 = madd(v128.load(px + o, 48), v128.load(pw + o, 48), a3);
          }
          for (; c + 4 <= C; c += 4) a0 = madd(v128.load(px + (<usize>c << 2)), v128.load(pw + (<usize>c << 2)), a0);
          for (; c < C; c++) s += load<f32>(px + (<usize>c << 2)) * load<f32>(pw + (<usize>c << 2));
        }
      }
      const t = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      const v = b + s + ((f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1)) + (f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3)));
      store<f32>(dst + (<usize>ow << 2), epilogue1(v, act));
    }
  }
}
