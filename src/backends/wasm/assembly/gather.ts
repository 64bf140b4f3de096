// Embedding lookups: rows of a table gathered by int32 index, the gradient summed back into the
// table's rows (a scatter-add), and the float32 -> int32 cast that turns token ids into indices.
import { copyFloats } from './common';

// ToInt32 of one float32, as JavaScript's Int32Array stores it (truncation, modulo 2^32; NaN
// and infinities 0): float32 values from 2^63 on are multiples of 2^40, so 0 modulo 2^32.
// @ts-ignore: decorator
@inline function toInt32(v: f32): i32 {
  return Mathf.abs(v) < 9223372036854775808.0 ? <i32><i64>v : 0;
}

// out[i] = ToInt32(x[i]) for i in [start, end): four lanes at once where all are below 2^31.
export function castF32I32(x: usize, out: usize, start: i32, end: i32): void {
  const limit = f32x4.splat(2147483648.0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2, v = v128.load(x + at);
    if (v128.any_true(f32x4.ge(f32x4.abs(v), limit))) {
      for (let k: usize = 0; k < 16; k += 4) store<i32>(out + at + k, toInt32(load<f32>(x + at + k)));
    } else v128.store(out + at, i32x4.trunc_sat_f32x4_s(v));
  }
  for (; i < end; i++) store<i32>(out + (<usize>i << 2), toInt32(load<f32>(x + (<usize>i << 2))));
}

// out[o, i, :] = table[o, idx[i], :] for output rows r = o * n + i in [r0, r1) (indices checked
// by the caller).
export function gatherRows(table: usize, idx: usize, out: usize, size: i32, inner: i32, n: i32, r0: i32, r1: i32): void {
  const bytes = <usize>inner << 2;
  for (let r = r0; r < r1; r++) {
    const o = r / n, j = load<i32>(idx + (<usize>(r - o * n) << 2));
    copyFloats(out + <usize>r * bytes, table + <usize>(o * size + j) * bytes, bytes);
  }
}

// The adjoint of gatherRows for columns [4 q0, 4 q1) of the rows (one thread owns whole columns,
// so threads never add into the same float): dx zeroed, then dy's rows added in index order,
// the reference kernel's order, so the sums are the same bit for bit.
export function gatherRowsGrad(dy: usize, idx: usize, dx: usize, outer: i32, size: i32, inner: i32, n: i32, q0: i32, q1: i32): void {
  const c0 = q0 << 2, c1 = min(q1 << 2, inner), c4 = c0 + ((c1 - c0) & ~3), rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const dxo = dx + <usize>o * <usize>size * rowBytes, dyo = dy + <usize>o * <usize>n * rowBytes;
    for (let j = 0; j < size; j++) {
      const row = dxo + <usize>j * rowBytes;
      for (let c = c0; c < c1; c++) store<f32>(row + (<usize>c << 2), 0);
    }
    for (let i = 0; i < n; i++) {
      const to = dxo + <usize>load<i32>(idx + (<usize>i << 2)) * rowBytes, from = dyo + <usize>i * rowBytes;
      let c = c0;
      for (; c < c4; c += 4) {
        const at = <usize>c << 2;
        v128.store(to + at, f32x4.add(v128.load(to + at), v128.load(from + at)));
      }
      for (; c < c1; c++) store<f32>(to + (<usize>c << 2), load<f32>(to + (<usize>c << 2)) + load<f32>(from + (<usize>c << 2)));
    }
  }
}
