// dtype conversions that compiled steps run every batch: the uint8 masks of comparisons (the
import { copyFloats } from './common';
// gradients of max, min, maximum and minimum) to float32.

// out[i] = f32(x[i]) for uint8 x, i in [start, end).
export function castU8F32(x: usize, out: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const bytes = v128.load32_zero(x + <usize>i);
    const ints = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
    v128.store(out + (<usize>i << 2), f32x4.convert_i32x4_u(ints));
  }
  for (; i < end; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(x + <usize>i));
}

// Copies a block [n0, n1, n2, n3] (n3 contiguous on both sides) between arrays with element
// strides s (source) and t (destination), for rows [i0, i1) of the first axis: slicing, and
// padding (a slice's gradient) into a zeroed destination.
export function copyBlock(src: usize, dst: usize, n1: i32, n2: i32, n3: i32, s0: i32, s1: i32, s2: i32, t0: i32, t1: i32, t2: i32, i0: i32, i1: i32): void {
  const bytes = <usize>n3 << 2;
  for (let a = i0; a < i1; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        copyFloats(dst + (<usize>(a * t0 + b * t1 + c * t2) << 2), src + (<usize>(a * s0 + b * s1 + c * s2) << 2), bytes);
      }
    }
  }
}

// out[a, b, c, d] = x[a s0 + b s1 + c s2 + d s3]: a transpose of rank <= 4 (the strides are
// x's, permuted), for rows [i0, i1) of out's first axis.
export function transpose4(x: usize, out: usize, o1: i32, o2: i32, o3: i32, s0: i32, s1: i32, s2: i32, s3: i32, i0: i32, i1: i32): void {
  let o = out + (<usize>(i0 * o1 * o2 * o3) << 2);
  for (let a = i0; a < i1; a++) {
    for (let b = 0; b < o1; b++) {
      for (let c = 0; c < o2; c++) {
        const base = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < o3; d++, o += 4) store<f32>(o, load<f32>(x + (<usize>(base + d * s3) << 2)));
      }
    }
  }
}
