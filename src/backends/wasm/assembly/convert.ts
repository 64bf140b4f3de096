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

// One-hot rows: out[i, :] = 0 but out[i, idx[i]] = 1, for rows i in [start, end); the caller
// has checked every index is in [0, depth).
export function oneHotI32(idx: usize, out: usize, depth: i32, start: i32, end: i32): void {
  const rowBytes = <usize>depth << 2;
  for (let i = start; i < end; i++) {
    const row = out + <usize>i * rowBytes;
    memory.fill(row, 0, rowBytes);
    store<f32>(row + (<usize>load<i32>(idx + (<usize>i << 2)) << 2), 1);
  }
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

// dst block b = the transpose of src block (reversed ? blocks - 1 - b : b), each block [rows, cols]
// -> [cols, rows]: a kernel's taps with their channel axes swapped (and turned 180 degrees for an
// input gradient's flipped convolution). The range is groups of four rows of every block
// [q0, q1) (so one block splits between threads): 4x4 tiles by shuffles, scalar edges.
export function transposeBlocks(src: usize, dst: usize, rows: i32, cols: i32, blocks: i32, reversed: bool, q0: i32, q1: i32): void {
  const size = <usize>rows * <usize>cols, quads = (rows + 3) >> 2, c4 = cols & ~3, rs = <usize>cols << 2, ds = <usize>rows << 2;
  for (let q = q0; q < q1; q++) {
    const b = q / quads, r = (q - b * quads) << 2;
    const from = src + ((reversed ? <usize>(blocks - 1 - b) : <usize>b) * size << 2), to = dst + (<usize>b * size << 2);
    if (r + 4 > rows) {
      for (let k = r; k < rows; k++) for (let c = 0; c < cols; c++) store<f32>(to + <usize>c * ds + (<usize>k << 2), load<f32>(from + <usize>k * rs + (<usize>c << 2)));
      continue;
    }
    for (let c = 0; c < c4; c += 4) {
      const at = from + <usize>r * rs + (<usize>c << 2);
      const x0 = v128.load(at), x1 = v128.load(at + rs), x2 = v128.load(at + 2 * rs), x3 = v128.load(at + 3 * rs);
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(x2, x3, 0, 4, 1, 5), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      const out = to + <usize>c * ds + (<usize>r << 2);
      v128.store(out, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(out + ds, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
      v128.store(out + 2 * ds, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
      v128.store(out + 3 * ds, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
    }
    for (let c = c4; c < cols; c++) for (let k = r; k < r + 4; k++) store<f32>(to + <usize>c * ds + (<usize>k << 2), load<f32>(from + <usize>k * rs + (<usize>c << 2)));
  }
}

// @ts-ignore: decorator
@inline function combine4(op: i32, a: v128, b: v128): v128 {
  return op == 0 ? f32x4.add(a, b) : op == 1 ? f32x4.max(a, b) : f32x4.min(a, b);
}
// @ts-ignore: decorator
@inline function combine1(op: i32, a: f32, b: f32): f32 {
  const v = combine4(op, f32x4.splat(a), f32x4.splat(b));
  return f32x4.extract_lane(v, 0);
}

// Reduces the middle axis of x [outer, size, inner] (op 0 sum, 1 max, 2 min; NaN propagates)
// for outer rows [o0, o1): four inner columns per vector, or, for inner = 1, four values of
// the row per vector, folded at the end.
export function reduceMiddle(op: i32, x: usize, out: usize, size: i32, inner: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    const base = x + (<usize>(o * size * inner) << 2), dst = out + (<usize>(o * inner) << 2);
    if (inner == 1) {
      let r = 0;
      let acc = op == 0 ? f32x4.splat(0) : v128.load32_splat(base);
      for (; r + 4 <= size; r += 4) acc = combine4(op, acc, v128.load(base + (<usize>r << 2)));
      let s = combine1(op, combine1(op, f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), combine1(op, f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
      for (; r < size; r++) s = combine1(op, s, load<f32>(base + (<usize>r << 2)));
      store<f32>(dst, s);
      continue;
    }
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      let p = base + (<usize>j << 2);
      let acc = op == 0 ? f32x4.splat(0) : v128.load(p);
      for (let r = 0; r < size; r++) { acc = combine4(op, acc, v128.load(p)); p += <usize>inner << 2; }
      v128.store(dst + (<usize>j << 2), acc);
    }
    for (; j < inner; j++) {
      let s: f32 = op == 0 ? 0 : load<f32>(base + (<usize>j << 2));
      for (let r = 0; r < size; r++) s = combine1(op, s, load<f32>(base + (<usize>(r * inner + j) << 2)));
      store<f32>(dst + (<usize>j << 2), s);
    }
  }
}
