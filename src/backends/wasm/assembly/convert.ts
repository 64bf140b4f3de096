// dtype conversions that compiled steps run every batch: the uint8 masks of comparisons (the
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
